import pytest

from ases.tasks.mwp.answer import (
    extract_answer,
    find_answers,
    format_number,
    normalize_number,
    numbers_equal,
    take_last,
)


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
    assert find_answers("answer is 3 and answer is 4") == ["3", "4"]
    assert take_last([]) is None
    assert take_last(["1", "2"]) == "2"
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
