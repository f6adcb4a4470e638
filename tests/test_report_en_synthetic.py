"""Tests for the synthetic English PET/CT report generator."""

from __future__ import annotations

import re

import pytest

from ases.data.synthetic.report import NORMAL_SENTENCES_EN, ORGANS_EN, generate_report_en

NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A sentence ends at a period followed by white space, except after "e.g." and "approx.".
SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!approx\.)(?<=\.)\s+")
ITEM_START = re.compile(r"\s+(?=\d+\. [A-Z])")
COMPARISON = re.compile(r"^(?:Comparison|Compared)\b.* (\d{4}-\d{2}-\d{2})\.$")
PRIOR_WORDS = ("prior", "previous", "unchanged", "No change in")


def _sentences(findings: str) -> list[str]:
    return SENTENCE_END.split(findings)


def _items(impression: str) -> list[str]:
    return ITEM_START.split(impression)


def _has_prior(x) -> bool:
    return COMPARISON.match(_sentences(x.question)[1]) is not None


@pytest.fixture(scope="module")
def data():
    return generate_report_en(200, 7)


def test_same_seed_same_reports_and_start_is_a_slice():
    a, b = generate_report_en(10, 3), generate_report_en(10, 3)
    assert a == b
    assert [x.meta for x in a] == [x.meta for x in b]
    assert generate_report_en(10, 3)[4:] == generate_report_en(6, 3, start=4)
    assert [x.qid for x in generate_report_en(2, 3, start=7)] == ["report-en-3-7", "report-en-3-8"]
    other = generate_report_en(10, 4)
    assert sum(x.question != y.question for x, y in zip(a, other, strict=True)) == 10


def test_fields_and_meta(data):
    assert len({x.qid for x in data}) == len(data)
    for x in data:
        m = x.meta
        assert x.answer == ""
        assert 1 <= m["n_abnormal"] <= 4
        assert m["n_abnormal"] == len(m["abnormal"]) == len(m["abnormal_sentences"])
        assert m["n_normal"] == len(m["normal_sentences"]) == len(ORGANS_EN) - m["n_abnormal"]
        assert m["abnormal"] == [o for o in ORGANS_EN if o in m["abnormal"]]


def test_findings_are_preamble_comparison_then_one_sentence_per_organ(data):
    for x in data:
        sentences = _sentences(x.question)
        body = sentences[2:] if _has_prior(x) else sentences[1:]
        normal, abnormal = iter(x.meta["normal_sentences"]), iter(x.meta["abnormal_sentences"])
        expected = [next(abnormal) if o in x.meta["abnormal"] else next(normal) for o in ORGANS_EN]
        assert body == expected


def test_findings_spacing(data):
    for x in data:
        text = x.question
        unabbreviated = text.replace("e.g.", "eg").replace("approx.", "approx")
        assert not re.search(r"[a-z][A-Z]", text), text
        assert not re.search(r"\.[A-Za-z]", unabbreviated), text
        assert not re.search(r"  | [.,)]|\( |\d\.\s+\d|\n\s|\s\n", text), text
        for s in _sentences(text):
            assert re.fullmatch(r"[A-Z].*[A-Za-z0-9)]\.", s), s
        for s in x.meta["normal_sentences"] + x.meta["abnormal_sentences"]:
            assert s in text


def test_normal_and_abnormal_sentences_are_told_apart_by_measurements(data):
    assert len(set(NORMAL_SENTENCES_EN)) == len(NORMAL_SENTENCES_EN) >= 40
    for s in NORMAL_SENTENCES_EN:
        assert not re.search(r"\d|\{|SUV|\bcm\b|\bmm\b|increased|enlarged|hypermetabolic", s), s
    for x in data:
        assert set(x.meta["normal_sentences"]) <= set(NORMAL_SENTENCES_EN)
        for s in x.meta["abnormal_sentences"]:
            assert s not in NORMAL_SENTENCES_EN
            assert re.search(r"SUVmax \d+\.\d|\d+(?:\.\d)? (?:cm|mm)\b", s), s


def test_impression_items_numbered_in_order(data):
    for x in data:
        items = _items(x.cot)
        assert len(items) == x.meta["n_abnormal"]
        for k, item in enumerate(items, 1):
            assert re.fullmatch(rf"{k}\. [A-Z].*[a-z)]\.", item, re.S), item


def test_impression_numbers_come_from_findings(data):
    quoted = 0
    for x in data:
        in_findings = set(NUMBER.findall(x.question))
        for item in _items(x.cot):
            numbers = NUMBER.findall(item.split(" ", 1)[1])
            quoted += bool(numbers)
            assert set(numbers) <= in_findings, (item, x.question)
    assert quoted > 300  # not vacuous: nearly every item quotes a measurement


def test_comparisons_only_with_a_prior_study_and_trends_match_numbers(data):
    trends = 0
    for x in data:
        if not _has_prior(x):
            assert not any(w in x.question + x.cot for w in PRIOR_WORDS), x.question
            continue
        date = COMPARISON.match(_sentences(x.question)[1]).group(1)
        assert set(re.findall(r"\d{4}-\d{2}-\d{2}", x.question)) == {date}
        for now, word, before in re.findall(
            r"SUVmax (\d+\.\d)\), (increased|up|decreased|down) from SUVmax (\d+\.\d)", x.question
        ):
            trends += 1
            assert (float(now) > float(before)) == (word in ("increased", "up"))
    assert trends >= 5


def test_variety_over_200_reports(data):
    normals = {s for x in data for s in x.meta["normal_sentences"]}
    findings = " ".join(x.question for x in data)
    abnormal = [s for x in data for s in x.meta["abnormal_sentences"]]
    assert len(normals) >= 15
    assert re.search(r"\d x \d", findings) and re.search(r"\d mm\b", findings)
    assert re.search(r"\d+\.\d x \d+\.\d x \d+\.\d cm", findings)
    assert any(s.startswith("No change in ") for s in abnormal)
    assert "approx. " in findings and "e.g. " in findings
    assert re.search(r"previously \d", findings)
    prior = sum(_has_prior(x) for x in data) / len(data)
    assert 0.25 <= prior <= 0.55
    assert len({x.question for x in data}) == len(data)
    k = [x.meta["n_abnormal"] for x in data]
    assert set(k) == {1, 2, 3, 4}
