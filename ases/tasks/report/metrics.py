"""ROUGE and BLEU of reports, by language.

Chinese (``lang="zh"``): rouge-score's default tokenizer lower-cases and keeps only
``[a-z0-9]``: every Chinese character disappears and a Chinese pair scores 0 however close
it is. Here ROUGE runs on :func:`ases.text.words.words` (one token per CJK character, words
and numbers whole), and BLEU uses sacrebleu's ``zh`` tokenizer, which also splits Chinese
into characters.

English (``lang="en"``): ROUGE on words with rouge-score's own tokenizer (lower-cased,
letters and digits kept, so ``1.2`` counts as ``1`` and ``2``), BLEU with sacrebleu's
``13a``, the usual choices for English.
"""

from __future__ import annotations

from collections.abc import Sequence

import sacrebleu
from rouge_score import rouge_scorer

from ases.text.words import WordTokenizer

ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")
_BLEU_TOKENIZE = {"zh": "zh", "en": "13a"}

def _check_pairs(predictions: Sequence[str], references: Sequence[str]) -> None:
    if isinstance(predictions, str) or isinstance(references, str):
        raise TypeError("predictions and references are lists of strings, not one string")
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")


def rouge(predictions: Sequence[str], references: Sequence[str],
          lang: str = "zh") -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F1 over prediction-reference pairs.

    Args:
        predictions: one generated text per example.
        references: the gold text of each example, in the same order.
        lang: ``"zh"`` (characters) or ``"en"`` (rouge-score's word tokenizer).

    Returns:
        ``{"rouge1", "rouge2", "rougeL"}``, each in [0, 1]; all 0.0 when there are no
        pairs.

    Raises:
        ValueError: the two lists differ in length, or ``lang`` is neither zh nor en.
    """
    _check_pairs(predictions, references)
    if lang not in _BLEU_TOKENIZE:
        raise ValueError(f"lang must be one of {sorted(_BLEU_TOKENIZE)}, got {lang!r}")
    if not predictions:
        return dict.fromkeys(ROUGE_KEYS, 0.0)
    tokenizer = WordTokenizer() if lang == "zh" else None  # None: rouge-score's own
    scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), tokenizer=tokenizer)
    totals = dict.fromkeys(ROUGE_KEYS, 0.0)
    for pred, ref in zip(predictions, references, strict=True):
        scores = scorer.score(ref, pred)  # score(target, prediction)
        for key in ROUGE_KEYS:
            totals[key] += scores[key].fmeasure
    return {key: total / len(predictions) for key, total in totals.items()}


def bleu(predictions: Sequence[str], references: Sequence[str], lang: str = "zh") -> float:
    """Corpus BLEU (sacrebleu, one reference per example, its default exp smoothing).

    Args:
        predictions: one generated text per example.
        references: the gold text of each example, in the same order.
        lang: ``"zh"`` (sacrebleu's ``zh`` tokenizer: one token per Chinese character) or
            ``"en"`` (``13a``).

    Returns:
        BLEU in [0, 100]; 0.0 when there are no pairs.

    Raises:
        ValueError: the lists differ in length, or ``lang`` is neither zh nor en.
    """
    _check_pairs(predictions, references)
    if lang not in _BLEU_TOKENIZE:
        raise ValueError(f"lang must be one of {sorted(_BLEU_TOKENIZE)}, got {lang!r}")
    if not predictions:
        return 0.0
    result = sacrebleu.corpus_bleu(
        list(predictions), [list(references)], tokenize=_BLEU_TOKENIZE[lang]
    )
    return float(result.score)
