"""The LightningDataModule: rows → token ids → dynamically padded, length-grouped batches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import partial

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset
from transformers.trainer_pt_utils import LengthGroupedSampler

from ases.data.example import Example
from ases.models.adapter import EncodedRow, ModelAdapter
from ases.paths.rows import Row
from ases.text.context import join_segments

log = logging.getLogger(__name__)


class _Encoded(Dataset):
    """Token ids of rows, tokenized once. A packed item holds several rows of one CoT: its
    target is their targets in a row, ``spans`` their lengths."""

    def __init__(self, sources: list[list[int]], targets: list[list[int]], is_as: list[bool],
                 spans: list[list[int]] | None = None):
        self.sources, self.targets, self.is_as = sources, targets, is_as
        self.spans = spans or [[len(t)] for t in targets]

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, i: int) -> EncodedRow:
        return self.sources[i], self.targets[i], self.is_as[i], self.spans[i]


def pack(rows: Sequence[Row], sources: list[list[int]], targets: list[list[int]]) -> _Encoded:
    """One item per CoT where its rows are prefixes of one another (a decoder-only model's
    uni-path rows: row k+1's prompt is row k's prompt and target), else one per row. The
    rows must come CoT by CoT, in order, as :func:`ases.paths.rows.segment_rows` writes them."""
    out_src, out_tgt, out_as, out_spans = [], [], [], []
    start = 0
    while start < len(rows):
        end = start + 1
        while (end < len(rows) and rows[end].qid == rows[start].qid
               and sources[end] == sources[end - 1] + targets[end - 1]):
            end += 1
        out_src.append(sources[start])
        out_tgt.append([t for k in range(start, end) for t in targets[k]])
        out_as.append(False)
        out_spans.append([len(targets[k]) for k in range(start, end)])
        start = end
    return _Encoded(out_src, out_tgt, out_as, out_spans)


def segment_spans(adapter: ModelAdapter, row: Row, target: list[int]) -> list[int]:
    """The lengths of a segmented baseline row's segments in its target ids (the end token
    goes with the last): each boundary is where the tokens of the segments before it end.
    A row without ``parts`` is one span."""
    bounds = [min(len(adapter.text_ids(join_segments(row.parts[:k]))), len(target))
              for k in range(1, len(row.parts))]
    edges = [0, *bounds, len(target)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False) if b > a] or [len(target)]


def weighted_collate(collate: Callable[[Sequence[EncodedRow]], dict[str, torch.Tensor]],
                     loss_weights: str, batch: Sequence[EncodedRow]) -> dict[str, torch.Tensor]:
    """The adapter's batch with ``weights`` (like ``labels``) set by ``path.loss_weights``:
    1 per target token (``token``), or ``1 / len`` per token of each span, so each row or
    segment counts once (``row``, ``segment``). The adapter's loss is the weighted mean."""
    out = collate(batch)
    labels = out["labels"]
    weights = torch.zeros(labels.shape, dtype=torch.float)
    for b, (_, target, _, spans) in enumerate(batch):
        where = (labels[b] != -100).nonzero().squeeze(1)
        assert len(where) == len(target) == sum(spans), "one label per target token"
        if loss_weights == "token":
            weights[b, where] = 1.0
        else:
            weights[b, where] = torch.cat([torch.full((s,), 1.0 / s) for s in spans])
    out["weights"] = weights
    return out


def _examples_collate(batch: list[Example]) -> dict[str, list[dict]]:
    # Plain dicts: Lightning moves batches with apply_to_collection, which refuses frozen
    # dataclasses; the module rebuilds the Examples and tokenizes on its own device.
    return {"examples": [asdict(ex) for ex in batch]}


class EpochSeededSampler(LengthGroupedSampler):
    """Length-grouped batches whose order depends on (seed, epoch) only, so a run resumed at
    an epoch boundary sees the very batches the uninterrupted run saw. Lightning calls
    ``set_epoch`` before each epoch."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int):
        self.seed = seed
        super().__init__(batch_size, lengths=lengths, generator=torch.Generator().manual_seed(seed))

    def set_epoch(self, epoch: int) -> None:
        self.generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)


class ResumableLoader(DataLoader):
    """A training DataLoader that can resume in the middle of an epoch.

    ``state_dict()`` is the epoch and how many of its batches were trained (read from the
    trainer through ``progress``); :class:`ases.training.checkpointing.ExactResume` keeps it in every
    checkpoint and hands it back through ``load_state_dict()`` when a run restarts from
    one. When the restarted run goes on with that same epoch, its first pass skips those
    batches of the (seed, epoch) order, so it trains on exactly the batches the
    uninterrupted run trained on next. (Lightning's own hand-back of loader states does not
    happen here: ``estimated_stepping_batches`` in ``configure_optimizers`` builds the
    loader before the checkpoint is restored.)

    Args:
        progress: returns (current epoch, batches of it trained so far).
        *args, **kwargs: as for :class:`torch.utils.data.DataLoader`.
    """

    def __init__(self, *args, progress: Callable[[], tuple[int, int]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = progress
        self._resume_at: tuple[int, int] | None = None

    def state_dict(self) -> dict[str, int]:
        epoch, trained = self.progress() if self.progress else (0, 0)
        return {"epoch": int(epoch), "batches_trained": int(trained)}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self._resume_at = (int(state["epoch"]), int(state["batches_trained"]))

    def __iter__(self):
        return self._batches()

    def _batches(self):
        # A generator: nothing runs before the first next(), which Lightning calls after it
        # has set the sampler's epoch and restored the checkpoint.
        rng = torch.get_rng_state()
        iterator = super().__iter__()  # draws the loader's base seed from the global RNG
        resume_at, self._resume_at = self._resume_at, None
        epoch_now = self.progress()[0] if self.progress else None
        if resume_at is None or resume_at[1] == 0 or resume_at[0] != epoch_now:
            yield from iterator  # a fresh epoch (or the checkpoint closed its epoch)
            return
        # The uninterrupted run drew that seed before the checkpoint's RNG state was saved;
        # drawing it again here would shift every random number (dropout) after it.
        torch.set_rng_state(rng)
        log.info("resuming mid-epoch %d: skipping the %d batches already trained", *resume_at)
        for _ in range(resume_at[1]):
            if next(iterator, None) is None:
                return
        yield from iterator


class RowsDataModule(L.LightningDataModule):
    """Training and validation rows, and the test examples for decoding.

    Args:
        train_rows: rows to learn from.
        val_rows: rows for the validation loss (picks the best checkpoint).
        test_examples: problems to decode at test time.
        adapter: the model family's seam: row token ids and padded batches.
        max_source_len: input tokens kept.
        max_target_len: target tokens kept.
        batch_size: training rows per batch.
        eval_batch_size: rows (validation) or examples (test decoding) per batch.
        num_workers: DataLoader workers; 0 is fastest for pre-tokenized rows.
        seed: the order of training batches.
        on_long_input: ``error`` stops on a row longer than the max lengths; ``truncate``
            cuts it (either way the count is in ``truncated``).
        packed: the rows of one CoT as one sequence (uni path on a decoder-only model; the
            loss weights keep it the mean of the row losses). Rows that are not prefixes of
            the next (a cut prompt) stay rows of their own.
        loss_weights: what counts once in the loss (``path.loss_weights``): ``token``,
            ``row`` or ``segment`` (a segmented baseline row's segments; any other row is
            one segment); None leaves the adapter's own weighing (T5 token, causal row).
    """

    def __init__(self, train_rows: Sequence[Row], val_rows: Sequence[Row],
                 test_examples: Sequence[Example], adapter: ModelAdapter,
                 max_source_len: int, max_target_len: int, batch_size: int = 32,
                 eval_batch_size: int = 64, num_workers: int = 0, seed: int = 0,
                 on_long_input: str = "truncate", packed: bool = False,
                 loss_weights: str | None = None):
        super().__init__()
        self.train_rows, self.val_rows = list(train_rows), list(val_rows)
        self.test_examples = list(test_examples)
        self.adapter, self.tokenizer = adapter, adapter.tokenizer
        self.max_source_len, self.max_target_len = max_source_len, max_target_len
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.num_workers, self.seed = num_workers, seed
        if on_long_input not in ("error", "truncate"):
            raise ValueError(f"data.on_long_input={on_long_input!r}; choose error or truncate")
        self.on_long_input = on_long_input
        self.packed = packed
        self.loss_weights = loss_weights
        self.collate = (adapter.collate if loss_weights is None
                        else partial(weighted_collate, adapter.collate, loss_weights))
        self.sequences: dict[str, int] = {}
        """Per split, with ``packed``: the sequences the rows were packed into."""
        self.truncated: dict[str, int] = {}
        self._train: _Encoded | None = None
        self._val: _Encoded | None = None

    def _encode(self, rows: list[Row], split: str) -> _Encoded:
        src, tgt = self.adapter.encode_rows(rows)
        # Count what truncation cuts, so it is reported rather than silent.
        self.truncated[f"{split}_sources"] = sum(len(s) > self.max_source_len for s in src)
        self.truncated[f"{split}_targets"] = sum(len(t) > self.max_target_len for t in tgt)
        if self.on_long_input == "error":
            for side, seqs, limit in (("sources", src, self.max_source_len), ("targets", tgt, self.max_target_len)):
                long = [i for i, x in enumerate(seqs) if len(x) > limit]
                if long:
                    row = rows[long[0]]
                    raise ValueError(
                        f"{len(long)} {split} {side} are longer than the model's max "
                        f"{'source' if side == 'sources' else 'target'} length ({limit} tokens; "
                        f"the longest has {max(len(seqs[i]) for i in long)}), first in example "
                        f"{row.qid!r}. Raise task.max_{side[:-1]}_len, or set "
                        "data.on_long_input=truncate to cut them (counted in data/truncated_*)")
        cut = [self.adapter.cut(s, t, self.max_source_len, self.max_target_len)
               for s, t in zip(src, tgt, strict=True)]
        src, tgt = [s for s, _ in cut], [t for _, t in cut]
        if self.packed:
            packed = pack(rows, src, tgt)
            self.sequences[split] = len(packed)
            return packed
        spans = ([segment_spans(self.adapter, r, t) for r, t in zip(rows, tgt, strict=True)]
                 if self.loss_weights == "segment" else None)
        return _Encoded(src, tgt, [r.kind == "AS" for r in rows], spans)

    def setup(self, stage: str | None = None) -> None:
        if self._train is None:
            self._train = self._encode(self.train_rows, "train")
            self._val = self._encode(self.val_rows, "val")
            cut = {k: v for k, v in self.truncated.items() if v}
            if cut:
                log.warning("rows truncated at the model's max lengths: %s", cut)

    def train_dataloader(self) -> DataLoader:
        assert self._train is not None
        lengths = [len(s) + len(t) for s, t in zip(self._train.sources, self._train.targets, strict=True)]
        sampler = EpochSeededSampler(self.batch_size, lengths=lengths, seed=self.seed)
        return ResumableLoader(self._train, batch_size=self.batch_size, sampler=sampler,
                               collate_fn=self.collate,
                               num_workers=self.num_workers, progress=self._batches_trained)

    def _batches_trained(self) -> tuple[int, int]:
        """(current epoch, batches of it trained so far); (0, 0) outside a fit."""
        trainer = self.trainer
        if trainer is None:
            return 0, 0
        # ``processed`` counts the batch whose end hooks are running: a checkpoint saved at
        # a batch's end or after a validation holds every batch up to it
        return trainer.current_epoch, trainer.fit_loop.epoch_loop.batch_progress.current.processed

    def val_dataloader(self) -> DataLoader:
        assert self._val is not None
        return DataLoader(self._val, batch_size=self.eval_batch_size, shuffle=False,
                          collate_fn=self.collate,
                          num_workers=self.num_workers)

    def test_dataloader(self) -> DataLoader:
        # Similar lengths decode together, so padding wastes little.
        ordered = sorted(self.test_examples, key=lambda ex: len(ex.question))
        return DataLoader(ordered, batch_size=self.eval_batch_size, shuffle=False,
                          collate_fn=_examples_collate, num_workers=0)
