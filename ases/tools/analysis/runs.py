"""Finished runs to compare: same task and data, and the reference segmentation of the gold
test CoTs. Runs are loaded by :func:`ases.load.load_run`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from ases.data.example import Example
from ases.load import Run, RunLoadError, load_config, load_run
from ases.runs.files import flatten
from ases.segment.base import AS, SegmentedCoT, merge
from ases.segmenting import cut_pieces, piece_scorer, segment_pieced

__all__ = ["AnalysisError", "Run", "check_compatible", "label_segmentation", "load_config",
           "load_run", "reference_segmentation"]


class AnalysisError(RunLoadError):
    """A problem with the given runs, reported as one line and exit status 2."""


def check_compatible(cfgs: dict[Path, DictConfig]) -> None:
    """Raises AnalysisError unless every run has the same ``task.name`` and resolved ``data``."""
    (first, ref), *rest = cfgs.items()
    want = flatten(OmegaConf.to_container(ref.data, resolve=True), "data")
    for d, cfg in rest:
        if cfg.task.name != ref.task.name:
            raise AnalysisError(f"{d} is task {cfg.task.name} but {first} is task {ref.task.name}: "
                                "compare runs of one task and data")
        got = flatten(OmegaConf.to_container(cfg.data, resolve=True), "data")
        diff = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        if diff:
            raise AnalysisError(f"{d} and {first} use different data ({diff[0]}={got.get(diff[0])!r} "
                                f"vs {want.get(diff[0])!r}): compare runs of one task and data")


def reference_segmentation(run: Run, examples: Sequence[Example]) -> list[SegmentedCoT]:
    """Segments ``examples``' gold CoTs the way ``run`` segmented its training CoTs (``cfg.seg``).

    Entropy and loss segmenters use the run's cached scorer (trained again on a cache miss).
    """
    if not run.uses_segments:
        raise AnalysisError(f"{run.dir} is a {run.path} run: it uses no segments to take as reference")
    segmenter = run.rc.make("segmenter")
    if segmenter.needs_scorer:
        segmenter.connect(piece_scorer(run.rc, run.adapter, run.task,
                                       cut_pieces(run.splits.train, run.task),
                                       cut_pieces(run.splits.val, run.task)))
    return segment_pieced(cut_pieces(list(examples), run.task), segmenter, run.rc.beta,
                          run.rc.merge)


def label_segmentation(run: Run, examples: Sequence[Example]) -> list[SegmentedCoT]:
    """The gold CoTs segmented by the data's own ES/AS labels (``--reference labels``): the
    synthetic generators label every sentence; adjacent pieces with one label merge."""
    out = []
    for p in cut_pieces(list(examples), run.task):
        if p.labels is None:
            raise AnalysisError(
                f"test example {p.qid} of {run.dir} has no ES/AS labels: --reference labels "
                "needs data whose generator labels its sentences (data=synthetic); give a "
                "uni or dual run as --reference instead")
        out.append(SegmentedCoT(p.qid, p.question, list(p.pieces),
                                [float(t == AS) for t in p.labels], 0.5, list(p.labels),
                                merge(p.pieces, p.labels)))
    return out
