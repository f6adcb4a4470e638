"""LoRA fine-tuning through ``peft``: adapters on some Linear layers, the rest frozen.

:func:`add_lora` wraps a freshly built model (``get_peft_model``) after checking that the
layers named in ``model.lora.target_modules`` exist; :func:`merged` folds the adapters back
into plain weights for what reads or saves a trained model outside training (a cached
scorer, :func:`ases.load.load_run`).
"""

from __future__ import annotations

import warnings

import torch
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from transformers import PreTrainedModel
from transformers.pytorch_utils import Conv1D

from ases.models.spec import LoraSpec

ALL_LINEAR = "all-linear"
"""peft's name for every Linear layer but the output head."""


def linear_names(model: PreTrainedModel) -> list[str]:
    """The distinct last names of the model's Linear layers, the output head left out: what
    ``model.lora.target_modules`` may name (``q_proj``, ``k_proj``, … on Llama; ``q``, ``k``,
    ``v``, ``o``, ``wi``, ``wo`` on T5)."""
    head = model.get_output_embeddings()
    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear | Conv1D) and module is not head})


def check_targets(model: PreTrainedModel, targets: tuple[str, ...] | str | None) -> None:
    """Refuses target modules the model does not have, naming the ones it has.

    Raises:
        ValueError: a name in ``targets`` is no Linear layer of ``model``.
    """
    if targets is None or targets == ALL_LINEAR:
        return
    have = linear_names(model)
    wanted = [targets] if isinstance(targets, str) else list(targets)
    missing = [t for t in wanted if t not in have]
    if missing:
        raise ValueError(
            f"model.lora.target_modules names {missing}, which {type(model).__name__} does not "
            f"have. Its Linear layers are {have}: set e.g. "
            f"model.lora.target_modules=[{','.join(_attention(have))}], "
            f"model.lora.target_modules={ALL_LINEAR}, or null (peft's default for the model).")


def _attention(have: list[str]) -> list[str]:
    """The query and value layers among ``have`` (the usual LoRA targets), else the first two."""
    for pair in (["q_proj", "v_proj"], ["q", "v"], ["query", "value"]):
        if set(pair) <= set(have):
            return pair
    return have[:2]


def add_lora(model: PreTrainedModel, lora: LoraSpec, causal: bool,
             gradient_checkpointing: bool = False) -> PeftModel:
    """``model`` with LoRA adapters on ``lora.target_modules``; only the adapters train.

    Args:
        model: a freshly built model (random init or pretrained).
        lora: rank, scale, dropout and target layers.
        causal: a decoder-only model (else an encoder-decoder).
        gradient_checkpointing: whether ``model`` checkpoints its activations (already
            switched on).

    Raises:
        ValueError: target layers the model does not have, or none peft knows for it.
    """
    check_targets(model, lora.target_modules)
    targets = lora.target_modules
    if targets is not None and targets != ALL_LINEAR:  # a list: peft reads a str as a regex
        targets = [targets] if isinstance(targets, str) else list(targets)
    config = LoraConfig(task_type=TaskType.CAUSAL_LM if causal else TaskType.SEQ_2_SEQ_LM,
                        r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        target_modules=targets)
    if gradient_checkpointing:
        # the checkpointed blocks' input must need a gradient, or with reentrant checkpointing
        # (some remote-code models force it) no gradient reaches the adapters inside them
        model.enable_input_require_grads()
    try:
        with warnings.catch_warnings():  # peft probes a deprecated transformers property
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing",
                                    category=FutureWarning)
            return get_peft_model(model, config)
    except ValueError as err:  # target_modules=null on a model type peft has no default for
        raise ValueError(f"model.lora: {err} {type(model).__name__}'s Linear layers are "
                         f"{linear_names(model)}; set model.lora.target_modules to some of "
                         f"them, or to {ALL_LINEAR}.") from err


def merged(model: torch.nn.Module) -> torch.nn.Module:
    """A LoRA model with its adapters folded into the weights, as the plain model class
    (``save_pretrained`` then writes whole weights); any other model is returned as is."""
    return model.merge_and_unload() if isinstance(model, PeftModel) else model


def trainable_parameters(model: torch.nn.Module) -> int:
    """How many weights the optimizer updates."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
