"""Batched decoding: one pass (the baseline) and iterative AS-ES rounds.

Iterative decoding advances every unfinished example of a batch by one segment per
``generate`` call; finished examples leave the batch, so later rounds get cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ases.cot.context import context, join_segments, split_tag

STOP_RULE, EMPTY, MAX_ROUNDS, ONE_PASS = "stop_rule", "empty", "max_rounds", "one_pass"


@dataclass
class DecodeSettings:
    """Generation settings, the same for every path."""

    num_beams: int = 1
    """1 = greedy."""
    max_new_tokens: int = 96
    """Tokens per generated segment (iterative paths)."""
    max_rounds: int = 10
    """Segments per example at most; an example still going then stops."""

    def __post_init__(self) -> None:
        if self.num_beams < 1 or self.max_new_tokens < 1 or self.max_rounds < 1:
            raise ValueError(f"decode settings must be >= 1: {self}")


@dataclass
class Trace:
    """What decoding produced for one example."""

    segments: list[str] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    """Each segment's type: the model that wrote it (dual), the tag it wrote (tagged uni),
    or None where the path does not say."""
    stop_reason: str = MAX_ROUNDS
    rounds: int = 0
    """``generate`` calls this example took part in."""

    @property
    def text(self) -> str:
        """The whole generated CoT."""
        return join_segments(self.segments)

    def add(self, text: str, kind: str | None) -> None:
        self.segments.append(text)
        self.types.append(kind)


def generate_texts(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                   sources: Sequence[str], max_source_len: int, max_new_tokens: int,
                   num_beams: int = 1) -> list[str]:
    """One batched ``generate`` call; returns the stripped decoded texts."""
    enc = tokenizer(list(sources), padding=True, truncation=True, max_length=max_source_len,
                    return_tensors="pt").to(model.device)
    with torch.inference_mode():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, num_beams=num_beams,
                             do_sample=False)  # (B, T_out)
    return [t.strip() for t in tokenizer.batch_decode(out, skip_special_tokens=True)]


def decode_one_pass(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                    questions: Sequence[str], max_source_len: int, max_target_len: int,
                    settings: DecodeSettings) -> list[Trace]:
    """The baseline: the whole CoT from ``context(question, [])`` in one call."""
    texts = generate_texts(model, tokenizer, [context(q, []) for q in questions],
                           max_source_len, max_target_len, settings.num_beams)
    return [Trace([t] if t else [], [None] if t else [], ONE_PASS, rounds=1) for t in texts]


def decode_iterative(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                     questions: Sequence[str], is_finished: Callable[[str], bool],
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
        texts = generate_texts(model, tokenizer, sources, max_source_len,
                               settings.max_new_tokens, settings.num_beams)
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


def decode_dual(es_model: PreTrainedModel, as_model: PreTrainedModel,
                tokenizer: PreTrainedTokenizerBase, questions: Sequence[str],
                is_finished: Callable[[str], bool], max_source_len: int,
                settings: DecodeSettings) -> list[Trace]:
    """AS-ES decoding with two models (dual path): ES, AS, ES, AS … on the growing context.

    Every example starts with the ES model. A model that writes an empty segment passes
    the turn; two empty segments in a row end the chain (the rows of
    :func:`ases.cot.rows.dual_rows` teach exactly this). Each round, the examples whose
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
            texts = generate_texts(model, tokenizer, sources, max_source_len,
                                   settings.max_new_tokens, settings.num_beams)
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
