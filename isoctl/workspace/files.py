"""Which files of a workspace hold records.

Walks the tree once, skipping dot-files and dot-directories (``.git``,
``.github``, ``.gitlab-ci.yml``), the paths the manifest lists under
``ignore:``, and never following a symlink out of the workspace.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class TreeFile(Protocol):
    """What walking a committed tree needs to know of a file (isoctl.history.git.TreeEntry)."""

    @property
    def mode(self) -> str: ...

    @property
    def blob(self) -> str: ...

    @property
    def size(self) -> int: ...


def wanted(relative: str, ignore: Sequence[str]) -> bool:
    """Whether a file path can hold records: not a dot-file, not under a dot-directory, not ignored."""
    parts = relative.split("/")
    return (
        not any(part.startswith(".") for part in parts)
        and relative.endswith(RECORD_SUFFIXES)
        and relative != MANIFEST
        and not _ignored(relative, ignore)
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
            target = read_link(entry.blob).decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relative), target))
            if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                yield Candidate(None, relative, refused=f"symlink to a file outside the workspace ({target})")
            continue  # a link inside the workspace names a file that is read in its own right
        yield Candidate(None, relative, blob=entry.blob, size=entry.size)


def _ignored(relative: str, patterns: Sequence[str]) -> bool:
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
    later path checks know where a lexical look is not enough.
    """
    root = root.resolve()
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(directory)
        rel_dir = here.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for name in sorted(dirnames):
            relative = prefix + name
            if name.startswith(".") or _ignored(relative + "/", ignore) or _ignored(relative, ignore):
                continue
            full = here / name
            if full.is_symlink():
                refused = _link(root, full, relative, "directory", links)
                if refused is not None:
                    yield refused
                continue  # a link inside the workspace would only list the same files twice
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            relative = prefix + name
            if name.startswith(".") or not name.endswith(RECORD_SUFFIXES) or relative == MANIFEST:
                continue
            if _ignored(relative, ignore):
                continue
            full = here / name
            refused = _link(root, full, relative, "file", links) if full.is_symlink() else None
            yield refused or Candidate(full, relative)


def _link(root: Path, full: Path, relative: str, what: str, links: set[str] | None) -> Candidate | None:
    """Note a symlink; a refused candidate when it leads outside the workspace."""
    if links is not None:
        links.add(relative)
    target = full.resolve()
    if target == root or root in target.parents:
        return None
    return Candidate(full, relative, refused=f"symlink to a {what} outside the workspace ({os.readlink(full)})")
