"""Final-answer extraction for math word problems, as a chain of small named filters:
find every "answer is N" (or GSM8K's "#### N") → take the last → normalize to a number.
"""

from __future__ import annotations

import math
import re

# "The answer is $1,200.50." / "the answer is: -3" / "#### 72"
_ANSWER = re.compile(r"(?:answer\s+is|####)\s*:?\s*(-?\$?\s?-?\d[\d,]*(?:\.\d+)?)", re.IGNORECASE)


def find_answers(text: str) -> list[str]:
    """Every answer statement's number, as written, in order."""
    return [m.group(1) for m in _ANSWER.finditer(text)]


def take_last(candidates: list[str]) -> str | None:
    """The last candidate (a CoT may correct itself), or None."""
    return candidates[-1] if candidates else None


def normalize_number(text: str | None) -> float | None:
    """``"$1,200"`` → 1200.0, ``"18.0"`` → 18.0, ``"-3"`` → -3.0; None if not a number."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s$,]", "", text).rstrip(".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def extract_answer(text: str) -> float | None:
    """The final answer of a CoT as a number, or None when it states none."""
    return normalize_number(take_last(find_answers(text)))


def numbers_equal(a: float | None, b: float | None, tol: float = 1e-6) -> bool:
    """Equal up to a small relative tolerance (so 18 == 18.0 and 0.1 + 0.2 == 0.3)."""
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def format_number(value: float) -> str:
    """A number as a CoT writes it: ``18``, ``12.5`` (no trailing zeros)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
