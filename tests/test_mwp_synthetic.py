"""Tests for the synthetic GSM8K-style word problem generator."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ases.data.synthetic.mwp import TEMPLATES, generate_mwp
from ases.text.arith import safe_eval

_NUM = r"\$?\d[\d,]*(?:\.\d+)?"
_OPERAND = rf"\(*{_NUM}\)*"
# "<expr> = <result>": numbers joined by + - x / (parentheses allowed), then "= $12.50" or "= 30".
EQ = re.compile(rf"({_OPERAND}(?:\s*[-+x/]\s*{_OPERAND})+)\s=\s(\$?)(\d[\d,]*(?:\.\d+)?)")
FINAL = re.compile(r"The answer is (\S+)\.$")


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!])\s+", text.strip())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture(scope="module", params=[3, 2, 1], ids=lambda level: f"level{level}")
def data(request):
    return generate_mwp(2000, 7, level=request.param)


def test_same_seed_same_examples_and_start_is_a_slice():
    a, b = generate_mwp(50, 3), generate_mwp(50, 3)
    assert a == b
    assert [x.meta for x in a] == [x.meta for x in b]
    other = generate_mwp(50, 4)
    assert sum(x.question != y.question for x, y in zip(a, other, strict=True)) > 45
    assert generate_mwp(5, 3, start=10) == generate_mwp(15, 3)[10:15]


def test_qids_follow_the_seed_and_index():
    assert [x.qid for x in generate_mwp(3, 9, start=4)] == ["syn-9-4", "syn-9-5", "syn-9-6"]


def test_every_equation_is_exact_and_counted(data):
    for ex in data:
        matches = list(EQ.finditer(ex.cot))
        assert len(matches) == ex.cot.count("=") == ex.meta["steps"], ex.cot
        for m in matches:
            left, right = safe_eval(m.group(1)), _number(m.group(3))
            if m.group(2) == "$":
                left = round(left, 2)
            assert abs(left - right) < 1e-6, (m.group(0), ex.cot)


def test_computing_sentences_hold_one_equation_and_no_other_numbers(data):
    for ex in data:
        for sentence in _sentences(ex.cot):
            assert sentence.endswith("."), sentence
            if "=" in sentence:
                assert sentence.count("=") == 1, sentence
                assert not re.search(r"\d", EQ.sub("", sentence)), sentence


def test_answer_line_matches_answer_and_last_equation(data):
    for ex in data:
        final = FINAL.search(ex.cot)
        assert final and final.group(1) == ex.answer, ex.cot
        assert re.fullmatch(r"\d+(\.\d*[1-9])?", ex.answer), ex.answer
        last = list(EQ.finditer(ex.cot))[-1]
        assert abs(_number(last.group(3)) - float(ex.answer)) < 1e-9, ex.cot


def test_cot_mixes_restating_and_computing_sentences(data):
    restating = sum(1 for ex in data for s in _sentences(ex.cot)[:-1] if "=" not in s)
    assert restating > len(data)  # on average more than one restated fact per CoT
    shapes = Counter(tuple("=" in s for s in _sentences(ex.cot)) for ex in data)
    assert len(shapes) > (30 if data[0].meta["level"] == 3 else 4)


def test_cot_has_commas_only_in_numbers(data):
    for ex in data:
        assert not re.search(r",(?!\d{3})", ex.cot), ex.cot


def test_coverage_of_templates_steps_and_number_styles():
    """Level 3 (the easier levels: test_easier_levels_are_whole_and_short)."""
    data = generate_mwp(2000, 7)
    assert len(TEMPLATES) >= 12
    assert {ex.meta["template"] for ex in data} == set(TEMPLATES)
    assert {ex.meta["steps"] for ex in data} == {2, 3, 4, 5, 6}
    text = " ".join(ex.question + " " + ex.cot for ex in data)
    assert re.search(r"\$\d+\.\d\d\b", text)  # money with cents
    assert re.search(r"\$\d{1,3},\d{3}", text)  # money of 1,000 or more with a comma
    assert re.search(r"\b\d{1,2}:\d\d\b", text)  # clock times
    assert re.search(r"(?<![$\d])\d+\.\d+(?! *\d)", text)  # plain decimals like 2.5
    for word in ("%", "kg", "ml", "inches", "minutes", "feet", "years old", "per hour"):
        assert word in text, word


def test_questions_are_short_and_end_with_a_question(data):
    for ex in data:
        assert ex.question.endswith("?"), ex.question
        assert 2 <= len(_sentences(ex.question)) <= 5, ex.question
    assert len({ex.qid for ex in data}) == len(data)
    duplicates = len(data) - len({ex.question for ex in data})
    assert duplicates < 0.01 * len(data)


def test_pronouns_agree_with_verbs(data):
    for ex in data:
        text = ex.question + " " + ex.cot
        assert not re.search(r"\b[Tt]hey (?:is|has|does|was)\b", text), text
        # "does she have" and "will he have" are fine; a bare "she have" is not.
        bare = re.sub(r"\b(?:[Dd]oes|[Ww]ill|[Ww]ould|[Cc]an) (?:he|she)\b", "", text)
        assert not re.search(r"\b(?:[Hh]e|[Ss]he) (?:are|have|do|were)\b", bare), text
        assert not re.search(r"\b(?:[Dd]oes|[Dd]o) (?:he|she|they) \w+s\b", text), text


def test_names_and_pronouns_vary(data):
    names = {ex.question.split()[0] for ex in data}
    assert len(names) >= 30
    text = " ".join(ex.question for ex in data)
    for pronoun in (" she ", " he ", " they "):
        assert pronoun in text.lower()


@pytest.mark.parametrize("level,steps,biggest", [(1, 2, 30), (2, 3, 100)])
def test_easier_levels_are_whole_and_short(level, steps, biggest):
    """Level 1: two steps, given numbers up to 30; level 2: three steps, up to 100; whole
    numbers throughout; the same problem for the same (seed, index, level)."""
    data = generate_mwp(1000, 7, level=level)
    assert {ex.meta["steps"] for ex in data} == {steps}
    assert {ex.meta["template"] for ex in data} == {"gain_lose", "groups_eat", "two_days"}
    for ex in data:
        given = [int(n) for n in re.findall(r"\d+", ex.question)]
        assert given and max(given) <= biggest, ex.question
        assert not re.search(r"\d\.\d|\$", ex.question + ex.cot), ex.cot
        assert float(ex.answer).is_integer() and float(ex.answer) >= 0
    assert generate_mwp(5, 7, start=10, level=level) == data[10:15]
    assert data[0].qid == f"syn{level}-7-0"
    with pytest.raises(ValueError, match="data.level must be one of"):
        generate_mwp(1, 7, level=4)


def test_data_level_reaches_the_generator_and_only_mwp_has_levels():
    from ases.data.synthetic import load_synthetic
    from ases.data.synthetic.report import generate_pet

    splits = load_synthetic(generate_mwp, "mwp", 20, 4, 4, level=1)
    assert all(ex.meta["level"] == 1 and ex.meta["steps"] == 2 for ex in splits.train)
    assert load_synthetic(generate_mwp, "mwp", 5, 1, 1).train[0].meta["level"] == 3
    with pytest.raises(ValueError, match="the pet generator has no levels"):
        load_synthetic(generate_pet, "pet", 5, 1, 1, level=2)


def test_every_cot_sentence_is_labelled_as_it_was_written(data):
    """The generator's labels: a sentence that computes (its one equation) is AS, one that
    restates a given fact or the answer ES; and the task maps them onto its pieces."""
    from ases.tasks.mwp import MWPTask

    task = MWPTask()
    for ex in data[:500]:
        sentences, labels = _sentences(ex.cot), ex.meta["sentence_labels"]
        assert len(labels) == len(sentences), ex.cot
        assert labels == ["AS" if "=" in s else "ES" for s in sentences], ex.cot
        pieces = task.pieces(ex.cot)
        assert len(task.piece_labels(ex, pieces)) == len(pieces)
