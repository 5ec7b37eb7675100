"""The files a migration reads: every record file ``check`` reads, and the manifest, as text and raw records.

A file that does not parse stops the migration before anything is planned:
its references could not be rewritten, and a workspace half on one edition
is what a migration must never leave.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isoctl.actions.migrate.report import Place
from isoctl.errors import TooLarge, WorkspaceError, reason
from isoctl.files import yamlio
from isoctl.workspace import files as workspace_files
from isoctl.workspace.discover import MANIFEST
from isoctl.workspace.read import NotRecords, RawFile, plain_markdown, read


@dataclass
class SourceFile:
    """A record file (or the manifest) as read for planning."""

    relative: str
    path: Path
    data: bytes
    text: str
    raw: RawFile

    @property
    def bom(self) -> bytes:
        return codecs.BOM_UTF8 if self.data.startswith(codecs.BOM_UTF8) else b""


@dataclass
class SourceRecord:
    """One raw record of a file: its position in a sequence (None for a file of one record) and its data."""

    file: SourceFile
    index: int | None
    data: dict[str, Any]

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str | None:
        value = self.data.get("kind")
        return value if isinstance(value, str) else None

    def place(self, *path: str | int) -> Place:
        prefix: tuple[str | int, ...] = (self.index,) if self.index is not None else ()
        try:
            line, _ = self.file.raw.locate((*prefix, *path))
        except (LookupError, TypeError, ValueError):  # a position only serves the report: the file's top will do
            line = 1
        return Place(self.file.relative, line, self.id)


def read_files(root: Path, ignore: list[str], command: str = "migrate") -> list[SourceFile]:
    """Every record file ``check`` would read; a file that does not parse stops ``command`` (exit 2)."""
    problems: list[str] = []
    found: list[SourceFile] = []
    for candidate in workspace_files.walk(root, ignore):
        if candidate.refused is not None or candidate.path is None:
            continue  # a symlink out of the workspace: never read, never written
        if candidate.problem is not None:
            problems.append(f"{candidate.relative}: {candidate.problem}")
            continue
        try:
            data = yamlio.read_bytes(candidate.path)
            text = yamlio.decode(data)
            raw = read(candidate.relative, text)
        except TooLarge as exc:
            if plain_markdown(candidate.relative, functools.partial(yamlio.read_head, candidate.path)):
                continue  # a long handbook without front matter: no record, as check reads it
            problems.append(f"{candidate.relative}: {exc.message}")
            continue
        except yamlio.YamlProblem as exc:
            problems.append(f"{candidate.relative}:{exc.line}:{exc.column}: {exc.message}")
            continue
        except NotRecords:
            continue  # holds no records, so no references; check reports it
        except OSError as exc:
            problems.append(f"{candidate.relative}: {reason(exc)}")
            continue
        if raw is not None:
            found.append(SourceFile(candidate.relative, candidate.path, data, text, raw))
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise WorkspaceError(f"cannot {command}: {len(problems)} file(s) cannot be read: {shown}",
                             hint=f"fix them first ('isoctl check' shows each problem), then run {command} again; "
                                  "nothing was changed")
    return found


def read_manifest(root: Path, command: str = "migrate") -> SourceFile:
    """The manifest; through a symlink, the file it names (which must be inside the workspace)."""
    from isoctl.actions.writes import inside_workspace

    path = inside_workspace(root, MANIFEST)
    if path is None:
        raise WorkspaceError(f"{MANIFEST} leads outside the workspace; {command} writes only inside it, nothing was changed")
    try:
        data = yamlio.read_bytes(path)
        text = yamlio.decode(data)
        raw = read(MANIFEST, text)
    except (yamlio.YamlProblem, NotRecords) as exc:
        raise WorkspaceError(f"{MANIFEST}: {exc}; nothing was changed") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read {MANIFEST}: {reason(exc)}; nothing was changed") from None
    if raw is None or not raw.records or not isinstance(raw.records[0], dict):
        raise WorkspaceError(f"{MANIFEST}: expected a mapping; nothing was changed")
    return SourceFile(MANIFEST, path, data, text, raw)


def records_of(files: list[SourceFile]) -> list[SourceRecord]:
    return [
        SourceRecord(file, n if file.raw.sequence else None, data)
        for file in files
        for n, data in enumerate(file.raw.records)
        if isinstance(data, dict)
    ]
