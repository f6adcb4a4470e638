"""The model choice, as flat typed fields (built from ``conf/model/*.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass


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
    """SentencePiece vocabulary ceiling; small corpora give fewer pieces."""
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

    def __post_init__(self) -> None:
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
