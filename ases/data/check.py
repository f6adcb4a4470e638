"""Checks every example before anything is trained: a bad row stops the run with a message
that names it (``data.on_bad_row=error``), or is dropped and counted (``skip``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ases.data.example import Example, Splits

log = logging.getLogger(__name__)
POLICIES = ("error", "skip")


def reject(message: str, fix: str, bad: list[str] | None,
           cause: BaseException | None = None) -> None:
    """One bad row. With ``bad`` None (``data.on_bad_row=error``) raise a ValueError of
    ``message`` followed by ``fix`` (what to do, with its leading punctuation); with a
    list (``skip``) record ``message`` there, and the caller drops the row."""
    if bad is None:
        raise ValueError(message + fix) from cause
    bad.append(message)


def problem_of(example: Example, check: Callable[[Example], str | None]) -> str | None:
    """What is wrong with one example, or None."""
    if not example.question.strip():
        return "the question (model input) is empty"
    if not example.cot.strip():
        return "the CoT (target) is empty"
    return check(example)


def check_examples(splits: Splits, check: Callable[[Example], str | None],
                   on_bad_row: str) -> tuple[Splits, list[str]]:
    """The splits without bad examples, and one message per dropped example.

    Args:
        splits: the loaded examples.
        check: the task's own check of one example (``Task.check_example``).
        on_bad_row: ``error`` or ``skip``.

    Raises:
        ValueError: on the first bad example when ``on_bad_row`` is ``error``.
    """
    if on_bad_row not in POLICIES:
        raise ValueError(f"data.on_bad_row={on_bad_row!r}; choose one of {POLICIES}")
    kept: dict[str, list[Example]] = {}
    skipped = list(splits.skipped)
    for name in ("train", "val", "test"):
        kept[name] = []
        for ex in getattr(splits, name):
            problem = problem_of(ex, check)
            if problem is None:
                kept[name].append(ex)
                continue
            reject(f"{name} example {ex.qid!r}: {problem}",
                   ". Fix the data, or set data.on_bad_row=skip to drop such rows (they are "
                   "counted in data/skipped_rows)", None if on_bad_row == "error" else skipped)
    if skipped:
        log.warning("skipped %d bad rows (data.on_bad_row=skip), e.g. %s", len(skipped), skipped[0])
    return Splits(kept["train"], kept["val"], kept["test"], tuple(skipped)), skipped
