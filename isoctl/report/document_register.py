"""The document register: every document with its approval data and its revision history from git (7.5.3).

An auditor checking document control asks, for each document, who changed
it, when and why. git already knows: this module reads it from the one
``git log`` the report makes (:func:`isoctl.history.revisions.log`, the
first-parent line with the files each commit changed), never one call per
document.

Revisions are followed by record id, not by file name: every changed blob of
a record file that mentions ``document`` is parsed, and a commit counts as a
revision of a document when that document's content (its fields, and the
body of a Markdown document) differs from before, or when it appeared in
another file. So a renamed or reorganised file keeps its documents' history,
a commit that touched only the comments of a register file is not a
revision, and a commit that changed one document of a file holding twenty
lists only that one. A document's own file (``path:``, e.g. a PDF kept in the
repository) counts as well: each commit that changed it is a revision.

Limits, said in the report: a merged branch shows as its merge commit (the
first-parent line is what was accepted into the system); a shallow clone
has no history before its oldest commit; without git there is no history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from isoctl.analysis.coverage import review_due
from isoctl.files import cache, yamlio
from isoctl.history.revisions import CommitInfo
from isoctl.model.records import Document
from isoctl.workspace.files import wanted
from isoctl.workspace.read import NotRecords, read
from isoctl.workspace.records import LoadedRecord

HistoryState = Literal["full", "partial", "unavailable"]

NOTES: dict[HistoryState, str] = {
    "full": "Revision history from git: every commit on the main line that changed the document or its file.",
    "partial": "This is a shallow clone: revisions before its oldest commit are missing, so the history is partial. "
               "Fetch the full history with 'git fetch --unshallow' and run the report again.",
    "unavailable": "The revision history is unavailable: the workspace is not in a git repository, has no commit yet, "
                   "or git could not read it (the report's revision says which).",
}


@dataclass(frozen=True)
class Revision:
    """One commit that changed a document; ``commit`` is None for uncommitted changes in the working tree."""

    commit: str | None
    date: dt.date | None
    author: str
    message: str
    change: str  # "added", "changed", "moved from policies/old.md", "file docs/x.pdf changed", ...

    @property
    def short(self) -> str:
        return self.commit[:8] if self.commit else "uncommitted"


@dataclass(frozen=True)
class DocumentEntry:
    """One document of the register."""

    id: str
    title: str
    type: str
    status: str
    version: str | None
    owner: str | None
    approved_by: str | None
    approved_on: dt.date | None
    review_due: dt.date | None
    file: str  # the file holding the record
    attachment: str | None  # the document's own file (``path:``), if any
    revisions: tuple[Revision, ...]
    uncontrolled: str | None = None  # why it changed without a new approval (the changed-after-approval finding)

    @property
    def last_changed(self) -> dt.date | None:
        dated = [r.date for r in self.revisions if r.date is not None]
        return max(dated) if dated else None


@dataclass(frozen=True)
class DocumentRegister:
    documents: tuple[DocumentEntry, ...]
    history: HistoryState

    @property
    def note(self) -> str:
        return NOTES[self.history]

    @property
    def revisions(self) -> int:
        return sum(len(d.revisions) for d in self.documents)


Fingerprints = dict[str, str]  # document id -> digest of its content


def _fingerprints(relative: str, data: bytes) -> Fingerprints:
    """The documents a file holds and a digest of each one's content; nothing for a file that does not parse."""
    if b"document" not in data:  # cheap: a file without the word holds no document record
        return {}
    try:
        raw = read(relative, yamlio.decode(data))
    except (yamlio.YamlProblem, NotRecords):
        return {}
    if raw is None:
        return {}
    out: Fingerprints = {}
    for item in raw.records:
        if isinstance(item, dict) and item.get("kind") == "document" and isinstance(item.get("id"), str):
            content = json.dumps([item, raw.body], sort_keys=True, default=str, ensure_ascii=False)
            out.setdefault(item["id"], hashlib.blake2b(content.encode(), digest_size=16).hexdigest())
    return out


class _Tracker:
    """Where each document lives and what it looks like, brought forward commit by commit."""

    def __init__(self, read_blob: Callable[[str], bytes], ignore: Sequence[str],
                 known: dict[str, Fingerprints] | None = None) -> None:
        self.read_blob = read_blob
        self.ignore = ignore
        # a blob's documents never change: remembered between runs (a Markdown blob is read differently)
        self.known: dict[str, Fingerprints] = known if known is not None else {}
        self.files: dict[str, Fingerprints] = {}  # path -> its documents
        self.where: dict[str, str] = {}  # document id -> path

    def apply(self, commit: CommitInfo, attachments: dict[str, list[str]], out: dict[str, list[Revision]]) -> None:
        before = dict(self.where)
        seen: dict[str, list[str]] = {}
        day = commit.authored.date()
        for change in commit.changes:
            for document_id in attachments.get(change.path, ()):
                verb = "added" if change.status == "A" else "deleted" if change.status == "D" else "changed"
                seen.setdefault(document_id, []).append(f"file {change.path} {verb}")
            if not wanted(change.path, self.ignore):
                continue
            old = self.files.pop(change.path, {})
            new = {} if change.status == "D" else self._prints(change.path, change.new_blob)
            if new:
                self.files[change.path] = new
            for document_id in old.keys() - new.keys():
                if self.where.get(document_id) == change.path:
                    del self.where[document_id]
            for document_id, digest in new.items():
                self.where[document_id] = change.path
                was = before.get(document_id)
                if was is None:
                    seen.setdefault(document_id, []).insert(0, "added")
                elif was != change.path:
                    seen.setdefault(document_id, []).insert(0, f"moved from {was}")
                elif old.get(document_id) != digest:
                    seen.setdefault(document_id, []).insert(0, "changed")
        for document_id, what in seen.items():
            out.setdefault(document_id, []).append(
                Revision(commit.sha, day, commit.author, commit.subject, "; ".join(what)))

    def _prints(self, path: str, blob: str) -> Fingerprints:
        key = f"{blob}{'.md' if path.endswith('.md') else ''}"
        found = self.known.get(key)
        if found is None:
            try:
                data = self.read_blob(blob)
            except yamlio.TooLarge:  # too large for a record: it holds no document
                data = b""
            found = self.known[key] = _fingerprints(path, data)
        return found


def revisions(
    commits: Iterable[CommitInfo],
    documents: Sequence[LoadedRecord],
    read_blob: Callable[[str], bytes],
    *,
    ignore: Sequence[str] = (),
    root: Path | None = None,
) -> dict[str, list[Revision]]:
    """Each document's revisions, oldest first, from the commits (oldest first) of one ``git log``.

    With ``root`` (a working tree with uncommitted changes), a document whose
    file on disk differs from the last commit gets a final "uncommitted" entry.
    """
    attachments: dict[str, list[str]] = {}
    for record in documents:
        model = record.model
        if isinstance(model, Document) and model.path:
            attachments.setdefault(model.path.strip("/"), []).append(record.id)
    store_key = cache.digest(["document-prints-1", os.fsencode(root.resolve()) if root is not None else b""])
    known = cache.read("documents", store_key)
    tracker = _Tracker(read_blob, ignore, known if isinstance(known, dict) else None)
    learnt = len(tracker.known)
    out: dict[str, list[Revision]] = {}
    for commit in commits:
        tracker.apply(commit, attachments, out)
    if len(tracker.known) != learnt:
        cache.write("documents", store_key, tracker.known)
    if root is not None:
        _uncommitted(root, documents, tracker, out)
    return out


def _uncommitted(root: Path, documents: Sequence[LoadedRecord], tracker: _Tracker, out: dict[str, list[Revision]]) -> None:
    on_disk: dict[str, Fingerprints] = {}
    for record in documents:
        relative = record.file.relative
        if relative not in on_disk:
            try:  # as loading read it: a plain file, not blocking, within a record's size (it may have changed since)
                on_disk[relative] = _fingerprints(relative, yamlio.read_bytes(root / relative))
            except (OSError, yamlio.YamlProblem):
                on_disk[relative] = {}
        committed = tracker.files.get(relative, {}).get(record.id)
        if committed is None or committed != on_disk[relative].get(record.id):
            what = "added" if record.id not in tracker.where else (
                "changed" if tracker.where[record.id] == relative else f"moved from {tracker.where[record.id]}")
            out.setdefault(record.id, []).append(Revision(None, None, "", "uncommitted changes in the working tree", what))


def build(
    documents: Sequence[LoadedRecord],
    history: dict[str, list[Revision]] | None,
    *,
    shallow: bool,
    names: dict[str, str],
    review_days: int,
    uncontrolled: dict[str, str] | None = None,
) -> DocumentRegister:
    """The register: every document in id order with its revisions (``history`` None when there is no git).

    ``uncontrolled`` marks the documents changed after their approval without
    a new one: what the ``changed-after-approval`` finding said, by id.
    """
    from isoctl.history.record_changes import natural

    def name(person: str | None) -> str | None:
        return names.get(person, person) if person else None

    entries = []
    for record in sorted(documents, key=lambda r: natural(r.id)):
        model: Any = record.model
        entries.append(DocumentEntry(
            id=record.id, title=model.title, type=model.type, status=model.status, version=model.version,
            owner=name(model.owner), approved_by=name(model.approved_by), approved_on=model.approved_on,
            review_due=review_due(model, review_days) if model.status == "approved" else None,
            file=record.file.relative, attachment=model.path,
            revisions=tuple((history or {}).get(record.id, ())),
            uncontrolled=(uncontrolled or {}).get(record.id),
        ))
    state: HistoryState = "unavailable" if history is None else "partial" if shallow else "full"
    return DocumentRegister(tuple(entries), state)
