"""The benchmark harness (not the speed: timings never go into tests)."""

from __future__ import annotations

import json

import pytest
import torch

from ases.models.factory import build_model, build_tokenizer
from ases.models.greedy import greedy_generate
from ases.models.spec import ModelSpec
from bench.timing import compare


def test_compare_alternates_and_reports_the_ratio_of_median_rates():
    calls = []
    row = compare("x", ases=lambda: calls.append("a"), baseline=lambda: calls.append("b"),
                  work=10, unit="u", target=1e9, repeats=3)
    assert calls == ["a", "b"] * 3  # alternated, so drift hits both sides
    assert row.ratio == pytest.approx(row.ases / row.baseline)
    assert row.met is False and len(row.extra["ases_s"]) == 3
    assert set(row.as_dict()) >= {"name", "ases", "baseline", "unit", "ratio", "target", "met"}


def test_forced_length_generation_writes_exactly_n_tokens(tmp_path):
    spec = ModelSpec(vocab_size=120, d_model=32, d_ff=64, d_kv=8, num_heads=2, num_layers=1,
                     num_decoder_layers=1)
    tok = build_tokenizer(spec, ["Ann has 4 pens and 3 cups."] * 30, tmp_path)
    torch.manual_seed(0)
    model = build_model(spec, tok).eval()
    enc = tok(["Ann has 4 pens.", "Bo has 3 cups and 2 pens."], padding=True, return_tensors="pt")
    first = greedy_generate(model, enc["input_ids"], enc["attention_mask"], 1)
    model.generation_config.eos_token_id = first[0][0]  # its first choice now ends the row
    assert greedy_generate(model, enc["input_ids"], enc["attention_mask"], 7) == [[], []]
    out = greedy_generate(model, enc["input_ids"], enc["attention_mask"], 7, min_new_tokens=7)
    assert [len(row) for row in out] == [7, 7]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")
def test_gpu_bench_fails_fast_without_a_gpu(tmp_path, capsys):
    from bench.gpu import main

    assert main(["--out", str(tmp_path / "gpu.json")]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err
    assert not (tmp_path / "gpu.json").exists()


@pytest.mark.slow
def test_gpu_bench_runs_end_to_end_on_the_cpu_in_dry_run(tmp_path):
    """The GPU script's own code path (training with its clock, MFU bookkeeping, the three
    decoders) for the T5 and the decoder-only model, on tiny ones, so a session with a GPU
    does not find it broken."""
    from bench.gpu import main

    out = tmp_path / "gpu.json"
    assert main(["--dry-run", "--out", str(out), "--cache", str(tmp_path / "cache")]) == 0
    results = json.loads(out.read_text())
    assert results["dry_run"] is True and results["mfu"] is None
    for key in ("train_tokens_per_s", "decode_seq2seq_ex_per_s", "decode_uni_ex_per_s",
                "decode_dual_ex_per_s"):
        assert results[key] > 0, key
        assert results["causal"][key] > 0, f"causal {key}"  # the decoder-only student too
    assert results["causal"]["packed"] is True


def test_trl_baseline_trains_on_ases_token_ids_with_the_same_loss(tmp_path):
    """train_causal_vs_trl: TRL's SFTTrainer gets ases' very token ids and prompt mask, is
    set like ases' side (float32, AdamW at the same rate, no packing, no checkpointing),
    and computes the same loss on a row; a short run changes the weights."""
    pytest.importorskip("trl", reason="TRL is the bench extra: pip install -e '.[bench]'")
    from bench import causal_train

    rows, tokenizer, adapter, init = causal_train.setup(12, str(tmp_path / "cache"))
    features = causal_train.trl_features(adapter, rows, batch_size=4)
    trainer = causal_train.trl_trainer(tokenizer, init, features, 4, str(tmp_path / "out"),
                                       max_steps=2)
    assert trainer.completion_only_loss and not trainer.padding_free
    args = trainer.args
    assert (args.learning_rate, args.weight_decay, args.max_grad_norm) == (
        causal_train.LR, causal_train.WEIGHT_DECAY, 1.0)
    assert not (args.bf16 or args.fp16 or args.activation_checkpointing or args.packing)
    assert args.optim == "adamw_torch"  # torch.optim.AdamW, as ases
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())

    sources, targets = adapter.encode_rows(rows)
    ours = adapter.collate([(s, t, False, [len(t)]) for s, t in zip(sources, targets, strict=True)])
    for i, example in enumerate(trainer.train_dataset):  # TRL's prepared rows, in order
        n = len(sources[i]) + len(targets[i])
        assert example["input_ids"] == ours["input_ids"][i, :n].tolist()
        assert example["labels"] == ours["labels"][i, :n].tolist()  # prompt masked, as ases

    trainer.model.load_state_dict(init)
    with torch.no_grad():
        ases_loss = adapter.loss(trainer.model, adapter.collate([(sources[0], targets[0], False,
                                                                  [len(targets[0])])]))
        trl_loss = trainer.compute_loss(trainer.model,
                                        trainer.data_collator([trainer.train_dataset[0]]))
    assert trl_loss.item() == pytest.approx(ases_loss.item(), abs=1e-5)  # one row: same mean

    trainer.train()
    assert trainer.state.global_step == 2
    assert not torch.equal(trainer.model.model.embed_tokens.weight, init["model.embed_tokens.weight"])


def test_trl_row_counts_the_same_tokens_on_both_sides():
    """The row end to end at a tiny size: one work figure for both sides (the rows' own
    tokens), and each side's padded batches recorded."""
    pytest.importorskip("trl", reason="TRL is the bench extra: pip install -e '.[bench]'")
    from bench import causal_train

    row = causal_train.run(n_cots=8, batch_size=4, repeats=1)
    assert row.name == "train_causal_vs_trl" and row.unit == "tok/s" and row.target == 1.0
    assert row.ases > 0 and row.baseline > 0 and row.ratio == pytest.approx(row.ases / row.baseline)
    extra = row.extra
    assert extra["rows"] == 8 and extra["trl"]
    assert min(extra["ases_padded_tokens"], extra["trl_padded_tokens"]) >= extra["tokens"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")
def test_gpu_check_fails_fast_without_a_gpu(tmp_path, capsys):
    from bench.gpu_check import main

    assert main(["--out", str(tmp_path / "check.json"), "--sweep", str(tmp_path / "sweep")]) == 2
    assert "no CUDA GPU here" in capsys.readouterr().err
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow
def test_gpu_check_runs_its_grid_and_report_on_the_cpu_in_dry_run(tmp_path):
    """``make gpu-check ARGS=--dry-run``: the three cells, the report's pairing and plots."""
    from bench.gpu_check import main

    out = tmp_path / "check.json"
    assert main(["--dry-run", "--out", str(out), "--sweep", str(tmp_path / "sweep")]) == 0
    result = json.loads(out.read_text())
    assert sorted(result["cells"]) == ["dual", "seq2seq", "uni"] and result["device"] == "cpu"
    assert sorted(result["paired"]) == ["dual", "uni"]
    assert {"cells_mwp.png", "paired_mwp.png"} <= set(result["plots"])
    assert main(["--dry-run", "--out", str(out), "--sweep", str(tmp_path / "sweep")]) == 1  # not empty
