"""Synthetic Chinese PET/CT reports (cPET-11K style): findings (影像所见) → impression (诊断意见).

A report walks through :data:`ORGANS` in a fixed anatomical order, one findings sentence per
organ group. Most groups get a normal sentence built from :data:`NORMAL_PHRASES`; one to four
(usually including the pancreas) get an abnormal sentence with measurements: a size such as
``2.3cm×1.8cm``, ``SUVmax：5.6``, and, when the patient has an earlier scan, a comparison such as
``较前增高（4.8vs5.6）``. The impression lists the abnormal findings only, each restated briefly
(extractive) and followed by an inference (abstractive); its measurements are copied from the
findings, never invented. All templates were written for this module; none is taken from the
real data. :func:`generate_report_en` is the English twin (``"1.2 x 0.8 cm"``, ``"SUVmax 5.6"``,
a numbered impression), with its normal sentences listed in :data:`NORMAL_SENTENCES_EN`.
"""

from __future__ import annotations

from ases.data.synthetic.report.english import NORMAL_SENTENCES_EN, ORGANS_EN, generate_report_en
from ases.data.synthetic.report.generate import generate_pet
from ases.data.synthetic.report.organs import NORMAL_PHRASES, ORGAN_ANCHORS, ORGANS

__all__ = [
    "NORMAL_PHRASES",
    "NORMAL_SENTENCES_EN",
    "ORGANS",
    "ORGANS_EN",
    "ORGAN_ANCHORS",
    "generate_pet",
    "generate_report_en",
]
