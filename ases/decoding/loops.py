"""Batched decoding: one pass (the baseline) and iterative AS-ES rounds (uni, dual).

Iterative decoding advances every unfinished example of a batch by one segment per
generation call; finished examples leave the batch, so later rounds get cheaper. Each call
goes through the model adapter's writer (:meth:`ases.models.adapter.ModelAdapter.writer`),
which drops each row as soon as it ends, and for a decoder-only model keeps each example's
key/value cache from round to round, so no round reads the context again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ases.decoding.settings import (
    EMPTY,
    END,
    MAX_ROUNDS,
    ONE_PASS,
    STOP_RULE,
    DecodeSettings,
    Trace,
)
from ases.models.adapter import ModelAdapter, Writer
from ases.text.context import Prompt, add_tag, split_tag
from ases.text.turns import AS, ES, Turns

__all__ = ["EMPTY", "END", "MAX_ROUNDS", "ONE_PASS", "STOP_RULE", "DecodeSettings", "Trace",
           "decode_dual", "decode_iterative", "decode_one_pass", "generate"]


def generate(adapter: ModelAdapter, model, prompts: Sequence[Prompt], max_source_len: int,
             max_new_tokens: int, settings: DecodeSettings, must_write: bool = False) -> list[str]:
    """One batched generation call through the adapter; the stripped texts."""
    return adapter.generate(model, prompts, max_source_len, max_new_tokens,
                            num_beams=settings.num_beams, min_new_tokens=settings.min_new_tokens,
                            engine=settings.engine, must_write=must_write)


def writer(adapter: ModelAdapter, model, max_source_len: int, settings: DecodeSettings) -> Writer:
    """The adapter's round-by-round writer for one model (a causal model keeps each
    example's cache from round to round)."""
    return adapter.writer(model, max_source_len, settings.max_new_tokens,
                          num_beams=settings.num_beams, min_new_tokens=settings.min_new_tokens,
                          engine=settings.engine)


def decode_one_pass(adapter: ModelAdapter, model, questions: Sequence[str],
                    max_source_len: int, max_target_len: int,
                    settings: DecodeSettings) -> list[Trace]:
    """The baseline: the whole CoT from ``context(question, [])`` in one call."""
    texts = generate(adapter, model, [Prompt(q) for q in questions],
                     max_source_len, max_target_len, settings)
    return [Trace([t] if t else [], [None] if t else [], ONE_PASS, rounds=1) for t in texts]


def _written(trace: Trace, tagged: bool) -> tuple[str, ...]:
    """The segments as the prompt shows them: with the tag each was written with."""
    if not tagged:
        return tuple(trace.segments)
    return tuple(add_tag(kind, text) if kind else text
                 for text, kind in zip(trace.segments, trace.types, strict=True))


def decode_iterative(adapter: ModelAdapter, model, questions: Sequence[str],
                     is_finished: Callable[[str], bool],
                     max_source_len: int, settings: DecodeSettings,
                     tagged: bool = False) -> list[Trace]:
    """AS-ES decoding with one model (uni-path): segment after segment.

    Each round, every unfinished example gets ``context(question, segments so far)`` and
    the model writes its next segment. An example stops when the task's stop rule holds
    on its CoT, when it writes an empty segment (the learned stop), or after
    ``settings.max_rounds`` rounds. With ``tagged`` the model's leading ``[ES]``/``[AS]``
    is taken off the segment and recorded as its type; the prompt shows each written
    segment with its tag, as the model wrote it (the rows of
    :func:`ases.paths.rows.segment_rows` do the same).
    """
    traces = [Trace() for _ in questions]
    active = list(range(len(questions)))
    write = writer(adapter, model, max_source_len, settings)
    for _ in range(settings.max_rounds):
        if not active:
            break
        texts = write(active, [Prompt(questions[i], _written(traces[i], tagged)) for i in active])
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
        going = set(still)
        write.forget([i for i in active if i not in going])
        active = still
    return traces


def decode_dual(adapter: ModelAdapter, es_model, as_model, questions: Sequence[str],
                is_finished: Callable[[str], bool], max_source_len: int,
                settings: DecodeSettings) -> list[Trace]:
    """AS-ES decoding with two models (dual path) taking turns on the growing context.

    The turns follow :class:`ases.text.turns.Turns`, the protocol the rows of
    :func:`ases.paths.rows.dual_rows` teach: the ES model opens and may pass (write
    nothing) at that turn only; at every other turn a model writes at least one visible
    character. An example ends at the task's stop rule, at the end marker, after two
    passes in a row, or after ``settings.max_rounds`` turns. Each round, the examples whose
    turn is ES go through the ES model in one batch and the others through the AS model.
    """
    states = [Turns() for _ in questions]
    traces = [Trace(turns=state.log) for state in states]
    active = list(range(len(questions)))
    writers = {ES: writer(adapter, es_model, max_source_len, settings),
               AS: writer(adapter, as_model, max_source_len, settings)}
    for _ in range(settings.max_rounds):
        if not active:
            break
        done: set[int] = set()
        # fixed before any model runs: one turn per example per round
        groups = [(kind, may_pass, [i for i in active
                                    if states[i].model == kind and states[i].may_pass == may_pass])
                  for kind in (ES, AS) for may_pass in (True, False)]
        for kind, may_pass, group in groups:
            if not group:
                continue
            sources = [Prompt(questions[i], tuple(states[i].segments)) for i in group]
            texts = writers[kind](group, sources, must_write=not may_pass)
            for i, text in zip(group, texts, strict=True):
                state, trace = states[i], traces[i]
                trace.rounds += 1
                added = state.take(text)
                if added:
                    trace.add(added, kind)
                if added and is_finished(trace.text):
                    trace.stop_reason = STOP_RULE
                elif state.ended:
                    trace.stop_reason = END
                elif state.gave_up:
                    trace.stop_reason = EMPTY
                else:
                    continue
                done.add(i)
        for kind in (ES, AS):
            writers[kind].forget(sorted(done))
        active = [i for i in active if i not in done]
    return traces
