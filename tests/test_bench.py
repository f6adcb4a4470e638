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
    decoders), on a tiny model, so a session with a GPU does not find it broken."""
    from bench.gpu import main

    out = tmp_path / "gpu.json"
    assert main(["--dry-run", "--out", str(out), "--cache", str(tmp_path / "cache")]) == 0
    results = json.loads(out.read_text())
    assert results["dry_run"] is True and results["mfu"] is None
    for key in ("train_tokens_per_s", "decode_seq2seq_ex_per_s", "decode_uni_ex_per_s",
                "decode_dual_ex_per_s"):
        assert results[key] > 0, key
