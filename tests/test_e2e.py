"""End-to-end ``debug=fast`` runs: the real config, real training, real decoding."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, compose_cfg

from ases.pipeline import train
from ases.runs.files import read_jsonl

TEST_KEYS = {"test/acc", "test/format_rate", "test/bleu", "test/rounds_mean",
             "test/stop_max_rounds_rate", "test/n", "data/pieces_mean", "val/loss_best"}
PRED_KEYS = {"qid", "question", "gold_cot", "gold_answer", "segments", "rounds",
             "stop_reason", "generated", "pred_answer", "correct"}


def _check_run(run_dir, metrics, n_test, path):
    on_disk = json.loads((run_dir / "metrics.json").read_text())
    assert on_disk == pytest.approx(metrics)
    assert set(on_disk) >= TEST_KEYS
    assert 0 <= on_disk["test/acc"] <= on_disk["test/format_rate"] <= 1
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert len(preds) == n_test == on_disk["test/n"]
    assert len({p["qid"] for p in preds}) == n_test
    for p in preds:
        assert set(p) >= PRED_KEYS
        assert p["generated"] == " ".join(p["segments"])
        assert p["correct"] == (p["pred_answer"] is not None and abs(p["pred_answer"] - p["gold_answer"]) < 1e-6)
    assert on_disk["test/acc"] == pytest.approx(sum(p["correct"] for p in preds) / n_test)
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert (run_dir / "csv" / "metrics.csv").is_file()
    if path == "uni":
        segs = read_jsonl(run_dir / "segments.jsonl")
        assert len(segs) == on_disk["data/n_train"]
        assert {"pieces", "scores", "threshold", "tags", "segments"} <= set(segs[0])
        assert {"seg/as_fraction", "seg/segments_mean"} <= set(on_disk)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["seq2seq", "uni"])
def test_fast_run_synthetic(path, tmp_path):
    cfg = compose_cfg([f"path={path}", "debug=fast"])
    metrics = train(cfg, tmp_path)
    _check_run(tmp_path, metrics, cfg.data.limit.test, path)


@pytest.mark.slow
def test_fast_run_gsm8k_from_the_command_line(gsm8k_dir, tmp_path):
    """The issue's own command, through ``python -m ases.run``."""
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "ases.run", "task=mwp", "data=gsm8k", f"data.path={gsm8k_dir}",
           "path=uni", "seg=location", "debug=fast", f"hydra.run.dir={run_dir}"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "answer accuracy" in done.stdout and str(run_dir) in done.stdout
    metrics = json.loads((run_dir / "metrics.json").read_text())
    _check_run(run_dir, metrics, 32, "uni")
    assert (run_dir / ".hydra" / "config.yaml").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("seg", ["entropy", "loss", "similarity"])
def test_fast_run_each_segmenter(seg, tmp_path):
    cfg = compose_cfg([f"seg={seg}", "path=uni", "debug=fast"])
    metrics = train(cfg, tmp_path)
    _check_run(tmp_path, metrics, cfg.data.limit.test, "uni")
    tags = {t for rec in read_jsonl(tmp_path / "segments.jsonl") for t in rec["tags"]}
    assert tags == {"AS", "ES"}  # MWP CoTs get both kinds
    assert 0 < metrics["seg/as_fraction"] < 1


@pytest.mark.slow
def test_show_renders_a_finished_run(tmp_path):
    from ases.tools.show import main as show

    cfg = compose_cfg(["seg=location", "path=uni", "debug=fast"])
    train(cfg, tmp_path)
    assert show([str(tmp_path), "--no-color", "--n", "3"]) == 0
    for name in ("segmentation.html", "score_histogram.png", "segmentation_summary.json"):
        assert (tmp_path / name).is_file()
