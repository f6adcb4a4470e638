"""Random draws for one English lesion: sizes, SUVmax values and comparisons with a prior study.

Sizes are written the way English reports write them: ``"8 mm"``, ``"9 x 7 mm"``,
``"1.2 x 0.8 cm"``, ``"2.3 x 1.8 x 1.5 cm"``; uptake as ``"SUVmax 5.6"``. A comparison with
the prior study is one trailing clause (``", increased from SUVmax 4.8"``, ``", previously
1.0 x 0.7 cm"``, ``", unchanged since the prior study of 2021-03-14"``) whose trend word is
read off the two values actually written, so it can never say "increased" over a smaller value.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

T = TypeVar("T")

SUV_RANGE = (1.0, 30.0)
"""SUVmax values are drawn inside this range, with one decimal."""
SIZE_RANGE = (0.3, 20.0)
"""Sizes in cm are drawn inside this range, with one decimal (written in mm below 1 cm)."""
P_CHANGE = 0.75
"""With a prior study, how often a lesion sentence ends with a comparison clause."""
P_NO_CHANGE = 0.5
"""With a prior study, how often a benign lesion is written as ``"No change in the ..."``."""
TRENDS = ("increased", "decreased", "stable")


class Lesion(NamedTuple):
    """One abnormal finding, as the findings write it and as the impression restates it."""

    text: str
    """The findings sentence, with its closing period."""
    core: str
    """The restatement that opens the impression item; its numbers are copied from ``text``."""
    disease: str
    """What the finding most likely is (the abstractive part of the impression item)."""
    rank: int
    """Impression order: 0 primary tumour, 1 metastasis, 2 benign or incidental."""


class Draw:
    """The random choices for one lesion; remembers the first size and SUVmax for comparisons."""

    def __init__(self, rng: random.Random, prior_date: str, sex: str) -> None:
        self.rng = rng
        self.prior_date = prior_date
        """ISO date of the prior study, or empty when the patient has none."""
        self.sex = sex
        """``"m"`` or ``"f"``; the pelvis templates depend on it."""
        self.trend = ""
        """One of :data:`TRENDS` once a comparison was written, else empty."""
        self._suv: float | None = None
        self._size: tuple[tuple[float, ...], str] | None = None

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def side(self) -> str:
        return self.pick(("right", "left"))

    def approx(self) -> str:
        """An optional hedge before a size: ``""``, ``"approx. "`` or ``"approximately "``."""
        return self.pick(("", "", "approx. ", "approximately "))

    def suv(self, lo: float, hi: float) -> str:
        """``"SUVmax 5.6"``."""
        v = _clip(self.rng.uniform(lo, hi), SUV_RANGE)
        if self._suv is None:
            self._suv = v
        return f"SUVmax {v:.1f}"

    def size(self, lo: float, hi: float, dims: int = 2) -> str:
        """``dims`` diameters in cm, the longest first: ``"1.2 x 0.8 cm"``, or ``"9 x 7 mm"``."""
        a = _clip(self.rng.uniform(lo, hi), SIZE_RANGE)
        rest = sorted(
            (_clip(self.rng.uniform(a * 0.5, a), SIZE_RANGE) for _ in range(dims - 1)),
            reverse=True,
        )
        cm = (a, *rest)
        unit = "mm" if a < 1.0 and self.chance(0.75) else "cm"
        if self._size is None:
            self._size = (cm, unit)
        return _fmt(cm, unit)

    def no_change(self) -> bool:
        """Whether a benign lesion is written as ``"No change in the ..."`` (needs a prior study)."""
        if self.prior_date and not self.trend and self.chance(P_NO_CHANGE):
            self.trend = "stable"
            return True
        return False

    def change(self, benign: bool = False) -> str:
        """A trailing comparison clause (``""`` without a prior study, or when none is drawn)."""
        if not self.prior_date or self.trend or not self.chance(P_CHANGE):
            return ""
        weights = (0.15, 0.15, 0.7) if benign else (0.45, 0.35, 0.2)
        trend = self.rng.choices(TRENDS, weights)[0]
        text = self._numeric(trend == "increased") if trend != "stable" else ""
        if not text:  # stable, or the prior value rounded onto the current one
            trend = "stable"
            date = self.prior_date
            text = self.pick(
                (
                    f", unchanged since the prior study of {date}",
                    ", stable compared with the prior study",
                    f", unchanged since {date}",
                )
            )
        self.trend = trend
        return text

    def _numeric(self, up: bool) -> str:
        factor = self.rng.uniform(0.5, 0.85) if up else self.rng.uniform(1.2, 1.9)
        word = "increased" if up else "decreased"
        if self._suv is not None and (self._size is None or self.chance(0.5)):
            p = _clip(self._suv * factor, SUV_RANGE)
            if p == self._suv or (p < self._suv) != up:
                return ""
            prior = f"SUVmax {p:.1f}"
            return self.pick(
                (
                    f", {word} from {prior}",
                    f", previously {prior}",
                    f", {'up' if up else 'down'} from {prior} on the prior study",
                )
            )
        if self._size is None:
            return ""
        cm, unit = self._size
        before = tuple(_clip(x * factor, SIZE_RANGE) for x in cm)
        now_written, before_written = (_as_written(cm[0], unit), _as_written(before[0], unit))
        if now_written == before_written or (before_written < now_written) != up:
            return ""
        prior = _fmt(before, unit)
        return self.pick(
            (f", previously {prior}", f", previously measuring {prior}", f", {word} from {prior}")
        )


def _as_written(cm: float, unit: str) -> float:
    return round(cm * 10) if unit == "mm" else cm


def _fmt(cm: Sequence[float], unit: str) -> str:
    if unit == "mm":
        return " x ".join(str(round(x * 10)) for x in cm) + " mm"
    return " x ".join(f"{x:.1f}" for x in cm) + " cm"


def _clip(x: float, bounds: tuple[float, float]) -> float:
    return min(max(round(x, 1), bounds[0]), bounds[1])
