"""Loading a workspace: the manifest, the catalogs it needs, and every record, validated and located.

Problems inside files are findings (``parse-error``, ``schema-error``,
``path-outside-workspace``), collected completely; only a workspace that
cannot be evaluated at all (no manifest, a manifest that is not YAML, an
unknown format version, a broken catalog) raises and stops the run.
"""

from __future__ import annotations

import contextlib
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
from isoctl.files.hashes import ContentHashes
from isoctl.files.located import field_names, problems_from
from isoctl.model.manifest import Manifest, Organization, Person
from isoctl.model.result import Finding
from isoctl.workspace import ahead
from isoctl.workspace import files as workspace_files
from isoctl.workspace.discover import MANIFEST, find_workspace, inside, manifest_of
from isoctl.workspace.read import RawFile
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.record_files import Committed, Reuse, no_cyclic_gc, read_all
from isoctl.workspace.records import LoadedRecord, finding

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
    #: answers the analysis computes once per workspace and several rules ask for (paths records name)
    memo: dict[tuple[str, str], object] = field(default_factory=dict, repr=False)
    tree: frozenset[str] | None = None  # the committed files, when loaded from a commit

    def save_cache(self) -> None:
        """Keep what this run learnt (records, and where its findings are) for the next one."""
        if self.store is not None:
            self.store.save()

    def manifest_location(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        line, column = self.manifest_file.locate(loc, key=key)
        return MANIFEST, line, column


def load_manifest(root: Path, snapshot: Committed | None = None) -> tuple[Manifest, RawFile, list[Finding]]:
    """Read and validate ``isoctl.yaml``; schema problems are findings, an unusable file raises."""
    try:
        if snapshot is None:
            text = yamlio.read_text(manifest_of(root))
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
    _check_version(data, raw)
    _check_standards(data, raw)
    findings = _duplicate_people(data, raw)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, path=MANIFEST, root=None, known_fields=field_names(Manifest))
        for problem, error in zip(problems, exc.errors(include_url=False), strict=True):
            line, column = raw.locate(tuple(error["loc"]), key=error["type"] == "extra_forbidden")
            findings.append(finding("schema-error", problem.message, MANIFEST, line, column))
        manifest = _salvage(data, exc)
    return _first_of_each_person(manifest), raw, findings


def _yaml_value(value: Any) -> str:
    """A scalar as it reads in YAML: ``true``, ``1.5``, ``'1'``."""
    if isinstance(value, bool):
        return str(value).lower()
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)


def _check_version(data: dict[str, Any], raw: RawFile) -> None:
    """Only the whole number 1 is format 1: YAML ``true`` and ``1.0`` equal 1 in Python, but are not it."""
    version = data.get("isoctl")
    if type(version) is int and version == 1:
        return
    line, column = raw.locate(("isoctl",)) if "isoctl" in data else (1, 1)
    where = Location(MANIFEST, line, column)
    if version is None:
        raise WorkspaceError(f"{where}: workspace format version missing is not supported; this isoctl reads format 1",
                             hint="start the manifest with 'isoctl: 1'")
    if type(version) is not int:
        raise WorkspaceError(f"{where}: isoctl: expected the workspace format version, the whole number 1; "
                             f"got {_yaml_value(version)}", hint="write 'isoctl: 1'")
    raise WorkspaceError(f"{where}: workspace format version {version} is not supported; this isoctl reads format 1",
                         hint="upgrade isoctl to read newer workspaces")


def _check_standards(data: dict[str, Any], raw: RawFile) -> None:
    """``standards`` must be a non-empty list of editions: without a scope there is nothing to evaluate."""
    example = "e.g. 'standards: [iso9001:2015]'"
    if "standards" not in data:
        raise WorkspaceError(f"{MANIFEST}:1:1: missing 'standards': list the editions in scope, {example}")
    standards = data["standards"]
    line, column = raw.locate(("standards",))
    if not isinstance(standards, list):
        raise WorkspaceError(f"{Location(MANIFEST, line, column)}: standards: expected a list of editions; "
                             f"got {_yaml_value(standards)}", hint=f"write a list, {example}")
    if not standards:
        raise WorkspaceError(f"{Location(MANIFEST, line, column)}: standards: the list is empty; "
                             "name at least one edition in scope", hint=example)
    for index, item in enumerate(standards):
        if not isinstance(item, str):
            line, column = raw.locate(("standards", index))
            raise WorkspaceError(f"{Location(MANIFEST, line, column)}: standards[{index}]: expected an edition such as "
                                 f"iso9001:2015; got {_yaml_value(item)}")


def _duplicate_people(data: dict[str, Any], raw: RawFile) -> list[Finding]:
    """A ``duplicate-id`` finding for every ``people`` entry whose id an earlier entry has."""
    people = data.get("people")
    if not isinstance(people, list):
        return []
    first: dict[str, int] = {}
    findings: list[Finding] = []
    for index, person in enumerate(people):
        pid = person.get("id") if isinstance(person, dict) else None
        if not isinstance(pid, str):
            continue
        if pid in first:
            line, column = raw.locate(("people", index, "id"))
            first_line, _ = raw.locate(("people", first[pid], "id"))
            message = f"people: duplicate person id '{pid}' (first used at {MANIFEST}:{first_line}); the first entry counts"
            findings.append(finding("duplicate-id", message, MANIFEST, line, column))
        else:
            first[pid] = index
    return findings


def _first_of_each_person(manifest: Manifest) -> Manifest:
    """Only the first entry of each person id.

    Two entries for one person may disagree (a name, ``top_management``);
    keeping the first everywhere - as with records - gives one consistent
    evaluation instead of one that depends on which lookup ran.
    """
    unique: dict[str, Person] = {}
    for person in manifest.people:
        unique.setdefault(person.id, person)
    if len(unique) == len(manifest.people):
        return manifest
    return manifest.model_copy(update={"people": list(unique.values())})


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
    try:
        return Manifest.model_validate(cleaned)
    except ValidationError:
        # only reached if what is left still fails (it should not); the scope alone, validated item by item above
        return Manifest.model_construct(isoctl=1, organization=Organization(name="(unnamed organization)"),
                                        standards=list(data["standards"]))


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
            _one_edition_per_family(edition, editions, index, raw)
            editions.append(edition)
    return editions, findings


def _one_edition_per_family(edition: Edition, editions: list[Edition], index: int, raw: RawFile) -> None:
    """Refuse a second edition of a family: ``iso9001:8.5.1`` must name one clause, not one per edition."""
    other = next((e for e in editions if e.family == edition.family), None)
    if other is None:
        return
    line, column = raw.locate(("standards", index))
    raise WorkspaceError(
        f"{Location(MANIFEST, line, column)}: standards: {other.display} and {edition.display} are two editions of "
        f"{edition.family}; choose one edition",
        hint="a workspace is evaluated against one edition of each standard; moving to a new edition is what the "
             "planned 'isoctl migrate' is for",
    )


def load_workspace(
    path: Path | str | None = None,
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
    with no_cyclic_gc():  # catalogs and records are many acyclic objects (see no_cyclic_gc)
        return _load(Path(path) if path is not None else None, extra_catalogs, snapshot, reuse, save)


def _load(path: Path | None, extra_catalogs: Sequence[Path], snapshot: Committed | None, reuse: Reuse | None,
          save: bool) -> Workspace:
    root = find_workspace(path)
    with _naming_the_commit(snapshot):
        manifest, raw_manifest, findings = load_manifest(root, snapshot)
        with _catalog_dirs(root, manifest, raw_manifest, snapshot) as catalog_dirs:
            catalogs = Catalogs.load([*extra_catalogs, *catalog_dirs], base=root)
        editions, scope_findings = _scope(manifest, catalogs, raw_manifest)
    findings += scope_findings

    records: list[LoadedRecord] = []
    count = 0
    ignore = workspace_files.skipped(manifest.ignore, manifest.catalogs)
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
    parsing = ahead.take(root) if snapshot is None and reuse is None else None
    hashes = ContentHashes.of(root.resolve()) if snapshot is None else None
    outcomes = read_all(candidates, store, snapshot, reuse, parsing, hashes)
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
def _naming_the_commit(snapshot: Committed | None) -> Iterator[None]:
    """Say which commit an unusable manifest is in: ``isoctl.yaml:12:3`` alone points at the working tree's file."""
    try:
        yield
    except WorkspaceError as exc:
        if snapshot is None or snapshot.commit[:12] in exc.message:
            raise
        raise WorkspaceError(f"{exc.message} (in commit {snapshot.commit[:12]})", hint=exc.hint) from None


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


