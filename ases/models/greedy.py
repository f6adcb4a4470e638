"""Greedy decoding of encoder-decoder models that drops each finished row at every step.

The seq2seq adapter (:mod:`ases.models.seq2seq`) decodes through :func:`greedy_generate`
unless a model's generation config changes logits or beam search is asked for; T5-family
models take the lean path of :mod:`ases.models.t5_lean`, checked once per model against
the model's own forward.
"""

from __future__ import annotations

import inspect
import logging
import weakref

import torch
from transformers import LogitsProcessor, PreTrainedModel
from transformers.cache_utils import DynamicCache, EncoderDecoderCache
from transformers.modeling_outputs import BaseModelOutput

from ases.models import t5_lean as decode_t5

log = logging.getLogger(__name__)
ENGINES = ("ases", "hf")
"""``ases``: :func:`greedy_generate`; ``hf``: ``model.generate``."""


# whose config sets any of them is decoded by ``generate`` so that they are honoured.
_GREEDY_CHANGERS = {
    "repetition_penalty": (None, 1.0), "encoder_repetition_penalty": (None, 1.0),
    "no_repeat_ngram_size": (None, 0), "encoder_no_repeat_ngram_size": (None, 0),
    "bad_words_ids": (None,), "min_length": (None, 0), "min_new_tokens": (None, 0),
    "forced_bos_token_id": (None,), "forced_eos_token_id": (None,),
    "suppress_tokens": (None,), "begin_suppress_tokens": (None,), "sequence_bias": (None,),
    "exponential_decay_length_penalty": (None,), "guidance_scale": (None, 1.0),
    "watermarking_config": (None,), "remove_invalid_values": (None, False),
    "stop_strings": (None,), "max_time": (None,),
}


def neutral_generation(model: PreTrainedModel) -> bool:
    """Whether the model's generation config leaves greedy search's logits alone."""
    gen = model.generation_config
    return all(getattr(gen, name, None) in neutral for name, neutral in _GREEDY_CHANGERS.items())


def plain_greedy(model: PreTrainedModel, num_beams: int) -> bool:
    """Whether :func:`greedy_generate` writes what ``model.generate`` would: greedy search
    on an encoder-decoder whose generation config changes no logits."""
    return (num_beams == 1 and getattr(model.config, "is_encoder_decoder", False)
            and neutral_generation(model))


def cache_argument(model: PreTrainedModel) -> str:
    """The name of a model's cache argument: transformers >= 5.2x calls it ``cache``,
    earlier 5.x releases ``past_key_values``. A LoRA model (peft) passes its keywords on to
    the model it wraps: that one is asked."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(inner.forward).parameters else "past_key_values"


class _ForwardSteps:
    """The generic decoder step: the model's own forward with an ``EncoderDecoderCache``
    (any encoder-decoder)."""

    def __init__(self, model: PreTrainedModel, encoded: torch.Tensor,
                 attention_mask: torch.Tensor) -> None:
        self.model, self.hidden, self.mask = model, encoded, attention_mask
        self.cache = EncoderDecoderCache(DynamicCache(), DynamicCache())  # filled in place
        self.cache_arg = cache_argument(model)

    def step(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.model(encoder_outputs=BaseModelOutput(last_hidden_state=self.hidden),
                         attention_mask=self.mask, decoder_input_ids=ids[:, None],
                         use_cache=True, **{self.cache_arg: self.cache})
        return out.logits[:, -1, :]

    def keep(self, rows: torch.Tensor) -> None:
        self.cache.batch_select_indices(rows)
        self.hidden, self.mask = self.hidden[rows], self.mask[rows]


def logits_close(got: torch.Tensor, expected: torch.Tensor, tol: float) -> bool:
    """Whether a lean path's output matches the forward's: the largest difference within
    ``tol`` of the largest magnitude (plus one). It only has to catch a different
    computation, not rounding."""
    expected = expected.float()
    return bool((got.float() - expected).abs().max() <= tol * (1 + expected.abs().max()))


# Whether the lean T5 path reproduced a model's forward, per model and (dtype, attention)
_LEAN_OK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _lean_matches(model: PreTrainedModel, input_ids: torch.Tensor,
                  attention_mask: torch.Tensor, start: int) -> bool:
    """Whether :func:`ases.models.t5_lean.encode` and :class:`~ases.models.t5_lean.T5Steps` give the
    model's encoder states and logits on two rows of this batch, for two steps. Checked
    once per model, dtype and attention kernel; a mismatch (a model or transformers
    release whose T5 computes differently) is logged and keeps the generic loop. The
    tolerance only has to catch a different computation: on CPU in float32 the two are
    equal bit for bit (tests/test_decode_exact.py)."""
    device = input_ids.device.type
    autocast = (torch.get_autocast_dtype(device)
                if torch.is_autocast_enabled(device) else None)
    key = (model.dtype, device, autocast, model.get_encoder().config._attn_implementation,
           model.decoder.config._attn_implementation)
    verdicts = _LEAN_OK.setdefault(model, {})
    if key in verdicts:
        return verdicts[key]
    # the two most padded rows: the masks are checked too
    rows = attention_mask.sum(dim=1).argsort()[:2]
    ids, mask = input_ids[rows], attention_mask[rows]
    tol = 1e-4 if model.dtype == torch.float32 and autocast is None else 1e-2

    def close(got: torch.Tensor, expected: torch.Tensor) -> bool:
        return logits_close(got, expected, tol)

    failure = None
    try:
        with torch.inference_mode():
            hidden = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
            ok = close(decode_t5.encode(model, ids, mask), hidden)
            lean, forward = (decode_t5.T5Steps(model, hidden, mask, 2),
                             _ForwardSteps(model, hidden, mask))
            tokens = torch.full((ids.shape[0],), start, dtype=torch.long, device=ids.device)
            for _ in range(2):
                if not ok:
                    break
                expected = forward.step(tokens)
                ok = close(lean.step(tokens), expected)
                tokens = expected.argmax(-1)
    except Exception as err:  # a T5 look-alike whose modules differ: the generic loop copes
        ok, failure = False, f"{type(err).__name__}: {err}"
    if not ok:
        log.warning("the lean T5 decoding path does not reproduce %s's forward (%s); "
                    "decoding it through its forward instead", type(model).__name__,
                    failure or f"dtype {key[0]}, {device}, autocast {autocast}")
    verdicts[key] = ok
    return ok


def end_token_ids(model: PreTrainedModel) -> list[int]:
    """The tokens that end generation in the model's generation config (one id or a list)."""
    eos = model.generation_config.eos_token_id
    return sorted({eos} if isinstance(eos, int) else set(eos or []))


def greedy_generate(model: PreTrainedModel, input_ids: torch.Tensor,
                    attention_mask: torch.Tensor, max_new_tokens: int,
                    min_new_tokens: int = 0, lean: bool = True,
                    blank_ids: torch.Tensor | None = None) -> list[list[int]]:
    """Greedy decoding of an encoder-decoder that drops each row from the batch (and from
    the key/value cache) as soon as it writes its end token.

    ``generate`` keeps finished rows in the batch until the longest one ends, so one long
    row makes a whole batch pay full price for every step. Here a step costs what the rows
    still writing cost. T5-family models are encoded by :func:`ases.models.t5_lean.encode`
    and step through :class:`ases.models.t5_lean.T5Steps` (the same layers without the
    forward's per-step bookkeeping) unless ``lean`` is False; other models run their
    encoder and forward. The tokens are those of
    ``generate(do_sample=False, num_beams=1)`` on the same batch (tested on CPU in
    float32; in bf16 on a GPU a row's logits can move by rounding as the batch shrinks,
    which may flip a near tie). The end token is left out. Returns each row's new token
    ids.

    With ``blank_ids`` (the tokens that write no visible character), a row may not end
    before it has written a token outside them, as :class:`HoldEndUntilText` does for
    ``generate``.
    """
    gen = model.generation_config
    # where generate looks: the generation config, then the model config, then BOS
    start = next((t for t in (gen.decoder_start_token_id,
                              getattr(model.config, "decoder_start_token_id", None),
                              gen.bos_token_id) if t is not None), None)
    if start is None:
        raise ValueError(f"{type(model).__name__} has no decoder_start_token_id or "
                         "bos_token_id in its generation config; set one, or decode.engine=hf")
    end_ids = torch.tensor(end_token_ids(model), dtype=torch.long, device=input_ids.device)
    written: list[list[int]] = [[] for _ in range(input_ids.shape[0])]
    with torch.inference_mode():
        if (lean and decode_t5.supports(model)
                and _lean_matches(model, input_ids, attention_mask, start)):
            hidden = decode_t5.encode(model, input_ids, attention_mask)  # (B, S, d)
            steps = decode_t5.T5Steps(model, hidden, attention_mask, max_new_tokens)
        else:
            hidden = model.get_encoder()(input_ids=input_ids,
                                         attention_mask=attention_mask).last_hidden_state
            steps = _ForwardSteps(model, hidden, attention_mask)
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)  # batch slot -> row
        chosen = torch.full((len(rows),), start, dtype=torch.long, device=input_ids.device)
        blank = None if blank_ids is None else torch.ones(len(rows), dtype=torch.bool,
                                                          device=input_ids.device)  # (b,)
        for step in range(max_new_tokens):
            logits = steps.step(chosen).float()  # (b, V)
            if step < min_new_tokens and len(end_ids):
                logits[:, end_ids] = -float("inf")
            if blank is not None and len(end_ids) and bool(blank.any()):
                logits[blank.nonzero()[:, :1], end_ids[None, :]] = -float("inf")
            chosen = logits.argmax(dim=-1)  # (b,)
            if blank is not None:
                blank = blank & torch.isin(chosen, blank_ids.to(chosen.device))
            ended = torch.isin(chosen, end_ids)
            for row, token, end in zip(rows.tolist(), chosen.tolist(), ended.tolist(), strict=True):
                if not end:
                    written[row].append(token)
            if bool(ended.all()):
                break
            if bool(ended.any()):
                keep = (~ended).nonzero().squeeze(1)
                steps.keep(keep)
                rows, chosen = rows[keep], chosen[keep]
                blank = None if blank is None else blank[keep]
    return written


class HoldEndUntilText(LogitsProcessor):
    """For ``generate``: a row's end tokens are forbidden until it has written a token that
    is not in ``blank_ids`` (tokens that write no visible character), so the output holds
    text. ``start`` is where the new tokens begin in ``input_ids`` (1 for an
    encoder-decoder: the decoder start token)."""

    def __init__(self, blank_ids: torch.Tensor, end_ids: list[int], start: int) -> None:
        self.blank_ids, self.end_ids, self.start = blank_ids, list(end_ids), start

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        new = input_ids[:, self.start:]  # (b, t)
        blank = torch.isin(new, self.blank_ids.to(new.device)).all(dim=1)  # (b,) nothing visible yet
        scores = scores.clone()
        ends = torch.tensor(self.end_ids, dtype=torch.long, device=scores.device)
        scores[blank.nonzero()[:, :1], ends[None, :]] = -float("inf")
        return scores


def blank_token_ids(tokenizer) -> torch.Tensor:
    """The ids whose text, decoded alone, is empty or white space (SentencePiece's bare
    ``▁``, byte-level BPE's space and newline tokens, special tokens)."""
    texts = tokenizer.batch_decode([[i] for i in range(len(tokenizer))], skip_special_tokens=True)
    return torch.tensor([i for i, t in enumerate(texts) if not t.strip()], dtype=torch.long)
