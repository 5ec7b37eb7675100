"""Which files of a workspace hold records.

Walks the tree once, skipping dot-files and dot-directories (``.git``,
``.github``, ``.gitlab-ci.yml``), the paths the manifest lists under
``ignore:``, and never following a symlink out of the workspace.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from isoctl.errors import reason
from isoctl.workspace.discover import MANIFEST

RECORD_SUFFIXES = (".yaml", ".yml", ".md")


@dataclass(frozen=True)
class Candidate:
    """A file that may hold records, or a path that had to be refused."""

    path: Path | None  # on disk; None for a file read from a git tree
    relative: str  # POSIX, relative to the root
    refused: str | None = None  # why it is not read (a symlink leading outside)
    blob: str | None = None  # the git blob of a file read from a tree
    size: int = 0
    problem: str | None = None  # why it could not be read (an unreadable folder, a symlink loop): a parse-error


class TreeFile(Protocol):
    """What walking a committed tree needs to know of a file (isoctl.history.trees.TreeEntry)."""

    @property
    def mode(self) -> str: ...

    @property
    def blob(self) -> str: ...

    @property
    def size(self) -> int: ...


def wanted(relative: str, ignore: Sequence[str]) -> bool:
    """Whether a file path can hold records: not a dot-file, not under a dot-directory, not ignored."""
    return _wanted(relative, tuple(ignore))


# Remembered: a history asks this of the same few hundred paths for every commit that changes them.
@functools.lru_cache(maxsize=1 << 16)
def _wanted(relative: str, ignore: tuple[str, ...]) -> bool:
    parts = relative.split("/")
    return (
        not any(part.startswith(".") for part in parts)
        and relative.endswith(RECORD_SUFFIXES)
        and relative != MANIFEST
        and not ignored(relative, ignore)
    )


def walk_tree(
    files: Mapping[str, TreeFile], ignore: Sequence[str], read_link: Callable[[str], bytes], links: set[str] | None = None
) -> Iterator[Candidate]:
    """The candidates of a committed tree, with the same rules as :func:`walk` on a directory."""
    for relative in sorted(files):
        entry = files[relative]
        if not wanted(relative, ignore):
            continue
        if entry.mode == "120000":
            if links is not None:
                links.add(relative)
            where, target = _follow_committed(relative, files, read_link)
            if where == "outside":
                yield Candidate(None, relative, refused=f"symlink to a file outside the workspace ({target})")
            elif where == "loop":
                yield Candidate(None, relative, problem="symlink loop: the link leads back to itself")
            continue  # a link inside the workspace names a file that is read in its own right
        yield Candidate(None, relative, blob=entry.blob, size=entry.size)


#: How many links in a row a path may go through, as the kernel allows (ELOOP beyond).
_MAX_LINKS = 40


def _follow_committed(relative: str, files: Mapping[str, TreeFile], read_link: Callable[[str], bytes]) -> tuple[str, str]:
    """Where a committed symlink leads, link after link, as the working tree would resolve it once checked out:
    ``("inside" | "outside" | "loop", the first link's target)``."""
    first = ""
    here = relative
    for _ in range(_MAX_LINKS):
        target = read_link(files[here].blob).decode("utf-8", "replace")
        first = first or target
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(here), target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            return "outside", first
        entry = files.get(resolved)
        if entry is None or entry.mode != "120000":
            return "inside", first
        here = resolved
    return "loop", first


def skipped(ignore: Sequence[str], catalogs: Sequence[str]) -> list[str]:
    """The paths no record is read from: what the manifest ignores, and the catalog directories it names."""
    return [*ignore, *(entry.rstrip("/") + "/" for entry in catalogs)]


def ignored(relative: str, patterns: Sequence[str]) -> bool:
    """Whether the manifest's ``ignore`` patterns cover ``relative`` (a folder ends in ``/``)."""
    for pattern in patterns:
        pattern = pattern.strip().removeprefix("./")
        if not pattern:
            continue
        if pattern.endswith("/"):
            if relative.startswith(pattern) or fnmatch.fnmatch(relative + "/", pattern + "*"):
                return True
        elif relative == pattern or relative.startswith(pattern + "/") or fnmatch.fnmatch(relative, pattern):
            return True
    return False


def walk(root: Path, ignore: Sequence[str] = (), links: set[str] | None = None) -> Iterator[Candidate]:
    """Every record-file candidate below ``root`` in a stable (sorted) order.

    Relative paths of the symlinks met on the way are added to ``links``, so
    later path checks know where a lexical look is not enough. A directory
    that cannot be listed, or a symlink that loops, is a candidate with a
    ``problem`` (a finding later), never a file silently missing. The walk
    keeps its own stack: a tree thousands of folders deep is no deeper for
    Python's call stack.
    """
    root = root.resolve()
    pending: list[tuple[Path, str]] = [(root, "")]
    while pending:
        here, prefix = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            shown = printable(prefix.rstrip("/")) or "."
            yield Candidate(None, shown, problem=f"cannot read directory: {reason(exc)}")
            continue
        below: list[tuple[Path, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            relative = prefix + name
            shown = printable(relative)
            full = here / name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:  # an entry that cannot even be looked at
                if name.endswith(RECORD_SUFFIXES) and not ignored(shown, ignore):
                    yield Candidate(None, shown, problem=f"cannot read file: {reason(exc)}")
                continue
            if is_dir:
                if not (ignored(shown + "/", ignore) or ignored(shown, ignore)):
                    below.append((full, relative + "/"))
                continue
            if is_link and _points_to_directory(full):
                if not (ignored(shown + "/", ignore) or ignored(shown, ignore)):
                    refused = _link(root, full, shown, "directory", links)
                    if refused is not None:
                        yield refused
                continue  # a link inside the workspace would only list the same files twice
            if not name.endswith(RECORD_SUFFIXES) or relative == MANIFEST or ignored(shown, ignore):
                continue
            if is_link:
                refused = _link(root, full, shown, "file", links)
                if refused is not None:
                    yield refused
                # A link to a file inside the workspace is not read a second time: its target is read
                # in its own right (or deliberately not, when ignored). Reading it here too made every
                # record in it a duplicate id in `check` but not in `check --at`, where git stores only
                # the link; both now give the same answer.
                continue
            yield Candidate(full, shown)
        pending.extend(reversed(below))


def printable(relative: str) -> str:
    """A path as it can be shown in every output format: bytes that are not UTF-8 backslash-escaped.

    A file name that is not valid UTF-8 comes out of the file system with
    surrogate escapes, which no encoder (JSON, SARIF, a UTF-8 terminal)
    accepts; ``caf\\xe9.yaml`` is stable and printable.
    """
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(relative).decode("utf-8", "backslashreplace")
    return relative


#: A byte :func:`printable` escaped (``\\xe9``).
ESCAPED_BYTE = re.compile(r"\\x([0-9a-f]{2})")


def on_disk(relative: str) -> str:
    """The file-system name of a path :func:`printable` may have escaped: ``caf\\xe9.yaml`` back to its bytes.

    Commands that go back to a file they listed (``action show``, ``action
    update``) need the name the file system knows, not the one shown.
    """
    if "\\x" not in relative:
        return relative
    raw = ESCAPED_BYTE.sub(lambda match: chr(0xDC00 + int(match[1], 16)) if int(match[1], 16) >= 0x80 else match[0],
                            relative)
    return raw


def _points_to_directory(full: Path) -> bool:
    try:
        return full.is_dir()
    except OSError:  # a loop, or a path too long: not a directory that could be listed
        return False


def _link(root: Path, full: Path, relative: str, what: str, links: set[str] | None) -> Candidate | None:
    """Note a symlink; a candidate that is refused (it leads outside) or has a problem (it loops)."""
    if links is not None:
        links.add(relative)
    try:
        target = Path(os.path.realpath(full, strict=True))
    except FileNotFoundError:
        target = Path(os.path.realpath(full))  # dangling: refused if it points out, else nothing to read
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            return Candidate(None, relative, problem="symlink loop: the link leads back to itself")
        return Candidate(None, relative, problem=f"cannot follow the symlink: {reason(exc)}")
    if target == root or root in target.parents:
        return None
    try:
        shown = printable(os.readlink(full))
    except OSError:
        shown = "?"
    return Candidate(full, relative, refused=f"symlink to a {what} outside the workspace ({shown})")
