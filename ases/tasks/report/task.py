"""Reports in any language: write the impression from the findings.

:class:`ReportTask` is the general report task (``task=report``): Chinese or English,
chosen by ``task.lang`` (``zh``, ``en``, or ``auto``: decided from the train split's
characters and logged). The language picks the pieces (Chinese clauses, or English
sentences and clauses with their spaces), the normality detector behind γ, the sentences γ
counts, and the metrics (characters for Chinese, words for English).
:class:`~ases.tasks.report.pet.PETTask` (``task=pet``) is the paper's Chinese configuration.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ases.data.example import Example
from ases.tasks.base import Task
from ases.tasks.report.metrics import bleu, rouge
from ases.tasks.report.normality import (
    LexiconNormalDetector,
    NormalityDetector,
    apply_gamma,
    split_sentences_zh,
)
from ases.tasks.report.normality_en import EnglishNormalDetector, split_sentences_en
from ases.text.pieces import split_report_en
from ases.text.pieces_zh import split_chinese

log = logging.getLogger(__name__)

LANGS = ("zh", "en", "auto")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
ZH_SHARE = 0.3
"""``lang=auto``: Chinese when CJK ideographs are at least this share of the train split's
letters (ideographs and Latin letters); cPET-11K's findings are about 0.9, English
reports 0."""


def detect_language(texts: Sequence[str]) -> tuple[str, float]:
    """``("zh" | "en", share of CJK ideographs among the letters)`` of ``texts``."""
    cjk = sum(len(_CJK.findall(t)) for t in texts)
    latin = sum(len(_LATIN.findall(t)) for t in texts)
    share = cjk / (cjk + latin) if cjk + latin else 0.0
    return ("zh" if share >= ZH_SHARE else "en"), share


@dataclass
class ReportTask(Task):
    """ROUGE-1/2/L and BLEU by language; decoding stops at an empty segment.

    γ (``gamma``) is our reading of the paper's "normality inclusion ratio": the share of
    *normal* findings sentences kept in the model input. Every abnormal sentence is always
    kept; γ = 1 is the whole report, γ = 0 only the abnormal sentences. Which normal
    sentences survive is fixed per report (a stable hash of its id), so every run and every
    path sees the same inputs.
    """

    gamma: float = 1.0
    """Share of normal findings sentences kept, in [0, 1]."""
    lang: str = "auto"
    """``zh``, ``en``, or ``auto`` (decided from the train split by :meth:`adapt`)."""
    min_chars: int = 4
    """Chinese: pieces with fewer characters are attached to a neighbour."""
    min_words: int = 3
    """English: pieces with fewer words are attached to a neighbour."""
    detector: NormalityDetector | None = None
    """Decides which findings sentences are normal (None: the language's lexicon)."""
    name: str = "report"
    _decided: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"task.gamma must be in [0, 1], got {self.gamma}")
        if self.lang not in LANGS:
            raise ValueError(f"task.lang must be one of {', '.join(LANGS)}, got {self.lang!r}")

    @property
    def language(self) -> str:
        """``zh`` or ``en``: the configured language, or the one :meth:`adapt` decided."""
        if self.lang != "auto":
            return self.lang
        if self._decided is None:
            raise RuntimeError("task.lang=auto is decided from the train split: call "
                               "ReportTask.adapt(train) first, or set task.lang=zh|en")
        return self._decided

    def adapt(self, train: Sequence[Example]) -> None:
        """``lang=auto``: decides the language from the train split's characters."""
        if self.lang != "auto":
            return
        self._decided, share = detect_language([t for ex in train for t in (ex.question, ex.cot)])
        log.info("task.lang=auto: %s (CJK ideographs are %.1f%% of the train split's letters)",
                 {"zh": "Chinese", "en": "English"}[self._decided], 100 * share)

    def pieces(self, cot: str) -> list[str]:
        """Chinese clauses, or English sentences and clauses with their spaces."""
        if self.language == "zh":
            return split_chinese(cot, self.min_chars)
        return split_report_en(cot, self.min_words)

    def is_finished(self, text: str) -> bool:
        """Reports have no answer statement: the uni path's model ends with an empty segment,
        the dual path's with the end marker."""
        return False

    def _detector(self) -> NormalityDetector:
        if self.detector is not None:
            return self.detector
        return LexiconNormalDetector() if self.language == "zh" else EnglishNormalDetector()

    def prepare(self, examples: Sequence[Example]) -> tuple[list[Example], dict[str, float]]:
        """Applies γ to every example's findings.

        Returns:
            The examples with their reduced findings, and the mean input length in
            characters before and after (``data/input_chars_before|after``).
        """
        detector = self._detector()
        split, joiner = ((split_sentences_zh, "") if self.language == "zh"
                         else (split_sentences_en, " "))
        out, before, after = [], 0, 0
        for ex in examples:
            text, stats = apply_gamma(ex.question, self.gamma, detector, seed_key=ex.qid,
                                      split=split, joiner=joiner)
            before, after = before + stats["chars_before"], after + stats["chars_after"]
            out.append(replace(ex, question=text))
        n = max(len(out), 1)
        return out, {"data/input_chars_before": before / n, "data/input_chars_after": after / n}

    def judge(self, example: Example, generated: str) -> dict:
        """Reports are judged on the whole corpus; per example only the length is kept."""
        return {"pred_chars": len(generated), "gold_chars": len(example.cot)}

    def metrics(self, examples: Sequence[Example], generated: Sequence[str],
                judged: Sequence[dict]) -> dict[str, float]:
        """``test/rouge1|rouge2|rougeL`` (F1) and ``test/bleu`` against the gold impressions.
        Chinese: on characters, white space removed from both sides (as the pieces join);
        English: on words, white space only normalized."""
        joiner = "" if self.language == "zh" else " "
        refs = [joiner.join(self.pieces(ex.cot)) for ex in examples]
        preds = [joiner.join(g.split()) for g in generated]
        scores = rouge(preds, refs, lang=self.language)
        return {
            "test/rouge1": scores["rouge1"],
            "test/rouge2": scores["rouge2"],
            "test/rougeL": scores["rougeL"],
            "test/bleu": bleu(preds, refs, lang=self.language),
        }
