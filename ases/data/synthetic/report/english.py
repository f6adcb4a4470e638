"""Synthetic English PET/CT reports: findings in, impression out.

The English twin of :func:`~ases.data.synthetic.report.generate.generate_pet`. The findings open
with a preamble sentence (and, when the patient has a prior study, a comparison sentence), then
walk through :data:`ORGANS_EN` in a fixed anatomical order, one sentence per organ group. Most
groups get a normal sentence from :data:`NORMAL_SENTENCES_EN` (no number in any of them); one to
four get an abnormal sentence with measurements (``"1.2 x 0.8 cm"``, ``"8 mm"``,
``"SUVmax 5.6"``) and, with a prior study, a comparison (``"increased from SUVmax 4.8"``,
``"No change in the 8 mm nodule ..."``). The impression numbers one item per abnormal finding,
main diagnosis first: a restatement that copies the findings' measurements (extractive) and an
inference (abstractive). All templates were written for this module.
"""

from __future__ import annotations

import datetime
import random

from ases.data.example import Example
from ases.data.synthetic.report.english_abdomen import OTHER_ABDOMEN, PRIMARY_ABDOMEN
from ases.data.synthetic.report.english_chest import OTHER_CHEST, PRIMARY_CHEST
from ases.data.synthetic.report.english_draw import Draw, Lesion

_NORMAL: dict[str, tuple[str, ...]] = {
    "brain": ("Physiological FDG uptake in the brain.",
              "The brain shows normal physiological FDG distribution.",
              "No focal abnormality in the visualized brain.",
              "Symmetric cortical and subcortical FDG uptake in the brain."),
    "head_neck": ("Physiological uptake in the tonsils and salivary glands.",
                  "No cervical lymphadenopathy.",
                  "The nasopharynx, oropharynx and larynx are unremarkable.",
                  "No abnormal FDG uptake in the head and neck."),
    "thyroid": ("The thyroid gland is unremarkable.",
                "The thyroid is normal in size with homogeneous uptake.",
                "No focal thyroid uptake."),
    "lungs": ("The lungs are clear.",
              "No suspicious pulmonary nodules.",
              "No focal consolidation or suspicious lung nodule.",
              "There is no FDG-avid pulmonary lesion."),
    "pleura": ("No pleural effusion.",
               "There is no pneumothorax.",
               "No pleural effusion or pneumothorax.",
               "The pleural surfaces are smooth."),
    "mediastinum": ("No mediastinal or hilar lymphadenopathy.",
                    "No FDG-avid mediastinal or hilar lymph nodes.",
                    "The mediastinum is unremarkable."),
    "heart": ("The heart is normal in size.",
              "No pericardial effusion.",
              "Physiological myocardial FDG uptake.",
              "The heart and great vessels are unremarkable."),
    "liver": ("The liver is normal in size and attenuation.",
              "No focal liver lesion.",
              "Homogeneous hepatic FDG uptake without focal abnormality.",
              "The liver is unremarkable."),
    "gallbladder": ("The gallbladder is unremarkable.",
                    "No gallstones.",
                    "The gallbladder is normal and the bile ducts are not dilated."),
    "pancreas": ("The pancreas is unremarkable.",
                 "The pancreas is normal in size without focal uptake.",
                 "No pancreatic mass or duct dilatation."),
    "spleen": ("The spleen is unremarkable.",
               "The spleen is normal in size.",
               "Normal splenic size and uptake."),
    "adrenals": ("The adrenal glands are within normal limits.",
                 "No adrenal nodule.",
                 "Both adrenal glands are unremarkable."),
    "kidneys": ("The kidneys are unremarkable.",
                "No hydronephrosis.",
                "Physiological renal excretion of tracer.",
                "Both kidneys are normal in size and position."),
    "bowel": ("Physiological bowel uptake.",
              "No bowel wall thickening.",
              "The bowel loops are unremarkable.",
              "Physiological FDG activity in the colon."),
    "abdominal_nodes": ("No retroperitoneal or mesenteric lymphadenopathy.",
                        "No ascites.",
                        "No peritoneal nodularity or ascites.",
                        "No FDG-avid abdominal lymph nodes."),
    "pelvis": ("The urinary bladder is unremarkable.",
               "Physiological tracer activity in the bladder.",
               "No pelvic mass or free fluid.",
               "The pelvic organs are unremarkable."),
    "bones": ("No suspicious FDG uptake in the bones.",
              "No focal osseous lesion.",
              "Normal bone marrow uptake.",
              "No destructive bone lesion."),
}

ORGANS_EN: tuple[str, ...] = tuple(_NORMAL)
"""Organ groups in the fixed anatomical order of the findings; one findings sentence each."""
NORMAL_SENTENCES_EN: tuple[str, ...] = tuple(s for group in _NORMAL.values() for s in group)
"""Every normal findings sentence (none has a placeholder); no abnormal sentence is among them."""

_PRIMARY = {**PRIMARY_CHEST, **PRIMARY_ABDOMEN}
_OTHER = {**OTHER_CHEST, **OTHER_ABDOMEN}
if set(_OTHER) != set(ORGANS_EN) or not set(_PRIMARY) <= set(ORGANS_EN):
    raise RuntimeError(f"organs without templates: {set(ORGANS_EN) ^ set(_OTHER)}")

P_PRIOR = 0.4
"""How often the patient has a prior study (a comparison sentence, comparison clauses)."""
P_PRIMARY = 0.75
"""How often the report has a primary tumour (its item comes first in the impression)."""
P_PARAGRAPHS = 0.3
"""How often the findings put each body region on its own line."""
P_LINES = 0.3
"""How often the impression puts each item on its own line."""
_N_ABNORMAL = ((1, 2, 3, 4), (0.25, 0.35, 0.25, 0.15))
_PRIMARY_ODDS = {"head_neck": 1.0, "lungs": 3.0, "liver": 0.7, "pancreas": 2.0, "kidneys": 0.8,
                 "bowel": 2.0}
_ODDS = {"brain": 0.4, "head_neck": 0.7, "thyroid": 0.6, "lungs": 1.5, "pleura": 0.8,
         "mediastinum": 1.2, "heart": 0.5, "liver": 1.6, "gallbladder": 0.6, "pancreas": 0.6,
         "spleen": 0.4, "adrenals": 0.9, "kidneys": 1.0, "bowel": 0.6, "abdominal_nodes": 1.2,
         "pelvis": 0.8, "bones": 1.3}
_REGION_ENDS = ("thyroid", "heart", "abdominal_nodes", "pelvis")
"""The last organ group of each body region but the last (paragraph breaks follow them)."""

_PREAMBLE = (
    "FDG PET/CT from the skull base to mid-thigh.",
    "Whole-body FDG PET/CT was performed from the vertex to the upper thighs.",
    "Images were acquired from the skull vertex to the proximal thighs after intravenous FDG.",
    "FDG PET/CT with low-dose CT for attenuation correction and localization.",
    "Staging FDG PET/CT of the whole body.",
)
_COMPARE = ("Comparison: PET/CT of {}.", "Comparison is made with the prior PET/CT of {}.",
            "Compared with the previous study dated {}.")
_TREND = {
    "increased": (", increased since the prior study", ", increased compared with the prior study"),
    "decreased": (", decreased since the prior study", ", decreased compared with the prior study"),
    "stable": (", unchanged since the prior study", ", stable compared with the prior study"),
}
_VERDICT = {  # by (malignant, trend)
    (True, ""): ("consistent with {}", "compatible with {}", "suspicious for {}", "most likely {}"),
    (True, "increased"): ("suggesting progression of {}", "consistent with progression of {}"),
    (True, "decreased"): ("consistent with partial response of {}",
                          "suggesting treatment response of {}"),
    (True, "stable"): ("in keeping with stable {}", "consistent with stable {}"),
    (False, ""): ("likely {}", "most likely {}", "probably {}", "consistent with {}"),
}


def _abnormal(rng: random.Random) -> tuple[str | None, set[str]]:
    """The primary tumour's organ (or ``None``) and all abnormal organ groups."""
    total = rng.choices(*_N_ABNORMAL)[0]
    primary = None
    if rng.random() < P_PRIMARY:
        primary = rng.choices(list(_PRIMARY_ODDS), weights=list(_PRIMARY_ODDS.values()))[0]
    chosen = {primary} if primary else set()
    pool = {o: w for o, w in _ODDS.items() if o not in chosen}
    while len(chosen) < total:  # weighted sampling without replacement
        organ = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.add(organ)
        del pool[organ]
    return primary, chosen


def _item(lesion: Lesion, d: Draw) -> str:
    item = lesion.core
    if d.trend:
        item += d.pick(_TREND[d.trend])
    verdicts = _VERDICT.get((lesion.rank < 2, d.trend), _VERDICT[(lesion.rank < 2, "")])
    return f"{item}, {d.pick(verdicts).format(lesion.disease)}."


def _one(seed: int, i: int) -> Example:
    # A string seed is hashed with SHA-512 by ``random``: stable across runs and platforms, and
    # report i does not depend on how many reports are asked for.
    rng = random.Random(f"report-en-{seed}-{i}")
    sex = rng.choice("mf")
    prior_date = ""
    if rng.random() < P_PRIOR:
        day = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(7 * 365))
        prior_date = day.isoformat()
    primary, abnormal = _abnormal(rng)
    head = [rng.choice(_PREAMBLE)]
    if prior_date:
        head.append(rng.choice(_COMPARE).format(prior_date))
    paragraphs, current = [head], head
    normal, abnormal_text, found = [], [], []
    for order, organ in enumerate(ORGANS_EN):
        if organ in abnormal:
            d = Draw(rng, prior_date, sex)
            templates = _PRIMARY[organ] if organ == primary else _OTHER[organ]
            fns, weights = zip(*templates, strict=True)
            lesion = rng.choices(fns, weights=weights)[0](d)
            current.append(lesion.text)
            abnormal_text.append(lesion.text)
            found.append((lesion.rank, order, _item(lesion, d)))
        else:
            sentence = rng.choice(_NORMAL[organ])
            current.append(sentence)
            normal.append(sentence)
        if organ in _REGION_ENDS:
            current = []
            paragraphs.append(current)
    sep = "\n" if rng.random() < P_PARAGRAPHS else " "
    findings = sep.join(" ".join(p) for p in paragraphs)
    # Main diagnosis first, then metastases, then benign or incidental findings, head to toe.
    items = [f"{k}. {text}" for k, (_, _, text) in enumerate(sorted(found), 1)]
    impression = ("\n" if rng.random() < P_LINES else " ").join(items)
    return Example(
        qid=f"report-en-{seed}-{i}",
        question=findings,
        cot=impression,
        answer="",
        meta={
            "abnormal": [o for o in ORGANS_EN if o in abnormal],
            "n_normal": len(normal),
            "n_abnormal": len(abnormal),
            "normal_sentences": normal,
            "abnormal_sentences": abnormal_text,
        },
    )


def generate_report_en(n: int, seed: int, start: int = 0) -> list[Example]:
    """Generates synthetic English PET/CT reports: findings in, numbered impression out.

    Args:
        n: how many reports to make.
        seed: any integer; the same seed always gives the same reports.
        start: index of the first report, so batches can be made piece by piece.

    Returns:
        ``n`` examples with qids ``f"report-en-{seed}-{i}"`` for ``i`` in
        ``range(start, start + n)``; report ``i`` is the same whatever ``n`` and ``start`` are.
        ``question`` holds the findings (a preamble, maybe a comparison sentence, then one
        sentence per organ group of :data:`ORGANS_EN`), ``cot`` the impression (``"1. ..."``
        items, one per abnormal group), ``answer`` is empty. ``meta`` holds ``abnormal`` (the
        abnormal organ groups in findings order), ``n_normal``, ``n_abnormal``,
        ``normal_sentences`` and ``abnormal_sentences`` (the exact sentences used, in order).
    """
    return [_one(seed, i) for i in range(start, start + n)]
