"""Iterative decoding of a decoder-only student that never reads a token twice.

A uni-path example is one growing sequence: the question, then segment after segment. A
:class:`CacheCarry` keeps each example's key/value cache from one generation call to the
next, so a round reads only what is new to the model: nothing but the segment marker after
its own segment (uni), or the other model's segments since its last turn (dual: each model
has its own carry). Examples that stop are simply not asked again; rows that end their
segment leave the batch at once (as :func:`ases.models.greedy.greedy_generate` does).

The cache is kept per example without padding (the keys carry their rotary positions), and
each call stacks the examples it is asked for, left-padded, into one batch. Where a prompt
differs from what the cache holds (the model passed, a tagged segment was re-written, a
prompt was cut), the carry drops the tokens that differ and reads the prompt's instead, so
it always decodes the prompt it is given.

A call's batch cache keeps room for what the call will read and write (no copy of the
cache per step), and Llama-family models (Llama, SmolLM2, Qwen2) step through
:mod:`ases.models.llama_lean`, their own modules without the forward's bookkeeping,
checked once per model against the forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from transformers import PreTrainedModel
from transformers.cache_utils import DynamicCache, DynamicLayer

from ases.models import llama_lean
from ases.models.greedy import cache_argument
from ases.text.context import Prompt


@dataclass
class _Held:
    """One example's cache: ``ids`` are the tokens whose keys and values it holds."""

    ids: list[int] = field(default_factory=list)
    keys: list[torch.Tensor] = field(default_factory=list)  # per layer (H, T, D)
    values: list[torch.Tensor] = field(default_factory=list)  # per layer (H, T, D)
    written: tuple[str, ...] = ()
    """The prompt's segments that ``ids`` (with ``pending``) hold."""
    own: str | None = None
    """The text the model wrote at its last call (None: nothing yet)."""
    wrote: list[int] = field(default_factory=list)
    """The tokens of that call, its end token included when it wrote one."""
    before: int = 0
    """``len(ids)`` before that call's tokens."""

    def keep(self, n: int) -> None:
        """Forgets every token after the first ``n``."""
        self.ids = self.ids[:n]
        self.keys = [k[:, :n] for k in self.keys]
        self.values = [v[:, :n] for v in self.values]


class _Room(DynamicLayer):
    """A cache layer that keeps room for ``room`` more tokens after what its first update
    holds and writes later keys and values into it: a plain ``DynamicLayer`` concatenates,
    which copies the whole cache of every layer at every step. A call of
    :meth:`CacheCarry._decode` reads its feed and writes ``max_new_tokens`` at most: that is
    its room."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room, self.length = room, 0

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
               ) -> tuple[torch.Tensor, torch.Tensor]:
        n = key_states.shape[-2]
        if not self.is_initialized:
            self.device, self.is_initialized = key_states.device, True
            b, h, _, d = key_states.shape
            self._keys = key_states.new_empty((b, h, n + self.room, d))
            self._values = value_states.new_empty((b, h, n + self.room, value_states.shape[-1]))
        self._keys[:, :, self.length : self.length + n] = key_states
        self._values[:, :, self.length : self.length + n] = value_states
        self.length += n
        self.keys = self._keys[:, :, : self.length]
        self.values = self._values[:, :, : self.length]
        return self.keys, self.values

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.is_initialized:
            self._keys, self._values = self._keys[indices], self._values[indices]
            self.keys = self._keys[:, :, : self.length]
            self.values = self._values[:, :, : self.length]


def carries(model: PreTrainedModel) -> bool:
    """Whether the model's cache is one plain key/value layer per layer (sliding-window
    and recurrent layers drop or fold what they read, so they cannot be re-stacked)."""
    cache = DynamicCache(config=model.config)
    return not any(cache.is_sliding) and not any(getattr(cache, "is_linear", []))


class CacheCarry:
    """Greedy segment-by-segment decoding for one model, keyed by example.

    Args:
        adapter: the causal adapter (token ids of prompts and segments).
        model: the decoder-only model.
        max_source_len: tokens of a new example's prompt kept (cut as in training).
        max_new_tokens: tokens per call at most.
        min_new_tokens: tokens per call at least.
    """

    def __init__(self, adapter, model: PreTrainedModel, max_source_len: int,
                 max_new_tokens: int, min_new_tokens: int = 0) -> None:
        self.adapter, self.model = adapter, model
        self.max_source_len, self.max_new_tokens = max_source_len, max_new_tokens
        self.min_new_tokens = min_new_tokens
        self.ends = [adapter.sep, adapter.eos]
        self.window = getattr(model.config, "max_position_embeddings", None) or 1 << 30
        self.cache_arg = cache_argument(model)
        self.held: dict[object, _Held] = {}

    # -- what each example still has to read --------------------------------------------

    def _fresh(self, prompt: Prompt) -> tuple[_Held, list[int]]:
        ids = self.adapter.cut(self.adapter.prompt_ids(prompt), [], self.max_source_len, 1)[0]
        return _Held(written=tuple(prompt.written)), ids

    def _plan(self, key: object, prompt: Prompt) -> tuple[_Held, list[int]]:
        """The example's cache and the tokens it reads before it writes."""
        written = tuple(prompt.written)
        held = self.held.pop(key, None)
        if held is None or written[: len(held.written)] != held.written:
            return self._fresh(prompt)
        feed: list[int] = []
        done = len(held.written)
        if held.own is not None and written[done : done + 1] == (held.own,):
            # its own segment is in the cache but for the last token; then the marker
            feed = [t for t in held.wrote[-1:] if t not in self.ends] + [self.adapter.sep]
            done += 1
        else:  # it passed, or the prompt shows its segment otherwise: read the prompt's
            held.keep(held.before)
        for segment in written[done:]:
            feed += self.adapter.segment_ids(segment)
        if not feed:  # nothing new: read the last token again for the next one's logits
            feed = held.ids[-1:]
            held.keep(len(held.ids) - 1)
        if len(held.ids) + len(feed) + self.max_new_tokens > self.window:
            return self._fresh(prompt)  # past the model's window: start again, cut
        held.written, held.own = written, None
        return held, feed

    # -- one call ---------------------------------------------------------------------

    def __call__(self, keys: Sequence[object], prompts: Sequence[Prompt],
                 must_write: bool = False) -> list[str]:
        """Each example's next text (stripped; its end token left out)."""
        plans = [self._plan(k, p) for k, p in zip(keys, prompts, strict=True)]
        with torch.inference_mode():
            wrote = self._decode(plans, self.adapter.blank_ids if must_write else None)
        texts = []
        for key, (held, _), tokens in zip(keys, plans, wrote, strict=True):
            body = tokens[:-1] if tokens[-1] in self.ends else tokens
            text = self.adapter.tokenizer.decode(body, skip_special_tokens=True).strip()
            held.own, held.wrote = text, tokens
            self.held[key] = held
            texts.append(text)
        return texts

    def forget(self, keys: Sequence[object]) -> None:
        """Drops the caches of finished examples."""
        for key in keys:
            self.held.pop(key, None)

    def _decode(self, plans: list[tuple[_Held, list[int]]],
                blank_ids: torch.Tensor | None) -> list[list[int]]:
        device = self.model.device
        n = len(plans)
        past = max(len(h.ids) for h, _ in plans)
        width = max(len(f) for _, f in plans)
        mask = torch.zeros((n, past + width), dtype=torch.long, device=device)  # (B, P+N)
        new = torch.full((n, width), self.adapter.pad, dtype=torch.long, device=device)  # (B, N)
        positions = torch.zeros((n, width), dtype=torch.long, device=device)  # (B, N)
        for b, (held, feed) in enumerate(plans):
            mask[b, past - len(held.ids) : past] = 1
            mask[b, past + width - len(feed) :] = 1
            new[b, width - len(feed) :] = torch.tensor(feed, device=device)
            positions[b, width - len(feed) :] = torch.arange(len(held.ids), len(held.ids) + len(feed))
        cache = DynamicCache()
        cache.layer_class_to_replicate = lambda: _Room(width + self.max_new_tokens)
        if past:
            layers = len(next(h.keys for h, _ in plans if h.keys))
            for layer in range(layers):
                cache.update(self._stack(plans, layer, "keys", past),
                             self._stack(plans, layer, "values", past), layer)
        ids = [h.ids + f for h, f in plans]  # what each row has read
        for held, feed in plans:
            held.before = len(held.ids) + len(feed)  # its own tokens come after these
        wrote: list[list[int]] = [[] for _ in plans]
        rows = list(range(n))  # batch slot -> example
        ends = torch.tensor(self.ends, device=device)
        blank = None if blank_ids is None else torch.ones(n, dtype=torch.bool, device=device)
        lean = (llama_lean.supports(self.model)
                and llama_lean.matches(self.model, ids[:2], self.adapter.pad, self.cache_arg))
        step_ids, step_pos = new, positions
        for step in range(self.max_new_tokens):
            if lean:
                logits = llama_lean.step(self.model, step_ids, step_pos, mask, cache).float()
            else:
                out = self.model(input_ids=step_ids, attention_mask=mask, position_ids=step_pos,
                                 use_cache=True, logits_to_keep=1, **{self.cache_arg: cache})
                logits = out.logits[:, -1].float()  # (b, V)
            if step < self.min_new_tokens:
                logits[:, ends] = -float("inf")
            if blank is not None and bool(blank.any()):
                logits[blank.nonzero()[:, :1], ends[None, :]] = -float("inf")
            chosen = logits.argmax(dim=-1)  # (b,)
            if blank is not None:
                blank = blank & torch.isin(chosen, blank_ids.to(device))
            for slot, token in enumerate(chosen.tolist()):
                wrote[rows[slot]].append(token)
            stop = torch.isin(chosen, ends) | (step + 1 == self.max_new_tokens)  # (b,)
            # what the cache holds now: every fed token; the chosen one is fed next step
            for slot in stop.nonzero()[:, 0].tolist():
                self._keep(plans[rows[slot]][0], cache, mask, slot,
                           ids[rows[slot]] + wrote[rows[slot]][:-1])
            if bool(stop.all()):
                break
            if bool(stop.any()):
                keep = (~stop).nonzero()[:, 0]
                cache.batch_select_indices(keep)
                mask, chosen = mask[keep], chosen[keep]
                rows = [rows[s] for s in keep.tolist()]
                blank = None if blank is None else blank[keep]
            step_pos = torch.tensor([[len(ids[r]) + len(wrote[r]) - 1] for r in rows], device=device)
            step_ids = chosen[:, None]
            mask = torch.cat([mask, torch.ones((len(rows), 1), dtype=mask.dtype, device=device)], 1)
        return wrote

    @staticmethod
    def _stack(plans, layer: int, which: str, past: int) -> torch.Tensor:
        """One layer's keys (or values) of every example, left-padded: (B, H, P, D)."""
        some = next(getattr(h, which)[layer] for h, _ in plans if getattr(h, which))
        out = some.new_zeros((len(plans), some.shape[0], past, some.shape[2]))
        for b, (held, _) in enumerate(plans):
            if held.ids:
                out[b, :, past - len(held.ids) :] = getattr(held, which)[layer]
        return out

    @staticmethod
    def _keep(held: _Held, cache: DynamicCache, mask: torch.Tensor, slot: int,
              ids: list[int]) -> None:
        """Takes a finished row's keys and values out of the batch cache, padding dropped."""
        real = mask[slot].bool()  # (T,)
        held.keys = [layer.keys[slot][:, real].clone() for layer in cache.layers]
        held.values = [layer.values[slot][:, real].clone() for layer in cache.layers]
        held.ids = ids
        if held.keys and held.keys[0].shape[1] != len(ids):
            raise RuntimeError(f"the cache holds {held.keys[0].shape[1]} tokens of a row of "
                               f"{len(ids)}: decode with decode.engine=hf")
