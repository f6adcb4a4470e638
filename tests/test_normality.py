import csv
import gzip
import itertools
import math
from pathlib import Path

import pytest

from ases.tasks.report.normality import LexiconNormalDetector, apply_gamma, split_sentences_zh

CPET = Path(__file__).resolve().parents[2] / "shared" / "data" / "cpet11k" / "cpet11k.csv.gz"

NORMAL = [
    "肝脏形态如常，放射性分布均匀。",
    "双肺未见明显异常放射性浓聚。",
    "脑室无扩大，中线无移位。",
    "甲状腺两叶不大，腺实质内未见异常放射性增高灶。",  # 未见…增高: negated
    "两侧肾上腺显影大致正常。",
    "气管居中。",
    "胸水征阴性。",
    "纵隔未见肿大淋巴结。",  # 肿大, 淋巴结 inside the negation
    "胰管不扩张。",
    "基底节区显示对称。",
    "皮层下各神经核团显影清晰。",
    "脾脏轻度显影，放射性分布均匀。",
    "膀胱放射性浓聚如常，膀胱壁无增厚。",
    "心肌显影欠清晰。",  # physiological
    "腹部可见条索状肠影，结肠显影尤著。",  # physiological
    "前列腺大小正常，放射性分布大致正常。",
]
ABNORMAL = [
    "胰头部见一肿块，放射性摄取异常增高，SUVmax：9.1。",
    "生理性摄取SUVmax：2.1。",  # a measured value is never normal
    "肝右叶见低密度结节。",
    "胰管扩张。",
    "胆囊壁增厚。",
    "考虑转移可能。",
    "盆腔少量积液。",
    "胆囊未见显示。",  # not seen = removed
    "左肾见一囊肿，无异常放射性摄取。",
    "双肺多发小结节，未见异常放射性摄取。",  # the negation ends at the comma
    "右肺无代谢小结节。",
    "不除外转移。",
    "腹膜后见多发小淋巴结。",
    "肝脏密度不均匀，形态如常。",  # 不均匀 is a finding, not a negation
    "乙状结肠冗长。",  # neither cue nor marker: kept as abnormal
]


@pytest.mark.parametrize("sentence", NORMAL)
def test_normal_sentences(sentence):
    assert LexiconNormalDetector().is_normal(sentence)


@pytest.mark.parametrize("sentence", ABNORMAL)
def test_abnormal_sentences(sentence):
    assert not LexiconNormalDetector().is_normal(sentence)


def test_split_sentences_drops_white_space_and_keeps_the_full_stop():
    findings = "  肝脏形态如常。      胆囊增大。\n胰管 扩张\n\n脾大。。  "
    assert split_sentences_zh(findings) == ["肝脏形态如常。", "胆囊增大。", "胰管扩张", "脾大。。"]
    assert split_sentences_zh("   ") == []


class _MarkedNormal:
    """A detector for the γ mechanics: normal iff the sentence says 正常."""

    def is_normal(self, sentence: str) -> bool:
        return "正常" in sentence


# 10 normal sentences (N0…N9) and 3 abnormal ones (A0…A2), interleaved.
_SENTENCES = [f"N{i}正常。" for i in range(10)]
for _at, _s in [(0, "A0异常。"), (5, "A1异常。"), (12, "A2异常。")]:
    _SENTENCES.insert(_at, _s)
FINDINGS = "   ".join(_SENTENCES)


def _kept(gamma: float, key: str = "qid-1") -> list[str]:
    text, _ = apply_gamma(FINDINGS, gamma, _MarkedNormal(), seed_key=key)
    return split_sentences_zh(text)


def test_gamma_zero_keeps_only_abnormal():
    text, stats = apply_gamma(FINDINGS, 0.0, _MarkedNormal(), seed_key="qid-1")
    assert text == "A0异常。A1异常。A2异常。"
    assert stats == {
        "n_sentences": 13,
        "n_normal": 10,
        "n_kept_normal": 0,
        "chars_before": len("".join(_SENTENCES)),
        "chars_after": len(text),
    }


def test_gamma_one_keeps_everything():
    text, stats = apply_gamma(FINDINGS, 1.0, _MarkedNormal(), seed_key="qid-1")
    assert text == "".join(_SENTENCES)  # the findings without white space
    assert stats["n_kept_normal"] == 10 and stats["chars_after"] == stats["chars_before"]


def test_gamma_half_keeps_half_the_normal_in_order():
    kept = _kept(0.5)
    assert [s for s in kept if s.startswith("A")] == ["A0异常。", "A1异常。", "A2异常。"]
    assert sum(s.startswith("N") for s in kept) == 5
    assert kept == [s for s in _SENTENCES if s in kept]  # original order


def test_gamma_choice_is_deterministic_nested_and_keyed():
    assert _kept(0.5, "qid-1") == _kept(0.5, "qid-1")
    assert set(_kept(0.3)) <= set(_kept(0.5)) <= set(_kept(0.8))  # one ranking per key
    choices = {tuple(_kept(0.5, f"qid-{k}")) for k in range(6)}
    assert len(choices) > 1


def test_gamma_rounds_the_number_kept():
    _, stats = apply_gamma(FINDINGS, 0.25, _MarkedNormal(), seed_key="x")
    assert stats["n_kept_normal"] == round(0.25 * 10) == 2  # round(2.5): to even


@pytest.mark.parametrize("gamma", [-0.1, 1.5, math.nan])
def test_gamma_outside_unit_interval_errors(gamma):
    with pytest.raises(ValueError, match="task.gamma"):
        apply_gamma(FINDINGS, gamma, _MarkedNormal(), seed_key="x")


def test_lexicon_gamma_zero_keeps_the_findings():
    findings = "两肺显影清晰。  胰头见肿块，SUVmax：9.1。  气管居中。  胰管扩张。"
    text, stats = apply_gamma(findings, 0.0, LexiconNormalDetector(), seed_key="r1")
    assert text == "胰头见肿块，SUVmax：9.1。胰管扩张。"
    assert (stats["n_sentences"], stats["n_normal"]) == (4, 2)


@pytest.fixture(scope="module")
def findings() -> list[str]:
    if not CPET.is_file():
        pytest.skip(f"cPET-11K is not at {CPET}")
    with gzip.open(CPET, "rt", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return [row["question"] for row in itertools.islice(reader, 200)]


def test_real_findings_are_mostly_normal_and_suv_is_abnormal(findings):
    detector = LexiconNormalDetector()
    n = n_normal = n_suv = 0
    for text in findings:
        for sentence in split_sentences_zh(text):
            normal = detector.is_normal(sentence)
            n, n_normal = n + 1, n_normal + normal
            if "SUVmax" in sentence:
                n_suv += 1
                assert not normal, sentence
        reduced, _ = apply_gamma(text, 0.0, detector, seed_key="k")
        assert reduced.count("SUVmax") == text.count("SUVmax")
    assert n_normal / n > 0.5, (n_normal, n)
    assert n_suv > 100
