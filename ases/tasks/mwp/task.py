"""Math word problems (GSM8K and the synthetic generator)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sacrebleu

from ases.data.example import Example
from ases.tasks.base import Task
from ases.tasks.mwp.answer import (
    extract_answer,
    extract_flexible,
    normalize_number,
    numbers_equal,
)
from ases.tasks.mwp.equations import find_equations, first_wrong_round
from ases.text.context import AS, ES
from ases.text.pieces import split_english

_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def labels_from_sentences(cot: str, pieces: list[str], labels: list[str]) -> list[str] | None:
    """Each piece's label: that of the sentence holding most of its characters; None when
    the CoT does not split into as many sentences as there are labels, or a piece is not
    found in it in order."""
    spans, pos = [], 0
    for sentence in _SENTENCE.split(cot.strip()):
        start = cot.find(sentence, pos)
        spans.append((start, start + len(sentence)))
        pos = start + len(sentence)
    if len(spans) != len(labels):
        return None
    out, pos = [], 0
    for piece in pieces:
        start = cot.find(piece, pos)
        if start < 0:
            return None
        end = pos = start + len(piece)
        overlap = [max(0, min(end, b) - max(start, a)) for a, b in spans]
        out.append(labels[overlap.index(max(overlap))])
    return out


@dataclass
class MWPTask(Task):
    """Answer accuracy, format rate and BLEU; decoding stops at a stated answer."""

    min_words: int = 3
    """Pieces with fewer words are attached to a neighbour (see ``split_english``)."""
    name: str = "mwp"

    def check_example(self, example: Example) -> str | None:
        """A gold CoT must state its final answer, or accuracy could not be judged."""
        if extract_answer(example.cot) is None:
            return "the CoT states no final answer (it should end with 'The answer is N.')"
        return None

    def pieces(self, cot: str) -> list[str]:
        """English pieces of a CoT."""
        return split_english(cot, self.min_words)

    def is_finished(self, text: str) -> bool:
        """Stop once the CoT states a final answer ("The answer is N.")."""
        return extract_answer(text) is not None

    def judge(self, example: Example, generated: str) -> dict:
        """The predicted answer (strict: the last answer statement; flexible: the last
        number anywhere) and whether each equals the gold one numerically."""
        pred, loose = extract_answer(generated), extract_flexible(generated)
        gold = normalize_number(example.answer)
        return {"pred_answer": pred, "pred_answer_flexible": loose, "gold_answer": gold,
                "correct": numbers_equal(pred, gold),
                "correct_flexible": numbers_equal(loose, gold)}

    def piece_labels(self, example: Example, pieces: list[str]) -> list[str] | None:
        """``ES``/``AS`` per piece: the synthetic generator's label of the sentence holding
        most of the piece's characters; for other CoTs (GSM8K) the heuristic "a piece with an
        equation whose result is not a number of the question is AS, any other ES"."""
        sentences = example.meta.get("sentence_labels")
        if sentences is not None:
            return labels_from_sentences(example.cot, pieces, sentences)
        given = [v for v in map(normalize_number, _NUMBER.findall(example.question)) if v is not None]
        return [AS if any(not any(numbers_equal(eq.result, g) for g in given)
                          for eq in find_equations(piece)) else ES for piece in pieces]

    def diagnose(self, example: Example, segments: list[str]) -> dict:
        """The round of the first wrong intermediate number (None: none wrong), where the
        gold CoT has equations to check against."""
        try:
            return {"first_wrong_round": first_wrong_round(example.cot, segments)}
        except ValueError:
            return {}

    @staticmethod
    def steps(example: Example) -> int:
        """Reasoning steps: the generator's count, else the gold CoT's equations."""
        return int(example.meta.get("steps") or len(find_equations(example.cot)))

    def metrics(self, examples: Sequence[Example], generated: Sequence[str],
                judged: Sequence[dict]) -> dict[str, float]:
        """``test/acc`` (strict), ``test/acc_flexible`` (the last number anywhere, as
        lm-evaluation-harness' ``flexible-extract``), ``test/format_rate``, corpus
        ``test/bleu`` against the gold CoT, and ``test/acc_steps_<k>``: accuracy over the
        problems with k reasoning steps."""
        n = max(len(judged), 1)
        refs = [" ".join(self.pieces(ex.cot)) for ex in examples]
        bleu = sacrebleu.corpus_bleu(list(generated), [refs]).score if examples else 0.0
        out = {
            "test/acc": sum(j["correct"] for j in judged) / n,
            "test/acc_flexible": sum(j["correct_flexible"] for j in judged) / n,
            "test/format_rate": sum(j["pred_answer"] is not None for j in judged) / n,
            "test/bleu": bleu,
        }
        by_steps: dict[int, list[bool]] = {}
        for ex, j in zip(examples, judged, strict=True):
            by_steps.setdefault(self.steps(ex), []).append(bool(j["correct"]))
        for k, hits in sorted(by_steps.items()):
            out[f"test/acc_steps_{k}"] = sum(hits) / len(hits)
        return out
