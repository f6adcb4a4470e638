"""``python -m tests.kill_run <overrides>``: ``python -m ases.run`` with a kill switch, for
the kill-and-resume tests. ``KILL_AT=<point>:<n>`` sends SIGKILL to the process when

- ``fit_step:n``: optimizer step n ends, before that step's checkpoint;
- ``test_records:n``: n test problems are decoded and written to the progress file;
- ``scorer_built:1``: the cached scorer's weights are saved, before its tokenizer is.

The switch lives here, not in the library: ases itself reads no kill variable. DDP ranks
that Lightning starts run this module again, so every rank carries the switch.
"""

from __future__ import annotations

import os
import signal


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(spec: str) -> None:
    """Patches the library at the kill point ``spec`` names."""
    point, _, count = spec.partition(":")
    n = int(count)
    if point == "fit_step":
        from ases.training.checkpointing import SaveLast

        save = SaveLast.on_train_batch_end

        def on_train_batch_end(self, trainer, *args, **kwargs):
            if trainer.global_step == n:
                _kill()
            return save(self, trainer, *args, **kwargs)

        SaveLast.on_train_batch_end = on_train_batch_end
    elif point == "test_records":
        from ases.paths import evaluate

        add = evaluate.add_records

        def add_records(module, records):
            add(module, records)
            if len(module.records) == n:
                _kill()

        evaluate.add_records = add_records
    elif point == "scorer_built":
        from ases.segment import scorer

        cached = scorer.cached_scorer

        def cached_scorer(key, cache_root, tokenizer, train):
            def train_then_die_after_saving():
                model = train()
                save = model.save_pretrained

                def save_pretrained(*args, **kwargs):
                    save(*args, **kwargs)
                    _kill()

                model.save_pretrained = save_pretrained
                return model

            return cached(key, cache_root, tokenizer, train_then_die_after_saving)

        scorer.cached_scorer = cached_scorer
    else:
        raise ValueError(f"KILL_AT={spec!r}: unknown kill point {point!r}")


if __name__ == "__main__":
    # Hydra finds conf/ beside the module it was started from; here that is tests/, so
    # point it at ases.run's own config path
    os.environ.setdefault("HYDRA_MAIN_MODULE", "__main__")
    if os.environ.get("KILL_AT"):
        arm(os.environ["KILL_AT"])
    from ases.run import main

    main()
