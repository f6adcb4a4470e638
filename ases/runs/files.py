"""Atomic writes: a file is written under a temporary name and renamed into place, so a
crash never leaves a half-written result behind."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)  # read once: the process umask, applied to atomically written files


TEMP_GLOB = ".*.tmp"
"""What :func:`atomic_path` names its temporary files; a kill -9 can leave one behind."""


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; when the block ends without an error,
    the file is flushed to disk and renamed to ``path`` (atomic on one file system), else
    removed. Readers see the old file or the whole new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results are for sharing
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Removes the temporary files a killed process left in ``folder``; returns them."""
    stale = sorted(Path(folder).glob(TEMP_GLOB))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` atomically (temp file in the same folder, then rename)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Writes ``text`` as UTF-8 to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, obj: object) -> Path:
    """Writes ``obj`` as indented JSON, atomically."""
    return write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def write_jsonl_atomic(path: str | os.PathLike, rows: Iterable[dict]) -> Path:
    """Writes one JSON object a line, atomically."""
    return write_text_atomic(
        path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    )


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Reads a JSONL file written by :func:`write_jsonl_atomic`."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def flatten(tree: object, prefix: str = "") -> dict[str, object]:
    """A nested dict's leaves by dotted key: ``{"seg": {"beta": 1}}`` -> ``{"seg.beta": 1}``
    (with ``prefix`` "cfg": ``{"cfg.seg.beta": 1}``)."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    return {key: leaf for name, sub in tree.items()
            for key, leaf in flatten(sub, f"{prefix}.{name}" if prefix else str(name)).items()}
