"""End-to-end runs: the real config, real training, real decoding. The runs are trained
once per session, in the background (tests/conftest.py): every cell of the smoke grid, the
default cell at the debug size, and the issue's own GSM8K command."""

from __future__ import annotations

import json
import re
from statistics import mean

import pytest
from conftest import SHARED_DATA, SMOKE_CELLS, ases_cli, in_background
from omegaconf import OmegaConf

import ases.config  # noqa: F401  (registers the resolver a saved config's path.uses_segments names)
from ases.runs.files import read_jsonl
from ases.segment.base import AS, ES
from ases.text.context import join_segments

COMMON_KEYS = {"test/n", "test/rounds_mean", "test/stop_max_rounds_rate", "data/pieces_mean",
               "val/loss_best", "train/steps", "train/tokens_target", "train/tokens_input",
               "time/train_s"}
TASK_KEYS = {"mwp": {"test/acc", "test/format_rate", "test/bleu"},
             "pet": {"test/rouge1", "test/rouge2", "test/rougeL", "test/bleu"}}
PRED_KEYS = {"qid", "question", "gold_cot", "segments", "segment_types", "rounds",
             "stop_reason", "generated"}
TASK_PRED_KEYS = {"mwp": {"gold_answer", "pred_answer", "correct"},
                  "pet": {"pred_chars", "gold_chars"}}


def _check_run(run_dir, n_test: int) -> dict:
    """What every finished run folder holds, and that its files agree with each other."""
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    task, path = str(cfg.task.name), str(cfg.path.name)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics) >= COMMON_KEYS | TASK_KEYS[task]
    assert metrics["train/steps"] > 0 and metrics["val/loss_best"] > 0
    # every step has a row with a target token and reads at least one token
    assert metrics["train/tokens_target"] >= metrics["train/steps"]
    assert metrics["train/tokens_input"] >= metrics["train/steps"]
    assert 0 < metrics["time/train_s"] <= metrics["time/fit_s"]  # one stretch: within the fit
    if str(cfg.model.get("arch", "seq2seq")) == "causal":  # a causal row reads its own target
        assert metrics["train/tokens_input"] > metrics["train/tokens_target"]
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert len(preds) == n_test == metrics["test/n"]
    assert len({p["qid"] for p in preds}) == n_test
    for p in preds:
        assert set(p) >= PRED_KEYS | TASK_PRED_KEYS[task]
        assert p["generated"] == join_segments(p["segments"])  # no text lost between rounds
        assert len(p["segment_types"]) == len(p["segments"])
        if path == "dual":  # the model that wrote each segment, and every turn
            assert set(p["segment_types"]) <= {ES, AS}
            assert len(p["turns"]) == p["rounds"] and p["passes"] == sum(t.endswith(":pass") for t in p["turns"])
            assert [t for t in p["turns"] if not t.endswith(":pass")] == p["segment_types"]
        if task == "mwp":
            assert p["correct"] == (p["pred_answer"] is not None
                                    and abs(p["pred_answer"] - p["gold_answer"]) < 1e-6)
        else:
            assert p["pred_chars"] == len(p["generated"])
    assert metrics["test/rounds_mean"] == pytest.approx(mean(p["rounds"] for p in preds))
    assert metrics["test/stop_max_rounds_rate"] == pytest.approx(
        mean(p["stop_reason"] == "max_rounds" for p in preds))
    if path != "seq2seq":  # every iterative example stops for one of four reasons
        assert sum(metrics[f"test/stop_{r}_rate"] for r in ("rule", "empty", "end", "max_rounds")) == pytest.approx(1)
    if path == "dual":
        assert metrics["test/passes_mean"] == pytest.approx(mean(p["passes"] for p in preds))
        assert metrics["data/rows_empty_share_as"] == 0.0  # only the ES model ever passes
    if task == "mwp":
        assert 0 <= metrics["test/acc"] <= metrics["test/format_rate"] <= 1
        assert metrics["test/acc"] == pytest.approx(mean(p["correct"] for p in preds))
        assert metrics["test/acc_flexible"] == pytest.approx(mean(p["correct_flexible"] for p in preds))
    else:
        assert all(0 <= metrics[k] <= 1 for k in ("test/rouge1", "test/rouge2", "test/rougeL"))
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
    assert (run_dir / "csv" / "metrics.csv").is_file()
    if cfg.path.uses_segments:
        segs = read_jsonl(run_dir / "segments.jsonl")
        assert len(segs) == metrics["data/n_train"]
        assert {"pieces", "scores", "threshold", "tags", "segments"} <= set(segs[0])
        tags = {t for rec in segs for t in rec["tags"]}
        assert tags == {AS, ES}  # the CoTs of both tasks get both kinds
        assert 0 < metrics["seg/as_fraction"] < 1 and metrics["seg/segments_mean"] >= 1
        if task == "mwp":  # every MWP piece is labelled (generator labels, or GSM8K's heuristic)
            assert 0 <= metrics["seg/agreement"] <= 1 and 0 < metrics["seg/label_as_fraction"] < 1
    else:
        assert not (run_dir / "segments.jsonl").exists()
    return metrics


@pytest.mark.slow
@pytest.mark.parametrize("cell", SMOKE_CELLS)
def test_each_smoke_cell_leaves_a_complete_run_folder(smoke_sweep, cell):
    _check_run(smoke_sweep.job(cell), n_test=16)


@pytest.mark.slow
def test_the_default_cell_leaves_a_complete_run_folder_and_prints_its_summary(default_run):
    metrics = _check_run(default_run.dir, n_test=32)
    out = default_run.done.stdout
    assert f"run dir: {default_run.dir}" in out
    assert re.search(rf"best validation loss +{metrics['val/loss_best']:.4f}\b", out)
    assert re.search(rf"test examples +{metrics['test/n']:.0f}\b", out)


@pytest.mark.slow
def test_the_default_cell_reaches_its_pinned_validation_loss(default_run):
    """A regression pin, not a quality bar. ``python -m ases.run debug=fast
    trainer.max_epochs=2 trainer.limit_train_batches=10 datamodule.eval_batch_size=8
    save_last_every_min=1e-6`` (``conftest.DEFAULT_RUN``: the default cell, task=mwp
    data=synthetic seg=entropy path=uni model=tiny, on the debug slice of 200/32/32
    synthetic problems, 20 steps) reaches this ``val/loss_best``. Pinned on CPU in float32:
    two runs with one torch thread and one with two gave the same value to the last digit.
    A change that moves it (data, tokenizer, model, init, loss, optimizer, segmentation)
    fails here; if the move is meant, re-pin it and say why in the commit."""
    metrics = json.loads((default_run.dir / "metrics.json").read_text())
    assert metrics["val/loss_best"] == pytest.approx(5.3934, abs=2e-3)


@in_background("gsm8k_run", seconds=40)
def _gsm8k_run(folder):
    """The issue's own command, through ``python -m ases.run``."""
    data = SHARED_DATA / "gsm8k"
    if not (data / "train.jsonl").is_file():
        return None  # the test skips (gsm8k_dir)
    return folder / "run", ases_cli("task=mwp", "data=gsm8k", f"data.path={data}", "path=uni",
                                    "seg=location", "debug=fast", f"hydra.run.dir={folder / 'run'}")


@pytest.fixture(scope="session")
def gsm8k_run(_background):
    return _background["gsm8k_run"].result()


@pytest.mark.slow
def test_fast_run_gsm8k_from_the_command_line(gsm8k_dir, gsm8k_run):
    run_dir, done = gsm8k_run
    assert done.returncode == 0, done.stderr[-3000:]
    assert "answer accuracy" in done.stdout and str(run_dir) in done.stdout
    metrics = _check_run(run_dir, n_test=32)
    assert metrics["data/n_train"] == 200  # the debug slice of the real train split


@pytest.mark.slow
def test_show_renders_a_finished_run(smoke_sweep, tmp_path, capsys):
    from ases.tools.show import main as show

    run = smoke_sweep.job("mwp-location-uni")
    assert show([str(run), "--no-color", "--n", "3", "--out", str(tmp_path)]) == 0
    assert "showing 3 of 160 CoTs" in capsys.readouterr().out
    summary = json.loads((tmp_path / "segmentation_summary.json").read_text())
    assert summary["n_cots"] == 160
    assert summary["as_fraction"] == pytest.approx(
        json.loads((run / "metrics.json").read_text())["seg/as_fraction"])
    assert (tmp_path / "segmentation.html").read_text().count('class="cot"') == 3
    assert (tmp_path / "score_histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
