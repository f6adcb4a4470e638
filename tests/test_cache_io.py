import json
from pathlib import Path

import pytest

from ases.runs.cache import cache_key, cached_dir
from ases.runs.files import read_jsonl, write_json_atomic, write_jsonl_atomic


def test_cached_dir_builds_once(tmp_path):
    calls = []

    def build(out):
        calls.append(out)
        (out / "value.txt").write_text("42")

    a = cached_dir(tmp_path, "thing", {"x": 1}, build)
    b = cached_dir(tmp_path, "thing", {"x": 1}, build)
    assert a == b and len(calls) == 1
    assert (a / "value.txt").read_text() == "42"
    assert json.loads((a / "key.json").read_text()) == {"x": 1}
    c = cached_dir(tmp_path, "thing", {"x": 2}, build)
    assert c != a and len(calls) == 2


def test_failed_build_leaves_no_entry(tmp_path):
    def broken(out):
        (out / "half.txt").write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cached_dir(tmp_path, "thing", {"x": 1}, broken)
    entries = [p for p in (tmp_path / "thing").iterdir() if not p.name.endswith(".lock")]
    assert entries == []
    ok = cached_dir(tmp_path, "thing", {"x": 1}, lambda out: (out / "v").write_text("1"))
    assert (ok / "v").read_text() == "1"


def test_cache_key_is_order_independent():
    assert cache_key({"a": 1, "b": 2}) == cache_key({"b": 2, "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})


def test_atomic_writes_leave_no_temp_files(tmp_path):
    write_json_atomic(tmp_path / "m.json", {"test/acc": 0.5})
    write_jsonl_atomic(tmp_path / "p.jsonl", [{"a": 1}, {"a": "二"}])
    assert json.loads((tmp_path / "m.json").read_text()) == {"test/acc": 0.5}
    assert read_jsonl(tmp_path / "p.jsonl") == [{"a": 1}, {"a": "二"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "p.jsonl"]


def test_atomic_files_get_normal_permissions(tmp_path):
    import os
    import stat

    path = write_json_atomic(tmp_path / "m.json", {"a": 1})
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_checkpoint_save_that_dies_leaves_the_old_checkpoint_whole(tmp_path, monkeypatch):
    import torch

    from ases.runs.files import remove_stale_temps
    from ases.training.checkpointing import AtomicCheckpointIO

    io = AtomicCheckpointIO()
    path = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"step": 1, "w": torch.ones(3)}, path)
    assert torch.load(path, weights_only=True)["step"] == 1

    def dies_halfway(obj, f):
        with open(f, "wb") as out:
            out.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # the process is stopped in the middle of the write

    monkeypatch.setattr(torch, "save", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        io.save_checkpoint({"step": 2}, path)
    monkeypatch.undo()
    assert torch.load(path, weights_only=True)["step"] == 1  # the old one, whole
    assert list(path.parent.iterdir()) == [path]  # and no temp file
    # a kill -9 gives no chance to clean up: the next run removes what is left
    (path.parent / ".last.ckpt.abc123.tmp").write_bytes(b"half")
    assert [p.name for p in remove_stale_temps(path.parent)] == [".last.ckpt.abc123.tmp"]
    assert list(path.parent.iterdir()) == [path]


def test_the_pipelines_fit_saves_checkpoints_through_the_atomic_writer(tmp_path, monkeypatch):
    """``pipeline.fit`` (the run's training stage) on a tiny model for two steps: it first
    removes what a killed save left, then writes best.ckpt and last.ckpt atomically."""
    import lightning as L
    from conftest import compose_cfg

    from ases.config import RunConfig
    from ases.data.example import Example
    from ases.decoding.settings import DecodeSettings
    from ases.models.factory import build_model, build_tokenizer
    from ases.models.seq2seq import Seq2SeqAdapter
    from ases.models.spec import ModelSpec
    from ases.paths.rows import Row
    from ases.paths.single import SingleModelPath
    from ases.pipeline import fit
    from ases.tasks.mwp import MWPTask
    from ases.text.context import Prompt
    from ases.training.checkpointing import AtomicCheckpointIO
    from ases.training.datamodule import RowsDataModule

    saved = []
    original = AtomicCheckpointIO.save_checkpoint

    def recording(self, checkpoint, path, storage_options=None):
        saved.append(Path(path).name)
        original(self, checkpoint, path, storage_options)

    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", recording)
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "checkpoints" / ".last.ckpt.killed.tmp").write_bytes(b"half")  # a killed save
    rc = RunConfig.from_hydra(compose_cfg(["debug=fast", "seg=location", "path=seq2seq", "trainer.max_epochs=1",
                                           "trainer.limit_train_batches=2",
                                           "trainer.limit_val_batches=1"]))
    spec = ModelSpec(vocab_size=100, d_model=16, d_ff=32, d_kv=4, num_heads=2, num_layers=1,
                     num_decoder_layers=1)
    exs = [Example(f"q{i}", f"Ann has {i} pens.", f"So {i}. The answer is {i}.", str(i))
           for i in range(8)]
    tok = build_tokenizer(spec, [t for ex in exs for t in (ex.question, ex.cot)] * 5, tmp_path)
    L.seed_everything(0)
    adapter = Seq2SeqAdapter(tok)
    module = SingleModelPath(build_model(spec, tok), adapter, MWPTask(), DecodeSettings(),
                             iterative=False, max_source_len=32, max_target_len=32)
    rows = [Row(ex.qid, Prompt(ex.question), ex.cot, "COT") for ex in exs]
    dm = RowsDataModule(rows, rows, exs, adapter, 32, 32, batch_size=4, eval_batch_size=4)
    trainer, _, best = fit(rc, module, dm, run_dir, resume=False)
    assert trainer.global_step == 2
    assert {"best.ckpt", "last.ckpt"} <= set(saved)
    assert best == str(run_dir / "checkpoints" / "best.ckpt")
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
