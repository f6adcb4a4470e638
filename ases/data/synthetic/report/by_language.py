"""``data=synthetic`` for ``task=report``: the generator of the task's language."""

from __future__ import annotations

from ases.data.example import Example
from ases.data.synthetic.report.english import generate_report_en
from ases.data.synthetic.report.generate import generate_pet


def generate_report(n: int, seed: int, start: int = 0, lang: str = "auto") -> list[Example]:
    """Synthetic reports in ``lang``: Chinese PET/CT reports (``zh``,
    :func:`~ases.data.synthetic.report.generate.generate_pet`) or English ones (``en``, and
    ``auto``, which has no train split to decide from before the data exist)."""
    if lang not in ("zh", "en", "auto"):
        raise ValueError(f"task.lang must be zh, en or auto, got {lang!r}")
    return (generate_pet if lang == "zh" else generate_report_en)(n, seed, start)
