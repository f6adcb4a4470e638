"""The scorer stage: a seq2seq baseline that reads the question and scores every CoT token.

Entropy and loss segmentation need, for each piece of each train CoT, the scorer's
per-token predictive entropy and negative log-likelihood, teacher-forced given the
question. The scorer is trained once per (data, model, training settings, seed) and
cached; its token statistics are cached too, so changing β, the reduce or the path
retrains and rescores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ases.models.adapter import ModelAdapter, TokenScores
from ases.models.factory import load_saved
from ases.runs.cache import cache_key, cached_dir
from ases.text.context import Prompt

log = logging.getLogger(__name__)


PieceStats = TokenScores
"""Per-token numbers of one piece under the scorer (entropy and NLL, in nats)."""


def token_stats(adapter: ModelAdapter, model: PreTrainedModel, questions: Sequence[str],
                pieces: Sequence[Sequence[str]], max_source_len: int, batch_size: int = 64,
                progress: bool = True) -> list[list[PieceStats]]:
    """Teacher-forced entropy and NLL of every token of every piece, given the question.

    The target is the whole CoT (the pieces' tokens, then the end token) as the scorer
    was trained; :meth:`ModelAdapter.token_scores` computes the numbers, and each piece
    gets the tokens :meth:`ModelAdapter.piece_targets` says are its own (by character
    offsets where a tokenizer merges a space into the next piece's first token).

    Args:
        adapter: the scorer's model adapter (bound to the run's tokenizer).
        model: the scorer (question → whole CoT).
        questions: one per example.
        pieces: the pieces of each example's CoT.
        max_source_len: question tokens kept.
        batch_size: examples per forward pass.
        progress: show a progress bar.

    Returns:
        For each example, one :class:`PieceStats` per piece, in order.
    """
    split = [adapter.piece_targets(ps) for ps in pieces]
    targets = [ids + [adapter.tokenizer.eos_token_id] for ids, _ in split]
    scores = adapter.token_scores(model, [Prompt(q) for q in questions], targets,
                                  max_source_len, batch_size, progress, desc="scoring pieces")
    out: list[list[PieceStats]] = []
    for ps, (_, owners), sc in zip(pieces, split, scores, strict=True):
        owner = np.asarray(owners, dtype=np.int64)  # (T,) piece of each token
        out.append([PieceStats(sc.entropy[: len(owner)][owner == k].copy(),
                               sc.nll[: len(owner)][owner == k].copy()) for k in range(len(ps))])
    return out


class PieceScorer:
    """A scorer model plus a cache of its token statistics.

    Args:
        adapter: the run's model adapter (the scorer shares its tokenizer).
        model: the scorer.
        identity: what identifies the scorer in cache keys (its cache key or its path).
        cache_root: the cache root.
        max_source_len: question tokens kept.
        batch_size: examples per forward pass.
    """

    def __init__(self, adapter: ModelAdapter, model: PreTrainedModel, identity: object,
                 cache_root: str | Path, max_source_len: int, batch_size: int = 64):
        self.adapter, self.model, self.identity = adapter, model, identity
        self.cache_root, self.max_source_len, self.batch_size = cache_root, max_source_len, batch_size

    def stats(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[PieceStats]]:
        """Token statistics of every piece, computed once and then read from the cache."""
        key = {"scorer": self.identity, "max_source_len": self.max_source_len,
               "data": cache_key([list(questions), [list(p) for p in pieces]]), "version": 2}

        def build(out: Path) -> None:
            stats = token_stats(self.adapter, self.model, questions, pieces,
                                self.max_source_len, self.batch_size)
            flat = [s for ex in stats for s in ex]
            lengths = np.array([len(s.entropy) for s in flat], dtype=np.int64)
            np.savez(out / "stats.npz", lengths=lengths,
                     entropy=np.concatenate([s.entropy for s in flat]).astype(np.float32),
                     nll=np.concatenate([s.nll for s in flat]).astype(np.float32))

        with np.load(cached_dir(self.cache_root, "scores", key, build) / "stats.npz",
                     allow_pickle=False) as data:
            ends = np.cumsum(data["lengths"])
            ent, nll = np.split(data["entropy"], ends[:-1]), np.split(data["nll"], ends[:-1])
        result, k = [], 0
        for ps in pieces:
            result.append([PieceStats(ent[k + j], nll[k + j]) for j in range(len(ps))])
            k += len(ps)
        return result


def load_scorer(path: str | Path, tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """Loads a scorer saved with ``save_pretrained`` and checks it fits ``tokenizer``.

    Raises:
        FileNotFoundError: the folder is missing or holds no weights.
        ValueError: the scorer was trained with a tokenizer of another vocabulary.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir() or not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise FileNotFoundError(
            f"seg.scorer.path={str(path)!r} is not a folder with saved weights; give a folder "
            "written by save_pretrained (e.g. a cached scorer under <cache_dir>/scorer/), or "
            "leave seg.scorer.path=null to train one")
    model = load_saved(folder)
    if model.get_input_embeddings().num_embeddings != len(tokenizer):
        raise ValueError(
            f"seg.scorer.path={str(path)!r} has a vocabulary of "
            f"{model.get_input_embeddings().num_embeddings} tokens but this run's tokenizer has "
            f"{len(tokenizer)}: it was trained with another tokenizer. Use a scorer trained on "
            "the same data and model, or leave seg.scorer.path=null")
    saved = folder / "tokenizer_config.json"
    if saved.exists():
        from transformers import AutoTokenizer

        theirs = AutoTokenizer.from_pretrained(str(folder))
        probe = "The answer is 12.5 => 1,234 apples 未见异常"
        if theirs(probe)["input_ids"] != tokenizer(probe)["input_ids"]:
            raise ValueError(f"seg.scorer.path={str(path)!r} was saved with another tokenizer")
    return model


def cached_scorer(key: dict, cache_root: str | Path, tokenizer: PreTrainedTokenizerBase,
                  train: Callable[[], PreTrainedModel]) -> Path:
    """The folder of the scorer for ``key``; ``train()`` runs only on a cache miss."""
    def build(out: Path) -> None:
        model = train()
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)

    return cached_dir(cache_root, "scorer", key, build)


REDUCES = ("mean", "sum")


def check_reduce(how: str) -> str:
    """``seg.reduce`` must be ``mean`` or ``sum``; returns it."""
    if how not in REDUCES:
        raise ValueError(f"seg.reduce={how!r} is unknown; choose one of {REDUCES}")
    return how


def reduce_tokens(values: np.ndarray, how: str) -> float:
    """A piece's score from its tokens' values (an empty piece scores 0)."""
    if len(values) == 0:
        return 0.0
    return float(values.sum() if how == "sum" else values.mean())
