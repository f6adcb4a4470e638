"""Equations in a math CoT (``4 x 2.50 = $10``), checked with the safe parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ases.tasks.mwp.answer import normalize_number, numbers_equal
from ases.text.arith import ArithmeticParseError, safe_eval

_NUM = r"\$?\d[\d,]*(?:\.\d+)?"
_OPERAND = rf"\(*{_NUM}\)*"
# numbers joined by + - x * / (with parentheses), "=", then the result: "= $12.50", "= 30"
_EQUATION = re.compile(rf"({_OPERAND}(?:\s*[-+x*/×]\s*{_OPERAND})+)\s*=\s*(\$?\d[\d,]*(?:\.\d+)?)")


@dataclass(frozen=True)
class Equation:
    """One ``left = result`` statement."""

    left: str
    result: float

    @property
    def correct(self) -> bool:
        """Whether the left side evaluates to the stated result (money rounds to cents)."""
        try:
            value = safe_eval(self.left)
        except ArithmeticParseError:
            return False
        return numbers_equal(value, self.result) or numbers_equal(round(value, 2), self.result)


def find_equations(text: str) -> list[Equation]:
    """Every equation in ``text``, in order."""
    out = []
    for match in _EQUATION.finditer(text):
        result = normalize_number(match.group(2))
        if result is not None:
            out.append(Equation(match.group(1).strip(), result))
    return out


def first_wrong_round(gold_cot: str, segments: list[str]) -> int | None:
    """The 1-based round whose segment first states a wrong intermediate number.

    A generated equation is wrong when its arithmetic is wrong or its result is none of
    the gold CoT's intermediate results.

    Returns:
        The round, or None when every generated equation is right.

    Raises:
        ValueError: the gold CoT has no equations, so nothing can be checked.
    """
    gold = [eq.result for eq in find_equations(gold_cot)]
    if not gold:
        raise ValueError("the gold CoT states no equations")
    for k, segment in enumerate(segments, 1):
        for eq in find_equations(segment):
            if not eq.correct or not any(numbers_equal(eq.result, g) for g in gold):
                return k
    return None
