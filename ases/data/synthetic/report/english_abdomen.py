"""English abnormal findings of the liver down to the bones (see :mod:`.english_chest`)."""

from __future__ import annotations

from ases.data.synthetic.report.english_draw import Draw, Lesion

_SEGMENTS = ("segment II", "segment III", "segment IVa", "segment V", "segment VI",
             "segment VII", "segment VIII")
_PANCREAS = ("pancreatic head", "pancreatic neck", "pancreatic body", "pancreatic tail",
             "uncinate process")
_COLON = ("sigmoid colon", "ascending colon", "transverse colon", "descending colon", "cecum",
          "rectum")
_NODES = ("left para-aortic", "aortocaval", "retrocaval", "celiac", "portocaval")
_VERTEBRAE = ("T4", "T7", "T9", "T11", "T12", "L1", "L2", "L3", "L4", "L5")
_BONES = ("right iliac bone", "left iliac bone", "sternum", "left femoral neck",
          "right proximal humerus", "sacrum")


def _hcc(d: Draw) -> Lesion:
    seg, size, suv = d.pick(_SEGMENTS), d.size(3.0, 9.0, 3), d.suv(4, 14)
    text = f"Large heterogeneous mass in hepatic {seg} measuring {d.approx()}{size} ({suv}){d.change()}."
    return Lesion(text, f"Hypermetabolic {size} liver mass in {seg} ({suv})",
                  "primary hepatocellular carcinoma", 0)


def _liver_metastases(d: Draw) -> Lesion:
    seg, size, suv = d.pick(_SEGMENTS), d.size(0.8, 4.5), d.suv(4, 16)
    text = (f"Multiple hypodense hepatic lesions with increased FDG uptake, e.g. in {seg} "
            f"measuring {d.approx()}{size} ({suv}){d.change()}.")
    return Lesion(text, f"Multiple FDG-avid liver lesions, including one of {size} in {seg} ({suv})",
                  "hepatic metastases", 1)


def _liver_metastasis(d: Draw) -> Lesion:
    seg, size, suv = d.pick(_SEGMENTS), d.size(0.8, 3.0), d.suv(3.5, 12)
    text = f"Ill-defined hypodense lesion in {seg} measuring {size} with focal uptake ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid {size} liver lesion in {seg} ({suv})", "a hepatic metastasis", 1)


def _liver_cyst(d: Draw) -> Lesion:
    seg, size = d.pick(_SEGMENTS), d.size(0.5, 4.0)
    if d.no_change():
        text = f"No change in the {size} hypodense lesion in {seg}."
    else:
        text = f"Well-defined non-avid hypodense lesion in {seg} measuring {size}{d.change(True)}."
    return Lesion(text, f"Hypodense lesion in {seg} ({size})", "a simple hepatic cyst", 2)


def _gallstone(d: Draw) -> Lesion:
    size = d.size(0.5, 2.5, 1)
    text = f"Calcified gallstone of {size} in the gallbladder lumen, without increased uptake{d.change(True)}."
    return Lesion(text, f"Gallstone ({size})", "cholelithiasis", 2)


def _cholecystitis(d: Draw) -> Lesion:
    size, suv = d.size(0.5, 1.2, 1), d.suv(2.5, 5)
    text = f"The gallbladder wall is thickened to {size} with mild uptake ({suv}){d.change(True)}."
    return Lesion(text, f"Gallbladder wall thickening ({size}, {suv})", "cholecystitis", 2)


def _pancreas_mass(d: Draw) -> Lesion:
    site, size, suv = d.pick(_PANCREAS), d.size(1.5, 6.0), d.suv(4, 20)
    extra = d.pick(("", ", with upstream dilatation of the pancreatic duct",
                    ", abutting the superior mesenteric artery"))
    text = (f"Hypodense mass in the {site} measuring {d.approx()}{size} with intense FDG uptake "
            f"({suv}){d.change()}{extra}.")
    disease = "primary pancreatic carcinoma"
    if "artery" in extra:
        disease += " with possible vascular involvement"
    return Lesion(text, f"Hypermetabolic {size} mass in the {site} ({suv})", disease, 0)


def _pancreas_cyst(d: Draw) -> Lesion:
    site, size = d.pick(_PANCREAS), d.size(0.5, 2.5)
    if d.no_change():
        text = f"No change in the {size} cystic lesion in the {site}."
    else:
        text = f"Non-avid cystic lesion in the {site} measuring {size}{d.change(True)}."
    return Lesion(text, f"Cystic lesion in the {site} ({size})",
                  "a side-branch intraductal papillary mucinous neoplasm", 2)


def _splenomegaly(d: Draw) -> Lesion:
    size, suv = d.size(13.0, 19.0, 1), d.suv(2.5, 5)
    text = (f"The spleen is enlarged, measuring {size} in craniocaudal length, with diffusely "
            f"increased uptake ({suv}){d.change(True)}.")
    return Lesion(text, f"Splenomegaly ({size}) with diffuse uptake ({suv})", "reactive change", 2)


def _spleen_lesion(d: Draw) -> Lesion:
    size, suv = d.size(0.8, 3.0), d.suv(4, 12)
    text = f"Focal hypodense splenic lesion measuring {size} ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid {size} splenic lesion ({suv})", "a splenic metastasis", 1)


def _adrenal_metastasis(d: Draw) -> Lesion:
    side, size, suv = d.side(), d.size(1.0, 4.0), d.suv(5, 15)
    text = f"{side.capitalize()} adrenal nodule measuring {size} with intense uptake ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid {size} {side} adrenal nodule ({suv})", "an adrenal metastasis", 1)


def _adrenal_adenoma(d: Draw) -> Lesion:
    side, size, suv = d.side(), d.size(0.8, 3.0), d.suv(1.5, 2.8)
    if d.no_change():
        text = f"No change in the {size} {side} adrenal nodule, which shows low uptake ({suv})."
    else:
        text = (f"Low-attenuation {side} adrenal nodule measuring {size} with uptake below the "
                f"liver ({suv}){d.change(True)}.")
    return Lesion(text, f"{side.capitalize()} adrenal nodule ({size}) with low uptake ({suv})",
                  "an adrenal adenoma", 2)


def _renal_mass(d: Draw) -> Lesion:
    side, pole = d.side(), d.pick(("upper pole", "lower pole", "interpolar region"))
    size, suv = d.size(2.0, 8.0, 3), d.suv(3, 12)
    text = f"Exophytic mass arising from the {pole} of the {side} kidney, {size} ({suv}){d.change()}."
    return Lesion(text, f"{side.capitalize()} renal mass ({size}, {suv})",
                  "primary renal cell carcinoma", 0)


def _renal_cyst(d: Draw) -> Lesion:
    side, size = d.side(), d.size(0.8, 5.0)
    if d.no_change():
        text = f"No change in the {size} cyst in the {side} kidney."
    else:
        text = f"Simple-appearing cyst in the {side} kidney measuring {size}{d.change(True)}."
    return Lesion(text, f"{side.capitalize()} renal cyst ({size})", "a benign cyst", 2)


def _kidney_stone(d: Draw) -> Lesion:
    side, size = d.side(), d.size(0.3, 1.2, 1)
    text = f"Non-obstructing calculus of {size} in the {side} renal pelvis{d.change(True)}."
    return Lesion(text, f"{side.capitalize()} renal calculus ({size})", "nephrolithiasis", 2)


def _hydronephrosis(d: Draw) -> Lesion:
    side, size = d.side(), d.size(1.2, 3.5, 1)
    text = (f"{side.capitalize()} hydronephrosis, with the renal pelvis measuring {size} in "
            f"anteroposterior diameter{d.change(True)}.")
    return Lesion(text, f"{side.capitalize()} hydronephrosis (renal pelvis {size})",
                  "obstructive uropathy", 2)


def _colon_primary(d: Draw) -> Lesion:
    seg, size, suv = d.pick(_COLON), d.size(2.5, 7.0, 1), d.suv(8, 24)
    text = (f"Circumferential wall thickening of the {seg} over a length of {d.approx()}{size} "
            f"with intense uptake ({suv}){d.change()}.")
    return Lesion(text, f"Hypermetabolic wall thickening of the {seg} ({size}, {suv})",
                  "primary colorectal carcinoma", 0)


def _colon_focal(d: Draw) -> Lesion:
    seg, suv = d.pick(_COLON), d.suv(4, 12)
    text = f"Focal FDG uptake in the {seg} ({suv}) without a definite CT correlate{d.change(True)}."
    return Lesion(text, f"Focal uptake in the {seg} ({suv})",
                  "a colonic polyp; colonoscopy is recommended", 2)


def _retroperitoneal_node(d: Draw) -> Lesion:
    station, size, suv = d.pick(_NODES), d.size(1.0, 3.5), d.suv(4, 16)
    text = f"Enlarged {station} lymph node measuring {size} ({suv}){d.change()}."
    return Lesion(text, f"Hypermetabolic {size} {station} lymph node ({suv})", "nodal metastasis", 1)


def _peritoneal(d: Draw) -> Lesion:
    where = d.pick(("greater omentum", "right paracolic gutter", "pouch of Douglas"))
    size, suv = d.size(0.6, 3.0, 1), d.suv(3, 11)
    text = (f"Nodular peritoneal thickening, e.g. in the {where}, up to {size} ({suv})"
            f"{d.change()}, with a small amount of ascites.")
    return Lesion(text, f"FDG-avid nodular peritoneal thickening up to {size} ({suv})",
                  "peritoneal carcinomatosis", 1)


def _pelvic_node(d: Draw) -> Lesion:
    where = f"{d.side()} {d.pick(('external iliac', 'internal iliac', 'obturator'))}"
    size, suv = d.size(0.8, 3.0), d.suv(4, 14)
    text = f"FDG-avid {where} lymph node measuring {size} ({suv}){d.change()}."
    return Lesion(text, f"Hypermetabolic {size} {where} lymph node ({suv})",
                  "pelvic nodal metastasis", 1)


def _pelvic_organ(d: Draw) -> Lesion:
    if d.sex == "m":
        size, suv = d.size(4.5, 7.0, 3), d.suv(2.0, 3.5)
        text = f"The prostate is enlarged, measuring {size}, with mild heterogeneous uptake ({suv}){d.change(True)}."
        return Lesion(text, f"Enlarged prostate ({size})", "benign prostatic hyperplasia", 2)
    size, suv = d.size(2.0, 7.0), d.suv(2.0, 4.5)
    text = f"Well-circumscribed uterine mass measuring {size} with mild uptake ({suv}){d.change(True)}."
    return Lesion(text, f"Mildly avid uterine mass ({size}, {suv})", "a uterine leiomyoma", 2)


def _bone_metastases(d: Draw) -> Lesion:
    v1, v2 = d.rng.sample(_VERTEBRAE, 2)
    suv = d.suv(4, 15)
    text = (f"Multiple FDG-avid osseous lesions (e.g. {v1}, {v2} and the {d.side()} iliac bone), "
            f"the most intense in {v1} ({suv}){d.change()}.")
    return Lesion(text, f"Multiple FDG-avid bone lesions, most intense in {v1} ({suv})",
                  "osseous metastases", 1)


def _bone_metastasis(d: Draw) -> Lesion:
    bone, size, suv = d.pick(_BONES), d.size(1.0, 4.0), d.suv(4, 14)
    text = f"Lytic lesion in the {bone} measuring {size} with increased uptake ({suv}){d.change()}."
    return Lesion(text, f"FDG-avid lytic {size} lesion in the {bone} ({suv})", "a bone metastasis", 1)


def _bone_island(d: Draw) -> Lesion:
    v, size = d.pick(_VERTEBRAE), d.size(0.4, 1.4, 1)
    if d.no_change():
        text = f"No change in the {size} sclerotic focus in {v}."
    else:
        text = f"Non-avid sclerotic focus of {size} in {v}{d.change(True)}."
    return Lesion(text, f"Sclerotic focus in {v} ({size})", "a bone island", 2)


def _rib_fracture(d: Draw) -> Lesion:
    rib = f"{d.side()} {d.pick(('fifth', 'sixth', 'seventh', 'eighth'))} rib"
    suv = d.suv(2.0, 4.5)
    text = f"Healing fracture of the {rib} with callus and mild uptake ({suv}){d.change(True)}."
    return Lesion(text, f"Mild uptake at the {rib} ({suv})", "a healing rib fracture", 2)


PRIMARY_ABDOMEN = {
    "liver": ((_hcc, 1),),
    "pancreas": ((_pancreas_mass, 1),),
    "kidneys": ((_renal_mass, 1),),
    "bowel": ((_colon_primary, 1),),
}
"""Templates for a primary tumour, by organ group."""
OTHER_ABDOMEN = {
    "liver": ((_liver_metastases, 3), (_liver_metastasis, 2), (_liver_cyst, 3)),
    "gallbladder": ((_gallstone, 2), (_cholecystitis, 1)),
    "pancreas": ((_pancreas_cyst, 1),),
    "spleen": ((_splenomegaly, 1), (_spleen_lesion, 1)),
    "adrenals": ((_adrenal_metastasis, 1), (_adrenal_adenoma, 2)),
    "kidneys": ((_renal_cyst, 3), (_kidney_stone, 2), (_hydronephrosis, 1)),
    "bowel": ((_colon_focal, 1),),
    "abdominal_nodes": ((_retroperitoneal_node, 3), (_peritoneal, 1)),
    "pelvis": ((_pelvic_node, 1), (_pelvic_organ, 2)),
    "bones": ((_bone_metastases, 2), (_bone_metastasis, 2), (_bone_island, 3), (_rib_fracture, 1)),
}
"""Templates for metastases and benign or incidental findings, by organ group."""
