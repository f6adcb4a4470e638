"""Random draws for one lesion: sizes, SUVmax values and comparisons with an earlier scan."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

T = TypeVar("T")

SUV_RANGE = (1.5, 25.0)
"""SUVmax values are drawn inside this range, with one decimal."""
SIZE_RANGE = (0.5, 8.0)
"""Lesion sizes in cm are drawn inside this range, with one decimal."""


class Lesion(NamedTuple):
    """One abnormal finding, as the findings describe it and as the impression restates it."""

    text: str
    """The findings sentence, without the closing ``。``."""
    restate: str
    """The short extractive restatement that opens the impression item."""
    conclusion: str
    """The inference that closes the impression item (abstractive)."""
    rank: int
    """Impression order: 0 primary tumour, 1 metastasis, 2 benign or incidental."""


class Draw:
    """The random choices for one lesion, remembering what its impression item may restate.

    A template calls :meth:`suv` and :meth:`size` while it writes the findings sentence; the
    first values drawn are kept so the impression can quote them verbatim, which keeps every
    measurement in the impression present in the findings by construction.
    """

    def __init__(self, rng: random.Random, prior: bool, sex: str) -> None:
        self.rng = rng
        self.prior = prior
        """Whether the patient has an earlier scan, so SUVmax values may be compared with it."""
        self.sex = sex
        """``"m"`` or ``"f"``; the pelvis templates depend on it."""
        self.suv_text = ""
        self.size_text = ""
        self.trend = ""
        """``"增高"``, ``"减低"`` or ``"相仿"`` once a comparison was written, else empty."""

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def side(self) -> str:
        return self.rng.choice(("左", "右"))

    def suv(self, lo: float, hi: float) -> str:
        """``"SUVmax：5.6"``, sometimes followed by a comparison like ``"，较前增高（4.8vs5.6）"``."""
        v = _clip(self.rng.uniform(lo, hi), SUV_RANGE)
        text = f"SUVmax：{v:.1f}"
        if not self.suv_text:
            self.suv_text = text
        if self.prior and not self.trend and self.chance(0.6):
            text += self._compare(v)
        return text

    def size(self, lo: float, hi: float) -> str:
        """Two diameters, the longer first: ``"2.3cm×1.8cm"``."""
        a = _clip(self.rng.uniform(lo, hi), SIZE_RANGE)
        b = _clip(self.rng.uniform(max(SIZE_RANGE[0], a * 0.5), a), SIZE_RANGE)
        text = f"{a:.1f}cm×{b:.1f}cm"
        if not self.size_text:
            self.size_text = text
        return text

    def length(self, lo: float, hi: float) -> str:
        """One dimension (a short axis, a thickness, a depth): ``"1.4cm"``."""
        # Not kept for quoting: the impression would need this dimension's own lead word.
        return f"{_clip(self.rng.uniform(lo, hi), SIZE_RANGE):.1f}cm"

    def _compare(self, v: float) -> str:
        # The earlier value is drawn around the current one; the trend word is read off the two
        # numbers actually written, so the text can never say "increased" over a smaller value.
        p = _clip(v * self.rng.uniform(0.45, 1.6), SUV_RANGE)
        diff = round(v - p, 1)
        pair = f"{p:.1f}vs{v:.1f}"
        if abs(diff) < 0.5:
            self.trend = "相仿"
            return self.pick((f"，与前相仿（{pair}）", f"，较前变化不著（{pair}）"))
        self.trend = "增高" if diff > 0 else "减低"
        word = self.pick(("增高", "升高")) if diff > 0 else self.pick(("减低", "降低"))
        return self.pick((f"，较前{word}（{pair}）", f"，较前（{pair}）{word}"))


def _clip(x: float, bounds: tuple[float, float]) -> float:
    return min(max(round(x, 1), bounds[0]), bounds[1])
