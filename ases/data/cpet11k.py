"""cPET-11K: Chinese PET/CT reports (findings → impression), from a local CSV."""

from __future__ import annotations

import csv
import gzip
import io
import logging
import random
import re
from pathlib import Path

from ases.data.check import reject
from ases.data.example import Example, Splits

log = logging.getLogger(__name__)

COLUMNS = ("question", "answer", "qid")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a non-UTF-8 byte
FILE_NAMES = ("cpet11k.csv.gz", "cpet11k.csv")


def _resolve(path: str) -> Path:
    p = Path(path).expanduser()
    if p.is_dir():
        for name in FILE_NAMES:
            if (p / name).is_file():
                return p / name
        raise FileNotFoundError(f"data.path={path!r} holds none of {FILE_NAMES}")
    if not p.is_file():
        raise FileNotFoundError(f"data.path={path!r} does not exist; give the cPET-11K CSV "
                                "(plain or .gz) or its folder, e.g. /path/to/cpet11k")
    return p


def read_reports(path: str, bad: list[str] | None = None) -> tuple[list[Example], dict[str, int]]:
    """Reads the CSV (UTF-8, with or without a byte-order mark, plain or gzipped).

    Rows with an empty findings or impression, or a repeated qid, are dropped and counted.
    A row holding bytes that are not UTF-8 raises with its ``file:line``, or (``bad`` is a
    list: ``data.on_bad_row=skip``) is recorded there and skipped.

    Returns:
        The examples (white space runs in the findings collapsed) and the counts
        ``{"read", "dropped_empty", "dropped_duplicate"}``.
    """
    file = _resolve(path)
    raw = file.read_bytes()
    if file.suffix == ".gz":
        raw = gzip.decompress(raw)
    # the real file starts with a byte-order mark; bytes that are not UTF-8 become lone
    # surrogates, so that the row holding them can be named (a CSV row may span lines)
    text = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if any(_NOT_UTF8.search(name or "") for name in reader.fieldnames or []):
        raise ValueError(f"{file}:1: the header holds bytes that are not UTF-8; save the CSV as UTF-8")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{file}: missing column(s) {missing}; found {reader.fieldnames}. "
                         f"cPET-11K needs {list(COLUMNS)} (use data=files with a column map "
                         "for other report data)")
    examples, counts, seen = [], {"read": 0, "dropped_empty": 0, "dropped_duplicate": 0}, set()
    # (the inner reader's count: DictReader's own is not updated past blank lines)
    start = reader.reader.line_num + 1  # the first line after the previous row
    for row in reader:
        counts["read"] += 1
        end = reader.reader.line_num
        lines = f"{end}" if end == start else f"{start}-{end}"
        start = end + 1
        if any(_NOT_UTF8.search(value or "") for value in row.values() if isinstance(value, str)):
            reject(f"{file}:{lines}: bytes that are not UTF-8", ". Save the CSV as UTF-8, or set "
                   "data.on_bad_row=skip to drop such rows (they are counted)", bad)
            continue
        question, answer, qid = (" ".join((row[c] or "").split()) for c in COLUMNS)
        if not question or not answer:
            counts["dropped_empty"] += 1
            continue
        if qid in seen:
            counts["dropped_duplicate"] += 1
            continue
        seen.add(qid)
        examples.append(Example(f"cpet-{qid}", question, answer))
    return examples, counts


def load_cpet11k(path: str | None, split: tuple[float, float, float] = (0.8, 0.1, 0.1),
                 seed: int = 1234, on_bad_row: str = "error") -> Splits:
    """Loads cPET-11K and splits it by qid with a fixed seed.

    Args:
        path: the CSV (``.csv`` or ``.csv.gz``) or the folder holding it.
        split: train / val / test fractions.
        seed: fixes the split (the same in every run).
        on_bad_row: ``error`` stops at a row that cannot be read; ``skip`` drops and counts it.
    """
    if path is None:
        raise FileNotFoundError("data=cpet11k needs data.path (e.g. /path/to/cpet11k)")
    if abs(sum(split) - 1.0) > 1e-6 or min(split) < 0:
        raise ValueError(f"data.split must be three fractions summing to 1, got {list(split)}")
    bad: list[str] | None = [] if on_bad_row == "skip" else None
    examples, counts = read_reports(path, bad)
    log.info("cpet11k: read %d rows, dropped %d empty and %d duplicate-qid rows", counts["read"],
             counts["dropped_empty"], counts["dropped_duplicate"])
    order = sorted(examples, key=lambda ex: ex.qid)
    random.Random(seed).shuffle(order)
    n_train, n_val = int(split[0] * len(order)), int(split[1] * len(order))
    return Splits(order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :],
                  tuple(bad or ()))
