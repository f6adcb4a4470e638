"""The contract a task fulfils."""

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

    # Optional: ``diagnose(example, segments) -> dict`` adds per-example fields that need
    # the segments one by one (MWP: the round of the first wrong intermediate number).

    def metrics(self, examples: Sequence[Example], generated: Sequence[str],
                judged: Sequence[dict]) -> dict[str, float]:
        """Corpus-level metrics, keyed ``test/<name>``."""
        ...
