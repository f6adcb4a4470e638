"""Batched decoding: one pass (the baseline) and iterative AS-ES rounds (uni, dual).

Iterative decoding advances every unfinished example of a batch by one segment per
generation call; finished examples leave the batch, so later rounds get cheaper. Each call
goes through the model adapter (:class:`ases.models.adapter.ModelAdapter`), which for
seq2seq models also drops each row as soon as it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ases.decoding.settings import EMPTY, MAX_ROUNDS, ONE_PASS, STOP_RULE, DecodeSettings, Trace
from ases.models.adapter import ModelAdapter
from ases.text.context import context, split_tag

__all__ = ["EMPTY", "MAX_ROUNDS", "ONE_PASS", "STOP_RULE", "DecodeSettings", "Trace",
           "decode_dual", "decode_iterative", "decode_one_pass", "generate"]


def generate(adapter: ModelAdapter, model, sources: Sequence[str], max_source_len: int,
             max_new_tokens: int, settings: DecodeSettings) -> list[str]:
    """One batched generation call through the adapter; the stripped texts."""
    return adapter.generate(model, sources, max_source_len, max_new_tokens,
                            num_beams=settings.num_beams, min_new_tokens=settings.min_new_tokens,
                            engine=settings.engine)


def decode_one_pass(adapter: ModelAdapter, model, questions: Sequence[str],
                    max_source_len: int, max_target_len: int,
                    settings: DecodeSettings) -> list[Trace]:
    """The baseline: the whole CoT from ``context(question, [])`` in one call."""
    texts = generate(adapter, model, [context(q, []) for q in questions],
                     max_source_len, max_target_len, settings)
    return [Trace([t] if t else [], [None] if t else [], ONE_PASS, rounds=1) for t in texts]


def decode_iterative(adapter: ModelAdapter, model, questions: Sequence[str],
                     is_finished: Callable[[str], bool],
                     max_source_len: int, settings: DecodeSettings,
                     tagged: bool = False) -> list[Trace]:
    """AS-ES decoding with one model (uni-path): segment after segment.

    Each round, every unfinished example gets ``context(question, segments so far)`` and
    the model writes its next segment. An example stops when the task's stop rule holds
    on its CoT, when it writes an empty segment (the learned stop), or after
    ``settings.max_rounds`` rounds. With ``tagged`` the model's leading ``[ES]``/``[AS]``
    is taken off the segment and recorded as its type.
    """
    traces = [Trace() for _ in questions]
    active = list(range(len(questions)))
    for _ in range(settings.max_rounds):
        if not active:
            break
        sources = [context(questions[i], traces[i].segments) for i in active]
        texts = generate(adapter, model, sources, max_source_len, settings.max_new_tokens,
                         settings)
        still = []
        for i, text in zip(active, texts, strict=True):
            traces[i].rounds += 1
            kind, text = split_tag(text) if tagged else (None, text)
            if not text:
                traces[i].stop_reason = EMPTY
                continue
            traces[i].add(text, kind)
            if is_finished(traces[i].text):
                traces[i].stop_reason = STOP_RULE
            else:
                still.append(i)
        active = still
    return traces


def decode_dual(adapter: ModelAdapter, es_model, as_model, questions: Sequence[str],
                is_finished: Callable[[str], bool], max_source_len: int,
                settings: DecodeSettings) -> list[Trace]:
    """AS-ES decoding with two models (dual path): ES, AS, ES, AS … on the growing context.

    Every example starts with the ES model. A model that writes an empty segment passes
    the turn; two empty segments in a row end the chain (the rows of
    :func:`ases.paths.rows.dual_rows` teach exactly this). Each round, the examples whose
    turn is ES go through the ES model in one batch and the others through the AS model.
    """
    traces = [Trace() for _ in questions]
    turn = ["ES"] * len(questions)
    empties = [0] * len(questions)
    active = list(range(len(questions)))
    for _ in range(settings.max_rounds):
        if not active:
            break
        done: set[int] = set()
        groups = {kind: [i for i in active if turn[i] == kind] for kind in ("ES", "AS")}
        for kind, model in (("ES", es_model), ("AS", as_model)):
            group = groups[kind]  # fixed before either model runs: one turn per round
            if not group:
                continue
            sources = [context(questions[i], traces[i].segments) for i in group]
            texts = generate(adapter, model, sources, max_source_len, settings.max_new_tokens,
                             settings)
            for i, text in zip(group, texts, strict=True):
                traces[i].rounds += 1
                turn[i] = "AS" if kind == "ES" else "ES"
                if not text:
                    empties[i] += 1
                    if empties[i] >= 2:
                        traces[i].stop_reason = EMPTY
                        done.add(i)
                    continue
                empties[i] = 0
                traces[i].add(text, kind)
                if is_finished(traces[i].text):
                    traces[i].stop_reason = STOP_RULE
                    done.add(i)
        active = [i for i in active if i not in done]
    return traces
