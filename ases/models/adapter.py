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

    def token_scores(self, model: PreTrainedModel, sources: Sequence[str],
                     targets: Sequence[list[int]], max_source_len: int, batch_size: int = 64,
                     progress: bool = True, desc: str = "scoring") -> list[TokenScores]:
        """Entropy and NLL of every target token given its source, in input order."""
        ...

    def generate(self, model: PreTrainedModel, prompts: Sequence[Prompt], max_source_len: int,
                 max_new_tokens: int, num_beams: int = 1, min_new_tokens: int = 0,
                 engine: str = "ases", must_write: bool = False) -> list[str]:
        """One batched generation call: each prompt's next text, stripped. With
        ``must_write`` an output may not end before it holds a visible character (the dual
        path's turns where a pass is not allowed)."""
        ...
