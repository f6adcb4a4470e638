"""The model seam: what every stage needs from a model family, behind one Protocol.

The datamodule builds batches with :meth:`ModelAdapter.encode_rows` and
:meth:`ModelAdapter.collate`; the scorer and the analysis read teacher-forced token
statistics with :meth:`ModelAdapter.token_scores`; the decoders write text with
:meth:`ModelAdapter.generate`. One implementation per architecture (``seq2seq`` for
T5/mT5/BART in :mod:`ases.models.seq2seq`); nothing outside ``models/`` names a model class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ases.text.context import Prompt


@dataclass
class TokenScores:
    """Teacher-forced numbers of one target's tokens."""

    entropy: np.ndarray  # (T,) predictive entropy H_t = -Σ p log p, in nats
    nll: np.ndarray  # (T,) -log p(gold token)


class TrainingRow(Protocol):
    """What an adapter reads of a training row (:class:`ases.paths.rows.Row` is one)."""

    prompt: Prompt
    target: str

    @property
    def closes(self) -> bool:
        """The target ends the whole text (not one segment)."""
        ...


def pad(rows: Sequence[Sequence[int]], value: int, left: bool = False) -> torch.Tensor:
    """Pads token id lists to the longest one, on the right (or the left): (B, T)."""
    width = max(len(r) for r in rows)
    out = torch.full((len(rows), width), value, dtype=torch.long)
    for b, r in enumerate(rows):
        if r:
            span = slice(width - len(r), width) if left else slice(0, len(r))
            out[b, span] = torch.tensor(list(r), dtype=torch.long)
    return out


EncodedRow = tuple[list[int], list[int], bool, list[int]]
"""(source ids, target ids, is an AS row, target spans): one training item after
:meth:`encode_rows`; spans are the lengths of the rows packed into its target (one span,
the whole target, for an unpacked row)."""


@runtime_checkable
class ModelAdapter(Protocol):
    """Batches, token scores and generation for one model family.

    An adapter is bound to the run's tokenizer and takes the model as an argument, so
    the dual path's two models share one adapter.
    """

    arch: str
    """``seq2seq`` (encoder-decoder)."""
    tokenizer: PreTrainedTokenizerBase

    def encode_rows(self, rows: Sequence[TrainingRow]) -> tuple[list[list[int]], list[list[int]]]:
        """Token ids of each row's prompt and target (with its end token), untruncated."""
        ...

    def cut(self, prompt: list[int], target: list[int], max_source_len: int,
            max_target_len: int) -> tuple[list[int], list[int]]:
        """A row's ids within the model's limits (what is cut, and from which end, is the
        family's choice)."""
        ...

    def collate(self, batch: Sequence[EncodedRow]) -> dict[str, torch.Tensor]:
        """A training batch: padded to its own longest row, loss on the targets only;
        ``is_as`` (B,) says which dual model learns each row."""
        ...

    def loss(self, model: PreTrainedModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The training loss of a batch from :meth:`collate` (``is_as`` aside)."""
        ...

    def text_ids(self, text: str) -> list[int]:
        """A text's ids as a target holds them, without the end token."""
        ...

    def piece_targets(self, pieces: Sequence[str]) -> tuple[list[int], list[int]]:
        """The ids of a CoT made of ``pieces`` as the baseline's target holds it (no end
        token), and for each id the index of the piece it belongs to."""
        ...

    def token_scores(self, model: PreTrainedModel, prompts: Sequence[Prompt],
                     targets: Sequence[list[int]], max_source_len: int, batch_size: int = 64,
                     progress: bool = True, desc: str = "scoring") -> list[TokenScores]:
        """Entropy and NLL of every target token given its prompt (shown to the model as
        in training), in input order."""
        ...

    def generate(self, model: PreTrainedModel, prompts: Sequence[Prompt], max_source_len: int,
                 max_new_tokens: int, num_beams: int = 1, min_new_tokens: int = 0,
                 engine: str = "ases", must_write: bool = False) -> list[str]:
        """One batched generation call: each prompt's next text, stripped. With
        ``must_write`` an output may not end before it holds a visible character (the dual
        path's turns where a pass is not allowed)."""
        ...

    def writer(self, model: PreTrainedModel, max_source_len: int, max_new_tokens: int,
               num_beams: int = 1, min_new_tokens: int = 0, engine: str = "ases") -> Writer:
        """What an iterative decoder calls once per round: :class:`GenerateEach` where a
        family re-reads every prompt (seq2seq: the encoder reads the whole context), or a
        writer that keeps state between calls (causal: each example's cache)."""
        ...


class Writer(Protocol):
    """Writes the next text of each example, called once per round. ``keys`` name the
    examples (the same key is the same example from call to call; an example not asked
    again is finished); the prompts are the whole context each time."""

    def __call__(self, keys: Sequence[object], prompts: Sequence[Prompt],
                 must_write: bool = False) -> list[str]: ...

    def forget(self, keys: Sequence[object]) -> None:
        """These examples are finished: drop what is kept of them."""
        ...


class GenerateEach:
    """A :class:`Writer` that reads every prompt whole: one ``adapter.generate`` call a
    round."""

    def __init__(self, adapter: ModelAdapter, model: PreTrainedModel, max_source_len: int,
                 max_new_tokens: int, num_beams: int = 1, min_new_tokens: int = 0,
                 engine: str = "ases") -> None:
        self.adapter, self.model = adapter, model
        self.args = (max_source_len, max_new_tokens)
        self.settings = {"num_beams": num_beams, "min_new_tokens": min_new_tokens, "engine": engine}

    def __call__(self, keys: Sequence[object], prompts: Sequence[Prompt],
                 must_write: bool = False) -> list[str]:
        return self.adapter.generate(self.model, prompts, *self.args, must_write=must_write,
                                     **self.settings)

    def forget(self, keys: Sequence[object]) -> None:
        """Nothing is kept between calls."""
