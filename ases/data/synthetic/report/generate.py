"""Assembles one report: which organs are abnormal, the findings, and the impression."""

from __future__ import annotations

import datetime
import random

from ases.data.example import Example
from ases.data.synthetic.report.draw import Draw, Lesion
from ases.data.synthetic.report.lesions_abdomen import ABDOMEN
from ases.data.synthetic.report.lesions_lower import LOWER
from ases.data.synthetic.report.lesions_upper import UPPER
from ases.data.synthetic.report.organs import ORGANS, normal_sentence

_TEMPLATES = {**UPPER, **ABDOMEN, **LOWER}
if set(_TEMPLATES) != set(ORGANS):  # a new organ group needs both normal and abnormal wordings
    raise RuntimeError(f"organs without templates: {set(ORGANS) ^ set(_TEMPLATES)}")

P_PANCREAS = 0.8
"""How often the pancreas is abnormal (the real cohort is pancreatic cancer patients)."""
P_PRIOR = 0.3
"""How often the patient has an earlier scan: the impression opens with a comparison."""
P_NUMBERED = 0.45
"""How often impression items are numbered ``1、`` ``2、``."""
P_BOILERPLATE = 0.75
"""How often the impression ends with a normal boilerplate sentence."""
P_QUOTE = 0.25
"""How often an impression item quotes its measurement from the findings."""

# Relative odds that an organ other than the pancreas is abnormal: metastatic sites of
# pancreatic cancer (liver, nodes, lungs, peritoneum, bones) come up most.
_ODDS = {
    "brain": 0.3,
    "head_neck": 0.8,
    "lungs": 1.5,
    "mediastinum": 0.8,
    "esophagus_stomach": 0.6,
    "liver_gallbladder": 2.0,
    "spleen": 0.4,
    "kidneys_adrenals": 1.0,
    "intestines": 0.7,
    "lymph_nodes": 1.6,
    "pelvis": 0.6,
    "bones": 1.0,
}
_N_ABNORMAL = ((1, 2, 3, 4), (0.15, 0.35, 0.3, 0.2))

_PREAMBLE = (
    "静脉注射18F-FDG约60分钟后行体部及脑部PET/CT显像，",
    "注射显像剂后约1小时行全身断层显像，可见",
    "18F-FDG PET/CT检查：",
    "",
)
_COMPARE = ("与{}老片比较：", "与{}PET/CT比较：", "对比{}旧片：")
_BOILERPLATE = (
    "余部位未见明显异常代谢征象。",
    "余躯干及头颅部未见明显异常代谢征象。",
    "其余部位未见异常高代谢灶。",
    "余所见部位未见明显异常。",
)
_TREND = {
    "增高": ("，较前代谢增高", "，代谢较前增高"),
    "减低": ("，较前代谢减低", "，代谢较前减低"),
    "相仿": ("，代谢较前相仿",),
}
_TREND_NOTE = {"增高": "，提示病情进展", "减低": "，提示治疗有效"}


def _abnormal_organs(rng: random.Random) -> set[str]:
    total = rng.choices(*_N_ABNORMAL)[0]
    chosen = {"pancreas"} if rng.random() < P_PANCREAS else set()
    pool = dict(_ODDS)
    while len(chosen) < total:
        # Weighted sampling without replacement, one organ at a time.
        organ = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.add(organ)
        del pool[organ]
    return chosen


def _item(lesion: Lesion, d: Draw) -> str:
    # Restate (extractive), maybe quote the measurement, state the trend, then infer (abstractive).
    item = lesion.restate
    if d.rng.random() < P_QUOTE and (d.suv_text or d.size_text):
        item += f"（{d.suv_text or '大小约' + d.size_text}）"
    if d.trend:
        item += d.pick(_TREND[d.trend])
        # Only metastases get a verdict on the course; for a primary it could contradict its conclusion.
        if d.trend in _TREND_NOTE and lesion.rank == 1 and d.chance(0.5):
            item += _TREND_NOTE[d.trend]
    return f"{item}，{lesion.conclusion}"


def _impression(items: list[str], rng: random.Random, prior: str) -> str:
    if rng.random() < P_NUMBERED:
        body = "".join(f"{k}、{item}。" for k, item in enumerate(items, 1))
    else:
        body = rng.choice(("；", "。")).join(items) + "。"
    tail = rng.choice(_BOILERPLATE) if rng.random() < P_BOILERPLATE else ""
    return prior + body + tail


def _one(seed: int, i: int) -> Example:
    # A string seed is hashed with SHA-512 by ``random``, so it is stable across runs and platforms
    # and example i does not depend on how many examples are asked for.
    rng = random.Random(f"pet-{seed}-{i}")
    sex = rng.choice("mf")
    has_prior = rng.random() < P_PRIOR
    abnormal = _abnormal_organs(rng)
    sentences, found = [], []
    for order, organ in enumerate(ORGANS):
        d = Draw(rng, has_prior, sex)
        if organ in abnormal:
            fns, weights = zip(*_TEMPLATES[organ], strict=True)
            lesion = rng.choices(fns, weights=weights)[0](d)
            sentences.append(lesion.text)
            found.append((lesion.rank, order, _item(lesion, d)))
        else:
            sentences.append(normal_sentence(organ, d))
    sentences[0] = rng.choice(_PREAMBLE) + sentences[0]
    prior = ""
    if has_prior:
        day = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
        prior = rng.choice(_COMPARE).format(day.isoformat())
    # Main diagnosis first, then metastases, then incidental findings, each group head to toe.
    items = [text for _, _, text in sorted(found)]
    return Example(
        qid=f"pet-{seed}-{i}",
        question="".join(s + "。" for s in sentences),
        cot=_impression(items, rng, prior),
        answer="",
        meta={
            "abnormal": [o for o in ORGANS if o in abnormal],
            "n_normal": len(ORGANS) - len(abnormal),
            "n_abnormal": len(abnormal),
        },
    )


def generate_pet(n: int, seed: int, start: int = 0) -> list[Example]:
    """Generates synthetic Chinese PET/CT reports: findings in, impression out.

    Args:
        n: how many reports to make.
        seed: any integer; the same seed always gives the same reports.
        start: index of the first report, so batches can be made piece by piece.

    Returns:
        ``n`` examples with qids ``f"pet-{seed}-{i}"`` for ``i`` in ``range(start, start + n)``;
        report ``i`` is the same whatever ``n`` and ``start`` are. ``question`` holds the
        findings (one sentence per organ group of :data:`ORGANS`, in order), ``cot`` the
        impression, ``answer`` is empty. ``meta`` holds ``abnormal`` (the abnormal organ groups,
        in findings order), ``n_normal`` and ``n_abnormal``.
    """
    return [_one(seed, i) for i in range(start, start + n)]
