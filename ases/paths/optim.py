"""The optimizer every path uses: AdamW with linear warm-up, then linear decay."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from transformers import get_linear_schedule_with_warmup


def adamw_with_warmup(named_params: Iterable[tuple[str, torch.nn.Parameter]], lr: float,
                      weight_decay: float, warmup_ratio: float, total_steps: int) -> dict:
    """AdamW (no decay on biases and norms) with linear warm-up then linear decay, over the
    parameters that require a gradient (with LoRA: the adapters only; frozen weights get
    no optimizer state)."""
    params = [(name, p) for name, p in named_params if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for _, p in params if p.ndim >= 2], "weight_decay": weight_decay},
         {"params": [p for _, p in params if p.ndim < 2], "weight_decay": 0.0}], lr=lr)
    total = max(int(total_steps), 1)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup_ratio * total), total)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
