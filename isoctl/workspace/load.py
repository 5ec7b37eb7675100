"""Loading a workspace: the manifest, the catalogs it needs, and every record, validated and located.

Problems inside files are findings (``parse-error``, ``schema-error``,
``path-outside-workspace``), collected completely; only a workspace that
cannot be evaluated at all (no manifest, a manifest that is not YAML, an
unknown format version, a broken catalog) raises and stops the run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from isoctl import yamlio
from isoctl.analysis.result import Finding
from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.schema import Edition
from isoctl.errors import Location, UsageError, WorkspaceError
from isoctl.located import field_names, problems_from
from isoctl.model.manifest import Manifest
from isoctl.model.records import KINDS, Record, RecordBase
from isoctl.workspace import files as workspace_files
from isoctl.workspace.discover import MANIFEST, find_root, inside
from isoctl.workspace.read import NotRecords, RawFile, read

Loc = tuple[str | int, ...]
_RECORDS = TypeAdapter(list[Record])
_RECORD = TypeAdapter(Record)


@dataclass
class LoadedRecord:
    """A valid record and where it came from."""

    model: RecordBase
    file: RawFile
    index: int | None  # position in a sequence file, else None

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def kind(self) -> str:
        return self.model.kind  # type: ignore[attr-defined, no-any-return]

    def locate(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        """(path, line, column) of a field of this record (the record itself with no ``loc``)."""
        prefix: Loc = (self.index,) if self.index is not None else ()
        line, column = self.file.locate((*prefix, *loc), key=key)
        return self.file.relative, line, column


@dataclass
class Workspace:
    """A loaded workspace: everything the analysis needs, nothing it has to read again."""

    root: Path
    manifest: Manifest
    manifest_file: RawFile
    catalogs: Catalogs
    editions: list[Edition]
    records: list[LoadedRecord]
    files: int
    findings: list[Finding] = field(default_factory=list)

    def manifest_location(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        line, column = self.manifest_file.locate(loc, key=key)
        return MANIFEST, line, column


def find_workspace(path: Path | None) -> Path:
    """The root above ``path`` (default: the current directory); WorkspaceError when there is none."""
    start = (path or Path.cwd()).resolve()
    if path is not None and not start.exists():
        raise WorkspaceError(f"no such file or directory: {path}")
    root = find_root(start if start.is_dir() else start.parent)
    if root is None:
        raise WorkspaceError(
            f"no {MANIFEST} found in {path or '.'} or any directory above it",
            hint="run 'isoctl init PATH' to create a workspace, or pass the path of one",
        )
    return root


def _finding(rule: str, message: str, path: str, line: int = 1, column: int = 1, **extra: Any) -> Finding:
    severity = "error"
    return Finding(rule, severity, message, path, line, column, extra.get("clause"), extra.get("record"))


def load_manifest(root: Path) -> tuple[Manifest, RawFile, list[Finding]]:
    """Read and validate ``isoctl.yaml``; schema problems are findings, an unusable file raises."""
    try:
        text = yamlio.read_text(root / MANIFEST)
        data = yamlio.parse(text)
    except yamlio.YamlProblem as exc:
        raise WorkspaceError(f"{Location(MANIFEST, exc.line, exc.column)}: {exc.message}") from None
    raw = RawFile(MANIFEST, text, text, records=[data])
    if not isinstance(data, dict):
        raise WorkspaceError(f"{MANIFEST}:1:1: expected a mapping with isoctl: 1, organization, standards")
    version = data.get("isoctl")
    if version != 1:
        line, column = raw.locate(("isoctl",)) if "isoctl" in data else (1, 1)
        shown = "missing" if version is None else repr(version)
        raise WorkspaceError(
            f"{Location(MANIFEST, line, column)}: workspace format version {shown} is not supported; this isoctl reads format 1",
            hint="start the manifest with 'isoctl: 1'" if version is None else "upgrade isoctl to read newer workspaces",
        )
    try:
        return Manifest.model_validate(data), raw, []
    except ValidationError as exc:
        problems = problems_from(exc, path=MANIFEST, root=None, known_fields=field_names(Manifest))
        findings = []
        for problem, error in zip(problems, exc.errors(include_url=False), strict=True):
            line, column = raw.locate(tuple(error["loc"]), key=error["type"] == "extra_forbidden")
            findings.append(_finding("schema-error", problem.message, MANIFEST, line, column))
        return _salvage(data, exc), raw, findings


def _salvage(data: dict[str, Any], exc: ValidationError) -> Manifest:
    """The manifest without its invalid parts, so the rest of the workspace can still be checked."""
    cleaned = dict(data)
    bad_items: dict[str, set[int]] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        if not loc:
            continue
        if len(loc) > 1 and isinstance(loc[1], int) and isinstance(cleaned.get(str(loc[0])), list):
            bad_items.setdefault(str(loc[0]), set()).add(loc[1])
        else:
            cleaned.pop(str(loc[0]), None)
    for key, indexes in bad_items.items():
        if key in cleaned:
            cleaned[key] = [item for i, item in enumerate(cleaned[key]) if i not in indexes]
    cleaned.setdefault("organization", {"name": "(unnamed organization)"})
    cleaned.setdefault("standards", [])
    try:
        return Manifest.model_validate(cleaned)
    except ValidationError:
        return Manifest.model_construct(isoctl=1, organization=cleaned["organization"], standards=[])


def _scope(manifest: Manifest, catalogs: Catalogs, raw: RawFile) -> tuple[list[Edition], list[Finding]]:
    editions: list[Edition] = []
    findings: list[Finding] = []
    for index, name in enumerate(manifest.standards):
        line, column = raw.locate(("standards", index))
        if ":" not in name and "-" not in name:
            message = f"standards: name the edition, e.g. {catalogs.latest(name).display if catalogs.latest(name) else 'iso9001:2015'}"
            findings.append(_finding("schema-error", message, MANIFEST, line, column))
            continue
        try:
            edition = catalogs.edition(name)
        except UsageError as exc:
            findings.append(_finding("schema-error", f"standards: {exc.message}; {exc.hint}", MANIFEST, line, column))
            continue
        if edition.id == "hs":
            findings.append(_finding("schema-error", "standards: the harmonized structure is not a standard to certify against", MANIFEST, line, column))
        elif edition not in editions:
            editions.append(edition)
    return editions, findings


def load_workspace(path: Path | None = None, *, extra_catalogs: Sequence[Path] = ()) -> Workspace:
    """Load the workspace at or above ``path``: manifest, catalogs in scope, and every record."""
    root = find_workspace(path)
    manifest, raw_manifest, findings = load_manifest(root)
    catalog_dirs = list(extra_catalogs)
    for index, entry in enumerate(manifest.catalogs):
        resolved = inside(root, entry)
        if resolved is None:
            line, column = raw_manifest.locate(("catalogs", index))
            raise WorkspaceError(f"{Location(MANIFEST, line, column)}: catalogs: '{entry}' is outside the workspace")
        catalog_dirs.append(resolved)
    catalogs = Catalogs.load(catalog_dirs, base=root)
    editions, scope_findings = _scope(manifest, catalogs, raw_manifest)
    findings += scope_findings

    records: list[LoadedRecord] = []
    count = 0
    ignore = list(manifest.ignore) + [os.path.relpath(d, root) + "/" for d in catalog_dirs if inside(root, str(d))]
    for candidate in workspace_files.walk(root, ignore):
        if candidate.refused:
            findings.append(_finding("path-outside-workspace", candidate.refused, candidate.relative))
            continue
        loaded, problems = _read_file(candidate.path, candidate.relative)
        findings += problems
        if loaded is not None:
            count += 1
            records += loaded
    return Workspace(root, manifest, raw_manifest, catalogs, editions, records, count, findings)


def _read_file(path: Path, relative: str) -> tuple[list[LoadedRecord] | None, list[Finding]]:
    try:
        raw = read(relative, yamlio.read_text(path))
    except yamlio.YamlProblem as exc:
        return [], [_finding("parse-error", exc.message, relative, exc.line, exc.column)]
    except NotRecords as exc:
        return [], [_finding("schema-error", str(exc), relative)]
    if raw is None:
        return None, []
    items = raw.records
    if raw.body is not None and isinstance(items[0], dict) and "body" not in items[0]:
        items = [{**items[0], "body": raw.body}]
    try:
        models = _RECORDS.validate_python(items)
        return [LoadedRecord(m, raw, i if raw.sequence else None) for i, m in enumerate(models)], []
    except ValidationError:
        pass
    loaded: list[LoadedRecord] = []
    findings: list[Finding] = []
    for index, item in enumerate(items):
        position = index if raw.sequence else None
        try:
            loaded.append(LoadedRecord(_RECORD.validate_python(item), raw, position))
        except ValidationError as exc:
            findings += _schema_findings(exc, raw, item, position)
    return loaded, findings


def _schema_findings(exc: ValidationError, raw: RawFile, item: Any, position: int | None) -> list[Finding]:
    prefix: Loc = (position,) if position is not None else ()
    kind = item.get("kind") if isinstance(item, dict) else None
    record_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
    known = field_names(KINDS[kind]) if isinstance(kind, str) and kind in KINDS else None
    findings = []
    for problem, error in zip(problems_from(exc, path=raw.relative, root=None, strip=1 if kind in KINDS else 0, known_fields=known),
                              exc.errors(include_url=False), strict=True):
        loc = tuple(error["loc"])[1:] if kind in KINDS else tuple(error["loc"])
        if error["type"] == "union_tag_invalid":
            loc = ("kind",)
        line, column = raw.locate((*prefix, *loc), key=error["type"] == "extra_forbidden")
        findings.append(_finding("schema-error", problem.message, raw.relative, line, column, record=record_id))
    return findings
