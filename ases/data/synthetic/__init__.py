"""The embedded default data: each task's own generator, split into train/val/test."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

from ases.data.example import Example, Splits

log = logging.getLogger(__name__)


def load_synthetic(generate: Callable[[int, int], list[Example]], name: str, n_train: int,
                   n_val: int, n_test: int, seed: int = 1234, level: int | None = None) -> Splits:
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
        level: the difficulty (``data.level``) for a generator that has levels (MWP: 1, 2,
            3); None keeps the generator's default.

    Returns:
        The three splits.

    Raises:
        ValueError: a level for a generator without levels.
    """
    if level is not None:
        if "level" not in inspect.signature(generate).parameters:
            raise ValueError(f"data.level={level}: the {name} generator has no levels "
                             "(only task=mwp's has: 1, 2, 3); drop data.level")
        generate = functools.partial(generate, level=level)
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
    log.info("synthetic %s%s: %d train, %d val, %d test", name,
             "" if level is None else f" (level {level})", *sizes)
    return splits
