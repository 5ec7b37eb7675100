"""Reading record files into validated, located records: cached, parsed on two cores, or from a commit.

The fast path does as little as it can per file: a cached file is validated
from JSON without touching YAML, a parsed one keeps its nodes for locating
findings, and a file parsed by the helper process comes back with its key
positions. Problems are findings, never exceptions.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from isoctl.errors import InternalError
from isoctl.files import yamlio
from isoctl.files.hashes import ContentHashes, blob_id
from isoctl.files.located import field_names, problems_from
from isoctl.model.records import KINDS, Record, RecordBase
from isoctl.model.result import Finding
from isoctl.workspace import ahead as ahead_module
from isoctl.workspace import files as workspace_files
from isoctl.workspace.ahead import Ahead
from isoctl.workspace.forks import Helper, can_fork
from isoctl.workspace.read import NotRecords, RawFile, plain_markdown, read, with_body
from isoctl.workspace.record_cache import RecordCache

Loc = tuple[str | int, ...]
#: A file left to parse: (its position among the candidates, relative path, text, blob id). The text is a reader
#: for a file not read yet (see :func:`read_all`): :func:`_parse_pending` reads it, if this process parses it.
Pending = tuple[int, str, str | Callable[[], str], str]

_RECORDS = TypeAdapter(list[Record])


@functools.cache
def _one_record() -> TypeAdapter[Any]:
    """The validator of a single record, built when a file's records fail to validate together (~15 ms a run
    otherwise spent on every check)."""
    return TypeAdapter(Record)


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
        self.kind = str(getattr(self.model, "kind"))  # noqa: B009 - RecordBase has no kind; each concrete model its own literal

    def locate(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        """(path, line, column) of a field of this record (the record itself with no ``loc``)."""
        prefix: Loc = (self.index,) if self.index is not None else ()
        line, column = self.file.locate((*prefix, *loc), key=key)
        return self.file.relative, line, column


def finding(rule: str, message: str, path: str, line: int = 1, column: int = 1, **extra: Any) -> Finding:
    """A loading problem; its severity is settled later, with the rule's configuration."""
    return Finding(rule, "error", message, path, line, column, extra.get("clause"), extra.get("record"))


class Committed(Protocol):
    """A workspace as committed (isoctl.history.git.Snapshot): its files by relative path, and their bytes."""

    @property
    def commit(self) -> str: ...

    @property
    def files(self) -> Mapping[str, workspace_files.TreeFile]: ...

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The blob's bytes; TooLarge, unread, for one over ``max_bytes``."""
        ...


@dataclass
class Reuse:
    """What loading many commits in a row shares: the record cache, and the files of the tree loaded last.

    Files are kept by path and blob, and only while the tree still has them:
    the next commit changes a few files and takes the rest from here, while
    keeping every version ever loaded would hold a long history in memory
    (the record cache keeps the versions used most recently, as JSON).
    """

    store: RecordCache
    loaded: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    snapshot: Committed | None = None  # the commit loaded last

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """A blob's bytes, through the commit loaded last.

        Files kept from earlier commits read their text (to locate a finding)
        this way, so that they do not each keep their own commit's tree alive.
        """
        assert self.snapshot is not None
        return self.snapshot.read(blob, max_bytes)

    def keep(self, candidates: Sequence[workspace_files.Candidate], outcomes: Sequence[Outcome | None]) -> None:
        """Hold the files of the tree just loaded, and let go of every other (the record cache keeps them too)."""
        self.loaded = {
            (candidate.relative, candidate.blob): outcome
            for candidate, outcome in zip(candidates, outcomes, strict=True)
            if candidate.blob is not None and outcome is not None
        }
        self.store.pin(blob for _, blob in self.loaded)


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while a workspace is loaded or evaluated, as it was before afterwards.

    Parsing allocates hundreds of thousands of containers and no cycles; the
    collector would walk them again and again (a quarter of a cold check;
    half of an evaluation called from Python, where nothing else turns it
    off). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Outcome = tuple[list[LoadedRecord] | None, list[Finding]]  # (records, or None for a non-record file; findings)

#: Below this many files to parse, a second process costs more than it saves.
PARALLEL_MIN_FILES = 48
#: Which of every five files the helper process parses (see :func:`_parse_in_two`).
CHILD_SHARE = (1, 3)


def read_all(
    candidates: Sequence[workspace_files.Candidate],
    store: RecordCache,
    snapshot: Committed | None = None,
    reuse: Reuse | None = None,
    ahead: Ahead | None = None,
    hashes: ContentHashes | None = None,
) -> list[Outcome]:
    """Read every candidate file: from the cache where unchanged, else parsed (on two cores when worth it).

    ``ahead`` is a helper that started parsing these files earlier
    (:mod:`isoctl.workspace.ahead`); it is stopped before this returns.
    ``hashes`` knows the blob ids of the working tree's files as their stat
    vouches for them: a file whose records the cache holds under that id is
    not even read (only, later, if a finding in it must be located).
    """
    results: list[Outcome | None] = [None] * len(candidates)
    if reuse is not None and snapshot is not None:
        reuse.snapshot = snapshot
    pending: list[Pending] = []
    for position, candidate in enumerate(candidates):
        if reuse is not None and candidate.blob is not None:
            earlier = reuse.loaded.get((candidate.relative, candidate.blob))
            if earlier is not None:
                results[position] = earlier
                continue
        if candidate.problem is not None:  # a folder that cannot be listed, a symlink loop
            results[position] = ([], [finding("parse-error", candidate.problem, candidate.relative)])
            continue
        if candidate.path is not None and hashes is not None:
            vouched = hashes.vouched(candidate.relative, candidate.path)
            if vouched is not None:
                unread = functools.partial(_file_text, candidate.path)
                loaded = _from_cache(candidate.relative, unread, vouched, store)
                if loaded is not None:
                    results[position] = (loaded, [])
                    continue
                if ahead is not None:  # the helper has likely parsed it: read only if this process parses it
                    pending.append((position, candidate.relative, unread, vouched))
                    continue
        read_now = _read_candidate(candidate, store, snapshot, reuse)
        if isinstance(read_now, tuple):
            results[position] = read_now
            continue
        text, blob = read_now.text, read_now.blob
        loaded = _from_cache(candidate.relative, text, blob, store)
        if loaded is not None:
            results[position] = (loaded, [])
            continue
        pending.append((position, candidate.relative, text() if callable(text) else text, blob))
    if ahead is not None:
        _parse_with(ahead, pending, results, store, functools.partial(_parse_pending, candidates, store))
    elif len(pending) >= PARALLEL_MIN_FILES and can_fork():
        # every text is read here: files are left unread only while a helper parsing ahead may answer for them
        _parse_in_two([(p, r, t, b) for p, r, t, b in pending if isinstance(t, str)], results, store)
    for item in pending:
        if results[item[0]] is None:
            results[item[0]] = _parse_pending(candidates, store, item)
    if reuse is not None:
        reuse.keep(candidates, results)
    return [r for r in results if r is not None]


@dataclass
class _Read:
    """A file's text (or how to get it, for a blob of a commit the cache may hold) and its blob id."""

    text: str | Callable[[], str]
    blob: str


def _read_candidate(candidate: workspace_files.Candidate, store: RecordCache, snapshot: Committed | None,
                    reuse: Reuse | None) -> _Read | Outcome:
    """Read a candidate file: its text and blob id, or the outcome when it cannot be read as records."""
    try:
        if candidate.path is not None:
            data = yamlio.read_bytes(candidate.path)
            return _Read(yamlio.decode(data), blob_id(data))
        # from a commit: a blob already in the cache is not even read
        assert snapshot is not None and candidate.blob is not None
        yamlio.check_size(candidate.size)
        blob = candidate.blob
        text = functools.partial(_blob_text, snapshot if reuse is None else reuse, blob)
        return _Read(text if blob in store else text(), blob)
    except yamlio.YamlProblem as exc:  # too large, or not UTF-8 text, among others
        head = exc.head if isinstance(exc, yamlio.TooLarge) else b""
        if _plain_markdown(candidate, snapshot if reuse is None else reuse, head):
            return (None, [])  # a long handbook, or notes in another encoding: no front matter
        return ([], [finding("parse-error", exc.message, candidate.relative, exc.line, exc.column)])


def _parse_pending(candidates: Sequence[workspace_files.Candidate], store: RecordCache, item: Pending) -> Outcome:
    """Parse a pending file in this process, reading it first if it was left unread (see :func:`read_all`)."""
    position, relative, text, blob = item
    if isinstance(text, str):
        return _parse_file(relative, text, blob, store)
    read_now = _read_candidate(candidates[position], store, None, None)
    if isinstance(read_now, tuple):
        return read_now
    assert isinstance(read_now.text, str)
    return _parse_file(relative, read_now.text, read_now.blob, store)


def _plain_markdown(candidate: workspace_files.Candidate, source: Committed | Reuse | None, head: bytes) -> bool:
    """Whether a file refused for its size or its encoding is plain Markdown, so no record at all (see
    :func:`plain_markdown`).

    ``head`` is the beginning of a committed blob that reading it already
    streamed past; otherwise the beginning is read here.
    """
    if candidate.path is not None:
        return plain_markdown(candidate.relative, functools.partial(yamlio.read_head, candidate.path))
    assert source is not None and candidate.blob is not None
    blob = candidate.blob

    def first(size: int) -> bytes:  # asked for a .md file only
        if head:
            return head[:size]
        try:  # git gives a blob whole: one too large is streamed past, keeping only its beginning
            return source.read(blob, yamlio.MAX_BYTES)[:size]
        except yamlio.TooLarge as exc:
            return exc.head[:size]

    return plain_markdown(candidate.relative, first)


def _file_text(path: Path) -> str:
    """The text of a file whose records came from the cache unread, to locate a finding in it.

    The file was unchanged when it was loaded; one changed or gone since
    then is located as it is now, or at its first line if it cannot be read.
    """
    try:
        return yamlio.read_text(path)
    except (yamlio.YamlProblem, yamlio.TooLarge, OSError):
        return ""


def _blob_text(source: Committed | Reuse, blob: str) -> str:
    data = source.read(blob, yamlio.MAX_BYTES)  # sizes from `git log` are not known before reading
    return yamlio.decode(data)


def _from_cache(relative: str, text: str | Callable[[], str], blob: str, store: RecordCache) -> list[LoadedRecord] | None:
    """The records the cache holds for ``blob``; None when it holds none, or an entry that no longer validates
    (which is then dropped)."""
    cached = store.get(blob)
    if cached is None:
        return None
    loaded = _from_json(relative, text, *cached, known=store.positions(blob))
    if loaded is None:
        store.forget(blob)
    return loaded


def _from_json(relative: str, text: str | Callable[[], str], sequence: bool, records_json: str,
               known: dict[str, list[int]] | None = None, index: str | None = None) -> list[LoadedRecord] | None:
    try:
        models = _RECORDS.validate_json(records_json)
    except ValidationError:
        return None
    return _lazily_located(relative, text, sequence, models, known, index)


def _lazily_located(relative: str, text: str | Callable[[], str], sequence: bool, models: Sequence[RecordBase],
                    known: dict[str, list[int]] | None, index: str | None = None) -> list[LoadedRecord]:
    """Records validated without this process parsing their file: its text is composed (if ever) only to locate
    a finding that neither ``known`` (positions found in earlier runs) nor ``index`` (sent by the process that
    parsed it) holds."""
    raw = RawFile.lazy(relative, text, sequence=sequence)
    raw.known = known
    raw.packed_index = index
    return [LoadedRecord(m, raw, i if sequence else None) for i, m in enumerate(models)]


def _parse_with(ahead: Ahead, pending: list[Pending], results: list[Outcome | None], store: RecordCache,
                parse: Callable[[Pending], Outcome]) -> None:
    """Take the answers of a helper that parses the pending files from the front, and parse from the back here.

    Neither waits for the other: between two files of its own this process
    validates whatever answers have arrived, and once the two meet every
    file is done (one may have been parsed twice). An answer with a problem,
    or for a file not pending, leaves the file to :func:`_parse_file`.
    """
    number_of = {(relative, blob): number for number, (_, relative, _, blob) in enumerate(pending)}
    done = [False] * len(pending)
    own = len(pending)
    try:
        while True:
            for relative, blob, answer in ahead.ready():
                number = number_of.get((relative, blob))
                if number is not None and not done[number]:
                    done[number] = _answered(pending[number], answer, results, store)
            own -= 1
            while own >= 0 and done[own]:
                own -= 1
            if own < 0:
                break
            results[pending[own][0]] = parse(pending[own])
            done[own] = True
    finally:
        ahead.stop()


def _answered(item: Pending, answer: ahead_module.Answer, results: list[Outcome | None],
              store: RecordCache) -> bool:
    """Whether a helper's answer for a pending file could be taken (validated, cached, kept in ``results``)."""
    position, relative, text, blob = item
    if answer == ahead_module.NOT_A_RECORD:
        results[position] = (None, [])
        return True
    if not isinstance(answer, tuple):
        return False
    sequence, items, index = answer
    try:
        models = _RECORDS.validate_python(items)
    except ValidationError:
        return False
    store.put(blob, sequence, _RECORDS.dump_json(models, exclude_unset=True).decode())
    results[position] = (_lazily_located(relative, text, sequence, models, store.positions(blob), index), [])
    return True


def _parse_in_two(pending: list[tuple[int, str, str, str]], results: list[Outcome | None], store: RecordCache) -> None:
    """Parse two of every five pending files in a forked child while this process parses the rest.

    The child does more per file than this process (it also indexes every
    position and sends it all back), so an even split left this process
    waiting: a fifth of a cold check's time on workspaces of large records.

    The child sends back only clean files, as validated JSON; anything with a
    problem is left for this process, so messages come from one code path.
    A child that fails with an exception sends nothing, and this process
    parses its files too; a child that is killed (the OOM killer, kill -9) is
    noticed and reported, never waited for.
    """
    theirs = [item for number, item in enumerate(pending) if number % 5 in CHILD_SHARE]
    ours = [item for number, item in enumerate(pending) if number % 5 not in CHILD_SHARE]
    helper = Helper.call("isoctl-parse", _clean_or_none, [(relative, text) for _, relative, text, _ in theirs])
    if helper is None:  # no processes to spare, or already a helper process
        return
    try:
        for position, relative, text, blob in ours:
            results[position] = _parse_file(relative, text, blob, store)
        answers: list[Answer] | None = helper.next()
    except ChildProcessError as exc:
        raise InternalError(f"the helper process parsing records {exc} before it finished; "
                            "run again, or with ISOCTL_NO_PARALLEL=1 to parse in one process") from None
    finally:  # also an interrupt, or a failure here: the child's work is no longer wanted
        helper.stop()
    if answers is None:
        return
    for (position, relative, text, blob), answer in zip(theirs, answers, strict=True):
        if answer == ahead_module.NOT_A_RECORD:
            results[position] = (None, [])
        elif isinstance(answer, tuple):
            sequence, records_json, index = answer
            loaded = _from_json(relative, text, sequence, records_json, store.positions(blob), index)
            if loaded is not None:
                store.put(blob, sequence, records_json)
                results[position] = (loaded, [])


Answer = tuple[bool, str, str] | str | None


def _clean_or_none(items: list[tuple[str, str]]) -> list[Answer] | None:
    """In the helper: its answers, or None when it failed (the parent then parses these files itself)."""
    try:
        return _parse_clean(items)
    except Exception:
        return None


def _parse_clean(items: list[tuple[str, str]]) -> list[Answer]:
    """In the child: (is a sequence, validated records as JSON, positions packed) per clean file; None where there is
    a problem.

    Positions go as one string per file (:func:`isoctl.files.yamlio.packed_index`):
    the parent unpickles a string at once and looks up only the positions
    of the findings it locates, where a dict of every key's position cost
    more to send than to parse the file.
    """
    out: list[Answer] = []
    for relative, text in items:
        answer = ahead_module.parsed(relative, text)
        if not isinstance(answer, tuple):
            out.append(answer)
            continue
        sequence, records, index = answer
        try:
            models = _RECORDS.validate_python(records)
        except ValidationError:
            out.append(None)
            continue
        out.append((sequence, _RECORDS.dump_json(models, exclude_unset=True).decode(), index))
    return out


def _parse_file(relative: str, text: str, blob: str, store: RecordCache) -> Outcome:
    try:
        raw = read(relative, text)
    except yamlio.YamlProblem as exc:
        return [], [finding("parse-error", exc.message, relative, exc.line, exc.column)]
    except NotRecords as exc:
        return [], [finding("schema-error", str(exc), relative)]
    if raw is None:
        return None, []
    items = with_body(raw)
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
            loaded.append(LoadedRecord(_one_record().validate_python(item), raw, position))
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
        findings.append(finding("schema-error", problem.message, raw.relative, line, column, record=record_id))
    return findings
