"""A workspace exactly as committed: the files of a commit's tree below the workspace, with their blobs read on
demand (:func:`snapshot`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from isoctl.errors import WorkspaceError
from isoctl.history import decode, git, revisions
from isoctl.history.catfile import BlobReader


@dataclass(frozen=True)
class TreeEntry:
    """One file of a committed tree: its mode (``120000`` is a symlink), blob id and size."""

    mode: str
    blob: str
    size: int


@dataclass
class Snapshot:
    """A workspace exactly as committed: its files (relative to the workspace root) and their blobs.

    Blobs are read through one persistent ``git cat-file`` process; call
    :meth:`close` (or use ``with``) so that process does not outlive the run.
    """

    commit: str
    committed: dt.datetime
    files: dict[str, TreeEntry]
    reader: BlobReader = field(repr=False)

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The bytes of a blob (see :meth:`BlobReader.read` for ``max_bytes``)."""
        return self.reader.read(blob, max_bytes)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def snapshot(root: Path, rev: str) -> Snapshot:
    """The workspace at ``root`` as it was at revision ``rev`` (one ``git ls-tree``, blobs read on demand)."""
    sha = revisions.commit_of(root, rev)
    prefix = git.prefix(root)
    listing = git.run(root, "ls-tree", "-r", "-z", "--long", "--full-tree", sha, "--", git.pathspec(prefix))
    files: dict[str, TreeEntry] = {}
    for item in listing.split(b"\0"):
        meta, tab, raw = item.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4 or fields[1] != b"blob" or not raw.startswith(prefix) or not decode.safe_path(raw):
            continue
        mode, _, blob, size = (f.decode("ascii", "replace") for f in fields)
        files[decode.path(raw[len(prefix):])] = TreeEntry(mode, blob, int(size) if size.isdigit() else 0)
    if prefix and "isoctl.yaml" not in files:
        # a workspace in a folder of a bigger repository is often younger than the repository
        where = decode.path(prefix)
        state = "has no isoctl.yaml" if files else "does not exist"
        raise WorkspaceError(f"{where} {state} in commit {sha[:12]}: the workspace is younger than that revision",
                             hint=f"choose a later revision; 'git log --oneline -- {where}' lists the commits that "
                                  "changed the workspace")
    committed, _ = revisions.commit_date(root, sha)
    return Snapshot(sha, committed, files, BlobReader(root))
