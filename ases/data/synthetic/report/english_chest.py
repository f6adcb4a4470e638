"""English abnormal findings of the brain, head and neck, thyroid, lungs, pleura, mediastinum
and heart.

Every template writes one sentence with at least one measurement (a size or an SUVmax) and
returns the impression's restatement (``core``) built from the very same measurement strings.
"""

from __future__ import annotations

from ases.data.synthetic.report.english_draw import Draw, Lesion

LOBES = ("right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe",
         "left lower lobe")
_CORTEX = ("right frontal lobe", "left frontal lobe", "left parietal lobe", "right temporal lobe",
           "left occipital lobe", "right cerebellar hemisphere")
_HN_SITES = ("right palatine tonsil", "left palatine tonsil", "base of tongue",
             "left aryepiglottic fold", "right lateral nasopharyngeal wall")
_STATIONS = ("right paratracheal region", "subcarinal region", "aortopulmonary window",
             "right hilum", "left hilum", "prevascular space")


def _brain_metastasis(d: Draw) -> Lesion:
    site, size, suv = d.pick(_CORTEX), d.size(0.5, 2.5), d.suv(6, 16)
    text = (f"Rounded hypodense lesion in the {site} measuring {d.approx()}{size}, with focal "
            f"uptake above adjacent cortex ({suv}) and surrounding edema{d.change()}.")
    return Lesion(text, f"Hypermetabolic {size} lesion in the {site} ({suv})",
                  d.pick(("a brain metastasis", "cerebral metastatic disease")), 1)


def _brain_infarct(d: Draw) -> Lesion:
    where = f"{d.side()} {d.pick(('middle', 'posterior'))} cerebral artery territory"
    size = d.size(1.5, 5.0)
    text = f"Wedge-shaped hypodensity with absent FDG uptake in the {where}, measuring {size}{d.change(True)}."
    return Lesion(text, f"Photopenic {size} hypodensity in the {where}", "an old infarct", 2)


def _meningioma(d: Draw) -> Lesion:
    site = d.pick(("falx", "left convexity", "right sphenoid wing"))
    size = d.size(0.6, 2.5)
    if d.no_change():
        text = f"No change in the {size} calcified extra-axial lesion along the {site}."
    else:
        text = f"Calcified extra-axial lesion along the {site} measuring {size}, with low uptake{d.change(True)}."
    return Lesion(text, f"Calcified extra-axial lesion along the {site} ({size})", "a meningioma", 2)


def _head_neck_primary(d: Draw) -> Lesion:
    site, size, suv = d.pick(_HN_SITES), d.size(1.2, 4.5), d.suv(7, 22)
    chg = d.change()
    text = d.pick((f"Asymmetric soft tissue mass in the {site} measuring {size} with intense FDG "
                   f"uptake ({suv}){chg}.",
                   f"There is an intensely FDG-avid mass in the {site}, {size} ({suv}){chg}."))
    return Lesion(text, f"Hypermetabolic {size} mass in the {site} ({suv})",
                  d.pick(("primary squamous cell carcinoma", "a primary head and neck malignancy")), 0)


def _cervical_node(d: Draw) -> Lesion:
    where = f"{d.side()} level {d.pick(('II', 'III', 'IV', 'V'))}"
    size, suv = d.size(0.8, 3.0, 1), d.suv(4, 15)
    text = f"Enlarged {where} cervical lymph node measuring {size} in short axis ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid {where} cervical lymph node ({size}, {suv})",
                  d.pick(("nodal metastasis", "cervical nodal metastasis")), 1)


def _sinusitis(d: Draw) -> Lesion:
    where = d.pick(("the right maxillary sinus", "the left maxillary sinus", "both maxillary sinuses"))
    size, suv = d.size(0.4, 1.2, 1), d.suv(1.8, 3.5)
    text = f"Mucosal thickening of {where} up to {size} with mild uptake ({suv}){d.change(True)}."
    return Lesion(text, f"Maxillary sinus mucosal thickening ({size})", "sinusitis", 2)


def _thyroid_nodule(d: Draw) -> Lesion:
    side = d.side()
    if d.no_change():
        size = d.size(0.5, 2.5)
        text = f"No change in the {size} nodule in the {side} thyroid lobe."
        core = f"Nodule in the {side} thyroid lobe ({size})"
    else:
        size, suv = d.size(0.5, 3.0), d.suv(3, 14)
        text = (f"Hypodense nodule in the {side} thyroid lobe measuring {d.approx()}{size} with "
                f"focal uptake ({suv}){d.change(True)}.")
        core = f"Focal uptake in a {size} {side} thyroid nodule ({suv})"
    return Lesion(text, core, d.pick(("a thyroid adenoma, although ultrasound correlation is advised",
                                      "an incidental thyroid nodule; ultrasound is recommended")), 2)


def _thyroiditis(d: Draw) -> Lesion:
    suv = d.suv(3, 9)
    text = f"Diffuse homogeneous FDG uptake throughout both thyroid lobes ({suv}){d.change(True)}."
    return Lesion(text, f"Diffuse thyroid uptake ({suv})", "thyroiditis", 2)


def _lung_primary(d: Draw) -> Lesion:
    lobe, size, suv = d.pick(LOBES), d.size(1.5, 6.0, d.pick((2, 3))), d.suv(6, 22)
    chg = d.change()
    text = d.pick((f"Spiculated mass in the {lobe} measuring {d.approx()}{size} with intense FDG "
                   f"uptake ({suv}){chg}.",
                   f"There is a spiculated {size} mass in the {lobe} ({suv}){chg}, abutting the "
                   "pleura."))
    return Lesion(text, f"Hypermetabolic spiculated {size} mass in the {lobe} ({suv})",
                  d.pick(("primary lung cancer", "a primary bronchogenic carcinoma")), 0)


def _lung_metastases(d: Draw) -> Lesion:
    lobe, size, suv = d.pick(LOBES), d.size(0.6, 2.2), d.suv(2.5, 9)
    chg = d.change()
    text = d.pick((f"Multiple bilateral pulmonary nodules, the largest in the {lobe} measuring "
                   f"{size} ({suv}){chg}.",
                   f"Several FDG-avid nodules in both lungs, e.g. in the {lobe} ({size}, "
                   f"{suv}){chg}."))
    return Lesion(text, f"Multiple FDG-avid pulmonary nodules, including one of {size} in the "
                  f"{lobe} ({suv})", "pulmonary metastases", 1)


def _lung_benign_nodule(d: Draw) -> Lesion:
    lobe = d.pick(LOBES)
    size = d.size(0.4, 0.9, 1)
    if d.no_change():
        text = f"No change in the {size} nodule in the {lobe}."
    else:
        chg = d.change(True)
        text = d.pick((f"Non-avid solid nodule of {size} in the {lobe}{chg}.",
                       f"A {size} nodule in the {lobe} shows no significant FDG uptake{chg}."))
    return Lesion(text, f"Nodule in the {lobe} ({size})",
                  d.pick(("a benign granuloma", "a benign nodule")), 2)


def _consolidation(d: Draw) -> Lesion:
    lobe, size, suv = d.pick(LOBES), d.size(2.0, 6.0), d.suv(2.5, 6)
    text = f"Patchy consolidation in the {lobe} measuring {size} with moderate uptake ({suv}){d.change(True)}."
    return Lesion(text, f"Moderately avid consolidation in the {lobe} ({size}, {suv})",
                  "an infectious or inflammatory process", 2)


def _pleural_effusion(d: Draw) -> Lesion:
    side, size = d.side(), d.size(0.8, 6.0, 1)
    text = (f"{d.pick(('Small', 'Moderate'))} {side} pleural effusion, measuring {d.approx()}{size} "
            f"in maximal depth{d.change(True)}.")
    return Lesion(text, f"{side.capitalize()} pleural effusion ({size} in depth)",
                  d.pick(("a reactive effusion", "a sympathetic effusion")), 2)


def _pleural_metastases(d: Draw) -> Lesion:
    side, size, suv = d.side(), d.size(0.5, 2.0, 1), d.suv(3.5, 12)
    text = f"Nodular {side} pleural thickening up to {size} with FDG uptake ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid nodular {side} pleural thickening ({size}, {suv})",
                  "pleural metastases", 1)


def _mediastinal_node(d: Draw) -> Lesion:
    station, size, suv = d.pick(_STATIONS), d.size(1.0, 3.5), d.suv(4, 16)
    chg = d.change()
    text = d.pick((f"Enlarged lymph node in the {station} measuring {size} ({suv}){chg}.",
                   f"There is an FDG-avid {size} lymph node in the {station} ({suv}){chg}."))
    return Lesion(text, f"Hypermetabolic {size} lymph node in the {station} ({suv})",
                  d.pick(("nodal metastasis", "mediastinal nodal metastasis")), 1)


def _sarcoid_like(d: Draw) -> Lesion:
    size, suv = d.size(0.8, 1.8, 1), d.suv(3, 9)
    text = (f"Symmetric FDG-avid mediastinal and bilateral hilar lymph nodes, the largest {size} "
            f"in short axis ({suv}){d.change(True)}.")
    return Lesion(text, f"Symmetric mediastinal and hilar nodal uptake ({suv})",
                  "reactive or granulomatous lymphadenopathy, e.g. sarcoidosis", 2)


def _pericardial_effusion(d: Draw) -> Lesion:
    size = d.size(0.5, 1.8, 1)
    text = f"Small pericardial effusion measuring up to {size} in thickness{d.change(True)}."
    return Lesion(text, f"Pericardial effusion ({size})", "a reactive pericardial effusion", 2)


def _aorta(d: Draw) -> Lesion:
    size = d.size(4.0, 5.2, 1)
    text = f"The ascending aorta is dilated to {d.approx()}{size}{d.change(True)}."
    return Lesion(text, f"Dilated ascending aorta ({size})",
                  "an ascending aortic aneurysm", 2)


PRIMARY_CHEST = {"head_neck": ((_head_neck_primary, 1),), "lungs": ((_lung_primary, 1),)}
"""Templates for a primary tumour, by organ group."""
OTHER_CHEST = {
    "brain": ((_brain_metastasis, 2), (_brain_infarct, 2), (_meningioma, 2)),
    "head_neck": ((_cervical_node, 3), (_sinusitis, 2)),
    "thyroid": ((_thyroid_nodule, 3), (_thyroiditis, 1)),
    "lungs": ((_lung_metastases, 3), (_lung_benign_nodule, 4), (_consolidation, 2)),
    "pleura": ((_pleural_effusion, 3), (_pleural_metastases, 1)),
    "mediastinum": ((_mediastinal_node, 3), (_sarcoid_like, 1)),
    "heart": ((_pericardial_effusion, 1), (_aorta, 1)),
}
"""Templates for metastases and benign or incidental findings, by organ group."""
