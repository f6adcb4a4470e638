"""GSM8K: local JSONL files, or ``openai/gsm8k`` from the Hugging Face hub."""

from __future__ import annotations

import json
import logging
import random
import re
from pathlib import Path

from ases.data.check import reject
from ases.data.example import Example, Splits

log = logging.getLogger(__name__)

HUB_ID = "openai/gsm8k"
_CALC = re.compile(r"<<[^<>]*>>")  # calculator marks: "48/2 = <<48/2=24>>24"
_FINAL = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)


class DataNotFoundError(FileNotFoundError):
    """The data set is neither on disk nor reachable."""


def clean_answer(raw: str) -> tuple[str, str]:
    """GSM8K answer → (CoT, final answer).

    Strips the calculator marks and turns the last line ``#### N`` into the sentence
    ``The answer is N.``, the form the synthetic data and the stop rule use.
    """
    match = _FINAL.search(raw)
    if match is None:
        raise ValueError("no '#### <answer>' line")
    final = match.group(1).strip()
    body = _CALC.sub("", raw[: match.start()]).strip()
    return f"{body}\nThe answer is {final}.", final


def _read_jsonl(path: Path, prefix: str, bad: list[str] | None = None) -> list[Example]:
    """The file's problems. A line that is not UTF-8, not JSON or not a GSM8K row raises
    with its ``file:line``, or (``bad`` is a list: ``data.on_bad_row=skip``) is recorded
    there and skipped. Ids keep the line number, so they do not move when lines are skipped."""
    examples = []
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                row = json.loads(line)
                cot, final = clean_answer(row["answer"])
                question = row["question"].strip()
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, ValueError, AttributeError,
                    TypeError) as err:
                what = ("bytes that are not UTF-8" if isinstance(err, UnicodeDecodeError)
                        else f"not a GSM8K row ({type(err).__name__}: {err})")
                reject(f"{path}:{lineno}: {what}",
                       "; each line must be UTF-8 JSON with 'question' and an 'answer' ending "
                       "in '#### <number>'. Fix the line, or set data.on_bad_row=skip to drop "
                       "such lines (they are counted)", bad, err)
                continue
            examples.append(Example(f"{prefix}-{lineno - 1}", question, cot, final))
    return examples


def _hub_examples(rows: list[dict], prefix: str, bad: list[str] | None) -> list[Example]:
    """The hub split's problems; a row that is not a GSM8K row raises, or is skipped into
    ``bad`` (``data.on_bad_row=skip``)."""
    examples = []
    for i, row in enumerate(rows):
        try:
            examples.append(Example(f"{prefix}-{i}", row["question"].strip(),
                                    *clean_answer(row["answer"])))
        except (KeyError, ValueError, AttributeError, TypeError) as err:
            reject(f"{HUB_ID} {prefix} row {i}: not a GSM8K row ({type(err).__name__}: {err})",
                   ". Set data.on_bad_row=skip to drop such rows", bad, err)
    return examples


def _from_hub() -> tuple[list[dict], list[dict]]:
    try:
        import datasets

        ds = datasets.load_dataset(HUB_ID, "main")
    except Exception as err:  # offline, no cache, or hub down: all end the same way
        raise DataNotFoundError(
            f"could not load {HUB_ID} from the Hugging Face hub ({type(err).__name__}). "
            "Offline, point at local files instead: data.path=/path/to/gsm8k "
            "(a folder with train.jsonl and test.jsonl, e.g. /path/to/gsm8k)."
        ) from err
    return list(ds["train"]), list(ds["test"])


def load_gsm8k(path: str | None = None, val_size: int = 500, seed: int = 1234,
               on_bad_row: str = "error") -> Splits:
    """Loads GSM8K and splits it by question id.

    Args:
        path: a folder with ``train.jsonl`` and ``test.jsonl``; None loads the hub copy.
        val_size: problems moved from train to validation.
        seed: fixes which train problems become validation (the same in every run).
        on_bad_row: ``error`` stops at a line that cannot be read; ``skip`` drops and counts it.

    Returns:
        Train, val and test splits; test is the official test set.
    """
    bad: list[str] | None = [] if on_bad_row == "skip" else None
    if path is None:
        train_rows, test_rows = _from_hub()
        train = _hub_examples(train_rows, "train", bad)
        test = _hub_examples(test_rows, "test", bad)
    else:
        folder = Path(path).expanduser()
        missing = [n for n in ("train.jsonl", "test.jsonl") if not (folder / n).is_file()]
        if missing:
            raise DataNotFoundError(
                f"data.path={path!r} has no {' or '.join(missing)}; give a folder holding "
                "GSM8K's train.jsonl and test.jsonl (e.g. /path/to/gsm8k)."
            )
        train = _read_jsonl(folder / "train.jsonl", "train", bad)
        test = _read_jsonl(folder / "test.jsonl", "test", bad)
    if not 0 <= val_size < len(train):
        raise ValueError(f"data.val_size={val_size} must be in [0, {len(train)})")
    # Validation problems are drawn by row number (the id), so a skipped bad row leaves
    # every other problem in its split.
    rows = {int(ex.qid.rsplit("-", 1)[1]): ex for ex in train}
    order = list(range(max(rows) + 1))
    random.Random(seed).shuffle(order)
    val_ids = set([i for i in order if i in rows][:val_size])
    splits = Splits(
        train=[ex for i, ex in rows.items() if i not in val_ids],
        val=[ex for i, ex in rows.items() if i in val_ids],
        test=test,
        skipped=tuple(bad or ()),
    )
    log.info("gsm8k: %d train, %d val, %d test", len(splits.train), len(splits.val), len(splits.test))
    return splits
