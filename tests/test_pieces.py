import json
import re

import pytest

from ases.text.pieces import attach_short, split_english


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_known_cot_splits_into_known_pieces():
    cot = "Tom has 3 apples, and buys 2 more.\nSo he has 3 + 2 = 5 apples. The answer is 5."
    assert split_english(cot) == [
        "Tom has 3 apples,",
        "and buys 2 more.",
        "So he has 3 + 2 = 5 apples.",
        "The answer is 5.",
    ]


@pytest.mark.parametrize(
    "text,whole",
    [
        ("She pays $1,200 for rent. Then she saves 0.2 of the rest.", ["$1,200", "0.2"]),
        ("It starts at 2:30 and ends at 4:05, which is late.", ["2:30", "4:05"]),
        ("He ran 3.5 miles, then 1,000 meters.", ["3.5", "1,000"]),
    ],
)
def test_numbers_are_never_cut(text, whole):
    pieces = split_english(text)
    for token in whole:
        assert any(token in p for p in pieces), (token, pieces)


def test_abbreviation_is_not_a_sentence_end():
    assert split_english("Mr. Lee paid 4 dollars. Dr. Ann paid 5 dollars.") == [
        "Mr. Lee paid 4 dollars.",
        "Dr. Ann paid 5 dollars.",
    ]


def test_short_pieces_attach_instead_of_dropping():
    assert attach_short(["In total,", "she has 5 pens.", "Done."], 3) == [
        "In total, she has 5 pens. Done."
    ]
    assert attach_short(["One two three.", "Ok.", "Four five six."], 3) == [
        "One two three. Ok.",
        "Four five six.",
    ]
    assert attach_short(["a", "b"], 0) == ["a", "b"]


def test_real_gsm8k_answers(gsm8k_dir):
    with open(gsm8k_dir / "train.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    number = re.compile(r"\$?\d[\d,]*(?:[.:]\d+)+|\$\d[\d,]*")  # decimals, money, times
    checked = {"decimal": 0, "money": 0, "time": 0}
    for row in rows:
        cot = re.sub(r"<<[^<>]*>>", "", row["answer"])
        for min_words in (0, 3):
            pieces = split_english(cot, min_words)
            assert _norm(" ".join(pieces)) == _norm(cot)  # no text lost
            for tok in number.findall(cot):
                if any(tok in p for p in pieces):
                    continue
                raise AssertionError(f"{tok!r} was cut: {pieces}")
        checked["decimal"] += bool(re.search(r"\d\.\d", cot))
        checked["money"] += bool(re.search(r"\$\d{1,3},\d{3}", cot))
        checked["time"] += bool(re.search(r"\d:\d\d", cot))
    assert min(checked.values()) > 10, checked  # the real data exercised every case
