"""MWP answer extraction: the strict and flexible filter chains, and a table of realistic
generations next to what lm-evaluation-harness' gsm8k-cot filters read from them."""

import re

import pytest

from ases.data.example import Example
from ases.tasks.mwp import MWPTask
from ases.tasks.mwp.answer import (
    extract_answer,
    extract_flexible,
    find_numbers,
    find_statements,
    format_number,
    normalize_number,
    numbers_equal,
    read_value,
    take_last,
)

# lm-evaluation-harness, lm_eval/tasks/gsm8k/gsm8k-cot.yaml (version 3.0), as data: the
# regex of each filter (then take_first), and what exact_match ignores on both sides
# (with ignore_case). Their "." after the strict group matches any character.
LM_EVAL_STRICT = (r"The answer is (\-?[0-9\.\,]+).", 0)  # strict-match, group_select 0
LM_EVAL_FLEXIBLE = (r"(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)  # flexible-extract, group_select -1
LM_EVAL_IGNORE = (",", r"\$", r"(?s).*#### ", r"\.$")


def lm_eval_reads(text: str, how: tuple[str, int]) -> str:
    """What lm-evaluation-harness compares with the gold answer: the regex filter's pick,
    stripped, then exact_match's ignored patterns removed and lower-cased."""
    found = re.findall(how[0], text)
    if not found:
        return "[invalid]"
    pick = found[how[1]]
    if isinstance(pick, tuple):
        pick = next(group for group in pick if group)
    return lm_eval_normal(pick.strip())


def lm_eval_normal(text: str) -> str:
    for pattern in LM_EVAL_IGNORE:
        text = re.sub(pattern, "", text)
    return text.lower()


# generation, gold answer, ases strict, ases flexible, lm-eval strict, lm-eval flexible
X = None  # no answer
INVALID = "[invalid]"
TABLE = [
    ("Natalia sold 48 / 2 = 24 clips in May. 48 + 24 = 72. The answer is 72.", "72", 72, 72, "72", "72"),
    ("The total is 1,200 + 350 = 1,550. The answer is 1,550.", "1550", 1550, 1550, "1550", "1550"),
    ("The temperature fell to 3 - 8 = -5 degrees. The answer is -5.", "-5", -5, -5, "-5", "-5"),
    ("The price dropped by 20%. The answer is 20%.", "20", 20, 20, "20", "20"),
    ("She reads 12 pages a day: 12 x 5 = 60 pages. The answer is 60 pages.", "60", 60, 60, "60", "60"),
    ("So we need 18 / 3 = 6 boxes.\nThe answer is 6 boxes.", "6", 6, 6, "6", "6"),
    ("The first answer is 4. No wait, 5 + 3 = 8. The answer is 8.", "8", 8, 8, "8", "8"),
    ("(The answer is 7.)", "7", 7, 7, "7", "7"),
    ("The answer is 100,000 people.", "100000", 100000, 100000, "100000", "100000"),
    ("In 2019 she was 30, so now she is 30 + 4 = 34. The answer is 34.", "34", 34, 34, "34", "34"),
    ("The answer is 15-year-old.", "15", 15, 15, "15", "15"),
    # a currency sign after "is": lm-eval's strict group has no "$"
    ("He paid 4 x $2.50 = $10. The answer is $10.", "10", 10, 10, INVALID, "10"),
    ("So she spends $1,234.50 in all. The answer is $1,234.50.", "1234.5", 1234.5, 1234.5, INVALID, "1234.50"),
    ("The answer is $-3.", "-3", -3, -3, INVALID, "-3"),
    ("The answer is €3.50.", "3.5", 3.5, 3.5, INVALID, "3.50"),
    ("The answer is £12.", "12", 12, 12, INVALID, "12"),
    # lm-eval compares strings: 18.00 is not 18
    ("The answer is 18.00.", "18", 18, 18, "18.00", "18.00"),
    # fractions and mixed numbers: lm-eval keeps a prefix ("3", "2") or the last digits
    ("Each friend gets 3/4 of a pizza. The answer is 3/4.", "0.75", 0.75, 0.75, "3", "4"),
    ("He walks 2 1/2 miles a day. The answer is 2 1/2 miles.", "2.5", 2.5, 2.5, "2", "2"),
    ("The answer is 2½ hours.", "2.5", 2.5, 2.5, "2", "2"),
    ("So the ratio is \\boxed{\\frac{3}{4}}.", "0.75", 0.75, 0.75, INVALID, "4"),
    # a fraction over zero is no value (lm-eval strict reads its prefix)
    ("The answer is 3/0.", "3", X, X, "3", "0"),
    # a leading-dot decimal: lm-eval's strict pattern needs a character after the number
    ("Half of the cake is left, so the answer is .5", "0.5", 0.5, 0.5, INVALID, ".5"),
    # thousands separators other than commas, and the Unicode minus sign
    ("The answer is 1 200.", "1200", 1200, 1200, "1", "200"),
    ("The answer is 1 200 dollars.", "1200", 1200, 1200, "1", "200"),
    ("The answer is 1'200.", "1200", 1200, 1200, "1", "200"),
    ("The answer is 1.200.000 euros.", "1200000", 1200000, 1200000, "1.200.000", "1.200.000"),
    ("The answer is −7.", "-7", -7, -7, INVALID, "7"),
    # answers as instruction-tuned models write them
    ("18 / 3 = 6\n\nThe final answer is \\boxed{6}.", "6", 6, 6, INVALID, "6"),
    ("We have 7 + 5 = 12. The answer is \\boxed{12}", "12", 12, 12, INVALID, "12"),
    ("The cost is $\\boxed{\\$1{,}200}$.", "1200", 1200, 1200, INVALID, ""),
    ("Adding them up gives 42. The answer is **42**.", "42", 42, 42, INVALID, "42"),
    ("**Answer:** 42", "42", 42, 42, INVALID, "42"),
    ("Step 1: 6 x 4 = 24\nStep 2: 24 + 6 = 30\nAnswer: 30", "30", 30, 30, INVALID, "30"),
    ("Final Answer: The final answer is $30$. I hope it is correct.", "30", 30, 30, INVALID, "30"),
    ("The answer is: 18", "18", 18, 18, INVALID, "18"),
    ("So, the answer is 18 because 9 + 9 = 18.", "18", 18, 18, INVALID, "18"),
    ("I think the answer is 5, or maybe 6.", "5", 5, 6, INVALID, "6"),
    # GSM8K's own format
    ("Janet has 16 - 3 - 4 = 9 eggs left, 9 x 2 = 18 dollars.\n#### 18", "18", 18, 18, INVALID, "18"),
    ("16 - 3 - 4 = 9; 9 * 2 = 18\n#### 18.", "18", 18, 18, INVALID, "18"),
    # ases takes the last statement (a model that goes on to a new question is judged on
    # it); lm-eval the first, and stops generating at "Q:"
    ("The answer is 12.\nQuestion: Tom has 5 apples. The answer is 5.", "12", 5, 5, "12", "5"),
    # a statement that is an expression, or two numbers, is no answer, never its prefix
    ("The answer is 15 - 3 = 12.", "12", X, 12, "15", "12"),
    ("The answer is 12,34.", "1234", X, 34, "1234", "1234"),
    # no statement at all: only the flexible reading finds a number
    ("There are 5 cats and 3 dogs, so 5 + 3 = 8 animals.", "8", X, 8, INVALID, "8"),
    ("He has 20-15 = 5 left. That is 5 apples.", "5", X, 5, INVALID, "5"),
    ("The answer is eighteen.", "18", X, X, INVALID, INVALID),
]


@pytest.mark.parametrize("text,gold,strict,flexible,lm_strict,lm_flexible", TABLE)
def test_realistic_generations_next_to_lm_eval(text, gold, strict, flexible, lm_strict, lm_flexible):
    assert extract_answer(text) == strict
    assert extract_flexible(text) == flexible
    assert lm_eval_reads(text, LM_EVAL_STRICT) == lm_strict
    assert lm_eval_reads(text, LM_EVAL_FLEXIBLE) == lm_flexible
    judged = MWPTask().judge(Example("q", "question", "cot", answer=gold), text)
    assert judged["pred_answer"] == strict and judged["pred_answer_flexible"] == flexible
    assert judged["correct"] == (strict is not None and numbers_equal(strict, float(gold)))
    assert judged["correct_flexible"] == (flexible is not None and numbers_equal(flexible, float(gold)))


def test_the_table_is_large_and_shows_where_ases_and_lm_eval_differ():
    assert len(TABLE) >= 40
    right = {"ases": 0, "lm-eval": 0}
    for _, gold, strict, _, lm_strict, _ in TABLE:
        right["ases"] += strict is not None and numbers_equal(strict, float(gold))
        right["lm-eval"] += lm_strict == lm_eval_normal(gold)
    # on these generations ases' strict reading is right far more often than lm-eval's
    assert right["ases"] >= len(TABLE) - 8 and right["lm-eval"] <= len(TABLE) // 2, right


@pytest.mark.parametrize(
    "text,expected",
    [
        ("So 6 x 3 = 18. The answer is 18.", 18.0),
        ("The answer is 18.0.", 18.0),
        ("The answer is $1,000.", 1000.0),
        ("the answer is: 12.5", 12.5),
        ("The answer is -3.", -3.0),
        ("First the answer is 4. No wait, the answer is 7.", 7.0),
        ("#### 72", 72.0),
        ("The answer is 72, which is the total.", 72.0),
        ("The answer is $ 5.", 5.0),
        ("She has 5 apples.", None),
        ("The answer is unknown.", None),
        ("", None),
    ],
)
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


def test_filters_one_by_one():
    assert [v for _, v in find_statements("answer is 3 and answer is 4")] == ["3 and", "4"]
    assert [v for _, v in find_statements("Answer: so the answer is 4. \\boxed{5}")] == [
        "so the", "4", "5"]
    assert [v for _, v in find_statements("The answer is \\boxed{5}.")] == ["\\boxed{5}"]
    assert find_numbers("3 apples, 1,200 pears and 2 1/2 kg") == ["3", "1,200", "2 1/2"]
    assert take_last([]) is None
    assert take_last(["1", "2"]) == "2"
    assert read_value("**$1,200**") == 1200.0 and read_value("3 + 4") is None
    assert read_value("1/2") == 0.5 and read_value("3 apples") == 3.0
    assert normalize_number("$1,200") == 1200.0
    assert normalize_number("abc") is None
    assert normalize_number("inf") is None


def test_numbers_equal_is_tolerant_but_not_loose():
    assert numbers_equal(18, 18.0)
    assert numbers_equal(0.1 + 0.2, 0.3)
    assert not numbers_equal(18, 18.01)
    assert not numbers_equal(None, 1.0)
    assert format_number(18.0) == "18" and format_number(12.50) == "12.5"


def test_equations_and_first_wrong_round():
    from ases.tasks.mwp.equations import find_equations, first_wrong_round

    eqs = find_equations("He pays 4 x $2.50 = $10. Then 10 + 1,000 = 1,010 and 7 / 2 = 3.")
    assert [(e.left, e.result, e.correct) for e in eqs] == [
        ("4 x $2.50", 10.0, True), ("10 + 1,000", 1010.0, True), ("7 / 2", 3.0, False)]
    gold = "So 4 x 3 = 12 pens. Then 12 + 5 = 17 pens. The answer is 17."
    assert first_wrong_round(gold, ["So 4 x 3 = 12 pens.", "Then 12 + 5 = 17 pens."]) is None
    assert first_wrong_round(gold, ["So 4 x 3 = 12 pens.", "Then 12 + 5 = 18 pens."]) == 2
    assert first_wrong_round(gold, ["So 4 x 3 = 13 pens."]) == 1  # bad arithmetic
    assert first_wrong_round(gold, ["So 2 x 6 = 12.", "Then 12 + 4 = 16."]) == 2  # not a gold number
    with pytest.raises(ValueError):
        first_wrong_round("The answer is 3.", ["1 + 2 = 3"])


def test_accuracy_by_steps():
    from ases.data.example import Example
    from ases.tasks.mwp import MWPTask

    task = MWPTask()
    exs = [Example("a", "q", "1 + 1 = 2. The answer is 2.", "2", {"steps": 2}),
           Example("b", "q", "1 + 1 = 2. The answer is 2.", "2", {"steps": 2}),
           Example("c", "q", "1 + 1 = 2. 2 + 1 = 3. 3 + 1 = 4. The answer is 4.", "4")]
    gen = ["The answer is 2.", "The answer is 5.", "The answer is 4."]
    judged = [task.judge(e, g) for e, g in zip(exs, gen, strict=True)]
    m = task.metrics(exs, gen, judged)
    assert m["test/acc_steps_2"] == 0.5 and m["test/acc_steps_3"] == 1.0
    assert m["test/acc"] == pytest.approx(2 / 3)
    assert m["test/acc_flexible"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("written,value", [
    ("**42**", 42), ("*42*", 42), ("`42`", 42), ("\\boxed{42}", 42), ("$42$", 42),
    ("$1,200.50", 1200.5), ("€3.50", 3.5), ("£12", 12), ("$ 18", 18),
    ("1,200", 1200), ("1 200", 1200), ("1'200", 1200), ("1\u2009200", 1200),
    ("1.200.000", 1200000), ("1.234,5", 1234.5),
    (".5", 0.5), ("-3", -3), ("\u22123", -3), ("$-3", -3), ("-$3", -3),
    ("3/4", 0.75), ("2 1/2", 2.5), ("2½", 2.5), ("\\frac{3}{4}", 0.75),
    ("20%", 20), ("60 pages", 60), ("15-year-old", 15), ("18 because 9 + 9 = 18", 18),
    ("15 - 3 = 12", None), ("3 4", None), ("12,34", None), ("3/0", None), ("eighteen", None),
])
def test_values_as_docs_grading_lists_them(written, value):
    assert read_value(written) == value


def test_every_gsm8k_gold_cot_reads_as_its_answer(gsm8k_dir):
    """The gold side stays strict: all of GSM8K's CoTs ("#### N") read as their answer,
    strictly and flexibly."""
    from ases.data.gsm8k import load_gsm8k

    splits = load_gsm8k(str(gsm8k_dir))
    examples = splits.train + splits.val + splits.test
    assert len(examples) > 8000
    for ex in examples:
        gold = normalize_number(ex.answer)
        assert numbers_equal(extract_answer(ex.cot), gold), (ex.qid, ex.cot[-60:], ex.answer)
        assert numbers_equal(extract_flexible(ex.cot), gold), (ex.qid, ex.cot[-60:])


def test_pieces_take_the_label_of_the_sentence_they_mostly_hold():
    from ases.tasks.mwp.task import labels_from_sentences

    cot = "Ann has 4 pens. She buys 3 more, so 4 + 3 = 7 pens. The answer is 7."
    pieces = ["Ann has 4 pens.", "She buys 3 more,", "so 4 + 3 = 7 pens.", "The answer is 7."]
    assert labels_from_sentences(cot, pieces, ["ES", "AS", "ES"]) == ["ES", "AS", "AS", "ES"]
    merged = ["Ann has 4 pens. She buys 3 more,", "so 4 + 3 = 7 pens. The answer is 7."]
    assert labels_from_sentences(cot, merged, ["ES", "AS", "ES"]) == ["AS", "AS"]
    assert labels_from_sentences(cot, pieces, ["ES", "AS"]) is None  # 3 sentences, 2 labels
    assert labels_from_sentences(cot, ["Bo has 2."], ["ES", "AS", "ES"]) is None


def test_without_generator_labels_a_new_number_makes_a_piece_as():
    """GSM8K's heuristic: a piece with an equation whose result the question does not state
    is AS; restatements, and equations that only restate a given number, are ES."""
    ex = Example("g", "Natalia sold 48 clips in April and half as many in May. How many?",
                 "Natalia sold 48 clips in April. She sold 48/2 = 24 clips in May. "
                 "So 24 x 2 = 48 is April again. The answer is 72.", "72")
    task = MWPTask()
    pieces = task.pieces(ex.cot)
    assert task.piece_labels(ex, pieces) == ["ES", "AS", "ES", "ES"]
