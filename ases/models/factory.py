"""Building tokenizers, models and their adapter from a :class:`ModelSpec`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    T5Config,
    T5ForConditionalGeneration,
)

from ases.models.adapter import ModelAdapter
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.models.tokenizer import trained_tokenizer
from ases.text.context import MARKERS

log = logging.getLogger(__name__)


class ModelNotFoundError(OSError):
    """Pretrained weights are neither in a local folder nor reachable."""


def _not_found(spec: ModelSpec, what: str, err: Exception) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"model.pretrained={spec.pretrained!r}: cannot load the {what} ({type(err).__name__}: "
        f"{str(err).splitlines()[0] if str(err) else ''}). Either it is not a folder with "
        "saved weights, or it is a hub id that is not in the local cache and the hub "
        "cannot be reached. On a machine with internet run "
        f"`huggingface-cli download {spec.pretrained} --local-dir DIR`, copy DIR here and "
        "set model.pretrained=DIR."
    )


def _source(spec: ModelSpec) -> str:
    """A local folder (``~`` expanded) when one exists, else the hub id as given."""
    local = Path(str(spec.pretrained)).expanduser()
    if local.exists() and not local.is_dir():
        raise ModelNotFoundError(f"model.pretrained={spec.pretrained!r} is a file; give a folder")
    return str(local) if local.is_dir() else str(spec.pretrained)


def build_tokenizer(spec: ModelSpec, train_texts: Sequence[str], cache_root: str | Path,
                    seed: int = 0) -> PreTrainedTokenizerBase:
    """The hub tokenizer for a pretrained model; otherwise one trained on ``train_texts``."""
    if spec.pretrained is None:
        return trained_tokenizer([*train_texts, *MARKERS], cache_root, spec.vocab_size,
                                 spec.character_coverage, seed)
    try:
        return AutoTokenizer.from_pretrained(
            _source(spec), trust_remote_code=spec.trust_remote_code
        )
    except (OSError, ValueError) as err:
        raise _not_found(spec, "tokenizer", err) from err


def build_t5(tokenizer: PreTrainedTokenizerBase, **shape) -> PreTrainedModel:
    """A T5 at random init with the tokenizer's special ids; ``shape`` is any
    ``T5Config`` field (``d_model``, ``num_layers``, ``feed_forward_proj``, …)."""
    config = T5Config(**shape, pad_token_id=tokenizer.pad_token_id,
                      eos_token_id=tokenizer.eos_token_id,
                      decoder_start_token_id=tokenizer.pad_token_id)
    return T5ForConditionalGeneration(config)


def build_model(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """A fresh model: the tiny T5 at random init, or pretrained weights.

    Call it once per model (the dual path builds two); the caller seeds torch first.
    """
    if spec.pretrained is None:
        return build_t5(tokenizer, vocab_size=len(tokenizer), d_model=spec.d_model,
                        d_ff=spec.d_ff, d_kv=spec.d_kv, num_heads=spec.num_heads,
                        num_layers=spec.num_layers, num_decoder_layers=spec.num_decoder_layers,
                        dropout_rate=spec.dropout)
    try:
        model = AutoModelForSeq2SeqLM.from_pretrained(
            _source(spec), trust_remote_code=spec.trust_remote_code
        )
    except (OSError, ValueError) as err:
        raise _not_found(spec, "weights", err) from err
    if model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    return model


def build_adapter(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> ModelAdapter:
    """The model seam for ``spec``'s family, bound to the run's tokenizer (every model of
    the run shares it)."""
    return Seq2SeqAdapter(tokenizer)


def load_saved(folder: str | Path) -> PreTrainedModel:
    """A model saved with ``save_pretrained`` (e.g. a cached scorer)."""
    return AutoModelForSeq2SeqLM.from_pretrained(str(folder))
