"""The one cache key: everything an answer depends on, and nothing else.

An evaluation depends on isoctl's own code and shipped data, the options
(evaluation date, rule selection, whether history is read), and the state
evaluated: either a commit (fixed by its sha, plus whether the clone is
shallow, since history rules skip on a shallow clone) or the working tree,
where it is every file below the root (record files and ``.gitignore`` by
content, other files by size and modification time, symlinks by target,
directories by name, so an empty evidence folder appearing counts too) and
the git state (HEAD, uncommitted changes, shallowness). Every cached answer
(whole results, timeline points) is keyed through :func:`key`.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from isoctl import __version__
from isoctl.files import cache
from isoctl.files.hashes import ContentHashes

#: Files whose content (not only their presence) can change an answer.
CONTENT_SUFFIXES = (".yaml", ".yml", ".md", ".markdown")
CONTENT_NAMES = frozenset({".gitignore"})


@dataclass(frozen=True)
class Options:
    """How to evaluate: everything besides the files that changes an answer."""

    today: str  # YYYY-MM-DD
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    history: bool = True  # read git history for the rules that need it

    def parts(self) -> list[str]:
        return [self.today, ",".join(sorted(self.select)), ",".join(sorted(self.ignore)), str(self.history)]


@functools.cache
def code_digest() -> str:
    """isoctl's version, source and shipped data: an answer computed by other code is never reused."""
    from isoctl.files.resources import data_dir

    # By size and modification time (a stat each, not a read): an installed or edited
    # file gets a new mtime, and this runs on every warm check (scandir: a third of rglob's time).
    package = Path(__file__).resolve().parents[1]
    parts: list[bytes | str] = [__version__]
    for base, suffix in ((package, ".py"), (data_dir("standards"), ""), (data_dir("templates"), "")):
        found: list[tuple[str, str]] = []
        pending = [""]
        while pending:
            prefix = pending.pop()
            try:
                with os.scandir(base / prefix if prefix else base) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name != "__pycache__":  # compiled from the sources counted here
                                pending.append(f"{prefix}{entry.name}/")
                        elif entry.name.endswith(suffix) and entry.is_file():
                            info = entry.stat()
                            found.append((prefix + entry.name, f"{info.st_size}:{info.st_mtime_ns}"))
            except OSError:
                continue
        for name, stamp in sorted(found):
            parts += [name, stamp]
    return cache.digest(parts)


def key(kind: str, state: Sequence[str], options: Options | None) -> str:
    """The cache key of an answer of ``kind`` about ``state`` under ``options``."""
    # os.fsencode: a workspace path that is not UTF-8 (surrogate escapes) is hashed as the bytes it is
    return cache.digest([code_digest(), kind, *map(os.fsencode, state), *(options.parts() if options else [])])


def commit_state(root: Path, sha: str, shallow: bool) -> list[str]:
    """The state of a workspace as committed: where it is, the commit, and whether history is cut short."""
    return ["commit", str(root.resolve()), sha, str(shallow)]


def tree_state(root: Path, files: str, head: str | None, dirty: bool, shallow: bool) -> list[str]:
    """The state of the working tree below ``root``: its :func:`fingerprint` ``files`` and the git state."""
    return ["tree", str(root.resolve()), files, head or "", str(dirty), str(shallow)]


#: Fingerprints taken with ``remember=True``, each given once to the next ``fingerprint(..., reuse=True)``.
_remembered: dict[Path, str] = {}


def fingerprint(root: Path, *, remember: bool = False, reuse: bool = False) -> str | None:
    """A digest of every entry below ``root`` (``.git`` aside); None when a directory or file cannot be read.

    Only regular files are ever opened: a FIFO named like a record is
    fingerprinted by its type, never read (reading it would block). A record
    file is hashed by its content, read again only when its size, times or
    inode differ from when it was last hashed, or when it changed less than
    :data:`isoctl.files.hashes.RACY_NS` before that (the way git trusts its index).

    ``remember`` keeps the answer for one later call with ``reuse``, which
    takes it instead of walking the tree again. That is for a caller that
    fingerprints the tree once more when it is done and keeps nothing
    unless the two agree (so a change in between is never missed): the
    replay check at the start of a run hands its walk to the evaluation.
    """
    base = Path(root).resolve()
    if reuse and base in _remembered:
        return _remembered.pop(base)
    found = _fingerprint(base)
    if remember and found is not None:
        _remembered[base] = found
    return found


def _fingerprint(base: Path) -> str | None:
    parts: list[bytes | str] = []
    hashes = ContentHashes.of(base)
    hashes.visited.clear()
    hashes.read = 0
    try:
        _walk(base, "", parts, hashes)
    except OSError:
        hashes.save(complete=False)
        return None
    hashes.save(complete=True)
    return cache.digest(parts)


def _walk(base: Path, prefix: str, parts: list[bytes | str], hashes: ContentHashes) -> None:
    """Depth first in name order, with a stack rather than recursion: any depth of folders is fine."""
    pending = [prefix]
    while pending:
        prefix = pending.pop()
        with os.scandir(base / prefix if prefix else base) as it:
            entries = sorted(it, key=lambda e: e.name)
        below: list[str] = []
        for entry in entries:
            if not prefix and entry.name == ".git":
                continue
            relative = prefix + entry.name
            name = os.fsencode(relative)  # a name that is not UTF-8 is hashed as the bytes it is
            info = entry.stat(follow_symlinks=False)
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                parts += ["L", name, os.fsencode(os.readlink(entry.path))]
            elif stat.S_ISDIR(mode):
                parts += ["D", name]
                below.append(relative + "/")
            elif stat.S_ISREG(mode):
                if entry.name.endswith(CONTENT_SUFFIXES) or entry.name in CONTENT_NAMES:
                    parts += ["F", name, hashes.digest(entry.path, relative, info)]
                else:
                    parts += ["S", name, f"{info.st_size}:{info.st_mtime_ns}"]
            else:
                parts += ["O", name, str(stat.S_IFMT(mode))]
        pending.extend(reversed(below))
