"""PET/CT reports: write the impression (诊断意见) from the findings (影像所见), in Chinese:
the paper's configuration of the general report task (:mod:`ases.tasks.report.task`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ases.tasks.report.normality import LexiconNormalDetector, NormalityDetector
from ases.tasks.report.task import ReportTask


@dataclass
class PETTask(ReportTask):
    """``task=pet``: ROUGE-1/2/L (per character) and BLEU (zh) of Chinese impressions, γ
    by the Chinese lexicon (see :class:`ReportTask`)."""

    lang: str = "zh"
    detector: NormalityDetector | None = field(default_factory=LexiconNormalDetector)
    name: str = "pet"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.lang != "zh":
            raise ValueError(f"task=pet is the Chinese configuration (task.lang={self.lang!r}): "
                             "use task=report task.lang=en for English reports")
