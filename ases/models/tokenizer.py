"""A BPE tokenizer trained on the task's own train split, cached.

Built with Hugging Face ``tokenizers``: NFKC, SentencePiece-style word boundaries (``▁``),
one token per digit, and the T5 ids (pad 0, end 1, unknown 2; the end token closes every
encoded text). BPE, because SentencePiece's unigram trainer, on the few hundred distinct
words of a synthetic task, stops at a couple of hundred pieces and spells most words out
letter by letter ("▁a re", "▁an s wer"): longer rows, slower steps, and a student that
must learn to spell before it can reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tokenizers import (
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from ases.runs.cache import cache_key, cached_dir

log = logging.getLogger(__name__)

SPECIALS = ("<pad>", "</s>", "<unk>")  # ids 0, 1, 2, as T5's


def covered_characters(texts: Sequence[str], coverage: float) -> set[str]:
    """The distinct characters, most frequent first, that make up ``coverage`` of all the
    non-space characters of ``texts`` (every one of them at coverage 1.0)."""
    counts = Counter(c for t in texts for c in t if not c.isspace())
    if coverage >= 1.0:
        return set(counts)
    total, kept, out = sum(counts.values()), 0, set()
    for char, count in counts.most_common():
        out.add(char)
        kept += count
        if kept >= coverage * total:
            break
    return out


def train_tokenizer(texts: Sequence[str], out_dir: Path, vocab_size: int,
                    character_coverage: float = 1.0, symbols: Sequence[str] = ()) -> None:
    """Trains a BPE tokenizer into ``out_dir`` (``save_pretrained``'s files).

    Text is NFKC-normalized and its runs of white space become one space (as SentencePiece
    does); each word starts with ``▁``, digits are split one by one so numbers are spelled
    out rather than memorized as whole tokens, and merges never cross a word boundary.

    Args:
        texts: training sentences.
        out_dir: the folder to write into.
        vocab_size: a ceiling; a small corpus yields fewer tokens, and a corpus with more
            distinct characters than the ceiling (Chinese) keeps every covered character.
        character_coverage: the share of characters covered; rarer ones become ``<unk>``.
        symbols: words that must be one token each (ases' markers, ``[END]``): they are
            shown to the trainer as often as the corpus has lines, so BPE merges each whole.
    """
    # the symbols' characters too (shown that often, they must not push a rare one out),
    # and the word-boundary mark
    alphabet = len(covered_characters(texts, character_coverage) | {c for w in symbols for c in w}
                   | {"▁"})
    floor = alphabet + len(SPECIALS) + 64
    if floor > vocab_size:
        log.info("vocab_size %d < %d distinct characters: raised to %d", vocab_size, alphabet, floor)
        vocab_size = floor
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        pre_tokenizers.Digits(individual_digits=True)])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    shown = [" ".join(symbols)] * (len(texts) if symbols else 0)
    tok.train_from_iterator([*texts, *shown], trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIALS), limit_alphabet=alphabet,
        show_progress=False))
    end = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", end)])
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                            unk_token="<unk>").save_pretrained(str(out_dir))


def trained_tokenizer(texts: Sequence[str], cache_root: str | Path, vocab_size: int,
                      character_coverage: float = 1.0, seed: int = 0,
                      symbols: Sequence[str] = ()) -> PreTrainedTokenizerBase:
    """The tokenizer for ``texts``, trained once and then loaded from the cache.

    The key hashes the texts and every setting, so a second run on the same split loads
    the cached files instead of training again (BPE training is deterministic; ``seed``
    only keeps the key of the caller's run).
    """
    key = {
        "texts": cache_key(list(texts)),
        "vocab_size": vocab_size,
        "character_coverage": character_coverage,
        "seed": seed,
        "symbols": list(symbols),
        "version": 2,  # 2: BPE with tokenizers (1: SentencePiece unigram)
    }
    folder = cached_dir(
        cache_root, "tokenizer", key,
        lambda out: train_tokenizer(texts, out, vocab_size, character_coverage, symbols),
    )
    return load_tokenizer(folder)


def load_tokenizer(folder: str | Path) -> PreTrainedTokenizerBase:
    """A tokenizer saved with ``save_pretrained`` (a run folder's ``tokenizer/``)."""
    return AutoTokenizer.from_pretrained(str(folder))
