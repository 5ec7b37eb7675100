"""Reading every record file of a workspace or a commit: from the record cache where unchanged, else parsed.

:func:`read_all` gives each candidate file its outcome (records, findings)
and does as little as it can per file: a file whose blob the cache holds is
validated from JSON without touching YAML (and, when its stat vouches for its
blob id, is not even read), a file of a commit is read from git only if the
cache does not hold it, and the rest are parsed here, with the helper that
parsed ahead, or in two processes when there are enough of them
(:mod:`isoctl.workspace.parallel`). Problems are findings, never exceptions.

Loading one commit after another takes the files unchanged since the commit
loaded last from a :class:`Reuse`, and loading and evaluating run with the
cycle collector paused (:func:`no_cyclic_gc`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from isoctl.files import yamlio
from isoctl.files.hashes import ContentHashes, blob_id
from isoctl.workspace import files as workspace_files
from isoctl.workspace.ahead import Ahead
from isoctl.workspace.forks import can_fork
from isoctl.workspace.parallel import PARALLEL_MIN_FILES, Pending, parse_in_two, parse_with
from isoctl.workspace.read import plain_markdown
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.records import LoadedRecord, Outcome, finding, from_json, parse_file


class Committed(Protocol):
    """A workspace as committed (isoctl.history.trees.Snapshot): its files by relative path, and their bytes."""

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


#: Once :func:`keep_loaded` is called (a process that loads the same working tree again and again: ``check
#: --watch``), the outcome of each file of the working tree loaded last without a problem, by its path and blob id:
#: a file unchanged since is taken from here, not validated again from the record cache.
_kept: dict[tuple[str, str], Outcome] | None = None


def keep_loaded() -> None:
    """Keep, from now on, the records of the files of the working tree loaded last (see :data:`_kept`)."""
    global _kept
    if _kept is None:
        _kept = {}


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
    blobs: dict[int, str] = {}  # the blob id of each working-tree file its stat vouches for
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
                blobs[position] = vouched
                kept = _kept.get((str(candidate.path), vouched)) if _kept is not None else None
                if kept is not None:
                    results[position] = kept
                    continue
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
        parse_with(ahead, pending, results, store, functools.partial(_parse_pending, candidates, store))
    elif len(pending) >= PARALLEL_MIN_FILES and can_fork():
        # every text is read here: files are left unread only while a helper parsing ahead may answer for them
        parse_in_two([(p, r, t, b) for p, r, t, b in pending if isinstance(t, str)], results, store)
    for item in pending:
        if results[item[0]] is None:
            results[item[0]] = _parse_pending(candidates, store, item)
    if reuse is not None:
        reuse.keep(candidates, results)
    if _kept is not None and snapshot is None:
        _kept.clear()
        for position, blob in blobs.items():
            outcome = results[position]
            if outcome is not None and not outcome[1]:  # a file with a problem is read again, to say it again
                _kept[(str(candidates[position].path), blob)] = outcome
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
        return parse_file(relative, text, blob, store)
    read_now = _read_candidate(candidates[position], store, None, None)
    if isinstance(read_now, tuple):
        return read_now
    assert isinstance(read_now.text, str)
    return parse_file(relative, read_now.text, read_now.blob, store)


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
    loaded = from_json(relative, text, *cached, known=store.positions(blob))
    if loaded is None:
        store.forget(blob)
    return loaded
