"""A small cache of derived data, kept outside the workspace, in JSON only.

JSON cannot execute code, so a cache file planted by someone else can at worst
be wrong, and wrong entries are caught: readers validate what they load and a
file that fails to parse is ignored (and later overwritten). Writes are atomic.
Set ``ISOCTL_CACHE_DIR`` to move the cache, or ``ISOCTL_NO_CACHE=1`` to bypass it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from isoctl.files.atomic import write_atomically


def cache_dir() -> Path | None:
    """The per-user cache directory for isoctl, or None when caching is off."""
    if os.environ.get("ISOCTL_NO_CACHE"):
        return None
    override = os.environ.get("ISOCTL_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":  # pragma: no cover - platform specific
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "isoctl" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - platform specific
        return Path.home() / "Library" / "Caches" / "isoctl"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "isoctl"


def digest(parts: Iterable[bytes | str]) -> str:
    """A stable key for a set of inputs."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def read(section: str, key: str) -> Any | None:
    """The cached JSON value, or None when absent, unreadable or corrupt.

    Each entry carries its key and a digest of its body; an entry whose body
    was truncated or altered no longer matches and is treated as absent.
    """
    base = cache_dir()
    if base is None:
        return None
    return read_entry(base / section / f"{key}.json", key)


def read_entry(path: Path, key: str) -> Any | None:
    """The body of one cache entry file if it was written for ``key`` and is intact, else None."""
    try:
        entry = json.loads(path.read_bytes())
        body = entry["body"]
        if entry["key"] != key or entry["digest"] != digest([_dumps(body)]):
            return None
        return body
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def write(section: str, key: str, value: Any) -> None:
    """Store a JSON value atomically; failures (read-only home, full disk) are ignored."""
    base = cache_dir()
    if base is None:
        return
    try:
        write_entry(base / section / f"{key}.json", key, value)
    except OSError:
        return


def write_entry(path: Path, key: str, value: Any) -> None:
    """Write one cache entry file atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.loads(_dumps(value))  # what a reader will see, so the digest matches
    entry = {"key": key, "digest": digest([_dumps(body)]), "body": body}
    write_atomically(path, _dumps(entry).encode(), mode=0o600, sync=False)
