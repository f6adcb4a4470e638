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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSeq2SeqLM, PreTrainedModel, PreTrainedTokenizerBase

from ases.runs.cache import cache_key, cached_dir
from ases.text.context import context

log = logging.getLogger(__name__)


@dataclass
class PieceStats:
    """Per-token numbers of one piece under the scorer."""

    entropy: np.ndarray  # (T_piece,) predictive entropy H_t = -Σ p log p, in nats
    nll: np.ndarray  # (T_piece,) -log p(gold token)


def piece_ids(tokenizer: PreTrainedTokenizerBase, pieces: Sequence[str]) -> list[list[int]]:
    """Token ids of each piece alone. SentencePiece never merges across white space, so
    their concatenation is the tokenization of the pieces joined with spaces."""
    return [tokenizer(p, add_special_tokens=False)["input_ids"] for p in pieces]


def token_stats(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                questions: Sequence[str], pieces: Sequence[Sequence[str]], max_source_len: int,
                batch_size: int = 64, progress: bool = True) -> list[list[PieceStats]]:
    """Teacher-forced entropy and NLL of every token of every piece.

    Examples are sorted by length and padded per batch (not to a fixed length), the
    last partial batch included, under ``torch.inference_mode``.

    Args:
        model: the scorer (question → whole CoT).
        tokenizer: its tokenizer.
        questions: one per example.
        pieces: the pieces of each example's CoT.
        max_source_len: question tokens kept.
        batch_size: examples per forward pass.
        progress: show a progress bar.

    Returns:
        For each example, one :class:`PieceStats` per piece, in order.
    """
    ids = [piece_ids(tokenizer, ps) for ps in pieces]
    targets = [[t for p in ex for t in p] + [tokenizer.eos_token_id] for ex in ids]
    sources = tokenizer([context(q, []) for q in questions], truncation=True,
                        max_length=max_source_len)["input_ids"]
    order = sorted(range(len(questions)), key=lambda i: len(targets[i]) + len(sources[i]))
    out: list[list[PieceStats]] = [[] for _ in questions]
    pad = tokenizer.pad_token_id
    model.eval()
    batches = range(0, len(order), batch_size)
    for start in tqdm(batches, desc="scoring pieces", disable=not progress, unit="batch"):
        chunk = order[start : start + batch_size]
        src = _pad([sources[i] for i in chunk], pad)  # (B, S)
        tgt = _pad([targets[i] for i in chunk], -100)  # (B, T)
        with torch.inference_mode():
            logits = model(input_ids=src.to(model.device), attention_mask=(src != pad).long().to(model.device),
                           labels=tgt.to(model.device)).logits.float()  # (B, T, V)
            logp = torch.log_softmax(logits, dim=-1)  # (B, T, V)
            entropy = -(logp.exp() * logp).sum(-1)  # (B, T)
            nll = -logp.gather(-1, tgt.clamp(min=0).to(logp.device).unsqueeze(-1)).squeeze(-1)  # (B, T)
        entropy, nll = entropy.cpu().numpy(), nll.cpu().numpy()
        for row, i in enumerate(chunk):
            pos = 0
            for p in ids[i]:
                out[i].append(PieceStats(entropy[row, pos : pos + len(p)].copy(),
                                         nll[row, pos : pos + len(p)].copy()))
                pos += len(p)
    return out


def _pad(rows: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    out = torch.full((len(rows), width), value, dtype=torch.long)
    for b, r in enumerate(rows):
        out[b, : len(r)] = torch.tensor(r, dtype=torch.long)
    return out


class PieceScorer:
    """A scorer model plus a cache of its token statistics.

    Args:
        model: the scorer.
        tokenizer: the run's tokenizer (the scorer must share it).
        identity: what identifies the scorer in cache keys (its cache key or its path).
        cache_root: the cache root.
        max_source_len: question tokens kept.
        batch_size: examples per forward pass.
    """

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, identity: object,
                 cache_root: str | Path, max_source_len: int, batch_size: int = 64):
        self.model, self.tokenizer, self.identity = model, tokenizer, identity
        self.cache_root, self.max_source_len, self.batch_size = cache_root, max_source_len, batch_size

    def stats(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[PieceStats]]:
        """Token statistics of every piece, computed once and then read from the cache."""
        key = {"scorer": self.identity, "max_source_len": self.max_source_len,
               "data": cache_key([list(questions), [list(p) for p in pieces]]), "version": 1}

        def build(out: Path) -> None:
            stats = token_stats(self.model, self.tokenizer, questions, pieces,
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
    model = AutoModelForSeq2SeqLM.from_pretrained(str(folder))
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
