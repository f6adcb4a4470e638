"""The per-token NLL of the gold test CoTs under a trained run, split into ES and AS tokens."""

from __future__ import annotations

from collections.abc import Sequence

from ases.data.example import Example
from ases.load import Run
from ases.segment.base import AS, ES, SegmentedCoT
from ases.segment.scorer import token_stats
from ases.text.context import Prompt, add_tag

TYPES = (ES, AS)


def _segment_jobs(run: Run, reference: Sequence[SegmentedCoT]) -> dict[str, list[tuple]]:
    """Per model: (example index, tag, prompt, target ids, marker tokens to skip) per
    segment; the prompt shows the gold segments before it as training did (with their
    tags on the tagged uni path)."""
    adapter, jobs = run.adapter, {}
    for i, ref in enumerate(reference):
        shown = [add_tag(seg.tag, seg.text) if run.tagged else seg.text for seg in ref.segments]
        for k, seg in enumerate(ref.segments):
            text_ids = adapter.text_ids(seg.text)
            ids = adapter.text_ids(shown[k])
            # tokenizers split at white space: the text's tokens end the tagged target
            if ids[len(ids) - len(text_ids):] != text_ids:
                raise ValueError(f"example {ref.qid}: the tagged target does not end in the "
                                 f"tokens of its text {seg.text!r}")
            if text_ids:
                key = "model" if "model" in run.models else seg.tag.lower()
                jobs.setdefault(key, []).append(
                    (i, seg.tag, Prompt(ref.question, tuple(shown[:k])), ids,
                     len(ids) - len(text_ids)))
    return jobs


def gold_nll(run: Run, reference_segmented: Sequence[SegmentedCoT], examples: Sequence[Example],
             batch_size: int = 32, progress: bool = True) -> dict:
    """The per-token NLL (nats) of the gold test CoTs under ``run``, split into ES and AS tokens.

    seq2seq: question → whole CoT (:func:`ases.segment.scorer.token_stats`). uni: each
    reference segment given the context of the gold segments before it; on the tagged uni
    path the target is ``"[ES] text"``/``"[AS] text"`` as in training, but only the text's
    tokens count, not the marker's. dual: the same, the ES model scoring the ES segments and
    the AS model the AS segments. No end-of-sequence token counts.

    Args:
        run: a loaded run.
        reference_segmented: the reference segmentation of ``examples``' CoTs, in order.
        examples: the test examples.
        batch_size: sequences per forward pass.
        progress: show a progress bar.

    Returns:
        ``nll_es``, ``nll_as``, ``nll_all`` (token-weighted means; None with no such tokens),
        ``tokens_es``, ``tokens_as``, ``tokens``, and ``per_example``: per example its ``qid``,
        ``nll_sum_es``/``nll_sum_as`` (summed NLL) and ``tokens_es``/``tokens_as``.
    """
    if [ex.qid for ex in examples] != [s.qid for s in reference_segmented]:
        raise ValueError("reference_segmented must hold the examples' CoTs, in the same order")
    sums = [{t: [0.0, 0] for t in TYPES} for _ in examples]  # per example, per tag: [nll sum, tokens]
    if run.path == "seq2seq":  # one pass over the whole CoT, whatever its loss weights
        stats = token_stats(run.adapter, run.models["model"], [ex.question for ex in examples],
                            [s.pieces for s in reference_segmented], run.spec.max_source_len,
                            batch_size, progress)
        for acc, ex_stats, ref in zip(sums, stats, reference_segmented, strict=True):
            for piece, t in zip(ex_stats, ref.tags, strict=True):
                acc[t][0] += float(piece.nll.sum())
                acc[t][1] += len(piece.nll)
    else:
        for key, jobs in _segment_jobs(run, reference_segmented).items():
            # no end-of-sequence token: the decoder is causal, so it changes no earlier NLL
            scores = run.adapter.token_scores(run.models[key], [j[2] for j in jobs],
                                              [j[3] for j in jobs], run.spec.max_source_len,
                                              batch_size, progress, desc="gold NLL")
            nlls = [sc.nll for sc in scores]
            for (i, t, _, _, skip), nll in zip(jobs, nlls, strict=True):
                sums[i][t][0] += float(nll[skip:].sum())
                sums[i][t][1] += len(nll) - skip
    total = {t: (sum(a[t][0] for a in sums), sum(a[t][1] for a in sums)) for t in TYPES}
    n_all, s_all = sum(n for _, n in total.values()), sum(s for s, _ in total.values())
    return {
        "nll_es": total[ES][0] / total[ES][1] if total[ES][1] else None,
        "nll_as": total[AS][0] / total[AS][1] if total[AS][1] else None,
        "nll_all": s_all / n_all if n_all else None,
        "tokens_es": total[ES][1], "tokens_as": total[AS][1], "tokens": n_all,
        "per_example": [{"qid": ex.qid, "nll_sum_es": a[ES][0], "tokens_es": a[ES][1],
                         "nll_sum_as": a[AS][0], "tokens_as": a[AS][1]}
                        for ex, a in zip(examples, sums, strict=True)],
    }
