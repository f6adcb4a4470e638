"""LoRA through peft (``model.lora``) and gradient checkpointing: only the adapters train,
checkpoints resume and test, a run reloads as a plain model, bad settings stop early."""

from __future__ import annotations

import json
import re

import lightning as L
import pytest
import torch
from conftest import ases_cli, compose_cfg, in_background
from conftest import segmented_cot as _cot
from peft import PeftModel

from ases.config import RunConfig
from ases.decoding.settings import DecodeSettings
from ases.models.factory import build_adapter, build_model, build_tokenizer, load_saved
from ases.models.lora import linear_names
from ases.models.spec import LoraSpec, ModelSpec
from ases.paths.rows import segment_rows
from ases.paths.single import SingleModelPath
from ases.runs.files import read_jsonl
from ases.segment.base import AS, ES
from ases.tasks.mwp import MWPTask
from ases.training.checkpointing import check_checkpoint
from ases.training.datamodule import RowsDataModule

SHAPE = {"vocab_size": 200, "d_model": 32, "d_ff": 64, "d_kv": 8, "num_heads": 4, "num_layers": 2,
         "num_decoder_layers": 1, "max_source_len": 128, "max_target_len": 64}
LORA = LoraSpec(r=4, alpha=8, dropout=0.0)
SPECS = {"causal": ModelSpec(arch="causal", **SHAPE, lora=LORA),
         "seq2seq": ModelSpec(arch="seq2seq", **SHAPE, lora=LORA)}

COTS = [
    _cot("a", "Ann has 4 pens and buys 3. How many?",
         [(ES, "Ann has 4 pens."), (AS, "So 4 + 3 = 7 pens."), (ES, "The answer is 7.")]),
    _cot("b", "Bo reads 10 pages a day. How many in 2 days?",
         [(AS, "In 2 days he reads 10 x 2 = 20 pages."), (ES, "The answer is 20.")]),
]


@pytest.fixture(scope="module")
def toks(tmp_path_factory):
    texts = [c.question for c in COTS] + [s.text for c in COTS for s in c.segments]
    cache = tmp_path_factory.mktemp("cache")
    return {arch: build_tokenizer(spec, texts * 10, cache) for arch, spec in SPECS.items()}


def _module(spec, tok, lr=1e-2):
    L.seed_everything(0)
    return SingleModelPath(build_model(spec, tok), build_adapter(spec, tok), MWPTask(),
                           DecodeSettings(), iterative=True, max_source_len=128,
                           max_target_len=64, lr=lr, warmup_ratio=0.0)


class _SaveAt(L.Callback):
    """Saves a checkpoint when the epoch that ends at ``step`` ends (one step per epoch)."""

    def __init__(self, step: int, path):
        self.step, self.path = step, path

    def on_train_epoch_end(self, trainer, module):
        if trainer.global_step == self.step:
            trainer.save_checkpoint(self.path)


def _fit(module, steps, ckpt_path=None, callbacks=()):
    adapter = module.adapter
    rows = segment_rows(COTS)
    dm = RowsDataModule(rows, rows, [], adapter, 128, 64, batch_size=len(rows),
                        packed=adapter.arch == "causal")  # one batch = one epoch
    trainer = L.Trainer(max_steps=steps, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_checkpointing=False, enable_model_summary=False,
                        num_sanity_val_steps=0, limit_val_batches=0, callbacks=list(callbacks))
    trainer.fit(module, dm, ckpt_path=ckpt_path, weights_only=True)
    return trainer


def _lora_weights(state: dict) -> dict:
    return {k: v for k, v in state.items() if ".lora_" in k}


@pytest.mark.parametrize("arch", ["causal", "seq2seq"])
def test_only_the_adapter_weights_train(arch, toks):
    """After a few steps every base weight is what it was and every adapter weight moved;
    the optimizer holds exactly the adapters."""
    module = _module(SPECS[arch], toks[arch])
    assert isinstance(module.model, PeftModel)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    trainer = _fit(module, steps=3)
    after = module.state_dict()
    adapters = _lora_weights(after)
    assert adapters and set(after) == set(before)
    for key, value in after.items():
        if key in adapters:
            assert not torch.equal(value, before[key]), f"{key} did not train"
        else:
            assert torch.equal(value, before[key]), f"{key} changed"
    optimized = {id(p) for group in trainer.optimizers[0].param_groups for p in group["params"]}
    named = dict(module.named_parameters())
    assert optimized == {id(named[k]) for k in adapters}


@pytest.mark.parametrize("arch, targets, layers", [
    ("causal", None, {"q_proj", "v_proj"}), ("seq2seq", None, {"q", "v"}),  # peft's defaults
    ("causal", "k_proj", {"k_proj"}),  # one name
    ("seq2seq", "all-linear", {"q", "k", "v", "o", "wi", "wo"})])  # not the output head
def test_the_trainable_weights_are_the_lora_weights(arch, targets, layers, toks):
    """r · (in + out) per targeted Linear layer, counted on the plain model: nothing else."""
    spec = ModelSpec(**{**SPECS[arch].__dict__, "lora": LoraSpec(r=4, target_modules=targets)})
    plain = build_model(ModelSpec(**{**spec.__dict__, "lora": None}), toks[arch])
    expected = sum(4 * (m.in_features + m.out_features) for name, m in plain.named_modules()
                   if name.rsplit(".", 1)[-1] in layers)
    model = build_model(spec, toks[arch])
    trainable = {k: p.numel() for k, p in model.named_parameters() if p.requires_grad}
    assert expected > 0 and sum(trainable.values()) == expected
    assert all(".lora_A." in k or ".lora_B." in k for k in trainable)
    assert {k.split(".lora_")[0].rsplit(".", 1)[-1] for k in trainable} == layers
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in plain.parameters()) + expected


def test_a_resumed_lora_run_continues_where_it_stopped(toks, tmp_path):
    """4 steps with a checkpoint after step 2; a fresh LoRA module that loads it and trains
    to step 4 ends with the same adapters (the optimizer's and scheduler's state came back),
    the base weights untouched."""
    spec, tok = SPECS["causal"], toks["causal"]
    straight = _module(spec, tok)
    base = {k: v.clone() for k, v in straight.state_dict().items() if ".lora_" not in k}
    _fit(straight, steps=4, callbacks=[_SaveAt(2, tmp_path / "last.ckpt")])
    resumed = _module(spec, tok)
    check_checkpoint(tmp_path / "last.ckpt", resumed)
    assert _fit(resumed, steps=4, ckpt_path=str(tmp_path / "last.ckpt")).global_step == 4
    want, got = straight.state_dict(), resumed.state_dict()
    for key in _lora_weights(want):
        torch.testing.assert_close(got[key], want[key], rtol=0, atol=1e-6)
    assert all(torch.equal(got[k], v) for k, v in base.items())
    # the same checkpoint on a model built without LoRA: refused, saying why
    plain = _module(ModelSpec(**{**spec.__dict__, "lora": None}), tok)
    with pytest.raises(ValueError, match="LoRA adapters: set model.lora"):
        check_checkpoint(tmp_path / "last.ckpt", plain)


@pytest.mark.parametrize("arch", ["causal", "seq2seq"])
def test_gradient_checkpointing_with_lora_trains(arch, toks):
    """Activations recomputed in backward: the same finite loss and adapter gradients."""
    spec, tok = SPECS[arch], toks[arch]
    adapter = build_adapter(spec, tok)
    rows = segment_rows(COTS)
    batch = adapter.collate([(p, t, False, [len(t)]) for p, t in zip(*adapter.encode_rows(rows), strict=True)])
    results = []
    for checkpointing in (False, True):
        torch.manual_seed(0)
        model = build_model(ModelSpec(**{**spec.__dict__, "gradient_checkpointing": checkpointing}),
                            tok).train()
        assert any(getattr(m, "gradient_checkpointing", False) for m in model.modules()) == checkpointing
        loss = adapter.loss(model, batch)
        loss.backward()
        grads = {k: p.grad for k, p in model.named_parameters() if p.requires_grad}
        assert torch.isfinite(loss) and loss > 0
        assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
        assert any(g.abs().sum() > 0 for g in grads.values())
        results.append((loss.detach(), grads))
    (loss, grads), (loss_gc, grads_gc) = results
    torch.testing.assert_close(loss_gc, loss)
    for key, grad in grads.items():
        torch.testing.assert_close(grads_gc[key], grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("lean", [True, False], ids=["t5-steps", "forward"])
def test_a_lora_t5_decodes_what_its_merged_weights_decode(lean, toks):
    """The greedy loop (lean T5 step, or the model's forward through peft) on a LoRA model
    writes the tokens of the same model with its adapters merged."""
    from ases.models import greedy
    from ases.models.lora import merged

    tok = toks["seq2seq"]
    torch.manual_seed(0)
    model = build_model(SPECS["seq2seq"], tok).eval()
    with torch.no_grad():
        model.lm_head.weight[tok.pad_token_id] = -1.0  # a random model writes padding
        for name, param in model.named_parameters():
            if ".lora_B." in name:
                param.normal_(0, 1.0)  # adapters that change what the model writes
    enc = tok([c.question for c in COTS], return_tensors="pt", padding=True)
    args = (enc["input_ids"], enc["attention_mask"], 8, 8)  # 8 tokens each
    with torch.no_grad():
        base = greedy.greedy_generate(model.get_base_model(), *args, lean=lean)
        with model.disable_adapter():
            plain = greedy.greedy_generate(model, *args, lean=lean)
        ours = greedy.greedy_generate(model, *args, lean=lean)
        whole = greedy.greedy_generate(merged(model), *args, lean=lean)
    assert base == ours != plain and ours == whole and all(len(row) == 8 for row in ours)
    if lean:
        assert all(greedy._LEAN_OK[model].values())


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("arch, have", [
    ("causal", ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]),
    ("seq2seq", ["k", "o", "q", "v", "wi", "wo"])])
def test_target_modules_the_model_lacks_name_the_ones_it_has(arch, have, toks):
    spec = ModelSpec(**{**SPECS[arch].__dict__,
                        "lora": LoraSpec(target_modules=["q_proj", "query_key_value"] if arch == "seq2seq"
                                         else ["q", "v"])})
    with pytest.raises(ValueError) as err:
        build_model(spec, toks[arch])
    message = str(err.value)
    assert "model.lora.target_modules" in message
    assert str(have) in message  # the model's own Linear layers, the output head left out
    assert "lm_head" not in message
    plain = build_model(ModelSpec(**{**SPECS[arch].__dict__, "lora": None}), toks[arch])
    assert linear_names(plain) == have


@pytest.mark.parametrize("block, message", [
    ({"r": 0}, "model.lora.r"), ({"r": -2}, "model.lora.r"), ({"r": 1.5}, "model.lora.r"),
    ({"alpha": 0}, "model.lora.alpha"), ({"alpha": -1}, "model.lora.alpha"),
    ({"dropout": 1.0}, "model.lora.dropout"), ({"dropout": -0.1}, "model.lora.dropout"),
    ({"target_modules": []}, "model.lora.target_modules"),
    ({"rank": 8}, "unknown keys ['rank']")])
def test_bad_lora_settings_are_refused(block, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ModelSpec(lora=block)


def test_bad_target_modules_stop_the_run_before_training(tmp_path):
    from ases.pipeline import train

    cfg = compose_cfg(["model=tiny-causal", "seg=location", "debug=fast",
                       "model.lora={r: 4, target_modules: [q_proj, nope]}"])
    with pytest.raises(ValueError, match=r"names \['nope'\].*'q_proj', 'up_proj', 'v_proj'\]"):
        train(cfg, tmp_path)
    assert not (tmp_path / "checkpoints").exists()  # nothing was trained


def test_the_lora_block_composes_from_the_command_line():
    """The override syntax the docs give, and each model choice's defaults."""
    rc = RunConfig.from_hydra(compose_cfg([
        "model=tiny-causal", "model.lora={r: 8, alpha: 16, dropout: 0.05, target_modules: [q_proj, v_proj]}"]))
    assert rc.spec.lora == LoraSpec(8, 16, 0.05, ("q_proj", "v_proj"))
    assert RunConfig.from_hydra(compose_cfg(["+model.lora.r=4"])).spec.lora == LoraSpec(r=4)
    for name, checkpointing in [("tiny", False), ("tiny-causal", False), ("flan-t5-small", False),
                                ("qwen2.5-0.5b", True), ("llama-3.2-1b", True)]:
        spec = RunConfig.from_hydra(compose_cfg([f"model={name}"])).spec
        assert spec.lora is None and spec.gradient_checkpointing == checkpointing, name
    with pytest.raises(ValueError, match="model.gradient_checkpointing"):
        ModelSpec(gradient_checkpointing="yes")


# -- end to end ----------------------------------------------------------------------------

LORA_RUN = ["model=tiny-causal", "path=uni", "debug=fast", "trainer.max_epochs=2",
            "trainer.limit_train_batches=5", "data.limit.test=8", "save_last_every_min=1e-6",
            "model.lora={r: 8, alpha: 16, dropout: 0.05, target_modules: [q_proj, v_proj]}"]
"""The uni path on tiny-causal with LoRA (entropy segments: the scorer is a LoRA model too)."""


@in_background("lora_runs", seconds=90)
def _lora_runs(folder):
    cache = {"ASES_CACHE_DIR": str(folder / "cache")}
    run, tested, killed = folder / "run", folder / "tested", folder / "killed"
    out = {"dir": run, "tested": tested, "killed": killed, "cache": folder / "cache"}
    out["train"] = ases_cli(*LORA_RUN, f"hydra.run.dir={run}", env=cache)
    out["test_ckpt"] = ases_cli(*LORA_RUN, f"test_ckpt={run / 'checkpoints' / 'best.ckpt'}",
                                f"hydra.run.dir={tested}", env=cache)
    out["kill"] = ases_cli(*LORA_RUN, f"hydra.run.dir={killed}", module="tests.kill_run",
                           env={**cache, "KILL_AT": "fit_step:7", "HYDRA_MAIN_MODULE": "__main__"})
    last = killed / "checkpoints" / "last.ckpt"
    out["killed_at"] = torch.load(last, map_location="cpu", weights_only=True)["global_step"] if last.is_file() else None
    out["resume"] = ases_cli(*LORA_RUN, f"resume={killed}", f"hydra.run.dir={killed}", env=cache)
    return out


@pytest.fixture(scope="session")
def lora_runs(_background):
    return _background["lora_runs"].result()


def _metrics(run_dir) -> dict:
    return {k: v for k, v in json.loads((run_dir / "metrics.json").read_text()).items()
            if not k.startswith("time/")}


@pytest.mark.slow
def test_a_lora_run_trains_tests_its_checkpoint_resumes_and_reloads(lora_runs, tmp_path):
    """``python -m ases.run ... model.lora=...`` finishes; ``test_ckpt=`` on its checkpoint
    decodes the same predictions; killed mid-epoch and resumed it ends as the uninterrupted
    run; ``load_run`` gives a plain model (adapters merged) with the LoRA model's logits;
    the cached scorer was saved whole."""
    from ases.load import load_run
    from ases.segment.scorer import load_scorer

    for step in ("train", "test_ckpt", "kill", "resume"):
        if step != "kill":
            assert lora_runs[step].returncode == 0, (step, lora_runs[step].stderr[-3000:])
    assert lora_runs["kill"].returncode != 0 and lora_runs["killed_at"] == 6  # mid-epoch 2
    resumed = lora_runs["resume"]
    assert "resuming training from" in resumed.stdout + resumed.stderr
    run = lora_runs["dir"]
    assert "LoRA (r=8) on ['q_proj', 'v_proj']" in lora_runs["train"].stderr + lora_runs["train"].stdout
    state = torch.load(run / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)["state_dict"]
    assert _lora_weights(state) and "model.base_model.model.model.embed_tokens.weight" in state
    preds = read_jsonl(run / "predictions.jsonl")
    assert len(preds) == 8 and read_jsonl(lora_runs["tested"] / "predictions.jsonl") == preds
    assert _metrics(lora_runs["killed"]) == _metrics(run)
    assert read_jsonl(lora_runs["killed"] / "predictions.jsonl") == preds

    loaded = load_run(run)
    model = loaded.models["model"]
    assert not isinstance(model, PeftModel) and not _lora_weights(model.state_dict())
    lora_model = build_model(loaded.spec, loaded.tokenizer).eval()
    lora_model.load_state_dict({k[len("model."):]: v for k, v in state.items()})
    ids = torch.tensor([loaded.tokenizer("Ann has 4 pens and buys 3.")["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, lora_model(ids).logits, rtol=1e-4, atol=1e-5)
    model.save_pretrained(tmp_path / "merged")  # whole weights, loadable without peft
    again = load_saved(tmp_path / "merged")
    assert not isinstance(again, PeftModel)
    (scorer_dir,) = [p for p in (lora_runs["cache"] / "scorer").iterdir() if p.is_dir()]
    scorer = load_scorer(scorer_dir, loaded.tokenizer)
    assert not isinstance(scorer, PeftModel) and not _lora_weights(scorer.state_dict())
