"""The unit of data every stage passes around."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Example:
    """One problem with its chain of thought."""

    qid: str
    """Unique id; splits are made by it."""
    question: str
    """The model input (a word problem, or report findings)."""
    cot: str
    """The gold chain of thought / target text."""
    answer: str = ""
    """The final answer as text (MWP); empty where the task has none."""
    meta: dict = field(default_factory=dict, compare=False)
    """Free-form facts a task may keep (e.g. the number of reasoning steps)."""


@dataclass(frozen=True)
class Splits:
    """Train, validation and test examples; no qid appears in two splits."""

    train: list[Example]
    val: list[Example]
    test: list[Example]
    skipped: tuple[str, ...] = ()
    """Rows a loader dropped (``data.on_bad_row=skip``): one message each."""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for name in ("train", "val", "test"):
            for ex in getattr(self, name):
                if ex.qid in seen:
                    raise ValueError(
                        f"qid {ex.qid!r} is in both {seen[ex.qid]} and {name}; "
                        "ids must be unique across splits"
                    )
                seen[ex.qid] = name
