"""PET/CT reports: write the impression (诊断意见) from the findings (影像所见), in Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ases.data.example import Example
from ases.tasks.base import Task
from ases.tasks.report.metrics import bleu, rouge
from ases.tasks.report.normality import LexiconNormalDetector, NormalityDetector, apply_gamma
from ases.text.pieces_zh import split_chinese


@dataclass
class PETTask(Task):
    """ROUGE-1/2/L (per character) and BLEU (zh); decoding stops at an empty segment.

    γ (``gamma``) is our reading of the paper's "normality inclusion ratio": the share of
    *normal* findings sentences kept in the model input. Every abnormal sentence is always
    kept; γ = 1 is the whole report, γ = 0 only the abnormal sentences. Which normal
    sentences survive is fixed per report (a stable hash of its id), so every run and every
    path sees the same inputs.
    """

    gamma: float = 1.0
    """Share of normal findings sentences kept, in [0, 1]."""
    min_chars: int = 4
    """Pieces with fewer characters are attached to a neighbour."""
    detector: NormalityDetector = field(default_factory=LexiconNormalDetector)
    """Decides which findings sentences are normal."""
    name: str = "pet"

    def __post_init__(self) -> None:
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"task.gamma must be in [0, 1], got {self.gamma}")

    def pieces(self, cot: str) -> list[str]:
        """Chinese pieces of an impression."""
        return split_chinese(cot, self.min_chars)

    def is_finished(self, text: str) -> bool:
        """Reports have no answer statement: the uni path's model ends with an empty segment,
        the dual path's with the end marker."""
        return False

    def prepare(self, examples: Sequence[Example]) -> tuple[list[Example], dict[str, float]]:
        """Applies γ to every example's findings.

        Returns:
            The examples with their reduced findings, and the mean input length in
            characters before and after (``data/input_chars_before|after``).
        """
        out, before, after = [], 0, 0
        for ex in examples:
            text, stats = apply_gamma(ex.question, self.gamma, self.detector, seed_key=ex.qid)
            before, after = before + stats["chars_before"], after + stats["chars_after"]
            out.append(replace(ex, question=text))
        n = max(len(out), 1)
        return out, {"data/input_chars_before": before / n, "data/input_chars_after": after / n}

    def judge(self, example: Example, generated: str) -> dict:
        """Reports are judged on the whole corpus; per example only the length is kept."""
        return {"pred_chars": len(generated), "gold_chars": len(example.cot)}

    def metrics(self, examples: Sequence[Example], generated: Sequence[str],
                judged: Sequence[dict]) -> dict[str, float]:
        """``test/rouge1|rouge2|rougeL`` (F1, characters) and ``test/bleu`` (sacrebleu zh)
        against the gold impressions (white space removed, as the pieces join)."""
        refs = ["".join(self.pieces(ex.cot)) for ex in examples]
        preds = ["".join(g.split()) for g in generated]
        scores = rouge(preds, refs)
        return {
            "test/rouge1": scores["rouge1"],
            "test/rouge2": scores["rouge2"],
            "test/rougeL": scores["rougeL"],
            "test/bleu": bleu(preds, refs, lang="zh"),
        }
