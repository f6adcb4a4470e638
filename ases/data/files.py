"""Any local JSONL, CSV or parquet files, mapped onto examples by a column map."""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections.abc import Mapping
from pathlib import Path

from ases.data.check import reject
from ases.data.example import Example, Splits

log = logging.getLogger(__name__)


def _rows(path: Path, bad: list[str] | None) -> list[dict]:
    """The file's rows; a line that is not UTF-8 or not a JSON object raises, or (``bad`` is
    a list: ``data.on_bad_row=skip``) is recorded there and skipped."""
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    if suffix in (".jsonl", ".jsonl.gz", ".json"):
        opener = gzip.open if path.suffix == ".gz" else open
        rows = []
        with opener(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                    if not line.strip():
                        continue
                    row = json.loads(line)
                    if not isinstance(row, dict):
                        raise ValueError("a JSON value that is not an object")
                except (UnicodeDecodeError, ValueError) as err:
                    what = "bytes that are not UTF-8" if isinstance(err, UnicodeDecodeError) else (
                        f"not a JSON object ({getattr(err, 'msg', err)})")
                    reject(f"{path}:{lineno}: {what}", ". Fix the line, or set "
                           "data.on_bad_row=skip to drop such lines (they are counted)", bad, err)
                    continue
                rows.append(row)
        return rows
    if suffix in (".csv", ".csv.gz"):
        import pandas as pd

        try:
            return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False).to_dict("records")
        except UnicodeDecodeError as err:
            raise ValueError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); "
                             "save the file as UTF-8") from err
    if suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).astype(str).to_dict("records")
    raise ValueError(f"{path}: unknown file type {suffix!r}; use .jsonl, .csv(.gz) or .parquet")


def read_examples(path: str | Path, columns: Mapping[str, str], prefix: str,
                  bad: list[str] | None = None) -> list[Example]:
    """Reads one file; ``columns`` maps ``input``, ``target`` and optionally ``id`` and
    ``answer`` to the file's column names. Unreadable lines raise unless ``bad`` collects them."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist")
    rows = _rows(path, bad)
    if not rows:
        raise ValueError(f"{path}: the file holds no rows" + (f" that could be read ({len(bad)} skipped)" if bad else ""))
    need = {k: columns[k] for k in ("input", "target") if k in columns}
    if len(need) < 2:
        raise ValueError("data.columns needs at least 'input' and 'target'")
    wanted = {**need, **{k: columns[k] for k in ("id", "answer") if columns.get(k)}}
    missing = {k: c for k, c in wanted.items() if c not in rows[0]}
    if missing:
        raise ValueError(f"{path}: column(s) {missing} not found; the file has {sorted(rows[0])}. "
                         "Fix data.columns (e.g. data.columns.input=findings)")
    out, seen = [], {}
    for i, row in enumerate(rows):
        qid = str(row[wanted["id"]]) if "id" in wanted else str(i)
        if qid in seen:  # one id, two rows: metrics would pair a prediction with the wrong gold
            raise ValueError(f"{path}: rows {seen[qid] + 1} and {i + 1} share the id {qid!r} "
                             f"(column {wanted['id']!r}); ids must be unique")
        seen[qid] = i
        out.append(Example(f"{prefix}-{qid}", str(row[need["input"]]).strip(),
                           str(row[need["target"]]).strip(),
                           str(row[wanted["answer"]]).strip() if "answer" in wanted else ""))
    return out


def load_files(train: str, columns: Mapping[str, str], val: str | None = None,
               test: str | None = None, split: tuple[float, float, float] = (0.8, 0.1, 0.1),
               seed: int = 1234, on_bad_row: str = "error") -> Splits:
    """Loads local files. With only ``train`` given, it is split by id with a fixed seed.

    Args:
        train: the training file (or the only file).
        columns: ``{input: ..., target: ..., id: ..., answer: ...}`` column names.
        val: an optional validation file.
        test: an optional test file.
        split: fractions used when val/test files are not given.
        seed: fixes that split.
        on_bad_row: ``error`` stops at an unreadable line; ``skip`` drops and counts it.
    """
    bad: list[str] | None = [] if on_bad_row == "skip" else None
    examples = read_examples(train, columns, "train", bad)
    if val is not None and test is not None:
        return Splits(examples, read_examples(val, columns, "val", bad),
                      read_examples(test, columns, "test", bad), tuple(bad or ()))
    if val is not None or test is not None:
        raise ValueError("give both data.val and data.test, or neither (then data.train is split)")
    order = sorted(examples, key=lambda ex: ex.qid)
    random.Random(seed).shuffle(order)
    n_train, n_val = int(split[0] * len(order)), int(split[1] * len(order))
    log.info("files: %d rows split %d/%d/%d", len(order), n_train, n_val, len(order) - n_train - n_val)
    return Splits(order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :],
                  tuple(bad or ()))
