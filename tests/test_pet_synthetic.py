"""Tests for the synthetic Chinese PET/CT report generator."""

from __future__ import annotations

import re

import pytest

from ases.data.synthetic.report import NORMAL_PHRASES, ORGAN_ANCHORS, ORGANS, generate_pet

SUV = re.compile(r"SUVmax：(\d+\.\d)")
SIZE = re.compile(r"\d+\.\dcm(?:×\d+\.\dcm)?")
MEASUREMENT = re.compile(r"SUVmax：\d|\d+\.\dcm")
COMPARISON = re.compile(r"^(?:与|对比)(\d{4}-\d{2}-\d{2})\S*?[：]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sentences(findings: str) -> list[str]:
    assert findings.endswith("。")
    return findings[:-1].split("。")


def _cjk_share(text: str) -> float:
    return len(CJK.findall(text)) / len(text)


@pytest.fixture(scope="module")
def data():
    return generate_pet(1000, 11)


def test_same_seed_same_reports_and_start_is_a_slice():
    a, b = generate_pet(40, 3), generate_pet(40, 3)
    assert a == b
    assert [x.meta for x in a] == [x.meta for x in b]
    other = generate_pet(40, 4)
    assert sum(x.question != y.question for x, y in zip(a, other, strict=True)) == 40
    assert generate_pet(5, 3, start=10) == generate_pet(15, 3)[10:15]
    assert [x.qid for x in generate_pet(3, 3, start=7)] == ["pet-3-7", "pet-3-8", "pet-3-9"]


def test_fields_and_meta(data):
    assert len({x.qid for x in data}) == len(data)
    for x in data:
        assert x.answer == ""
        assert x.meta["n_normal"] + x.meta["n_abnormal"] == len(ORGANS)
        assert x.meta["n_abnormal"] == len(x.meta["abnormal"])
        assert 1 <= x.meta["n_abnormal"] <= 4
        assert x.meta["abnormal"] == [o for o in ORGANS if o in x.meta["abnormal"]]
    pancreas = sum("pancreas" in x.meta["abnormal"] for x in data) / len(data)
    assert 0.6 < pancreas < 0.95


def test_one_sentence_per_organ_group_in_order(data):
    assert len(ORGANS) >= 10
    for x in data:
        sentences = _sentences(x.question)
        assert len(sentences) == len(ORGANS)
        for organ, sentence in zip(ORGANS, sentences, strict=True):
            assert any(w in sentence for w in ORGAN_ANCHORS[organ]), (organ, sentence)


def test_abnormal_organs_are_the_sentences_with_measurements(data):
    for x in data:
        measured = [
            o for o, s in zip(ORGANS, _sentences(x.question), strict=True) if MEASUREMENT.search(s)
        ]
        assert measured == x.meta["abnormal"]


def test_normal_phrases_mark_exactly_the_normal_sentences(data):
    assert len(set(NORMAL_PHRASES)) == len(NORMAL_PHRASES) >= 10
    for x in data:
        for organ, s in zip(ORGANS, _sentences(x.question), strict=True):
            has_phrase = any(p in s for p in NORMAL_PHRASES)
            assert has_phrase == (organ not in x.meta["abnormal"]), s


def test_impression_measurements_come_from_findings(data):
    quoted = 0
    for x in data:
        suvs = SUV.findall(x.cot)
        quoted += bool(suvs)
        for v in suvs:
            assert f"SUVmax：{v}" in x.question
        for size in SIZE.findall(x.cot):
            assert size in x.question
    assert quoted > 50  # the check above is not vacuous


def test_measurements_in_plausible_ranges(data):
    for x in data:
        for v in SUV.findall(x.question):
            assert 1.5 <= float(v) <= 25.0
        for a, b in re.findall(r"(\d+\.\d)cm×(\d+\.\d)cm", x.question):
            assert 0.5 <= float(b) <= float(a) <= 8.0


def test_comparisons_only_with_a_prior_scan(data):
    for x in data:
        prior = COMPARISON.match(x.cot) is not None
        if re.search(r"\d+\.\dvs\d+\.\d", x.question):
            assert prior
        if "较前" in x.cot:
            assert prior


def test_impression_format_rates(data):
    n = len(data)
    compared = sum(COMPARISON.match(x.cot) is not None for x in data) / n
    numbered = sum(re.search(r"(?:^|[：。])1、", x.cot) is not None for x in data) / n
    boilerplate = (
        sum(re.search(r"[。：](?:余|其余)[^。]*未见[^。]*。$", x.cot) is not None for x in data) / n
    )
    assert 0.15 < compared < 0.45
    assert 0.3 < numbered < 0.6
    assert 0.6 < boilerplate < 0.9
    for x in data:
        assert x.cot.endswith("。")
        if "1、" in x.cot:
            assert f"{x.meta['n_abnormal']}、" in x.cot
        assert len(re.split(r"[，。；]", x.cot)) >= 3


def test_chinese_lengths_and_variety(data):
    # Punctuation, dates and SUVmax values are not CJK, so a short impression can dip lower.
    for x in data:
        assert _cjk_share(x.question) > 0.6
        assert _cjk_share(x.cot) > 0.4
    assert sum(_cjk_share(x.cot) for x in data) / len(data) > 0.65
    mean_q = sum(len(x.question) for x in data) / len(data)
    mean_c = sum(len(x.cot) for x in data) / len(data)
    assert 300 < mean_q < 900
    assert 60 < mean_c < 300
    assert len({x.question for x in data}) > 0.99 * len(data)
    assert len({x.cot for x in data}) > 0.9 * len(data)
