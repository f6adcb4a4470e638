"""Hydra's basic sweeper, minus cells that repeat another cell.

``path=seq2seq,uni,dual seg=entropy,loss`` would run the seq2seq baseline once per
segmenter although the baseline never segments. This sweeper composes each cell, and a
cell whose path uses no segments drops its ``seg`` overrides before the duplicates go.
The kept baseline cell runs without those seg overrides (so ``seg.beta=-1,1`` cannot
fail it). It is the default sweeper of ``conf/config.yaml`` (Hydra finds sweepers only in the
``hydra_plugins`` package).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.types import Override

import ases.config  # noqa: F401  (registers the resolvers a path config uses)

log = logging.getLogger(__name__)


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0]


def _with(cell: list[str], changes: list[str]) -> list[str]:
    """``cell`` with ``changes``: an override of a key the cell sets replaces it."""
    keys = {_key(c) for c in changes}
    return [o for o in cell if _key(o) not in keys] + list(changes)


def _is_seg_override(override: str) -> bool:
    key = override.lstrip("+~").split("=", 1)[0]
    return key == "seg" or key.startswith(("seg.", "seg@", "seg/"))


class GridSweeper(BasicSweeper):
    """Runs the Cartesian product of the sweep lists, each distinct cell once, then the
    ``extra`` cells (``hydra.sweeper.extra``: strings of overrides, each applied to the
    grid's first cell), e.g. one decoder-only student per path beside a T5 grid.

    ``hydra.sweeper.arms`` (strings of overrides) crosses a list of chosen cells with the
    sweep lists instead of a full product: ``arms=['path=seq2seq', 'path=uni seg=entropy',
    'path=uni seg=location']`` with ``seed=0,1,2`` runs those three arms for seed 0, then
    for seed 1, ... (the arms vary fastest, so a sweep stopped half-way has whole seeds).
    """

    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None,
                 extra: list[str] | None = None, arms: list[str] | None = None) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.extra = [str(cell) for cell in (extra or [])]
        self.arms = [str(arm).split() for arm in (arms or [])]

    def split_arguments(self, overrides: list[Override],  # type: ignore[override]
                        max_batch_size: int | None) -> list[list[list[str]]]:
        cells = BasicSweeper.split_arguments(overrides, None)[0]
        if self.arms:
            cells = [_with(cell, arm) for cell in cells for arm in self.arms]
        cells += [_with(cells[0], cell.split()) for cell in self.extra]
        kept, seen = [], set()
        for cell in cells:
            key = self.cell_key(cell)
            if key not in seen:
                seen.add(key)
                kept.append(list(key))  # a baseline runs without the seg choices it ignores
        if len(kept) < len(cells):
            log.info("%d of %d cells repeat another cell (a path without segments ignores "
                     "seg choices) and are skipped", len(cells) - len(kept), len(cells))
        return list(BasicSweeper.split_overrides_to_chunks(kept, max_batch_size))

    def sweep(self, arguments: list[str]) -> Any:
        """Runs every cell; a failed cell (``ases.run`` returns NaN for it and records it in
        its run folder) does not stop the others, and the sweep ends with an error naming
        the failed cells, after all have run."""
        returns = super().sweep(arguments)
        failed = [" ".join(r.overrides) for batch in returns for r in batch
                  if isinstance(r.return_value, float) and math.isnan(r.return_value)]
        if failed:
            raise RuntimeError(f"{len(failed)} of {sum(len(b) for b in returns)} cells failed "
                               "(each run folder has run.json and error.txt): " + "; ".join(failed))
        return returns

    def cell_key(self, cell: list[str]) -> tuple[str, ...]:
        """The cell's overrides, without seg choices where its path ignores them."""
        assert self.hydra_context is not None and self.config is not None
        cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(cell))
        if cfg.path.uses_segments:
            return tuple(cell)
        return tuple(o for o in cell if not _is_seg_override(o))
