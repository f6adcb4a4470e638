"""The cross-run report, on hand-written run directories (no training)."""

from __future__ import annotations

import json

import pytest

from ases.runs.status import find_runs, read_status
from ases.tools.report import main, metric_of

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_run(root, name, *, task="mwp", seg="entropy", path="uni", beta=1.4, gamma=None,
             seed=0, metrics=None, status="completed", error=None, correct=None):
    """A run directory as the pipeline leaves it; ``metrics=None`` writes no metrics.json,
    ``correct`` (a list of 0/1 per test problem ``q0, q1, …``) a predictions.jsonl."""
    d = root / name
    d.mkdir(parents=True)
    if path == "seq2seq":
        seg = beta = None
    cell = {"task": task, "data": "synthetic", "seg": seg, "path": path, "beta": beta,
            "gamma": gamma, "model": "tiny", "seed": seed}
    run = {"cell": cell, "metric": {"mwp": "test/acc", "pet": "test/rougeL"}.get(task),
           "status": status, "overrides": [f"seed={seed}"]}
    if error:
        run["error"] = error
    (d / "run.json").write_text(json.dumps(run))
    if metrics is not None:
        (d / "metrics.json").write_text(json.dumps(metrics))
    if correct is not None:
        (d / "predictions.jsonl").write_text("".join(
            json.dumps({"qid": f"q{i}", "correct": bool(c), "correct_flexible": True}) + "\n"
            for i, c in enumerate(correct)))
    return d


def report(root, *args):
    """Runs the CLI on ``root``; returns (report.md text, report.json rows by cell name)."""
    assert main([str(root), *map(str, args)]) == 0
    out = root / "report"
    rows = json.loads((out / "report.json").read_text())
    return (out / "report.md").read_text(), {r["name"]: r for r in rows}


def test_mean_and_sample_std_over_seeds(tmp_path):
    for seed, acc in enumerate([0.5, 0.6, 0.7]):
        make_run(tmp_path, f"{seed}_uni", seed=seed,
                 metrics={"test/acc": acc, "test/acc_flexible": acc + 0.1, "seg/agreement": 0.75,
                          "seg/as_fraction": 0.2 + seed / 10, "test/rounds_mean": 3.0})
    make_run(tmp_path, "3_dual", path="dual", metrics={"test/acc": 0.3})
    md, rows = report(tmp_path)
    uni = rows["mwp-entropy-uni-b1.4"]
    assert (uni["n_completed"], uni["n_runs"], uni["status"]) == (3, 3, "ok")
    assert uni["mean"] == pytest.approx(0.6) and uni["std"] == pytest.approx(0.1)  # ddof=1
    assert uni["as_fraction"] == pytest.approx(0.3) and uni["rounds"] == pytest.approx(3.0)
    assert uni["acc_flexible"] == pytest.approx(0.7)
    assert "| 3/3 | 0.6000 ± 0.1000 |  | 0.7000 | 0.3000 | 0.7500 | 3.00 |" in md
    assert uni["agreement"] == pytest.approx(0.75)
    dual = rows["mwp-entropy-dual-b1.4"]
    assert dual["std"] is None and "| 1/1 | 0.3000 |" in md  # no ± with one seed
    assert "mwp → `test/acc`" in md


def test_cells_in_detail_show_compute_and_form_over_seeds(tmp_path):
    for seed, (tokens, fmt) in enumerate([(1000, 0.9), (1200, 1.0)]):
        make_run(tmp_path, f"{seed}_uni", seed=seed,
                 metrics={"test/acc": 0.5, "test/format_rate": fmt, "train/steps": 2700,
                          "train/tokens_target": tokens, "train/tokens_input": 3 * tokens})
    make_run(tmp_path, "2_dual", path="dual", metrics={"test/acc": 0.3})
    md, rows = report(tmp_path)
    details = rows["mwp-entropy-uni-b1.4"]["details"]
    assert details["train/tokens_target"]["mean"] == pytest.approx(1100)
    assert details["test/format_rate"]["std"] == pytest.approx(0.0707, abs=1e-4)
    assert details["train/steps"] == {"mean": 2700, "std": 0.0}
    assert details["time/fit_s"] is None  # no run recorded it
    assert ("| `mwp-entropy-uni-b1.4` | tiny | 2 |  | 0.9500 ± 0.0707 |  | 2,700 ± 0 | "
            "1,100 ± 141 | 3,300 ± 424 |  |  |") in md
    assert "`mwp-entropy-dual-b1.4`" not in md.split("## Cells in detail")[1].split("##")[0]


def test_cells_that_trained_on_different_token_counts_get_a_tokens_plot(tmp_path):
    make_run(tmp_path, "base", path="seq2seq", metrics={"test/acc": 0.4, "train/tokens_target": 4e6})
    make_run(tmp_path, "uni", metrics={"test/acc": 0.1, "train/tokens_target": 1e6})
    make_run(tmp_path, "dual", path="dual", metrics={"test/acc": 0.1})  # counted nothing: no point
    md, _ = report(tmp_path)
    assert (tmp_path / "report" / "tokens_mwp.png").read_bytes().startswith(PNG_MAGIC)
    assert "](tokens_mwp.png)" in md
    from ases.tools.report import _token_points, summarize

    rows = summarize([read_status(d) for d in find_runs([tmp_path])])
    assert sorted(p[:3] for p in _token_points(rows)) == [
        ("mwp-entropy-uni-b1.4", 1e6, 0.1), ("mwp-seq2seq", 4e6, 0.4)]


def test_cells_of_equal_token_counts_get_no_tokens_plot(tmp_path):
    make_run(tmp_path, "base", path="seq2seq", metrics={"test/acc": 0.4, "train/tokens_target": 4e6})
    make_run(tmp_path, "uni", metrics={"test/acc": 0.1, "train/tokens_target": 4e6})
    report(tmp_path)
    assert not (tmp_path / "report" / "tokens_mwp.png").exists()


def test_segmenters_that_differ_in_label_agreement_get_an_agreement_plot(tmp_path):
    for seed in (0, 1):
        make_run(tmp_path, f"base{seed}", path="seq2seq", seed=seed, correct=[1, 1, 0, 0],
                 metrics={"test/acc": 0.5})
        make_run(tmp_path, f"ent{seed}", seed=seed, correct=[1, 0, 0, 0],
                 metrics={"test/acc": 0.25, "seg/agreement": 0.4})
        make_run(tmp_path, f"loc{seed}", seg="location", seed=seed, correct=[1, 1, 1, 0],
                 metrics={"test/acc": 0.75, "seg/agreement": 0.6})
    md, _ = report(tmp_path)
    assert (tmp_path / "report" / "agreement_mwp.png").read_bytes().startswith(PNG_MAGIC)
    assert "](agreement_mwp.png)" in md
    from ases.tools.report import _agreement_points, summarize

    rows = summarize([read_status(d) for d in find_runs([tmp_path])])
    points = {p[0]: p[1:3] for p in _agreement_points(rows)}
    assert points == {"mwp-entropy-uni-b1.4": (0.4, pytest.approx(-0.25)),
                      "mwp-location-uni-b1.4": (0.6, pytest.approx(0.25))}


def test_failed_and_incomplete_cells_get_rows(tmp_path):
    make_run(tmp_path, "0_dual", path="dual", status="failed", error="ValueError: boom",
             metrics={"status": "failed", "error": "ValueError: boom"})
    make_run(tmp_path, "1_uni", status="running")  # killed: no metrics.json
    for seed in (0, 1):
        make_run(tmp_path, f"2_uni_b2_s{seed}", beta=2.0, seed=seed, metrics={"test/acc": 0.5})
    make_run(tmp_path, "2_uni_b2_s2", beta=2.0, seed=2)
    md, rows = report(tmp_path)
    failed, killed, mixed = (rows[f"mwp-entropy-{c}"] for c in ("dual-b1.4", "uni-b1.4", "uni-b2"))
    assert (failed["status"], failed["mean"], failed["errors"]) == ("1 failed", None, ["ValueError: boom"])
    assert killed["status"] == "1 incomplete" and "no metrics.json" in killed["errors"][0]
    assert mixed["status"] == "2 ok, 1 incomplete" and mixed["mean"] == pytest.approx(0.5)
    assert "| 0/1 | failed: ValueError: boom |" in md
    assert "| 0/1 | incomplete: no metrics.json (run.json status: running) |" in md
    assert "## Failed or incomplete runs (3)" in md
    assert f"`{tmp_path / '0_dual'}`: failed: ValueError: boom" in md


def test_corrupt_run_json_is_a_failed_run_naming_the_file(tmp_path):
    make_run(tmp_path, "0_ok", metrics={"test/acc": 0.5})
    bad = tmp_path / "1_bad"
    bad.mkdir()
    (bad / "run.json").write_text("{not json")
    half = make_run(tmp_path, "2_half", path="dual", metrics={})
    (half / "metrics.json").write_text('{"test/acc": 0.')  # cut off mid-write
    md, rows = report(tmp_path)
    assert read_status(bad)["status"] == "failed"
    assert str(bad / "run.json") in rows["?-?"]["errors"][0]
    assert rows["mwp-entropy-uni-b1.4"]["mean"] == pytest.approx(0.5)
    assert f"`{bad}`: failed: {bad / 'run.json'}: not valid JSON" in md
    assert rows["mwp-entropy-dual-b1.4"]["status"] == "1 failed"
    assert str(half / "metrics.json") in rows["mwp-entropy-dual-b1.4"]["errors"][0]


def test_best_cell_and_delta_vs_baseline(tmp_path):
    make_run(tmp_path, "mwp_base", path="seq2seq", metrics={"test/acc": 0.5})
    make_run(tmp_path, "mwp_uni", metrics={"test/acc": 0.6})
    make_run(tmp_path, "mwp_dual", path="dual", metrics={"test/acc": 0.4})
    make_run(tmp_path, "pet_base", task="pet", path="seq2seq", gamma=0.5,
             metrics={"test/rougeL": 0.40, "test/acc": 0.9})
    make_run(tmp_path, "pet_uni", task="pet", gamma=0.5, metrics={"test/rougeL": 0.35})
    md, rows = report(tmp_path)
    assert rows["mwp-entropy-uni-b1.4"]["delta"] == pytest.approx(0.1)
    assert rows["mwp-entropy-dual-b1.4"]["delta"] == pytest.approx(-0.1)
    assert rows["mwp-seq2seq"]["delta"] is None  # no Δ against itself
    assert rows["pet-entropy-uni-b1.4-g0.5"]["delta"] == pytest.approx(-0.05)  # by rougeL, not acc
    assert "- mwp: `mwp-entropy-uni-b1.4`" in md and "- pet: `pet-seq2seq-g0.5`" in md
    assert "| +0.1000 |" in md and "| -0.1000 |" in md
    assert ("| 0.5000 | `mwp-entropy-uni-b1.4` | 0.6000 | +0.1000 | "
            "AS-ES mean is higher (no paired interval) |") in md  # no predictions to pair
    assert ("| 0.4000 | `pet-entropy-uni-b1.4-g0.5` | 0.3500 | -0.0500 | "
            "AS-ES does not beat the baseline |") in md


def test_the_best_cells_verdict_follows_its_paired_interval(tmp_path):
    """A higher mean on a few problems is no win: the verdict reads the paired interval."""
    make_run(tmp_path, "base", path="seq2seq", correct=[1, 0, 1, 0], metrics={"test/acc": 0.5})
    make_run(tmp_path, "uni", correct=[1, 1, 1, 0], metrics={"test/acc": 0.75})
    md, rows = report(tmp_path)
    pr = rows["mwp-entropy-uni-b1.4"]["paired"]
    assert pr["low"] <= 0 < pr["high"]  # one problem of four: the interval reaches zero
    assert "| 0.5000 | `mwp-entropy-uni-b1.4` | 0.7500 | +0.2500 | no clear difference |" in md
    many = tmp_path / "many"
    many.mkdir()
    make_run(many, "base", path="seq2seq", correct=[0] * 40, metrics={"test/acc": 0.0})
    make_run(many, "uni", correct=[1] * 30 + [0] * 10, metrics={"test/acc": 0.75})
    md, _ = report(many)
    assert "| +0.7500 | AS-ES beats the baseline |" in md


def test_a_baseline_ablation_is_compared_but_never_the_best_as_es_cell(tmp_path):
    make_run(tmp_path, "base", path="seq2seq", metrics={"test/acc": 0.5})
    make_run(tmp_path, "weighted", path="seq2seq-wsegment", metrics={"test/acc": 0.7})
    make_run(tmp_path, "uni", metrics={"test/acc": 0.4})
    md, rows = report(tmp_path)
    assert rows["mwp-entropy-seq2seq-wsegment-b1.4"]["delta"] == pytest.approx(0.2)
    assert ("| 0.5000 | `mwp-entropy-uni-b1.4` | 0.4000 | -0.1000 | "
            "AS-ES does not beat the baseline |") in md


def test_another_baseline_cell_is_chosen_by_its_path(tmp_path, capsys):
    for seed in (0, 1):
        make_run(tmp_path, f"base{seed}", path="seq2seq", seed=seed, correct=[1, 1, 1, 0],
                 metrics={"test/acc": 0.75})
        make_run(tmp_path, f"short{seed}", path="seq2seq-steps645", seg=None, beta=None, seed=seed,
                 correct=[1, 0, 0, 0],
                 metrics={"test/acc": 0.25})
        make_run(tmp_path, f"uni{seed}", seed=seed, correct=[0, 1, 0, 0], metrics={"test/acc": 0.25})
    md, rows = report(tmp_path, "--baseline", "seq2seq-steps645")
    assert rows["mwp-entropy-uni-b1.4"]["delta"] == pytest.approx(0.0)
    assert rows["mwp-seq2seq"]["delta"] == pytest.approx(0.5)
    assert rows["mwp-entropy-uni-b1.4"]["paired"]["diff"] == pytest.approx(0.0)
    assert rows["mwp-seq2seq-steps645"]["paired"] is None  # not against itself
    assert "Each cell against the `seq2seq-steps645` baseline" in md
    with pytest.raises(SystemExit, match="no cell has path 'seq2seq-long'.*seq2seq-steps645"):
        main([str(tmp_path), "--baseline", "seq2seq-long"])


def test_plots_written_when_beta_and_gamma_vary(tmp_path):
    for i, beta in enumerate([1.0, 1.4, 2.0]):
        for seed in (0, 1):
            make_run(tmp_path, f"{i}_b{beta}_s{seed}", beta=beta, seed=seed,
                     metrics={"test/acc": 0.5 + beta / 10 + seed / 100, "seg/as_fraction": beta / 4})
    make_run(tmp_path, "base", path="seq2seq", metrics={"test/acc": 0.55})
    for gamma in (0.3, 0.7):
        make_run(tmp_path, f"pet_g{gamma}", task="pet", gamma=gamma, metrics={"test/rougeL": gamma})
    md, _ = report(tmp_path)
    names = ["metric_vs_beta_mwp.png", "as_fraction_vs_beta_mwp.png", "metric_vs_gamma_pet.png",
             "cells_mwp.png", "cells_pet.png"]
    for name in names:
        assert (tmp_path / "report" / name).read_bytes().startswith(PNG_MAGIC)
        assert f"]({name})" in md
    assert sorted(p.name for p in (tmp_path / "report").glob("*.png")) == sorted(names)


def test_a_grid_whose_beta_does_not_vary_gets_its_cell_plot_only(tmp_path):
    for seed in (0, 1):
        make_run(tmp_path, f"uni_s{seed}", seed=seed, metrics={"test/acc": 0.5, "seg/as_fraction": 0.3})
    make_run(tmp_path, "dual", path="dual", metrics={"test/acc": 0.4})
    md, _ = report(tmp_path)
    assert [p.name for p in (tmp_path / "report").glob("*.png")] == ["cells_mwp.png"]
    assert "](cells_mwp.png)" in md and "metric_vs_beta" not in md


def test_no_plots_without_a_completed_cell(tmp_path):
    make_run(tmp_path, "dual", path="dual", status="failed", error="ValueError: boom",
             metrics={"status": "failed", "error": "ValueError: boom"})
    md, _ = report(tmp_path)
    assert not list((tmp_path / "report").glob("*.png"))
    assert ".png" not in md and "None (no completed cell)." in md


def test_cli_out_and_metric(tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "elsewhere"
    for seed, bleu in enumerate([10.0, 20.0]):
        make_run(runs, f"s{seed}", seed=seed, metrics={"test/acc": 0.5, "test/bleu": bleu})
    assert main([str(runs), "--out", str(out), "--metric", "test/bleu"]) == 0
    (row,) = json.loads((out / "report.json").read_text())
    assert row["metric"] == "test/bleu" and row["mean"] == pytest.approx(15.0)
    assert row["std"] == pytest.approx(7.0710678)
    assert "15.0000 ± 7.0711" in (out / "report.md").read_text()
    assert capsys.readouterr().out.strip().endswith(str(out / "report.md"))
    assert not (runs / "report").exists()


def test_nested_multirun_layout_is_discovered(tmp_path):
    multirun = tmp_path / "outputs" / "multiruns" / "2024-05-01" / "12-00-00"
    make_run(multirun, "1_mwp-entropy-dual", path="dual", metrics={"test/acc": 0.4})
    make_run(multirun, "0_mwp-entropy-uni", metrics={"test/acc": 0.6})
    (multirun / "multirun.yaml").write_text("hydra: {}\n")
    md, rows = report(tmp_path / "outputs")
    assert set(rows) == {"mwp-entropy-uni-b1.4", "mwp-entropy-dual-b1.4"}
    assert find_runs([tmp_path]) == [multirun / "0_mwp-entropy-uni", multirun / "1_mwp-entropy-dual"]
    # A run directory itself works too, and giving it twice counts it once.
    run = multirun / "0_mwp-entropy-uni"
    assert main([str(run), str(run), "--out", str(tmp_path / "one")]) == 0
    assert len(json.loads((tmp_path / "one" / "report.json").read_text())) == 1


def test_no_runs_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match=r"no run\.json found under .*empty"):
        main([str(tmp_path / "empty")])
    with pytest.raises(SystemExit, match="not a directory: .*missing"):
        main([str(tmp_path / "missing")])


def test_metric_of_a_task_is_the_one_its_runs_recorded_else_the_first_test_key():
    runs = [{"cell": {"task": "qa"}, "metric": None,
             "metrics": {"val/loss": 1.0, "test/f1": 0.5, "test/em": 0.4}},
            {"cell": {"task": "pet"}, "metric": "test/rougeL",
             "metrics": {"test/bleu": 3.0, "test/rougeL": 0.4}}]
    assert metric_of("qa", runs) == "test/em"  # a run written before runs recorded it
    assert metric_of("pet", runs) == "test/rougeL"  # recorded, not the first test/ key
    assert metric_of("qa", runs, "test/f1") == "test/f1"


def test_paired_comparison_with_the_baseline_over_seeds_and_problems(tmp_path):
    """Baseline right on 50 of 100 problems, uni on those and 30 more, dual on the
    baseline's: uni's paired Δ is 0.3 with an interval above 0, dual's 0 with [0, 0]."""
    base, better = [1] * 50 + [0] * 50, [1] * 80 + [0] * 20
    for seed in (0, 1, 2):
        make_run(tmp_path, f"b{seed}", path="seq2seq", seed=seed, metrics={"test/acc": 0.5},
                 correct=base)
        make_run(tmp_path, f"u{seed}", seed=seed, metrics={"test/acc": 0.8}, correct=better)
        make_run(tmp_path, f"d{seed}", path="dual", seed=seed, metrics={"test/acc": 0.5},
                 correct=base)
    make_run(tmp_path, "lone", beta=2.0, seed=7, metrics={"test/acc": 0.9}, correct=better)
    md, rows = report(tmp_path)
    uni, dual = rows["mwp-entropy-uni-b1.4"]["paired"], rows["mwp-entropy-dual-b1.4"]["paired"]
    assert (uni["n_seeds"], uni["n_problems"], uni["seeds"]) == (3, 100, [0, 1, 2])
    assert uni["diff"] == pytest.approx(0.3) and 0.15 < uni["low"] < 0.3 < uni["high"] < 0.45
    assert uni["verdict"] == "better than the baseline"
    assert (dual["diff"], dual["low"], dual["high"]) == (0.0, 0.0, 0.0)
    assert dual["verdict"] == "no clear difference"
    assert rows["mwp-entropy-uni-b2"]["paired"] is None  # no seed shared with the baseline
    assert rows["mwp-seq2seq"]["paired"] is None
    iv = rows["mwp-seq2seq"]["interval"]
    assert iv["mean"] == pytest.approx(0.5) and 0.35 < iv["low"] < 0.5 < iv["high"] < 0.65
    assert "## Paired comparison with the baseline" in md
    assert "| mwp | `mwp-entropy-uni-b1.4` | 3 | 100 | +0.3000 |" in md
    for name in ("cells_mwp.png", "paired_mwp.png"):
        assert (tmp_path / "report" / name).read_bytes().startswith(PNG_MAGIC)
    again = report(tmp_path)[1]["mwp-entropy-uni-b1.4"]["paired"]
    assert again == uni  # a fixed resampling seed: the same runs, the same interval


def test_a_grid_without_per_problem_scores_still_gets_its_cell_plot(tmp_path):
    for seed, value in enumerate([0.2, 0.3]):
        make_run(tmp_path, f"p{seed}", task="pet", path="dual", seed=seed,
                 metrics={"test/rougeL": value})
        make_run(tmp_path, f"b{seed}", task="pet", path="seq2seq", seed=seed,
                 metrics={"test/rougeL": value / 2})
    md, rows = report(tmp_path)
    assert all(r["paired"] is None and r["interval"] is None for r in rows.values())
    assert "None: no AS-ES cell has per-problem scores" in md
    assert (tmp_path / "report" / "cells_pet.png").read_bytes().startswith(PNG_MAGIC)
    assert not (tmp_path / "report" / "paired_pet.png").exists()
