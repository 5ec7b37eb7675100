"""The commit list of a history, kept in the user cache: the same history is not asked of git and decoded twice.

A commit's history is fixed by its sha, so ``git log`` up to a sha gives the
same answer every time, unless the repository's view of history itself
changes: a shallow clone that fetches more (``shallow``), grafts
(``info/grafts``), replacement objects (``refs/replace``), or the
environment variables that point git at other ones. The key covers all of
these, the workspace's place in the repository, and the code that reads git's
output; anything else is a miss. Entries are signed JSON like every entry of
the user cache (:mod:`isoctl.files.cache`), and one whose shape is not exactly
what :func:`store` writes is a miss too.

Beside each history, the commit of the last one kept is kept too (its
:attr:`Keys.tip`), so that a history that continues it (after a new
commit) is that one and what git says of the commits since
(:func:`isoctl.history.revisions.log`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from isoctl import __version__
from isoctl.files import cache
from isoctl.history import decode
from isoctl.history.decode import Change, CommitInfo

SECTION = "logs"
#: The environment variables with which git reads another history for the same commits.
_ENVIRONMENT = ("GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_GRAFT_FILE", "GIT_SHALLOW_FILE", "GIT_DIR",
                "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES")
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class Keys:
    """The keys of the histories of one workspace: what they depend on but the commit is read once."""

    def __init__(self, parts: list[bytes | str] | None) -> None:
        self._parts = parts

    @classmethod
    def of(cls, top: Path, common: Path, prefix: bytes, log_format: str) -> Keys:
        """The keys of the workspace at ``prefix`` of the repository at ``top`` (git directory ``common``); keys of
        nothing (every key None) when caching is off or the repository's files cannot be read."""
        if cache.cache_dir() is None:
            return cls(None)
        parts: list[bytes | str] = ["git log 2", __version__, Path(decode.__file__).read_bytes(), log_format,
                                    os.fsencode(top), prefix]
        parts += [f"{name}={os.environ.get(name, '')}" for name in _ENVIRONMENT]
        try:
            for name in ("shallow", "info/grafts"):
                parts += [name, _plain(common / name)]
            parts += [line for line in _plain(common / "packed-refs").splitlines() if b"refs/replace/" in line]
            replace = common / "refs" / "replace"
            for folder, _, files in sorted(os.walk(replace)):  # links to folders are not followed
                for name in sorted(files):
                    path = Path(folder) / name
                    parts += [os.fsencode(path.relative_to(replace)), _plain(path)]
        except OSError:  # a repository laid out oddly (a link, a FIFO, a huge file where git keeps these): no cache
            return cls(None)
        return cls(parts)

    def history(self, until: str) -> str | None:
        """The key of ``git log`` up to the commit ``until``; None when it cannot be cached (not a full sha,
        caching off, or the repository's files cannot be read)."""
        if self._parts is None or not _FULL_SHA.fullmatch(until):
            return None
        return cache.digest([*self._parts, "until", until])

    @property
    def tip(self) -> str | None:
        """The key under which the commit of the last history kept for this workspace is kept (see :func:`tip`)."""
        return None if self._parts is None else cache.digest([*self._parts, "tip"])


#: Larger than any shallow list, graft file or packed refs of a sane repository.
_MAX_BYTES = 64 * 1024 * 1024


def _plain(path: Path) -> bytes:
    """The bytes of a regular file of the git directory, ``b"-"`` when there is none; OSError for anything else
    (opened without following a link or blocking on a FIFO: :func:`isoctl.files.cache.open_plain`)."""
    try:
        return cache.read_plain(path, _MAX_BYTES)
    except FileNotFoundError:
        return b"-"


def load(entry_key: str | None) -> list[CommitInfo] | None:
    """The commits stored under ``entry_key``, or None (absent, or not exactly of the shape :func:`store` writes)."""
    if entry_key is None:
        return None
    data = cache.read(SECTION, entry_key)
    if not isinstance(data, list):
        return None
    try:
        return [_commit(item) for item in data]
    except (TypeError, ValueError, IndexError):
        return None


def tip(entry_key: str | None) -> str | None:
    """The commit of the last history kept under :attr:`Keys.tip`, if one is."""
    found = cache.read(SECTION, entry_key) if entry_key is not None else None
    return found if isinstance(found, str) and _FULL_SHA.fullmatch(found) else None


def store(keys: Keys, until: str, commits: Sequence[CommitInfo]) -> None:
    """Keep the history up to ``until`` (a full sha), and that commit as the last one kept for the workspace."""
    entry_key, tip_key = keys.history(until), keys.tip
    if entry_key is None or tip_key is None:
        return
    cache.write_many(SECTION, {entry_key: cache.dumps([
        [c.sha, list(c.parents), c.author, c.email, c.authored.isoformat(), c.committed.isoformat(), c.subject,
         [[x.status, x.path, x.old_blob, x.new_blob, x.new_mode] for x in c.changes], c.clamped]
        for c in commits
    ]), tip_key: cache.dumps(until)})


def _commit(item: Any) -> CommitInfo:
    if not isinstance(item, list):
        raise TypeError("not a commit")
    sha, parents, author, email, authored, committed, subject, changes, clamped = item
    texts = (sha, author, email, authored, committed, subject)
    if not (all(isinstance(t, str) for t in texts) and isinstance(parents, list) and isinstance(changes, list)
            and all(isinstance(p, str) for p in parents) and isinstance(clamped, bool)):
        raise TypeError("not a commit")
    return CommitInfo(sha, tuple(parents), author, email, _when(authored), _when(committed), subject,
                      tuple(_change(change) for change in changes), clamped=clamped)


def _when(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("a commit date has an offset")
    return when


def _change(item: Any) -> Change:
    if not isinstance(item, list):
        raise TypeError("not a change")
    status, path, old_blob, new_blob, new_mode = item
    if not all(isinstance(field, str) for field in item):
        raise TypeError("not a change")
    return Change(status, path, old_blob, new_blob, new_mode)
