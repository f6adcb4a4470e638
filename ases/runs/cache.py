"""A content-addressed cache for expensive stages (tokenizers, scorers, scores).

An entry is a folder named by a hash of everything it depends on. It is built in a
temporary folder under a file lock and renamed into place when complete, so parallel jobs
of a grid build it once, and a build killed half-way leaves nothing that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

log = logging.getLogger(__name__)

_DONE = ".complete"


def cache_key(obj: object) -> str:
    """A short stable hash of a JSON-able object (dict keys sorted)."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def cached_dir(root: str | Path, kind: str, key: object, build: Callable[[Path], None]) -> Path:
    """Returns the cache folder for ``key``, building it first if needed.

    Args:
        root: the cache root (``cache_dir`` in the config).
        kind: a sub-folder per kind of entry, e.g. ``"tokenizer"``.
        key: everything the entry depends on; hashed with :func:`cache_key`.
        build: fills an empty folder with the entry; called at most once per key across
            processes that share ``root``.

    Returns:
        The finished entry's folder.
    """
    base = Path(root) / kind
    base.mkdir(parents=True, exist_ok=True)
    digest = cache_key(key)
    final = base / digest
    if (final / _DONE).exists():
        return final
    with FileLock(str(base / f"{digest}.lock")):
        if (final / _DONE).exists():  # another job built it while we waited
            return final
        if final.exists():  # left over from a killed build: never trust it
            shutil.rmtree(final)
        for stale in base.glob(f".{digest}.*"):  # a killed build's temporary folder
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".{digest}."))
        try:
            log.info("building %s cache entry %s", kind, digest)
            build(tmp)
            (tmp / "key.json").write_text(
                json.dumps(key, sort_keys=True, indent=1, default=str), encoding="utf-8"
            )
            (tmp / _DONE).touch()
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final
