"""Shared fixtures. Tests never touch the network: a hub name fails fast."""

from __future__ import annotations

import os

for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("WANDB_MODE", "disabled")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from ases.models.adapter import GenerateEach  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
SHARED_DATA = ROOT.parent / "shared" / "data"


def compose_cfg(overrides: list[str] | None = None) -> DictConfig:
    """The real config, composed as ``python -m ases.run`` would, with overrides."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))


@pytest.fixture(scope="session")
def gsm8k_dir() -> Path:
    path = SHARED_DATA / "gsm8k"
    if not (path / "train.jsonl").is_file():
        pytest.skip(f"GSM8K is not at {path}")
    return path


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path_factory, monkeypatch):
    """One cache per test session, never the user's."""
    monkeypatch.setenv("ASES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def segmented_cot(qid: str, question: str, tagged: list[tuple[str, str]]):
    """A :class:`~ases.segment.base.SegmentedCoT` whose pieces are its (type, text)
    segments, one piece each."""
    from ases.segment.base import Segment, SegmentedCoT

    pieces = [text for _, text in tagged]
    return SegmentedCoT(qid, question, pieces, [0.0] * len(pieces), 0.0, [t for t, _ in tagged],
                        [Segment(t, x) for t, x in tagged])


class ScriptedAdapter:
    """A model adapter whose generation is a function of (model, sources): a "perfect"
    model that returns the gold rows, or a scripted one. Only ``generate`` is used (the
    decoders call it through :class:`ases.models.adapter.GenerateEach`)."""

    arch = "scripted"
    tokenizer = None

    def __init__(self, write):
        self.write = write

    def generate(self, model, prompts, max_source_len, max_new_tokens, **settings):
        return self.write(model, [p.text for p in prompts])

    def writer(self, model, max_source_len, max_new_tokens, **settings):
        return GenerateEach(self, model, max_source_len, max_new_tokens, **settings)


# One torch thread per test process (children inherit it): the test models are tiny, so a
# second thread buys nothing, and on a busy 2-core machine OpenMP threads that spin while
# waiting for a core made a 0.5 s decoding test take 27 s. Set OMP_NUM_THREADS to change it.
os.environ.setdefault("OMP_NUM_THREADS", "1")


# -- the slow tier's runs: started early, in the background, each trained once -----------
# A slow test's command (a training run, a grid, a kill-and-resume chain) is registered with
# @in_background(name, ...) and read through a session fixture of that name. When the session
# starts, every registered command that a selected test needs is started in a pool of two
# threads, so that they run (as child processes, one torch thread each) while the in-process
# tests run; the slow tests run last and wait for what they read. Tests only read the
# folders these commands leave.

import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import Future, ThreadPoolExecutor  # noqa: E402
from typing import NamedTuple  # noqa: E402

_SESSION_ENV: dict[str, str] = {}
"""The environment when the session started: children get it, not what a test running at
the same time has patched."""


class _Job(NamedTuple):
    seconds: float
    run: Callable[..., object]
    needs: tuple[str, ...]


BACKGROUND: dict[str, _Job] = {}


def in_background(name: str, seconds: float, needs: tuple[str, ...] = ()):
    """Registers ``job(folder, *results of needs)`` as the command behind the session
    fixture ``name``. Jobs that others need start first, then the longest (``seconds``, a
    rough estimate on 2 cores)."""
    def register(job):
        BACKGROUND[name] = _Job(seconds, job, needs)
        return job
    return register


def ases_cli(*args: str, env: dict | None = None, module: str = "ases.run",
             timeout: int = 900) -> subprocess.CompletedProcess:
    """``python -m ases.run <args>`` (or another module) in a fresh process, offline."""
    # KILL_AT only where a test sets it (tests/kill_run.py reads it); WANDB_SERVICE is what
    # an in-process wandb.init exports, and a child joining that service would find the
    # runs of this process still open there
    base = _SESSION_ENV or os.environ
    full = {k: v for k, v in base.items() if k not in ("KILL_AT", "WANDB_SERVICE")}
    full.update({"HF_HUB_OFFLINE": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


def pytest_collection_modifyitems(items):
    """Slow tests last (in their order): the in-process tests run while the background
    commands that the slow tests read are running."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)


@pytest.fixture(scope="session", autouse=True)
def _background(request, tmp_path_factory) -> dict[str, Future]:
    _SESSION_ENV.update(os.environ)
    _SESSION_ENV["ASES_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "cache")
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ases-background")
    futures: dict[str, Future] = {}

    def start(name: str) -> None:
        if name in futures:
            return
        job = BACKGROUND[name]
        for need in job.needs:  # submitted first, so a pool thread has it before this one
            start(need)
        folder, needs = tmp_path_factory.mktemp(name), [futures[n] for n in job.needs]
        futures[name] = pool.submit(lambda: job.run(folder, *(f.result() for f in needs)))

    wanted = {n for n in set().union(*(i.fixturenames for i in request.session.items))
              if n in BACKGROUND}
    needed = {need for n in wanted for need in BACKGROUND[n].needs}
    # what other jobs need first (so that none waits in a pool thread), then the longest
    for name in sorted(wanted | needed, key=lambda n: (n not in needed, -BACKGROUND[n].seconds)):
        start(name)
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


class CliRun(NamedTuple):
    """A command's folder and what it printed."""

    dir: Path
    done: subprocess.CompletedProcess


class Sweep(NamedTuple):
    """A multirun's sweep folder, its cache and what the command printed."""

    dir: Path
    cache: Path
    done: subprocess.CompletedProcess

    def job(self, cell: str) -> Path:
        """The job folder of ``cell`` (e.g. ``mwp-location-uni``)."""
        (found,) = self.dir.glob(f"*_{cell}")
        return found


DEFAULT_RUN = ["debug=fast", "trainer.max_epochs=2", "trainer.limit_train_batches=10",
               "datamodule.eval_batch_size=8",  # test problems decoded 8 at a time
               "save_last_every_min=1e-6"]  # last.ckpt after every batch: a kill lands mid-epoch
"""The default cell (task=mwp data=synthetic seg=entropy path=uni model=tiny) at the debug
size, two epochs of 10 steps: the resume tests' uninterrupted run and the pinned value."""


@in_background("default_run", seconds=35)
def _default_run(folder: Path) -> CliRun:
    return CliRun(folder / "run", ases_cli(*DEFAULT_RUN, f"hydra.run.dir={folder / 'run'}"))


@pytest.fixture(scope="session")
def default_run(_background) -> CliRun:
    """``python -m ases.run <DEFAULT_RUN>``, finished (the session's cache)."""
    run = _background["default_run"].result()
    assert run.done.returncode == 0, run.done.stderr[-3000:]
    return run


def _smoke_cells() -> list[str]:
    from omegaconf import OmegaConf

    sweeper = OmegaConf.load(CONF / "experiment" / "smoke.yaml").hydra.sweeper
    tasks, paths, segs = (str(sweeper.params[k]).split(",") for k in ("task", "path", "seg"))
    grid = [f"{task}-{path}" if path == "seq2seq" else f"{task}-{seg}-{path}"
            for task in tasks for path in paths for seg in (segs if path != "seq2seq" else [""])]
    extra = []
    for cell in sweeper.extra:  # on the grid's first cell: task=mwp
        choice = dict(o.split("=", 1) for o in cell.split())
        seg = f"{choice['seg']}-" if choice["path"] != "seq2seq" else ""
        extra.append(f"{tasks[0]}-{seg}{choice['path']}-{choice['model']}")
    return grid + extra


SMOKE_CELLS = _smoke_cells()
"""The job folders of ``experiment=smoke`` end with these names (``3_mwp-similarity-uni``)."""


@in_background("smoke_sweep", seconds=150)
def _smoke_sweep(folder: Path) -> Sweep:
    done = ases_cli("-m", "experiment=smoke", f"hydra.sweep.dir={folder / 'sweep'}",
                    env={"ASES_CACHE_DIR": str(folder / "cache")}, timeout=1800)
    return Sweep(folder / "sweep", folder / "cache", done)


@pytest.fixture(scope="session")
def smoke_sweep(_background) -> Sweep:
    """``python -m ases.run -m experiment=smoke``: every paper_grid cell of both tasks at a
    few-batch size (18 grid jobs and 3 decoder-only ones, in one process). The grid test checks the sweep; the e2e,
    analysis and show tests read its job folders."""
    return _background["smoke_sweep"].result()


DDP_CELL = ["trainer=ddp_cpu", "seg=location", "path=dual", "debug=fast", "trainer.max_epochs=2",
            "trainer.limit_train_batches=5", "trainer.log_every_n_steps=1",
            "datamodule.eval_batch_size=8", "data.limit.test=16", "save_last_every_min=1e-6"]
"""The dual path on 2 gloo processes: both models trained under DDP, test decoding sharded."""


@in_background("ddp_grid", seconds=130)
def _ddp_grid(folder: Path) -> Sweep:
    done = ases_cli("-m", *DDP_CELL, "seed=0,1", "hydra.sweeper.extra=['model=tiny-causal']",
                    f"hydra.sweep.dir={folder / 'sweep'}")
    return Sweep(folder / "sweep", Path(_SESSION_ENV["ASES_CACHE_DIR"]), done)


@pytest.fixture(scope="session")
def ddp_grid(_background) -> Sweep:
    """``python -m ases.run -m <DDP_CELL> seed=0,1``, then the same cell with
    ``model=tiny-causal``: three DDP jobs in a row; job 1 is the DDP resume test's
    uninterrupted run."""
    return _background["ddp_grid"].result()
