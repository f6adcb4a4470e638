"""The model choice, as flat typed fields (built from ``conf/model/*.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class LoraSpec:
    """LoRA adapters (``model.lora``): low-rank updates added to some Linear layers; only
    they train, the model's own weights stay frozen."""

    r: int = 8
    """Rank of each update: higher = closer to full fine-tuning, more memory and compute."""
    alpha: float = 16.0
    """The update is scaled by ``alpha / r``; keep ``alpha`` fixed when you change ``r``."""
    dropout: float = 0.05
    """Dropout on the adapters' input, in [0, 1)."""
    target_modules: tuple[str, ...] | str | None = None
    """Names of the Linear layers that get adapters (``[q_proj, v_proj]`` on Llama-style
    models, ``[q, v]`` on T5; one name alone is a list of one), ``all-linear`` (every
    Linear layer but the output head), or null: peft's default for the model type (the
    attention's query and value layers)."""

    def __post_init__(self) -> None:
        if isinstance(self.r, bool) or not isinstance(self.r, int) or self.r <= 0:
            raise ValueError(f"model.lora.r must be an integer > 0 (the adapters' rank, e.g. 8), "
                             f"got {self.r!r}")
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, int | float) or self.alpha <= 0:
            raise ValueError(f"model.lora.alpha must be > 0 (e.g. 2 x r), got {self.alpha!r}")
        if (isinstance(self.dropout, bool) or not isinstance(self.dropout, int | float)
                or not 0 <= self.dropout < 1):
            raise ValueError(f"model.lora.dropout must be in [0, 1), got {self.dropout!r}")
        targets = self.target_modules
        if isinstance(targets, list | tuple):
            if not targets or not all(isinstance(t, str) and t for t in targets):
                raise ValueError("model.lora.target_modules must be a non-empty list of module "
                                 f"names (e.g. [q_proj, v_proj]), all-linear, or null; got {targets!r}")
            object.__setattr__(self, "target_modules", tuple(targets))
        elif targets is not None and not (isinstance(targets, str) and targets):
            raise ValueError("model.lora.target_modules must be a list of module names (e.g. "
                             f"[q_proj, v_proj]), all-linear, or null; got {targets!r}")

    @classmethod
    def of(cls, value: LoraSpec | dict[str, Any] | None) -> LoraSpec | None:
        """The ``model.lora`` block as a spec: None (full fine-tuning), a dict, or a spec."""
        if value is None or isinstance(value, LoraSpec):
            return value
        if not isinstance(value, dict):
            raise ValueError("model.lora must be null (full fine-tuning) or a block such as "
                             f"{{r: 8, alpha: 16, dropout: 0.05, target_modules: [q_proj, v_proj]}}; got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"model.lora has unknown keys {unknown}; it takes {sorted(known)}")
        return cls(**value)


@dataclass
class ModelSpec:
    """Which model to train, and how long its inputs and outputs may be."""

    name: str = "tiny"
    """A label for run names and logs."""
    arch: str | None = "seq2seq"
    """``seq2seq`` (encoder-decoder: T5, mT5, BART) or ``causal`` (decoder-only: Llama,
    SmolLM2, Qwen2.5, Gemma 3); None reads it from a pretrained model's config."""
    pretrained: str | None = None
    """A hub id or local folder; None builds the tiny random-init model below (a T5, or
    a Llama-style decoder for ``arch: causal``)."""
    gguf_file: str | None = None
    """A GGUF file inside ``pretrained`` to load the weights from (needs ``gguf``)."""
    max_source_len: int = 384
    """Tokens of model input kept (context = question + CoT so far)."""
    max_target_len: int = 256
    """Tokens of target kept; also the one-pass decoder's output limit."""
    trust_remote_code: bool = False
    """Run code shipped with a hub model; off unless you trust its author."""
    # The tiny model (ignored when ``pretrained`` is set).
    vocab_size: int = 2000
    """Vocabulary ceiling of the trained BPE tokenizer; small corpora give fewer tokens."""
    character_coverage: float = 1.0
    """Share of characters the tokenizer must cover (lower it for Chinese)."""
    d_model: int = 128
    d_ff: int = 512
    d_kv: int = 32
    num_heads: int = 4
    num_layers: int = 3
    """Encoder layers (seq2seq), or all the layers of a decoder-only model."""
    num_decoder_layers: int = 3
    """Decoder layers (seq2seq only)."""
    dropout: float = 0.0
    """On CPU dropout is ~40% of a step (bernoulli); a model this small underfits anyway."""
    lora: LoraSpec | None = None
    """LoRA adapters (a ``model.lora`` block, read by :meth:`LoraSpec.of`); None = full
    fine-tuning."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory for about a third more
    compute; worth it for models of 0.5B parameters and up."""

    def __post_init__(self) -> None:
        self.lora = LoraSpec.of(self.lora)
        if not isinstance(self.gradient_checkpointing, bool):
            raise ValueError("model.gradient_checkpointing must be true or false, got "
                             f"{self.gradient_checkpointing!r}")
        for field_name in ("max_source_len", "max_target_len", "vocab_size", "d_model",
                           "d_ff", "d_kv", "num_heads", "num_layers", "num_decoder_layers"):
            if getattr(self, field_name) <= 0:
                raise ValueError(f"model.{field_name} must be > 0, got {getattr(self, field_name)}")
        if self.arch not in ("seq2seq", "causal", None):
            raise ValueError(f"model.arch must be seq2seq or causal (or null: read from the "
                             f"pretrained model's config), not {self.arch!r}")
        if self.arch is None and self.pretrained is None:
            raise ValueError("model.arch=null reads the architecture from a pretrained model; "
                             "set model.arch=seq2seq or causal for a model built from scratch")
        if not 0 < self.character_coverage <= 1:
            raise ValueError(f"model.character_coverage must be in (0, 1], got {self.character_coverage}")
