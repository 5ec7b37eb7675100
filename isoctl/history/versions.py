"""Every record's versions through the history: which commit added it, and each commit that changed it.

The rules that judge how a system is lived (when a record was first written,
whether an approved document changed afterwards, whether an objective was
ever revised) and ``isoctl pulse`` need, for each record, the commits that
changed it. This module reads them from the one ``git log`` the evaluation
already made (:func:`isoctl.history.revisions.log`) and the blobs it names, and
nothing else.

What each blob holds (each record's id, kind and a digest of its text) is
read as text, without parsing, by :mod:`isoctl.history.split`; a record
changed in a commit when its text changed. Only the versions a rule asks
about are parsed (:meth:`RecordVersions.facts`). What each blob holds is
kept in the user cache between runs (a blob's content never changes), so a
second run reads no blob it does not parse; so is the text of the versions
the rules parse (:data:`isoctl.history.split.TEXT_KINDS`), so a second run
need not read their blobs again either. A helper started by the command
line reads the history ahead (:func:`read_ahead`, :mod:`isoctl.history.ahead`).

Records are followed by id, from the commit list alone: commits with a
clamped date still count here, since a version's order in the history is
real even when git could not give its date.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isoctl.files import cache, yamlio
from isoctl.history import ahead
from isoctl.history.cut import cut
from isoctl.history.decode import CommitInfo
from isoctl.history.split import (
    FORMAT,
    PARALLEL_FROM,
    TEXT_KINDS,
    Items,
    Texts,
    digest,
    parsed,
    split_blobs,
    split_in_two,
)
from isoctl.model.result import chosen
from isoctl.workspace.files import wanted

#: How many records' parsed versions a run keeps (each is a few hundred bytes to a few kilobytes).
FACTS_HELD = 20000

@dataclass(frozen=True)
class Version:
    """A record as one commit left it: its place in the history, kind, file, blob and a digest of its text."""

    index: int  # the commit's position in the history (oldest first)
    id: str
    kind: str
    path: str
    blob: str
    digest: str
    stamps: str = ""  # the dates it states (``field=YYYY-MM-DD``, see split.STAMPED), or a document's approval and content

    def stamp(self, name: str) -> str | None:
        """The value of one stamp (``approval``, ``content``), if the version has it."""
        prefix = name + "="
        return next((s[len(prefix):] for s in self.stamps.split() if s.startswith(prefix)), None)


#: The rules that read every record's versions (isoctl.rules.recording): the history is read ahead for them.
READS_VERSIONS = ("late-recording", "changed-after-approval", "static-objectives")


def reading(select: Collection[str], ignore: Collection[str]) -> list[str]:
    """The rules of :data:`READS_VERSIONS` that ``--select`` and ``--ignore`` leave to run (the manifest may still
    turn them off)."""
    return [r for r in READS_VERSIONS if chosen(r, select, ignore)]


#: How much a helper reading a history ahead (and the git it runs) gives way to the evaluation: with its blobs
#: streamed through wide pipes it is done before the evaluation wants them, so the CPU it shares with the
#: evaluation is better spent on the evaluation (a cold check of the 2,000-commit benchmark, 21 rounds: niceness
#: 0, 3, 5 and 10 gave medians of 1,335, 1,262, 1,225 and 1,200 ms). Once the evaluation waits for the helper,
#: nothing else wants the CPU and the helper has it all.
AHEAD_NICENESS = 10


def _reading_ahead(root: Path, until: str | None, ignore: tuple[str, ...] | None) -> Iterator[Any]:
    """In a helper reading a history ahead, its three answers: the commit it read up to and the history up to it
    (one ``git log``), at once; then what each blob of it holds (what the user cache knew and what the helper
    split), with the texts the split kept; then, once it has kept what it learnt in the user cache (the
    evaluation then has nothing of its own to write), True.

    Started before the command knows the commit and the manifest (see
    :func:`read_ahead`), it reads up to HEAD and follows the manifest's
    ``ignore`` as the file says it (every file, if it cannot tell): the
    evaluation takes the history only if it is up to its own commit, and
    what the blobs hold whatever the patterns (a blob holds what it holds:
    the evaluation splits any its own patterns want that the helper left).

    Everything known goes back, not only what is new: the evaluation then
    need not read the user cache again (a pickle down the pipe costs a fifth
    of parsing and checking the cache's JSON, and the cache the evaluation
    would read may be the one this helper just wrote).
    """
    from isoctl.history import revisions
    from isoctl.workspace.forks import SENT

    with contextlib.suppress(OSError, AttributeError):  # a platform without priorities: as it is
        os.nice(AHEAD_NICENESS)
    if until is None:
        until = revisions.commit_of(root, "HEAD")
    if ignore is None:
        ignore = ahead.ignored_by_manifest(root)
    commits = revisions.log(root, until=until, keep=False)  # kept below, off the evaluation's path
    yield until, commits
    versions = RecordVersions(list(ignore), root, reading_ahead=False)
    versions._prefetch(commits)
    yield versions.known, versions.texts.by_digest
    yield SENT  # encoding the cache's JSON holds the interpreter: the evaluation waiting for these comes first
    versions.save()
    revisions.keep_log()
    yield True


def read_ahead(root: Path, until: str | None = None, ignore: Sequence[str] | None = None) -> None:
    """Start reading the history in a forked helper (its ``git log`` and its blobs) while this process loads
    the workspace.

    Loading keeps both cores busy only part of the time; the blobs of a long
    history take about as long again, so reading them meanwhile hides most
    of that time. The evaluation takes the commits
    (:func:`isoctl.history.ahead.commits_ahead`) and the first
    :class:`RecordVersions` of the same root what the helper learnt of the
    blobs; nothing is lost if neither is asked for.

    The command line starts it before it has imported what tells the commit
    and the manifest (``until`` and ``ignore`` None: HEAD, and the manifest
    as its text says); the evaluation keeps it unless it is known to read up
    to another commit.
    """
    ahead.start(root, until, ignore, _reading_ahead)


class RecordVersions:
    """The versions of every record along one history, read as far as asked (:meth:`advance`)."""

    def __init__(self, ignore: Sequence[str], root: Path, *, reading_ahead: bool = True) -> None:
        self.ignore = list(ignore)
        self.root = root
        place = os.fsencode(root.resolve())
        self._store_key = cache.digest([FORMAT, place])
        self._texts_key = cache.digest([FORMAT, place, "texts"])
        self._learnt = False  # a helper writing down what it learnt leaves nothing to write here
        self._texts_learnt = False  # texts read from git by texts_of, which no helper had
        self.texts = Texts()  # the text of versions a split (here, in a helper, or a run before) cut out, see texts_of
        collected = ahead.collect(root) if reading_ahead else None
        self.known: dict[str, Items] = {}
        if collected is not None:
            self.known, texts = collected
            self.texts.update(texts)
        else:
            known = cache.read("versions", self._store_key)
            if isinstance(known, dict):
                self.known = {blob: {rid: (str(v[0]), str(v[1]), str(v[2])) for rid, v in items.items()}
                              for blob, items in known.items() if isinstance(items, dict)}
                kept = cache.read("versions", self._texts_key)  # kept with them: a run that splits nothing has them
                if isinstance(kept, dict):
                    self.texts.update({digest: text for digest, text in kept.items() if isinstance(text, str)})
        self.shas: list[str] = []  # the commits read so far, oldest first
        self.files: dict[str, Items] = {}  # path -> what it holds now
        self.where: dict[str, str] = {}  # record id -> the path holding it now
        self.history: dict[str, list[Version]] = {}  # record id -> its versions, oldest first
        self.gone: set[str] = set()  # records removed from every file (a return is a new version)
        self._facts: OrderedDict[tuple[str, str], dict[str, Any] | None] = OrderedDict()

    def advance(self, commits: Sequence[CommitInfo]) -> None:
        """Read ``commits`` (a history starting where this one started) up to its end."""
        if len(commits) < len(self.shas) or (self.shas and commits[len(self.shas) - 1].sha != self.shas[-1]):
            raise ValueError("not a continuation of the history read so far")
        self._prefetch(commits[len(self.shas):])
        for index in range(len(self.shas), len(commits)):
            self._apply(index, commits[index])
            self.shas.append(commits[index].sha)

    def _prefetch(self, commits: Sequence[CommitInfo]) -> None:
        """Split every blob these commits bring that is not known yet, read in one stream from git."""
        wanted_blobs: dict[str, str] = {}  # key -> path
        for commit in commits:
            for change in commit.changes:
                if change.status != "D" and wanted(change.path, self.ignore):
                    key = change.new_blob + (".md" if change.path.endswith(".md") else "")
                    if key not in self.known:
                        wanted_blobs.setdefault(key, change.path)
        if not wanted_blobs:
            return
        # newest first: git packs keep a file's newest version whole and older ones as deltas against it,
        # so reading back in time finds each delta's base already unpacked (a quarter less time in git)
        pairs = list(reversed(wanted_blobs.items()))
        self.known.update(split_in_two(self.root, pairs, self.texts) if len(pairs) >= PARALLEL_FROM
                          else split_blobs(self.root, pairs, self.texts))
        self._learnt = True

    def _items(self, path: str, blob: str) -> Items:
        """What a blob holds (every blob of the commits being read was split by :meth:`_prefetch`)."""
        return self.known[blob + (".md" if path.endswith(".md") else "")]

    def _apply(self, index: int, commit: CommitInfo) -> None:
        touched: set[str] = set()
        for change in commit.changes:
            if not wanted(change.path, self.ignore):
                continue
            old = self.files.pop(change.path, {})
            new = {} if change.status == "D" else self._items(change.path, change.new_blob)
            if new:
                self.files[change.path] = new
            path, where = change.path, self.where
            for record_id in old.keys() - new.keys():
                if where.get(record_id) == path:
                    del where[record_id]
                    touched.add(record_id)
            if touched:
                touched.difference_update(new)  # moved here within the commit: not gone
            # a commit changes a few records of a file: those with the same text where they were (so not gone
            # either) are passed over in one comprehension, and only the others are looked at one by one
            before, placed = old.get, where.get
            for record_id, item in [(record_id, item) for record_id, item in new.items()
                                    if before(record_id) != item or placed(record_id) != path]:
                kind, digest, stamps = item
                where[record_id] = path
                versions = self.history.setdefault(record_id, [])
                if not versions or versions[-1].digest != digest or record_id in self.gone:
                    if versions and versions[-1].index == index:
                        versions.pop()  # twice in one commit: the last place it is in counts
                    versions.append(Version(index, record_id, kind, path, change.new_blob, digest, stamps))
                self.gone.discard(record_id)
        self.gone |= touched  # removed from every file by this commit

    def of(self, record_id: str, upto: int | None = None) -> list[Version]:
        """The versions of a record, oldest first; only those of the first ``upto`` commits when given."""
        versions = self.history.get(record_id, [])
        if upto is None or not versions or versions[-1].index < upto:
            return versions
        return [v for v in versions if v.index < upto]

    def changes(self, upto: int | None = None) -> Iterator[Version]:
        """Every version of every record (each one a record added or changed), in no particular order."""
        for versions in self.history.values():
            for version in versions:
                if upto is None or version.index < upto:
                    yield version

    def facts(self, version: Version) -> dict[str, Any] | None:
        """The parsed fields of a record at a version (``body`` for Markdown); None when they cannot be read."""
        return self.facts_of([version])[0]

    def facts_of(self, wanted: Sequence[Version]) -> list[dict[str, Any] | None]:
        """:meth:`facts` of many versions at once: the blobs not read yet come in one stream from git."""
        todo = [v for v in dict.fromkeys(wanted) if (v.blob, v.id) not in self._facts]
        for version, text in zip(todo, self.texts_of(todo), strict=True):
            found = parsed(version.path, text) if text is not None else []
            self._facts[(version.blob, version.id)] = next((f for rid, _, f in found if rid == version.id), None)
        out = [self._facts.get((version.blob, version.id)) for version in wanted]
        while len(self._facts) > FACTS_HELD:
            self._facts.popitem(last=False)
        return out

    def texts_of(self, wanted: Sequence[Version]) -> list[str | None]:
        """The text of each version: the record's own lines where the file could be cut apart, else the whole file.

        Cheaper than :meth:`facts_of` (nothing is parsed), so a rule can look
        for a value in the text first and parse only the versions holding it.
        A version whose text a split kept is not read again (the split of
        this run, or of one before it: the texts are kept in the user cache
        with what each blob holds); one read here is kept for the next run.
        """
        texts: dict[tuple[str, str], str | None] = {}
        by_blob: dict[str, list[Version]] = {}
        for version in wanted:
            kept = self.texts.by_digest.get(version.digest)
            if kept is not None:
                texts[(version.blob, version.id)] = kept
            else:
                by_blob.setdefault(version.blob, []).append(version)
        for blob, data in self._read_many(list(by_blob)):
            try:
                text = yamlio.decode(data)
            except yamlio.YamlProblem:
                text = None
            pieces: dict[str, dict[str, tuple[str, str]] | None] = {}
            for version in by_blob[blob]:
                if text is not None and version.path not in pieces:
                    pieces[version.path] = cut(version.path, text)
                cut_up = pieces.get(version.path)
                if cut_up and version.id in cut_up:
                    piece = texts[(blob, version.id)] = cut_up[version.id][1]
                    if version.kind in TEXT_KINDS and digest(piece) == version.digest:
                        self.texts.keep(version.digest, piece)  # read once: kept for the next run too
                        self._texts_learnt |= version.digest in self.texts.by_digest  # (unless over the cap)
                else:
                    texts[(blob, version.id)] = text
        return [texts.get((version.blob, version.id)) for version in wanted]

    def _read_many(self, blobs: list[str]) -> Iterator[tuple[str, bytes]]:
        """The bytes of ``blobs`` in one stream from git (b"" for one git does not have)."""
        from isoctl.history import catfile

        for blob, data in catfile.read_blobs(self.root, blobs, max_bytes=yamlio.MAX_BYTES):
            yield blob, data or b""

    def save(self) -> None:
        """Keep what the blobs read this run hold and the texts read, for the next run (nothing when nothing was
        read)."""
        bodies = {}
        if self._learnt:
            bodies[self._store_key] = cache.dumps(self.known)  # (the item tuples are written as JSON lists)
        if self._learnt or self._texts_learnt:
            bodies[self._texts_key] = cache.dumps(self.texts.by_digest)
        if bodies:
            cache.write_many("versions", bodies)
        self._learnt = self._texts_learnt = False


_open: dict[tuple[str, str, tuple[str, ...]], RecordVersions] = {}


def along(history: Sequence[CommitInfo], ignore: Sequence[str], root: Path) -> RecordVersions:
    """The record versions of ``history`` (of the workspace at ``root``), shared by every rule of a run and by
    every point of a timeline.

    The timeline asks for one prefix of the same history after another: the
    versions read for one point are kept and only the commits after it are
    read for the next. A history that is not a continuation starts afresh.
    """
    key = (str(root), history[0].sha if history else "", tuple(ignore))
    versions = _open.get(key)
    if versions is None:
        versions = RecordVersions(ignore, root)
        _open.clear()
        _open[key] = versions
    if len(history) > len(versions.shas):
        try:
            versions.advance(history)
        except ValueError:
            versions = _open[key] = RecordVersions(ignore, root)
            versions.advance(history)
    elif history and versions.shas[len(history) - 1] != history[-1].sha:
        versions = _open[key] = RecordVersions(ignore, root)
        versions.advance(history)
    return versions


def save_all() -> None:
    """Write what the open record versions learnt to the user cache (at the end of a run); stop helpers."""
    ahead.cancel_ahead()
    for versions in _open.values():
        versions.save()
