"""Entry point: ``python -m ases.run task=mwp seg=location path=uni``."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from ases.pipeline import train
from ases.summary import format_summary


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Runs one cell of the grid and returns the metric a sweeper optimizes."""
    run_dir = HydraConfig.get().runtime.output_dir
    metrics = train(cfg, run_dir)
    print(format_summary(metrics, run_dir))
    return metrics.get(cfg.get("optimized_metric") or "", None)


if __name__ == "__main__":
    main()
