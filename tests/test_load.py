"""``load_run`` rebuilds a run as it was trained: its own tokenizer (kept in the run folder)
and the data after the task's preparation (γ for reports), not a fresh rebuild that skips it."""

from __future__ import annotations

import json

import pytest
from conftest import compose_cfg
from omegaconf import OmegaConf
from transformers import AutoTokenizer

from ases.config import RunConfig
from ases.load import RunLoadError, load_run
from ases.pipeline import load, train
from ases.runs.files import read_jsonl
from ases.tasks.report.pet import PETTask
from ases.tools.analysis import main as analysis_main

CELL = ["task=pet", "task.gamma=0.5", "seg=location", "path=uni", "debug=fast",
        "data.limit.train=64", "data.limit.val=8", "data.limit.test=6",
        "trainer.limit_train_batches=2", "decode.max_rounds=2", "decode.max_new_tokens=8"]


@pytest.fixture(scope="module")
def pet_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("load") / "pet-gamma"
    cfg = compose_cfg(CELL)
    with pytest.MonkeyPatch.context() as mp:  # the session's cache, not the user's
        mp.setenv("ASES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        train(cfg, run_dir)
    # what Hydra writes beside a run: the composed config, interpolations unresolved
    (run_dir / ".hydra").mkdir()
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    return run_dir


@pytest.mark.slow
def test_a_pet_run_is_loaded_with_its_own_tokenizer_and_gamma_reduced_findings(pet_run, tmp_path):
    run = load_run(pet_run)
    saved = AutoTokenizer.from_pretrained(str(pet_run / "tokenizer"))
    assert run.tokenizer.get_vocab() == saved.get_vocab()
    probe = "胰头见低密度影，SUVmax 3.6，未见异常。"
    assert run.tokenizer(probe)["input_ids"] == saved(probe)["input_ids"]

    # the questions the model was trained on (segments.jsonl) are the loaded, γ-reduced ones
    trained = {r["qid"]: r["question"] for r in read_jsonl(pet_run / "segments.jsonl")}
    assert trained == {ex.qid: ex.question for ex in run.splits.train}
    raw = PETTask(gamma=1.0)
    full = {ex.qid: ex.question for ex in raw.prepare(run.splits.train)[0]}
    assert all(len(trained[q]) <= len(full[q]) for q in trained)
    # γ = 0.5 dropped normal sentences: the loaded inputs are shorter than the raw findings
    rebuilt = compose_cfg(CELL[:1] + CELL[2:])  # the same cell at γ = 1
    rc = RunConfig.from_hydra(rebuilt)
    originals, _ = load(rc, rc.make("task"))
    by_id = {ex.qid: ex.question for ex in originals.train}
    assert sum(len(by_id[q]) for q in trained) > sum(len(t) for t in trained.values())

    # the analysis scores those very inputs with that tokenizer, end to end
    out = tmp_path / "analysis"
    assert analysis_main([str(pet_run), "--out", str(out), "--max-examples", "3"]) == 0
    result = json.loads((out / "analysis.json").read_text())
    assert result["runs"][0]["tokens"] > 0


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(RunLoadError, match="not found"):
        load_run(tmp_path)
