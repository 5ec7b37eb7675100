"""Loading a workspace: the manifest, the catalogs it needs, and every record, validated and located.

Problems inside files are findings (``parse-error``, ``schema-error``,
``path-outside-workspace``), collected completely; only a workspace that
cannot be evaluated at all (no manifest, a manifest that is not YAML, an
unknown format version, a broken catalog) raises and stops the run.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

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
from isoctl.workspace.record_cache import RecordCache, blob_id

Loc = tuple[str | int, ...]
_RECORDS = TypeAdapter(list[Record])
_RECORD = TypeAdapter(Record)


@dataclass
class LoadedRecord:
    """A valid record and where it came from."""

    model: RecordBase
    file: RawFile
    index: int | None  # position in a sequence file, else None
    # copied from the model: the analysis reads them hundreds of thousands of times
    id: str = field(init=False)
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.model.id
        self.kind = self.model.kind  # type: ignore[attr-defined]

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
    """A loading problem; its severity is settled later, with the rule's configuration."""
    return Finding(rule, "error", message, path, line, column, extra.get("clause"), extra.get("record"))


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
            latest = catalogs.latest(name)
            message = f"standards: name the edition, e.g. {latest.display if latest else 'iso9001:2015'}"
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


class Committed(Protocol):
    """A workspace as committed (isoctl.git.Snapshot): its files by relative path, and their bytes."""

    @property
    def commit(self) -> str: ...

    @property
    def files(self) -> Mapping[str, workspace_files.TreeFile]: ...

    def read(self, blob: str) -> bytes: ...


@dataclass
class Reuse:
    """What loading many commits in a row shares: the record cache, and files already loaded (by path and blob)."""

    store: RecordCache
    loaded: dict[tuple[str, str], Outcome] = field(default_factory=dict)


def load_workspace(
    path: Path | None = None,
    *,
    extra_catalogs: Sequence[Path] = (),
    snapshot: Committed | None = None,
    reuse: Reuse | None = None,
) -> Workspace:
    """Load the workspace at or above ``path``: manifest, catalogs in scope, and every record.

    With ``snapshot``, everything is read from that commit's tree instead of
    the working directory: uncommitted changes play no part. With ``reuse``
    (walking history), a file whose blob was loaded before is not read again,
    and the caller saves the cache once at the end.
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
            findings.append(_finding("path-outside-workspace", candidate.refused, candidate.relative))
        else:
            candidates.append(candidate)
    with _no_cyclic_gc():
        outcomes = _read_all(candidates, store, snapshot, reuse)
    for loaded, problems in outcomes:
        findings += problems
        if loaded is not None:
            count += 1
            records += loaded
    if reuse is None:
        store.save()
    workspace = Workspace(root, manifest, raw_manifest, catalogs, editions, records, count, findings, links,
                          store if reuse is None else None)
    if snapshot is not None:
        workspace.tree = frozenset(snapshot.files)
    return workspace


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while records are built.

    Parsing allocates hundreds of thousands of containers and no cycles; the
    collector would walk them again and again (a quarter of a cold check).
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


Outcome = tuple[list[LoadedRecord] | None, list[Finding]]  # (records, or None for a non-record file; findings)

#: Below this many files to parse, a second process costs more than it saves.
PARALLEL_MIN_FILES = 48


def _read_all(
    candidates: Sequence[workspace_files.Candidate],
    store: RecordCache,
    snapshot: Committed | None = None,
    reuse: Reuse | None = None,
) -> list[Outcome]:
    """Read every candidate file: from the cache where unchanged, else parsed (on two cores when worth it)."""
    results: list[Outcome | None] = [None] * len(candidates)
    pending: list[tuple[int, str, str, str]] = []  # (position, relative, text, blob)
    for position, candidate in enumerate(candidates):
        if reuse is not None and candidate.blob is not None:
            earlier = reuse.loaded.get((candidate.relative, candidate.blob))
            if earlier is not None:
                results[position] = earlier
                continue
        try:
            if candidate.path is not None:
                data = yamlio.read_bytes(candidate.path)
                blob = blob_id(data)
                text: str | Callable[[], str] = yamlio.decode(data)
            else:  # from a commit: a blob already in the cache is not even read
                assert snapshot is not None and candidate.blob is not None
                yamlio.check_size(candidate.size)
                blob = candidate.blob
                text = functools.partial(_blob_text, snapshot, blob)
                if blob not in store:
                    text = text()
        except yamlio.YamlProblem as exc:
            results[position] = ([], [_finding("parse-error", exc.message, candidate.relative, exc.line, exc.column)])
            continue
        cached = store.get(blob)
        if cached is not None:
            loaded = _from_json(candidate.relative, text, *cached, known=store.positions(blob))
            if loaded is not None:
                results[position] = (loaded, [])
                continue
            store.forget(blob)
        if callable(text):
            text = text()
        pending.append((position, candidate.relative, text, blob))
    if len(pending) >= PARALLEL_MIN_FILES and _can_fork():
        _parse_in_two(pending, results, store)
    for position, relative, text, blob in pending:
        if results[position] is None:
            results[position] = _parse_file(relative, text, blob, store)
    if reuse is not None:
        for candidate, outcome in zip(candidates, results, strict=True):
            if candidate.blob is not None and outcome is not None:
                reuse.loaded[(candidate.relative, candidate.blob)] = outcome
    return [r for r in results if r is not None]


def _blob_text(snapshot: Committed, blob: str) -> str:
    data = snapshot.read(blob)
    yamlio.check_size(len(data))  # sizes from `git log` are not known before reading
    return yamlio.decode(data)


def _from_json(relative: str, text: str | Callable[[], str], sequence: bool, records_json: str,
               known: dict[str, list[int]] | None = None) -> list[LoadedRecord] | None:
    try:
        models = _RECORDS.validate_json(records_json)
    except ValidationError:
        return None
    raw = RawFile.lazy(relative, text, sequence=sequence)
    raw.known = known
    return [LoadedRecord(m, raw, i if sequence else None) for i, m in enumerate(models)]


def _can_fork() -> bool:
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and not os.environ.get("ISOCTL_NO_PARALLEL")


def _parse_in_two(pending: list[tuple[int, str, str, str]], results: list[Outcome | None], store: RecordCache) -> None:
    """Parse every other pending file in a forked child while this process parses the rest.

    The child sends back only clean files, as validated JSON; anything with a
    problem is left for this process, so messages come from one code path.
    """
    import multiprocessing

    theirs = pending[1::2]
    try:
        pool = multiprocessing.get_context("fork").Pool(1)
    except OSError:
        return
    with pool:
        job = pool.apply_async(_parse_clean, ([(relative, text) for _, relative, text, _ in theirs],))
        for position, relative, text, blob in pending[0::2]:
            results[position] = _parse_file(relative, text, blob, store)
        try:
            answers = job.get()
        except Exception:  # noqa: BLE001 - a failed helper process only costs the speed-up
            return
    for (position, relative, text, blob), answer in zip(theirs, answers, strict=True):
        if answer == "not-a-record":
            results[position] = (None, [])
        elif isinstance(answer, tuple):
            sequence, records_json, index = answer
            loaded = _from_json(relative, text, sequence, records_json, known=store.positions(blob))
            if loaded:
                loaded[0].file.index = index
            if loaded is not None:
                store.put(blob, sequence, records_json)
                results[position] = (loaded, [])


def _parse_clean(items: list[tuple[str, str]]) -> list[tuple[bool, str, dict[str, list[int]]] | str | None]:
    """In the child: (is a sequence, validated records as JSON, positions) per clean file; None where there is a problem."""
    out: list[tuple[bool, str, dict[str, list[int]]] | str | None] = []
    for relative, text in items:
        try:
            raw = read(relative, text)
        except (yamlio.YamlProblem, NotRecords):
            out.append(None)
            continue
        if raw is None:
            out.append("not-a-record")
            continue
        try:
            models = _RECORDS.validate_python(_with_body(raw))
        except ValidationError:
            out.append(None)
            continue
        index = yamlio.position_index(raw._root, line_offset=raw.line_offset)
        out.append((raw.sequence, _RECORDS.dump_json(models, exclude_unset=True).decode(), index))
    return out


def _with_body(raw: RawFile) -> list[Any]:
    items = raw.records
    if raw.body is not None and isinstance(items[0], dict) and "body" not in items[0]:
        items = [{**items[0], "body": raw.body}]
    return items


def _parse_file(relative: str, text: str, blob: str, store: RecordCache) -> Outcome:
    try:
        raw = read(relative, text)
    except yamlio.YamlProblem as exc:
        return [], [_finding("parse-error", exc.message, relative, exc.line, exc.column)]
    except NotRecords as exc:
        return [], [_finding("schema-error", str(exc), relative)]
    if raw is None:
        return None, []
    items = _with_body(raw)
    try:
        models = _RECORDS.validate_python(items)
    except ValidationError:
        pass
    else:
        store.put(blob, raw.sequence, _RECORDS.dump_json(models, exclude_unset=True).decode())
        raw.known = store.positions(blob)
        return [LoadedRecord(m, raw, i if raw.sequence else None) for i, m in enumerate(models)], []
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
