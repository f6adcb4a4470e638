import pytest

from ases.tasks.answer import (
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
