"""A SentencePiece tokenizer trained on the task's own train split, cached."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import sentencepiece as spm
from transformers import AutoTokenizer, PreTrainedTokenizerBase, T5Tokenizer

from ases.runs.cache import cache_key, cached_dir

log = logging.getLogger(__name__)


def train_sentencepiece(texts: Sequence[str], out_dir: Path, vocab_size: int,
                        character_coverage: float = 1.0, seed: int = 0) -> None:
    """Trains a unigram SentencePiece model into ``out_dir/spiece.model``.

    Ids follow T5 (pad 0, eos 1, unk 2, no bos). Digits are split one by one so numbers
    are spelled out rather than memorized as whole tokens.

    Args:
        texts: training sentences.
        out_dir: the folder to write into.
        vocab_size: a ceiling; a small corpus yields fewer pieces instead of failing.
        character_coverage: the share of characters covered (1.0 for English).
        seed: makes the sampling of the corpus repeatable.
    """
    spm.set_random_generator_seed(seed)
    if character_coverage >= 1.0:
        # Every character needs a piece of its own; Chinese text can have more distinct
        # characters than the ceiling, which SentencePiece refuses, so the ceiling grows.
        chars = len({c for t in texts for c in t if not c.isspace()})
        if chars + 64 > vocab_size:
            log.info("vocab_size %d < %d distinct characters: raised to %d", vocab_size, chars, chars + 64)
            vocab_size = chars + 64
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_prefix=str(out_dir / "spiece"),
        vocab_size=vocab_size,
        model_type="unigram",
        split_digits=True,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        hard_vocab_limit=False,
        character_coverage=character_coverage,
        num_threads=2,
        minloglevel=2,
    )


def trained_tokenizer(texts: Sequence[str], cache_root: str | Path, vocab_size: int,
                      character_coverage: float = 1.0, seed: int = 0) -> PreTrainedTokenizerBase:
    """The tokenizer for ``texts``, trained once and then loaded from the cache.

    The key hashes the texts and every setting, so a second run on the same split loads
    the cached file instead of training again.
    """
    key = {
        "texts": cache_key(list(texts)),
        "vocab_size": vocab_size,
        "character_coverage": character_coverage,
        "seed": seed,
        "version": 1,
    }
    folder = cached_dir(
        cache_root, "tokenizer", key,
        lambda out: train_sentencepiece(texts, out, vocab_size, character_coverage, seed),
    )
    # T5Tokenizer(vocab_file=...) silently builds a 4-token vocabulary; from_pretrained on
    # a folder holding spiece.model is the form that round-trips numbers.
    return T5Tokenizer.from_pretrained(str(folder), extra_ids=0)


def load_tokenizer(folder: str | Path) -> PreTrainedTokenizerBase:
    """A tokenizer saved with ``save_pretrained`` (a run folder's ``tokenizer/``)."""
    return AutoTokenizer.from_pretrained(str(folder))
