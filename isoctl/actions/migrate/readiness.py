"""Readiness and findings before and after a migration, by the evaluation ``check`` and ``gap`` use.

*Before* is the working tree, evaluated as :func:`isoctl.core.evaluate.evaluate`
does. *After* is the same evaluation of the working tree as the migration
would leave it, computed before anything is written (so ``--dry-run`` and a
real run print the same report): the workspace is loaded from a
:class:`Migrated` view, which serves the planned bytes for the files the
migration writes and the disk's bytes for every other file, through the
same interface a commit's tree is loaded by. The rules that read git
history are left out on both sides: a migration changes no history.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from isoctl.actions.migrate.report import FindingCounts, Readiness
from isoctl.catalog.catalogs import Catalogs
from isoctl.files import yamlio
from isoctl.files.hashes import blob_id
from isoctl.model.result import Result
from isoctl.workspace.discover import MANIFEST
from isoctl.workspace.files import RECORD_SUFFIXES

if TYPE_CHECKING:
    from isoctl.actions.migrate.transaction import FileWrite


@dataclass(frozen=True)
class Entry:
    """A file of the migrated view (the shape of a committed tree's entry)."""

    mode: str
    blob: str
    size: int


class Migrated:
    """The working tree with the migration's new bytes in place: what a commit of the result would hold.

    Files that can hold records (and the manifest) are read now and named by
    their git blob id, so the record cache serves unchanged ones; any other
    file is listed (evidence paths must find it) and read only if asked.
    Dot-files and dot-directories are left out, as every walk of a
    workspace leaves them out.
    """

    commit = "(migrated)"

    def __init__(self, root: Path, writes: list[FileWrite]) -> None:
        self.root = root
        planned = {write.relative: write.new for write in writes}
        self._blobs: dict[str, bytes] = {}
        self._paths: dict[str, Path] = {}
        self.files: dict[str, Entry] = {}
        pending = [(root, "")]
        while pending:
            here, prefix = pending.pop()
            try:
                with os.scandir(here) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue  # the loader met it before and reports it; nothing of it can be evidence

            for entry in entries:
                if entry.name.startswith("."):
                    continue
                relative = prefix + entry.name
                if entry.is_symlink():
                    key = f"link:{relative}"
                    self._blobs[key] = os.fsencode(os.readlink(entry.path))
                    self.files[relative] = Entry("120000", key, len(self._blobs[key]))
                elif entry.is_dir():
                    pending.append((Path(entry.path), relative + "/"))
                elif entry.is_file():
                    self._add(relative, Path(entry.path), planned.pop(relative, None))
        for relative, data in planned.items():  # files the migration creates
            self._add(relative, root / relative, data)

    def _add(self, relative: str, path: Path, data: bytes | None) -> None:
        if data is None and (relative == MANIFEST or relative.endswith(RECORD_SUFFIXES)):
            try:
                data = yamlio.read_bytes(path)
            except (OSError, yamlio.YamlProblem):
                data = None  # read again, and reported, by the loader
        if data is None:
            key = f"file:{relative}"
            self._paths[key] = path
            self.files[relative] = Entry("100644", key, _size(path))
            return
        key = blob_id(data)
        self._blobs[key] = data
        self.files[relative] = Entry("100644", key, len(data))

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The bytes of a file of the view, by the id :attr:`files` gives it (TooLarge past ``max_bytes``)."""
        if blob in self._blobs:
            data = self._blobs[blob]
            if max_bytes is not None:
                yamlio.check_size(len(data), max_bytes=max_bytes)
            return data
        return yamlio.read_bytes(self._paths[blob], max_bytes=max_bytes if max_bytes is not None else yamlio.MAX_BYTES)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def evaluate_before(root: Path, today: dt.date) -> Result:
    """The working tree as ``isoctl gap`` evaluates it (history rules aside)."""
    from isoctl.core.evaluate import evaluate

    return evaluate(root, today=today, history=False)


def evaluate_after(root: Path, writes: list[FileWrite], today: dt.date) -> Result:
    """The working tree as it would be once ``writes`` are made, evaluated the same way."""
    from isoctl.core import keys
    from isoctl.core.history_policy import analyse_workspace
    from isoctl.workspace.load import load_workspace

    workspace = load_workspace(root, snapshot=Migrated(root, writes), save=False)
    options = keys.Options(today.isoformat(), (), (), False)
    return analyse_workspace(workspace, today, options, commit=None, commits=lambda: None, shallow=lambda: False)


def counts(result: Result) -> FindingCounts:
    severities = result.counts()
    unknown = sum(1 for f in result.findings if f.rule == "unknown-clause")
    return FindingCounts(severities.get("error", 0), severities.get("warning", 0), severities.get("info", 0), unknown)


def compare(before: Result, after: Result, catalogs: Catalogs) -> list[Readiness]:
    """Readiness per standard family in scope on either side, in the order of the manifest."""
    def by_family(result: Result) -> dict[str, tuple[str, float, dict[str, int]]]:
        found = {}
        for item in result.coverage:
            edition = catalogs.editions.get(item.standard)
            family = edition.family if edition is not None else item.standard
            counted = {"clauses": item.clauses, "covered": item.covered, "partial": item.partial,
                       "missing": item.missing, "excluded": item.excluded}
            found[family] = (item.standard, item.readiness, counted)
        return found

    old, new = by_family(before), by_family(after)
    rows = []
    for family in dict.fromkeys([*old, *new]):
        was, now = old.get(family), new.get(family)
        rows.append(Readiness(family, was[0] if was else None, now[0] if now else None, was[1] if was else None,
                              now[1] if now else None, was[2] if was else None, now[2] if now else None))
    return rows
