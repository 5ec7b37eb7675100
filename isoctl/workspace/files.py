"""Which files of a workspace hold records.

Walks the tree once, skipping dot-files and dot-directories (``.git``,
``.github``, ``.gitlab-ci.yml``), the paths the manifest lists under
``ignore:``, and never following a symlink out of the workspace.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from isoctl.workspace.discover import MANIFEST

RECORD_SUFFIXES = (".yaml", ".yml", ".md")


@dataclass(frozen=True)
class Candidate:
    """A file that may hold records, or a path that had to be refused."""

    path: Path
    relative: str  # POSIX, relative to the root
    refused: str | None = None  # why it is not read (a symlink leading outside)


def _ignored(relative: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip().lstrip("./") if pattern.startswith("./") else pattern.strip()
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
