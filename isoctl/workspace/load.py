"""Loading a workspace: the manifest, the catalogs it needs, and every record, validated and located.

Problems inside files are findings (``parse-error``, ``schema-error``,
``path-outside-workspace``), collected completely; only a workspace that
cannot be evaluated at all (no manifest, a manifest that is not YAML, an
unknown format version, a broken catalog) raises and stops the run.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.schema import Edition
from isoctl.errors import Location, UsageError, WorkspaceError
from isoctl.files import yamlio
from isoctl.files.located import field_names, problems_from
from isoctl.model.manifest import Manifest
from isoctl.model.result import Finding
from isoctl.workspace import files as workspace_files
from isoctl.workspace.discover import MANIFEST, find_workspace, inside
from isoctl.workspace.read import RawFile
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.records import (
    Committed,
    LoadedRecord,
    Reuse,
    finding,
    no_cyclic_gc,
    read_all,
)

Loc = tuple[str | int, ...]
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
    links: set[str] = field(default_factory=set)  # symlinks met while walking (relative paths)
    store: RecordCache | None = None  # the record cache, which also remembers where findings were located
    tree: frozenset[str] | None = None  # the committed files, when loaded from a commit
    _paths: dict[str, str] = field(default_factory=dict)

    def save_cache(self) -> None:
        """Keep what this run learnt (records, and where its findings are) for the next one."""
        if self.store is not None:
            self.store.save()

    def path_status(self, relative: str) -> str:
        """``ok``, ``missing`` or ``outside`` for a path a record names (evidence, a document's file).

        Lexical for speed (thousands of evidence paths), with the real path
        resolved only where a symlink or a dot-directory could lead elsewhere.
        """
        known = self._paths.get(relative)
        if known is not None:
            return known
        norm = os.path.normpath(relative.replace("\\", "/"))
        if os.path.isabs(norm) or norm == ".." or norm.startswith("../"):
            status = "outside"
        elif self.tree is not None:
            folder = norm.rstrip("/") + "/"
            status = "ok" if norm in self.tree or any(p.startswith(folder) for p in self.tree) else "missing"
        else:
            full = os.path.join(self.root, norm)
            parts = norm.split(os.sep)
            risky = parts[0].startswith(".") or any("/".join(parts[: i + 1]) in self.links for i in range(len(parts)))
            if risky and inside(self.root, norm) is None:
                status = "outside"
            else:
                status = "ok" if os.path.exists(full) else "missing"
        self._paths[relative] = status
        return status

    def manifest_location(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        line, column = self.manifest_file.locate(loc, key=key)
        return MANIFEST, line, column


def load_manifest(root: Path, snapshot: Committed | None = None) -> tuple[Manifest, RawFile, list[Finding]]:
    """Read and validate ``isoctl.yaml``; schema problems are findings, an unusable file raises."""
    try:
        if snapshot is None:
            text = yamlio.read_text(root / MANIFEST)
        elif MANIFEST in snapshot.files:
            text = yamlio.decode(snapshot.read(snapshot.files[MANIFEST].blob))
        else:
            raise WorkspaceError(f"there is no {MANIFEST} in commit {snapshot.commit[:12]}")
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
            findings.append(finding("schema-error", problem.message, MANIFEST, line, column))
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
            latest = catalogs.latest(name)
            message = f"standards: name the edition, e.g. {latest.display if latest else 'iso9001:2015'}"
            findings.append(finding("schema-error", message, MANIFEST, line, column))
            continue
        try:
            edition = catalogs.edition(name)
        except UsageError as exc:
            findings.append(finding("schema-error", f"standards: {exc.message}; {exc.hint}", MANIFEST, line, column))
            continue
        if edition.id == "hs":
            findings.append(finding("schema-error", "standards: the harmonized structure is not a standard to certify against", MANIFEST, line, column))
        elif edition not in editions:
            editions.append(edition)
    return editions, findings


def load_workspace(
    path: Path | None = None,
    *,
    extra_catalogs: Sequence[Path] = (),
    snapshot: Committed | None = None,
    reuse: Reuse | None = None,
    save: bool = True,
) -> Workspace:
    """Load the workspace at or above ``path``: manifest, catalogs in scope, and every record.

    With ``snapshot``, everything is read from that commit's tree instead of
    the working directory: uncommitted changes play no part. With ``reuse``
    (walking history), a file whose blob was loaded before is not read again,
    and the caller saves the cache once at the end. ``save=False`` leaves
    saving the record cache to :meth:`Workspace.save_cache` (once, after the
    analysis has located its findings too).
    """
    root = find_workspace(path)
    manifest, raw_manifest, findings = load_manifest(root, snapshot)
    with _catalog_dirs(root, manifest, raw_manifest, snapshot) as catalog_dirs:
        catalogs = Catalogs.load([*extra_catalogs, *catalog_dirs], base=root)
    editions, scope_findings = _scope(manifest, catalogs, raw_manifest)
    findings += scope_findings

    records: list[LoadedRecord] = []
    count = 0
    ignore = list(manifest.ignore) + [entry.rstrip("/") + "/" for entry in manifest.catalogs]
    store = reuse.store if reuse is not None else RecordCache(root, history=snapshot is not None)
    links: set[str] = set()
    candidates = []
    if snapshot is None:
        walked = workspace_files.walk(root, ignore, links)
    else:
        walked = workspace_files.walk_tree(snapshot.files, ignore, snapshot.read, links)
    for candidate in walked:
        if candidate.refused:
            findings.append(finding("path-outside-workspace", candidate.refused, candidate.relative))
        else:
            candidates.append(candidate)
    with no_cyclic_gc():
        outcomes = read_all(candidates, store, snapshot, reuse)
    for loaded, problems in outcomes:
        findings += problems
        if loaded is not None:
            count += 1
            records += loaded
    if reuse is None and save:
        store.save()
    workspace = Workspace(root, manifest, raw_manifest, catalogs, editions, records, count, findings, links,
                          store if reuse is None else None)
    if snapshot is not None:
        workspace.tree = frozenset(snapshot.files)
    return workspace


@contextlib.contextmanager
def _catalog_dirs(root: Path, manifest: Manifest, raw: RawFile, snapshot: Committed | None) -> Iterator[list[Path]]:
    """The manifest's catalog directories; for a snapshot, copied out of the commit into a temporary directory."""
    dirs = []
    for index, entry in enumerate(manifest.catalogs):
        resolved = inside(root, entry)
        if resolved is None:
            line, column = raw.locate(("catalogs", index))
            raise WorkspaceError(f"{Location(MANIFEST, line, column)}: catalogs: '{entry}' is outside the workspace")
        dirs.append(resolved)
    if snapshot is None or not dirs:
        yield dirs
        return
    with tempfile.TemporaryDirectory(prefix="isoctl-catalogs-") as temp:
        copies = []
        for directory in dirs:
            prefix = directory.relative_to(root.resolve()).as_posix().rstrip("/") + "/"
            target = Path(temp) / prefix
            target.mkdir(parents=True, exist_ok=True)
            for relative, file in snapshot.files.items():
                if relative.startswith(prefix) and file.mode != "120000":
                    destination = Path(temp) / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(snapshot.read(file.blob))
            copies.append(target)
        yield copies


