"""Training that survives a kill: the checkpoint writer, the callbacks that decide what a
checkpoint holds and when ``last.ckpt`` is written, and the checks a checkpoint must pass
before a run loads it."""

from __future__ import annotations

import random
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Checkpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO
from lightning.pytorch.trainer.states import TrainerFn

from ases.runs.files import atomic_path
from ases.training.datamodule import ResumableLoader


def check_checkpoint(path: Path, module: torch.nn.Module) -> None:
    """Refuses a checkpoint whose weights do not fit ``module`` (another model size, model
    family or tokenizer), naming the first tensors that differ. The file is memory-mapped:
    only shapes are read, not a second copy of the weights."""
    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True).get("state_dict", {})
    ours = module.state_dict()
    problems = [f"{k} missing" for k in ours if k not in state]
    problems += [f"{k} not in this model" for k in state if k not in ours]
    problems += [f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)} here" for k, v in ours.items()
                 if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if problems:
        lora = ""
        if _has_lora(state) and not _has_lora(ours):
            lora = " It holds LoRA adapters: set model.lora as its run did."
        elif _has_lora(ours) and not _has_lora(state):
            lora = " It was trained without LoRA: set model.lora=null."
        raise ValueError(f"{path} holds weights of another model or tokenizer than this config "
                         f"builds: {'; '.join(problems[:4])}"
                         + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
                         + ". Use the overrides the checkpoint's run was made with (its run.json)."
                         + lora)


def _has_lora(state: dict) -> bool:
    """Whether a state dict holds LoRA adapter weights (``peft`` names them ``lora_A``/``lora_B``)."""
    return any(".lora_A." in key for key in state)


class StopOnNonFiniteLoss(L.Callback):
    """Stops training at the first NaN/inf loss, before its backward pass, so no update is
    made from it and ``last.ckpt`` keeps the last good weights."""

    def on_before_backward(self, trainer: L.Trainer, module: L.LightningModule,
                           loss: torch.Tensor) -> None:
        bad = not bool(torch.isfinite(loss).all())
        if trainer.world_size > 1:  # every rank stops together, none waits in an all-reduce
            bad = trainer.strategy.reduce_boolean_decision(bad, all=False)
        if bad:
            last = Path(trainer.default_root_dir) / "checkpoints" / "last.ckpt"
            kept = f"the last good checkpoint is {last}" if last.is_file() else "no checkpoint was saved yet"
            raise FloatingPointError(
                f"non-finite training loss ({loss.item()}) at step {trainer.global_step} "
                f"(epoch {trainer.current_epoch}); {kept}. Lower optim.lr, keep "
                "trainer.gradient_clip_val, or use bf16 rather than fp16 precision.")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, made atomic on every file system.

    Lightning writes a local checkpoint to a temporary file in the system's temp folder and
    moves it into place. Where that folder is on another disk than the run (a node's /tmp,
    a shared run folder), the move is a copy, and a kill during it leaves half a
    ``last.ckpt``. Here the temporary file sits beside the checkpoint and is renamed.
    """

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        if "://" in str(path) or storage_options is not None:  # Lightning's own handling
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        with atomic_path(path) as tmp:
            torch.save(checkpoint, tmp)


class SaveLast(Checkpoint):
    """Writes ``last.ckpt``, the checkpoint a resume starts from: after every validation
    (or at an epoch's end where none ran), and every ``every_min`` minutes of training.

    A timed save is left out on an epoch's last batch (the validation that follows saves,
    and a checkpoint taken before it would skip it on resume) and in the middle of gradient
    accumulation (the accumulated gradients are not in a checkpoint). One writer for the
    file: Lightning's ``ModelCheckpoint(save_last=True)`` saves "last" only when the
    monitored metric improves, and two such callbacks version each other's file.

    Args:
        path: the file.
        every_min: minutes of training between timed saves; None or 0 saves only at
            validations.
    """

    def __init__(self, path: Path, every_min: float | None = None):
        self.path = Path(path)
        self.every_s = float(every_min) * 60 if every_min else None
        self._since = time.monotonic()
        self._validated = False

    def _save(self, trainer: L.Trainer) -> None:
        # every rank calls it, rank 0 writes; the full state (optimizer, loops), which resume needs
        trainer.save_checkpoint(self.path, weights_only=False)
        self._since = time.monotonic()

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._since = time.monotonic()

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._validated = False

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs,
                           batch, batch_idx: int) -> None:
        if self.every_s is None:
            return
        due = time.monotonic() - self._since >= self.every_s
        if trainer.world_size > 1:  # one decision for every rank, or they wait on each other
            due = trainer.strategy.broadcast(due)
        if (not due or trainer.fit_loop.epoch_loop.batch_progress.is_last_batch
                or (batch_idx + 1) % trainer.accumulate_grad_batches):
            return
        self._save(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return
        self._validated = True
        self._save(trainer)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._validated:
            self._save(trainer)


class ExactResume(L.Callback):
    """Keeps in every checkpoint what Lightning leaves out and an exact resume needs:

    - the random generators' states (torch, the current CUDA device, Python, NumPy), so
      that dropout after a resume draws what the uninterrupted run drew (under DDP, rank
      0's states go to every rank, so there a resume is not bit-exact with dropout);
    - the training loader's place in its epoch (:class:`ases.training.datamodule.ResumableLoader`),
      handed back when training starts again.
    """

    def __init__(self) -> None:
        self._loader_state: dict | None = None

    def state_dict(self) -> dict:
        kind, keys, pos, has_gauss, gauss = np.random.get_state()
        state = {"torch": torch.get_rng_state(), "python": random.getstate(),
                 "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(pos),
                           int(has_gauss), float(gauss))}
        if torch.cuda.is_available():  # this device's: a resume may see fewer GPUs
            state["cuda"] = torch.cuda.get_rng_state()
        loader = self._loader()
        if loader is not None:
            state["loader"] = loader.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        torch.set_rng_state(state["torch"])
        random.setstate(state["python"])
        kind, keys, pos, has_gauss, gauss = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
        if isinstance(state.get("cuda"), torch.Tensor) and torch.cuda.is_available():
            torch.cuda.set_rng_state(state["cuda"])
        self._loader_state = state.get("loader")

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        self.trainer = trainer

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        loader = self._loader()
        if self._loader_state is not None and loader is not None:
            loader.load_state_dict(self._loader_state)
        self._loader_state = None

    def _loader(self) -> ResumableLoader | None:
        trainer = getattr(self, "trainer", None)
        loader = trainer.train_dataloader if trainer is not None else None
        return loader if isinstance(loader, ResumableLoader) else None
