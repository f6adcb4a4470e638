import copy

import lightning as L
import torch

from ases.data.example import Example
from ases.decoding.loops import DecodeSettings
from ases.models.factory import build_model, build_tokenizer
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.paths.rows import segment_rows
from ases.paths.single import SingleModelPath
from ases.segment.location import LocationSegmenter
from ases.segmenting import segment
from ases.tasks.mwp import MWPTask
from ases.training.datamodule import RowsDataModule

SPEC = ModelSpec(vocab_size=200, d_model=32, d_ff=64, d_kv=8, num_heads=2, num_layers=1,
                 num_decoder_layers=1, max_source_len=64, max_target_len=32)


def _examples(n=12):
    return [Example(f"q{i}", f"Ann has {i} pens and buys {i + 2} more. How many pens?",
                    f"Ann has {i} pens. She buys {i + 2} more pens. So she has {i} + {i + 2} = "
                    f"{2 * i + 2} pens. The answer is {2 * i + 2}.", str(2 * i + 2))
            for i in range(n)]


def _setup(tmp_path):
    L.seed_everything(0)
    task, exs = MWPTask(), _examples()
    rows = segment_rows(segment(exs, task, LocationSegmenter(), 1.0, True))
    tok = build_tokenizer(SPEC, [t for ex in exs for t in (ex.question, ex.cot)], tmp_path)
    module = SingleModelPath(build_model(SPEC, tok), Seq2SeqAdapter(tok), task, DecodeSettings(max_rounds=3, max_new_tokens=8),
                             iterative=True, max_source_len=64, max_target_len=32, lr=1e-2)
    dm = RowsDataModule(rows, rows[:4], exs[:4], Seq2SeqAdapter(tok), 64, 32, batch_size=4, eval_batch_size=4)
    return module, dm


def test_a_training_step_changes_every_trained_parameter(tmp_path):
    module, dm = _setup(tmp_path)
    before = copy.deepcopy(module.model.state_dict())
    trainer = L.Trainer(fast_dev_run=1, accelerator="cpu", logger=False, enable_progress_bar=False)
    trainer.fit(module, datamodule=dm)
    changed = [k for k, v in module.model.state_dict().items() if not torch.equal(v, before[k])]
    assert "shared.weight" in changed
    assert any(k.startswith("encoder.") for k in changed)
    assert any(k.startswith("decoder.") for k in changed)


def test_batches_are_dynamically_padded(tmp_path):
    module, dm = _setup(tmp_path)
    dm.setup("fit")
    widths = set()
    for batch in dm.train_dataloader():
        mask = batch["attention_mask"].bool()
        assert (batch["input_ids"][~mask] == 0).all()
        # padded to the batch's longest row, not to max_source_len / max_target_len: that
        # row fills the width, and no column is padding only
        assert mask.sum(1).max() == batch["input_ids"].shape[1]
        assert (batch["labels"] != -100).sum(1).max() == batch["labels"].shape[1]
        widths.add(batch["input_ids"].shape[1])
    assert len(widths) > 1  # batches of different lengths: the check above means something


def test_test_epoch_writes_one_record_per_example(tmp_path):
    module, dm = _setup(tmp_path)
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_checkpointing=False)
    trainer.test(module, datamodule=dm)
    assert sorted(r["qid"] for r in module.records) == sorted(ex.qid for ex in dm.test_examples)
    for r in module.records:
        assert 1 <= r["rounds"] <= 3 + 1
        assert r["stop_reason"] in {"stop_rule", "empty", "end_marker", "max_rounds"}
        assert set(r) >= {"question", "segments", "pred_answer", "gold_answer", "correct"}
    assert {"test/acc", "test/format_rate", "test/bleu", "test/rounds_mean"} <= set(module.test_metrics)


def test_a_non_finite_loss_stops_training_before_the_update(tmp_path):
    from ases.training.checkpointing import StopOnNonFiniteLoss

    module, dm = _setup(tmp_path)
    before = copy.deepcopy(module.model.state_dict())
    real_forward = module.forward

    def poisoned(**batch):
        return real_forward(**batch) * float("nan")

    module.forward = poisoned
    trainer = L.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_checkpointing=False, default_root_dir=str(tmp_path),
                        callbacks=[StopOnNonFiniteLoss()])
    import pytest

    with pytest.raises(FloatingPointError, match=r"non-finite training loss \(nan\) at step 0"):
        trainer.fit(module, datamodule=dm)
    after = module.model.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items())  # no update from the NaN


def test_token_counter_counts_every_trained_batch_and_resumes_its_count(tmp_path):
    from ases.training.counting import TokenCounter

    module, dm = _setup(tmp_path)
    dm.setup("fit")
    batches = list(dm.train_dataloader())[:3]
    target = sum(int((b["labels"] != -100).sum()) for b in batches)
    read = sum(int(b["attention_mask"].sum()) for b in batches)
    counter = TokenCounter()
    trainer = L.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_checkpointing=False, default_root_dir=str(tmp_path),
                        callbacks=[counter], limit_val_batches=0)
    trainer.fit(module, datamodule=dm)
    totals = counter.totals(trainer)
    assert totals.pop("time/train_s") == counter.seconds > 0
    assert totals == {"train/tokens_target": target, "train/tokens_input": read}
    torch.save(counter.state_dict(), tmp_path / "c.pt")
    resumed = TokenCounter()
    resumed.load_state_dict(torch.load(tmp_path / "c.pt", weights_only=True))
    resumed.on_train_start(trainer, module)  # a resumed fit takes the counts up
    assert (resumed.target, resumed.input) == (target, read)
    resumed.on_train_end(trainer, module)
    assert resumed.seconds >= counter.seconds  # the killed stretch's seconds, and this one's


def test_a_run_resumed_after_its_last_step_keeps_its_token_counts(tmp_path):
    """Killed while testing: the resumed fit has no step left to train, and its counts are
    the checkpoint's, not zero."""
    from ases.training.counting import TokenCounter

    module, dm = _setup(tmp_path)

    def trainer(counter: TokenCounter) -> L.Trainer:
        return L.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                         enable_checkpointing=False, default_root_dir=str(tmp_path),
                         callbacks=[counter], limit_val_batches=0)

    counter, resumed = TokenCounter(), TokenCounter()
    first = trainer(counter)
    first.fit(module, datamodule=dm)
    counted = counter.totals(first)
    first.save_checkpoint(tmp_path / "last.ckpt", weights_only=False)
    again = trainer(resumed)
    again.fit(module, datamodule=dm, ckpt_path=tmp_path / "last.ckpt", weights_only=False)
    assert again.global_step == 3 and counted["train/tokens_target"] > 0
    assert resumed.totals(again) == counted


def test_testing_an_earlier_checkpoint_keeps_the_runs_token_counts(tmp_path):
    """trainer.test(ckpt_path=best) restores callback states: the counts stay the whole run's."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    from ases.training.counting import TokenCounter

    module, dm = _setup(tmp_path)
    counter = TokenCounter()
    early = ModelCheckpoint(dirpath=tmp_path / "ck", every_n_train_steps=1, save_top_k=1,
                            monitor="step", mode="min")  # keeps the step-1 checkpoint
    trainer = L.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                        default_root_dir=str(tmp_path), callbacks=[counter, early],
                        limit_val_batches=0)
    trainer.fit(module, datamodule=dm)
    after_fit = counter.totals(trainer)
    saved = torch.load(early.best_model_path, weights_only=False)["callbacks"]
    assert [v for k, v in saved.items() if "TokenCounter" in k][0]["target"] < after_fit["train/tokens_target"]
    trainer.test(module, datamodule=dm, ckpt_path=early.best_model_path, weights_only=False)
    assert counter.totals(trainer) == after_fit


def test_resumable_loader_skips_the_trained_batches_of_the_same_epoch_only():
    from ases.training.datamodule import EpochSeededSampler, ResumableLoader

    place = {"epoch": 2, "trained": 3}

    def loader():
        sampler = EpochSeededSampler(4, lengths=list(range(40)), seed=7)
        sampler.set_epoch(2)
        return ResumableLoader(list(range(40)), batch_size=4, sampler=sampler,
                               progress=lambda: (place["epoch"], place["trained"]))

    full = [b.tolist() for b in loader()]
    assert sorted(x for b in full for x in b) == list(range(40))
    saved = loader().state_dict()
    assert saved == {"epoch": 2, "batches_trained": 3}
    resumed = loader()
    resumed.load_state_dict(saved)
    assert [b.tolist() for b in resumed] == full[3:]  # the rest of the epoch, in its order
    resumed.sampler.set_epoch(2)  # as Lightning does before every epoch
    assert [b.tolist() for b in resumed] == full  # only the first pass skips
    closed = loader()
    closed.load_state_dict({"epoch": 1, "batches_trained": 10})  # epoch 1 had ended
    assert [b.tolist() for b in closed] == full


def test_exact_resume_state_survives_a_weights_only_load(tmp_path):
    import random

    from ases.training.checkpointing import ExactResume

    torch.manual_seed(3)
    random.seed(3)
    state = ExactResume().state_dict()
    expected = (torch.rand(3), random.random())
    torch.save(state, tmp_path / "s.pt")
    torch.manual_seed(99)
    random.seed(99)
    ExactResume().load_state_dict(torch.load(tmp_path / "s.pt", weights_only=True))
    assert torch.equal(torch.rand(3), expected[0]) and random.random() == expected[1]


def test_last_checkpoint_is_saved_at_every_validation_and_on_time_between():
    from types import SimpleNamespace

    from lightning.pytorch.trainer.states import TrainerFn

    from ases.training.checkpointing import SaveLast

    saved, full = [], []

    def save_checkpoint(path, weights_only=None):
        saved.append(path)
        full.append(weights_only is False)  # resume needs the optimizer and loops too

    progress = SimpleNamespace(is_last_batch=False)
    trainer = SimpleNamespace(
        sanity_checking=False, state=SimpleNamespace(fn=TrainerFn.FITTING), world_size=1,
        accumulate_grad_batches=2, save_checkpoint=save_checkpoint,
        fit_loop=SimpleNamespace(epoch_loop=SimpleNamespace(batch_progress=progress)))
    cb = SaveLast("ck/last.ckpt", every_min=None)
    cb.on_train_epoch_start(trainer, None)
    cb.on_train_batch_end(trainer, None, None, None, 1)
    assert saved == []  # no timed saves without every_min
    cb.on_validation_end(trainer, None)  # whether or not val/loss improved
    cb.on_train_epoch_end(trainer, None)  # validated: no second save
    assert [str(p) for p in saved] == ["ck/last.ckpt"]
    trainer.sanity_checking = True
    cb.on_validation_end(trainer, None)
    assert len(saved) == 1
    cb.on_train_epoch_start(trainer, None)
    cb.on_train_epoch_end(trainer, None)  # an epoch without validation saves at its end
    assert len(saved) == 2

    timed = SaveLast("ck/last.ckpt", every_min=1e-9)
    timed.on_train_batch_end(trainer, None, None, None, 0)  # mid-accumulation
    progress.is_last_batch = True
    timed.on_train_batch_end(trainer, None, None, None, 1)  # validation comes next
    assert len(saved) == 2
    progress.is_last_batch = False
    timed.on_train_batch_end(trainer, None, None, None, 1)
    assert len(saved) == 3 and all(full)
