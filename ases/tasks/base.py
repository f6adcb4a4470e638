"""The contract a task fulfils: every hook the pipeline calls, with its default.

A task is one class that subclasses :class:`Task` and overrides what it needs, plus its
configs: ``conf/task/<name>.yaml`` (the class, lengths, the metric a sweeper optimizes and
the report ranks by, ``synthetic``: the generator of ``data=synthetic``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ases.data.example import Example


class Task(Protocol):
    """Splitting, stopping and judging for one kind of problem."""

    name: str

    def pieces(self, cot: str) -> list[str]:
        """Cuts a CoT into pieces (sub-sentences)."""
        ...

    def is_finished(self, text: str) -> bool:
        """The task's stop rule on the CoT written so far."""
        ...

    def judge(self, example: Example, generated: str) -> dict:
        """Per-example fields for ``predictions.jsonl`` (e.g. the answer, correct)."""
        ...

    def metrics(self, examples: Sequence[Example], generated: Sequence[str],
                judged: Sequence[dict]) -> dict[str, float]:
        """Corpus-level metrics, keyed ``test/<name>``."""
        ...

    def check_example(self, example: Example) -> str | None:
        """What makes a gold example unusable for this task (None: nothing). The loaders
        already refuse an empty question or CoT."""
        return None

    def adapt(self, train: Sequence[Example]) -> None:
        """Settles what the task decides from the train split before anything else reads
        it (the report task's language under ``task.lang=auto``). Default: nothing."""
        return None

    def prepare(self, examples: Sequence[Example]) -> tuple[list[Example], dict[str, float]]:
        """The examples as the model sees them, with ``data/*`` numbers about the change
        (e.g. γ for reports: fewer normal findings sentences). Default: unchanged, none."""
        return list(examples), {}

    def piece_labels(self, example: Example, pieces: list[str]) -> list[str] | None:
        """What each piece of the gold CoT is, ``ES`` or ``AS``, where the task knows
        (MWP: the generator's sentence labels, else a stated heuristic), to measure how
        well a segmenter agrees (``seg/agreement``). Default: unknown (None)."""
        return None

    def diagnose(self, example: Example, segments: list[str]) -> dict:
        """Per-example fields that need the generated segments one by one (MWP: the round
        of the first wrong intermediate number). Default: none."""
        return {}
