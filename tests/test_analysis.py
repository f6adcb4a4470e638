"""ases-analysis: gold-CoT NLL on ES and AS tokens, loss curves, the report."""

from __future__ import annotations

import dataclasses
import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch
from conftest import compose_cfg
from omegaconf import OmegaConf

from ases.segment.base import AS, ES
from ases.text.context import TAG_MARKERS, add_tag, context, join_segments
from ases.tools.analysis import (
    AnalysisError,
    check_compatible,
    gold_nll,
    load_run,
    loss_curves,
    main,
    reference_segmentation,
)
from ases.tools.analysis.runs import load_config

PNG = b"\x89PNG\r\n\x1a\n"


def _write_config(run_dir: Path, cfg) -> None:
    # What Hydra writes: the composed config, interpolations (cache_dir) kept unresolved.
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")


@contextmanager
def _test_cache(tmp_path_factory):
    """The cache the autouse fixture sets for each test, for module fixtures (set up before it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


@pytest.fixture(scope="module")
def runs(smoke_sweep) -> dict[str, Path]:
    """The smoke grid's finished MWP run of each path (location segmentation), trained
    once for the session; the tests only read them."""
    return {"seq2seq": smoke_sweep.job("mwp-seq2seq"), "uni": smoke_sweep.job("mwp-location-uni"),
            "dual": smoke_sweep.job("mwp-location-dual")}


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("ases-analysis: error:") and "\n" not in err
    return err


def test_missing_run_dir_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert "does not exist" in _one_line_error(capsys)


def test_run_without_checkpoints_exits_2(tmp_path, capsys):
    _write_config(tmp_path / "run", compose_cfg(["path=uni", "seg=location", "debug=fast"]))
    assert main([str(tmp_path / "run")]) == 2
    assert "no checkpoints" in _one_line_error(capsys)


def test_loss_curves_read_sparse_rows(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "metrics.csv").write_text(
        "epoch,step,train/loss,train/loss_as,train/loss_es,val/loss,val/loss_as,val/loss_es,test/acc\n"
        "0,4,5.9,5.5,6.3,,,,\n"
        "0,9,5.2,5.1,5.5,,,,\n"
        "0,9,,,,5.0,4.8,5.1,\n"
        "1,10,,,,,,,0.0\n")
    curves = loss_curves(tmp_path)
    assert curves["train/loss"] == {"step": [4.0, 9.0], "value": [5.9, 5.2]}
    assert curves["val/loss_as"] == {"step": [9.0], "value": [4.8]}
    assert set(curves) == {"train/loss", "train/loss_es", "train/loss_as", "val/loss", "val/loss_es",
                           "val/loss_as"}
    assert loss_curves(tmp_path / "elsewhere") == {}


def _result(name, cell, path, es, as_, seg="entropy"):
    return {"name": name, "cell": cell, "seed": int(name[0]), "cell_path": path, "path": path, "seg": seg,
            "uses_segments": path != "seq2seq", "nll_es": es, "nll_as": as_,
            "nll_all": (es + as_) / 2, "tokens": 20, "tokens_es": 10, "tokens_as": 10,
            "val_loss_best": 0.5}


def test_runs_of_one_cell_are_averaged_and_cells_compared_with_the_baseline_cell():
    from ases.tools.analysis.report import by_cell, render_markdown

    results = [_result("0_base", "mwp-seq2seq", "seq2seq", 0.2, 0.4, seg="–"),
               _result("3_base", "mwp-seq2seq", "seq2seq", 0.4, 0.6, seg="–"),
               _result("1_uni", "mwp-entropy-uni-b1", "uni", 0.1, 0.7),
               _result("4_uni", "mwp-entropy-uni-b1", "uni", 0.3, 0.9),
               _result("2_w", "mwp-entropy-seq2seq-wsegment-b1", "seq2seq-wsegment", 0.1, 0.1)]
    cells = {c["name"]: c for c in by_cell(results)}
    assert cells["mwp-seq2seq"]["n"] == 2 and cells["mwp-seq2seq"]["runs"] == ["0_base", "3_base"]
    assert cells["mwp-entropy-uni-b1"]["nll_es"] == pytest.approx(0.2)
    assert cells["mwp-entropy-uni-b1"]["nll_as_std"] == pytest.approx(0.1414, abs=1e-4)
    assert cells["mwp-entropy-seq2seq-wsegment-b1"]["nll_es_std"] is None  # one run
    md = render_markdown(results, {"run": None, "n_examples": 3})
    assert "| `mwp-entropy-uni-b1` | 2 | 0.2000 ± 0.1414 | 0.8000 ± 0.1414 | 0.5000 ± 0.1414 |" in md
    sentences = [line for line in md.splitlines() if line.startswith("- ")]
    # one per AS-ES cell, on the means; a baseline ablation is no AS-ES cell
    assert sentences == ["- `mwp-entropy-uni-b1` (uni, mean of 2 runs) has a lower NLL than the "
                         "seq2seq baseline `mwp-seq2seq` (mean of 2 runs) on ES tokens only "
                         "(AS 0.8000 vs 0.5000; ES 0.2000 vs 0.3000)."]


def test_plots_draw_one_bar_and_one_colour_per_cell(monkeypatch):
    """Seeds of a cell are one bar (mean, std as error bar) and one curve colour, so a
    grid of many runs stays readable."""
    import ases.tools.analysis.report as report

    figs = []
    monkeypatch.setattr(report, "to_png", lambda fig: figs.append(fig) or b"")
    curves = {"train/loss": {"step": [1, 2], "value": [2.0, 1.0]}}
    results = [{**_result(f"{i}_{c}", c, path, 0.1 * i, 0.2 * i, seg="–" if path == "seq2seq"
                          else "entropy"), "curves": curves}
               for c, path in [("mwp-seq2seq", "seq2seq"), ("mwp-entropy-uni-b1", "uni")]
               for i in (1, 2, 3)]
    report.plot_nll(results)
    report.plot_curves(results)
    bars, curves_fig = figs
    ax = bars.axes[0]
    assert len(ax.patches) == 2 * 3  # two cells x (ES, AS, all)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "mwp-seq2seq (seq2seq, 3 runs)", "mwp-entropy-uni-b1 (uni, 3 runs)"]
    lines = curves_fig.axes[0].lines
    assert len(lines) == 6 and len({str(line.get_color()) for line in lines}) == 2
    assert [t.get_text() for t in curves_fig.axes[1].get_legend().get_texts()] == [
        "mwp-seq2seq all", "mwp-entropy-uni-b1 all"]


@pytest.mark.slow
def test_command_writes_table_plots_and_json(runs, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(runs[p]) for p in ("seq2seq", "uni", "dual")] + ["--out", str(out)]) == 0
    table = (out / "analysis.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 4  # header + one per run
    data = json.loads((out / "analysis.json").read_text())
    for path in ("seq2seq", "uni", "dual"):
        cell = next(r["cell"] for r in data["runs"] if r["path"] == path)
        assert any(r.startswith(f"| {runs[path].name} | `{cell}` | 0 |") for r in rows)
    for name in ("nll_by_type.png", "loss_curves.png"):
        assert (out / name).read_bytes()[:8] == PNG
    by_path = {r["path"]: r for r in data["runs"]}
    assert data["reference"]["run"] == str(runs["uni"]) and data["reference"]["n_examples"] == 16
    # Every path scores the same gold tokens, tagged the same way.
    assert len({(r["tokens_es"], r["tokens_as"]) for r in data["runs"]}) == 1
    assert by_path["uni"]["tokens_es"] > 0 and by_path["uni"]["tokens_as"] > 0
    for r in data["runs"]:
        total = r["nll_es"] * r["tokens_es"] + r["nll_as"] * r["tokens_as"]
        assert r["nll_all"] == pytest.approx(total / r["tokens"])
    assert {"train/loss_es", "val/loss_as"} <= set(by_path["dual"]["curves"])
    assert "val/loss" in by_path["seq2seq"]["curves"]
    # One computed sentence per AS-ES run, against the seq2seq run.
    for path in ("uni", "dual"):
        r, base = by_path[path], by_path["seq2seq"]
        sentence = next(line for line in table.splitlines()
                        if line.startswith(f"- `{r['cell']}` ({path})"))
        lower = (r["nll_as"] < base["nll_as"], r["nll_es"] < base["nll_es"])
        expected = {(True, True): "on both", (True, False): "on AS tokens only",
                    (False, True): "on ES tokens only", (False, False): "has no lower NLL"}[lower]
        assert expected in sentence


@pytest.mark.slow
def test_reference_labels_segments_the_gold_cots_by_the_generators_labels(runs, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(runs["seq2seq"]), str(runs["uni"]), "--reference", "labels",
                 "--out", str(out)]) == 0  # a seq2seq run alone would do too
    data = json.loads((out / "analysis.json").read_text())
    ref = data["reference"]
    assert ref["run"] is None and ref["seg"] == "labels" and ref["n_examples"] == 16
    uni = load_run(runs["uni"])
    for seg, ex in zip(ref["segments"], uni.splits.test, strict=True):
        pieces = uni.task.pieces(ex.cot)
        assert seg["tags"] == uni.task.piece_labels(ex, pieces)  # the generator's labels
        assert [s["tag"] for s in seg["segments"]] == [
            t for k, t in enumerate(seg["tags"]) if k == 0 or t != seg["tags"][k - 1]]
    assert len({(r["tokens_es"], r["tokens_as"]) for r in data["runs"]}) == 1
    assert all(r["tokens_es"] > 0 and r["tokens_as"] > 0 for r in data["runs"])
    assert "the data's own ES/AS sentence labels" in (out / "analysis.md").read_text()


def _hand_nll(model, tokenizer, source: str, target: str, n_skip: int = 0) -> list[float]:
    """A plain forward with the training target (with </s>): -log p of the target's tokens,
    the first ``n_skip`` (a tag marker) and the final </s> left out."""
    src = tokenizer(source, return_tensors="pt")
    labels = tokenizer(text_target=target, return_tensors="pt")["input_ids"]
    assert labels[0, -1] == tokenizer.eos_token_id
    with torch.no_grad():
        logits = model(**src, labels=labels).logits  # (1, T, V)
    nll = -torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)[0]  # (T,)
    return nll[n_skip:-1].tolist()


def _by_type(pairs) -> dict[str, tuple[float, int]]:
    out = {ES: (0.0, 0), AS: (0.0, 0)}
    for tag, nll in pairs:
        out[tag] = (out[tag][0] + sum(nll), out[tag][1] + len(nll))
    return out


def _check(result: dict, expected: dict[str, tuple[float, int]]) -> None:
    got = result["per_example"][0]
    for tag in (ES, AS):
        assert got[f"tokens_{tag.lower()}"] == expected[tag][1]
        assert got[f"nll_sum_{tag.lower()}"] == pytest.approx(expected[tag][0], rel=1e-4, abs=1e-4)


@pytest.fixture(scope="module")
def reference(runs, tmp_path_factory):
    """The first test example and its segmentation by the uni run's config."""
    with _test_cache(tmp_path_factory):
        uni = load_run(runs["uni"])
    examples = uni.splits.test[:1]
    return uni, examples, reference_segmentation(uni, examples)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["uni", "dual"])
def test_segment_paths_match_a_hand_computation(runs, reference, path):
    _, examples, segmented = reference
    run = load_run(runs[path])
    ref = segmented[0]
    assert {s.tag for s in ref.segments} == {ES, AS}
    texts = [s.text for s in ref.segments]
    pairs = []
    for k, seg in enumerate(ref.segments):
        model = run.models["model"] if path == "uni" else run.models[seg.tag.lower()]
        pairs.append((seg.tag, _hand_nll(model, run.tokenizer, context(ref.question, texts[:k]), seg.text)))
    _check(gold_nll(run, segmented, examples, progress=False), _by_type(pairs))


@pytest.mark.slow
def test_tagged_uni_counts_only_the_text_tokens(runs, reference):
    _, examples, segmented = reference
    run = load_run(runs["uni"])
    tagged = dataclasses.replace(run, cfg=OmegaConf.merge(run.cfg, {"path": {"tagged": True}}),
                                 rc=dataclasses.replace(run.rc, tagged=True))
    assert tagged.tagged and not run.tagged
    ref, pairs = segmented[0], []
    shown = [add_tag(s.tag, s.text) for s in ref.segments]  # the prompts show tags, as in training
    for k, seg in enumerate(ref.segments):
        marker = len(run.tokenizer(TAG_MARKERS[seg.tag], add_special_tokens=False)["input_ids"])
        pairs.append((seg.tag, _hand_nll(run.models["model"], run.tokenizer,
                                         context(ref.question, shown[:k]), shown[k], marker)))
    result = gold_nll(tagged, segmented, examples, progress=False)
    _check(result, _by_type(pairs))
    plain = gold_nll(run, segmented, examples, progress=False)
    assert (result["tokens_es"], result["tokens_as"]) == (plain["tokens_es"], plain["tokens_as"])


@pytest.mark.slow
def test_seq2seq_matches_a_hand_computation(runs, reference):
    _, examples, segmented = reference
    run = load_run(runs["seq2seq"])
    ref = segmented[0]
    nll = _hand_nll(run.models["model"], run.tokenizer, context(ref.question, []), join_segments(ref.pieces))
    pairs, pos = [], 0
    for piece, tag in zip(ref.pieces, ref.tags, strict=True):
        n = len(run.tokenizer(piece, add_special_tokens=False)["input_ids"])
        pairs.append((tag, nll[pos : pos + n]))
        pos += n
    assert pos == len(nll)  # the pieces' tokens are exactly the whole CoT's
    _check(gold_nll(run, segmented, examples, progress=False), _by_type(pairs))


@pytest.mark.slow
def test_a_segment_weighted_baseline_is_scored_on_the_whole_cot(runs, reference):
    """path.loss_weights=segment segments the baseline's CoTs for its loss only: the model
    still writes the whole CoT in one pass, and is scored so."""
    _, examples, segmented = reference
    run = load_run(runs["seq2seq"])
    weighted = dataclasses.replace(run, rc=dataclasses.replace(run.rc, uses_segments=True,
                                                               loss_weights="segment"))
    assert weighted.uses_segments and weighted.path == "seq2seq"
    got = gold_nll(weighted, segmented, examples, progress=False)
    want = gold_nll(run, segmented, examples, progress=False)
    assert (got["nll_es"], got["nll_as"], got["tokens"]) == (want["nll_es"], want["nll_as"], want["tokens"])


@pytest.mark.slow
def test_runs_of_other_data_are_refused(runs, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(runs["uni"], other)
    cfg = OmegaConf.load(other / ".hydra" / "config.yaml")
    n_train = cfg.data.loader.n_train
    cfg.data.loader.n_train = n_train + 1
    OmegaConf.save(cfg, other / ".hydra" / "config.yaml")
    with pytest.raises(AnalysisError, match=rf"different data \(data\.loader\.n_train={n_train + 1} vs {n_train}\)"):
        check_compatible({d: load_config(d) for d in (runs["seq2seq"], other)})
    assert main([str(runs["seq2seq"]), str(other), "--out", str(tmp_path / "out")]) == 2
    assert "data.loader.n_train" in _one_line_error(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_only_seq2seq_runs_have_no_reference(runs, tmp_path, capsys):
    assert main([str(runs["seq2seq"]), "--out", str(tmp_path / "out")]) == 2
    assert "no reference segmentation" in _one_line_error(capsys)
    assert main([str(runs["seq2seq"]), "--reference", str(runs["seq2seq"])]) == 2
    assert "no reference segmentation" in _one_line_error(capsys)


def test_python_dash_m_runs_the_command(tmp_path, capsys, monkeypatch):
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["ases-analysis", str(tmp_path / "nope")])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("ases.tools.analysis", run_name="__main__")
    assert done.value.code == 2
    assert "does not exist" in _one_line_error(capsys)
