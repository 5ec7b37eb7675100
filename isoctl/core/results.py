"""Whole results of unchanged workspaces, so that checking an unchanged repository again costs a file walk.

The key covers everything a result depends on: isoctl's own code, the bytes
of every file in the workspace (record files and the evidence they point
to), the catalogs, the evaluation date, the options and the git state. Any
difference is a miss and the analysis runs as usual. Entries are JSON in the
user cache, checked against a digest, never trusted blindly.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from isoctl.files import cache
from isoctl.model.result import Result, from_cache, to_cache
from isoctl.workspace.files import RECORD_SUFFIXES

SECTION = "results"


@functools.cache
def _code_digest() -> str:
    """isoctl's source and data: a result computed by other code is not reused."""
    from isoctl.files.resources import data_dir

    package = Path(__file__).resolve().parents[1]
    parts: list[bytes | str] = []
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    for path in sorted(data_dir("standards").rglob("*.yaml")):
        parts += [path.name, path.read_bytes()]
    return cache.digest(parts)


def fingerprint(root: Path, options: Sequence[Any]) -> str | None:
    """A digest of the workspace's files and the options; None when something cannot be read.

    Files that can hold records (and the manifest, and catalogs) count by
    content; any other file only by its path, since records only ever ask
    whether evidence exists (a large evidence folder costs nothing to key).
    """
    parts: list[bytes | str] = [_code_digest(), *map(repr, options)]
    root = root.resolve()
    try:
        for directory, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            base = Path(directory)
            for name in sorted(filenames):
                path = base / name
                parts.append(path.relative_to(root).as_posix())
                if path.is_symlink():
                    parts.append("->" + os.readlink(path))
                elif name.endswith(RECORD_SUFFIXES):
                    parts.append(hashlib.sha1(path.read_bytes(), usedforsecurity=False).digest())
    except OSError:
        return None
    return cache.digest(parts)


def at_commit(root: Path, sha: str, options: Sequence[Any]) -> str:
    """The key of a result evaluated at a commit: its content is fixed by the sha (and where the workspace is)."""
    return cache.digest([_code_digest(), "at", str(root.resolve()), sha, *map(repr, options)])


def load(key: str | None) -> Result | None:
    if key is None:
        return None
    data = cache.read(SECTION, key)
    if data is None:
        return None
    try:
        return from_cache(data)
    except (KeyError, TypeError, ValueError):
        return None


def store(key: str | None, result: Result) -> None:
    if key is not None:
        cache.write(SECTION, key, to_cache(result))
