"""Atomic writes: a file is written under a temporary name and renamed into place, so a
crash never leaves a half-written result behind."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)  # read once: the process umask, applied to atomically written files


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results are for sharing
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
