"""The short summary a run prints at its end."""

from __future__ import annotations

from pathlib import Path

# (metric key, label, how to print it); the README explains each line.
_LINES = (
    ("test/acc", "answer accuracy", "{:.1%}"),
    ("test/acc_flexible", "answer accuracy, last number (flexible)", "{:.1%}"),
    ("test/format_rate", "answer stated (format rate)", "{:.1%}"),
    ("test/rouge1", "ROUGE-1 F1", "{:.4f}"),
    ("test/rouge2", "ROUGE-2 F1", "{:.4f}"),
    ("test/rougeL", "ROUGE-L F1", "{:.4f}"),
    ("test/bleu", "BLEU of the CoT vs gold", "{:.2f}"),
    ("test/rounds_mean", "decoding rounds per example", "{:.2f}"),
    ("test/stop_max_rounds_rate", "stopped at max_rounds", "{:.1%}"),
    ("data/pieces_mean", "pieces per train CoT", "{:.2f}"),
    ("seg/segments_mean", "segments per train CoT", "{:.2f}"),
    ("seg/as_fraction", "AS fraction of pieces", "{:.1%}"),
    ("seg/agreement", "pieces tagged as labelled (ES/AS)", "{:.1%}"),
    ("val/loss_best", "best validation loss", "{:.4f}"),
    ("test/n", "test examples", "{:.0f}"),
    ("data/skipped_rows", "bad rows skipped", "{:.0f}"),
    ("time/fit_s", "data + training time (s)", "{:.0f}"),
    ("time/test_s", "test decoding time (s)", "{:.0f}"),
)


def format_summary(metrics: dict[str, float], run_dir: str | Path) -> str:
    """A few aligned lines of the metrics that matter, then the run directory."""
    rows = [(label, fmt.format(metrics[key])) for key, label, fmt in _LINES if key in metrics]
    width = max((len(label) for label, _ in rows), default=0)
    lines = ["", "== ases run summary =="]
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    lines.append(f"run dir: {run_dir}")
    return "\n".join(lines)
