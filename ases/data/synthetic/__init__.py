"""The embedded default data: each task's own generator, split into train/val/test."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ases.data.example import Example, Splits

log = logging.getLogger(__name__)


def load_synthetic(generate: Callable[[int, int], list[Example]], name: str, n_train: int,
                   n_val: int, n_test: int, seed: int = 1234) -> Splits:
    """Generates a task's synthetic problems and splits them.

    A question generated twice is kept once (in the earliest split), so no test question
    is also a training question.

    Args:
        generate: the task's generator, ``generate(n, seed)`` (``task.synthetic``).
        name: a label for logs and errors (the task's name).
        n_train: training problems.
        n_val: validation problems.
        n_test: test problems.
        seed: the generator's seed.

    Returns:
        The three splits.
    """
    sizes = (n_train, n_val, n_test)
    if min(sizes) < 0 or n_train == 0:
        raise ValueError(f"synthetic sizes must be >= 0 with n_train > 0, got {sizes}")
    # Generate a little extra so dropping duplicates still leaves the requested sizes.
    pool = generate(int(sum(sizes) * 1.05) + 10, seed)
    seen: set[str] = set()
    unique = []
    for ex in pool:
        if ex.question not in seen:
            seen.add(ex.question)
            unique.append(ex)
    if len(unique) < sum(sizes):
        raise RuntimeError(f"the {name} generator made only {len(unique)} distinct problems")
    splits = Splits(
        train=unique[:n_train],
        val=unique[n_train : n_train + n_val],
        test=unique[n_train + n_val : sum(sizes)],
    )
    log.info("synthetic %s: %d train, %d val, %d test", name, *sizes)
    return splits
