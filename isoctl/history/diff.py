"""What changed in a management system between two revisions: records, coverage, readiness, findings.

A diff is a pure function of two evaluated states, each a loaded
:class:`~isoctl.workspace.load.Workspace` and the :class:`~isoctl.model.result.Result`
of analysing it on the *same* ``today`` (the caller's job), so that only the
records differ, not the clock: an action does not turn overdue because one
side was evaluated a month later.

Matching is by identity, never by position:

* records by ``id``; one that moved to another file, or whose file was
  renamed, is a *changed* record with ``moved_from`` set, not a removal plus an
  addition;
* clauses by (standard, clause);
* findings by what they say (rule, record, clause, message), not by line and
  column, so an edit that shifts a file's lines changes nothing. A finding
  tied to neither a record nor a clause (a file that does not parse) is
  identified by its file as well, since the file is then what it is about.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from isoctl.model.result import ClauseCoverage, Finding, Result, Status
from isoctl.workspace.load import Workspace
from isoctl.workspace.records import LoadedRecord

#: Scalar values are shown old → new, strings cut to about this many characters.
SHORT = 60

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Revision:
    """One side of a diff: a commit (as the user named it), or the working tree when ``rev`` is None."""

    rev: str | None
    commit: str | None = None
    date: dt.datetime | None = None

    @property
    def working_tree(self) -> bool:
        return self.rev is None

    @property
    def label(self) -> str:
        """How the side reads in a heading: ``v1 (0a1b2c3d, 2026-01-10)``, ``0a1b2c3d (2026-01-10)``, ``working tree``."""
        if self.rev is None:
            return "working tree"
        day = self.date.date().isoformat() if self.date else None
        if self.commit is None:
            return self.rev
        if self.commit.startswith(self.rev.lower()):  # the user gave a sha: say it once
            return f"{self.commit[:8]} ({day})" if day else self.commit[:8]
        return f"{self.rev} ({self.commit[:8]}, {day})" if day else f"{self.rev} ({self.commit[:8]})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rev": self.rev,
            "commit": self.commit,
            "date": self.date.isoformat() if self.date else None,
            "working_tree": self.working_tree,
        }


@dataclass(frozen=True)
class RecordRef:
    """A record added or removed: enough to find it."""

    id: str
    kind: str
    title: str
    path: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "path": self.path}


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed record (nested mappings are dotted: ``verification.effective``).

    Scalars carry ``old`` and ``new`` (None when the field was absent), long
    strings cut to :data:`SHORT` characters. Multi-line text, lists and values
    that would read the same once cut carry ``detail`` instead, a short
    description such as ``+2 −1 lines`` or ``+iso9001:8.5.1, −iso9001:8.5``.
    """

    field: str
    old: Scalar
    new: Scalar
    detail: str | None = None

    @property
    def text(self) -> str:
        """``open → closed``, ``(none) → 2026-03-01`` or the detail."""
        return self.detail if self.detail is not None else f"{show(self.old)} → {show(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "detail": self.detail}


@dataclass(frozen=True)
class RecordChange:
    """A record present on both sides that changed its fields, its file, or both."""

    id: str
    kind: str
    title: str
    path: str
    moved_from: str | None
    fields: tuple[FieldChange, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "path": self.path, "moved_from": self.moved_from,
                "fields": [f.as_dict() for f in self.fields]}


@dataclass(frozen=True)
class ClauseChange:
    """A clause whose status changed; None on the side where its standard was not in scope."""

    standard: str
    clause: str
    title: str | None
    old: Status | None
    new: Status | None

    def as_dict(self) -> dict[str, Any]:
        return {"standard": self.standard, "clause": self.clause, "title": self.title, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ReadinessChange:
    """Readiness of one standard on each side (None where it was not in scope)."""

    standard: str
    title: str
    old: float | None
    new: float | None

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def as_dict(self) -> dict[str, Any]:
        return {"standard": self.standard, "title": self.title, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Diff:
    """Everything ``isoctl diff`` renders."""

    version: str
    today: dt.date
    old: Revision
    new: Revision
    added: tuple[RecordRef, ...]
    removed: tuple[RecordRef, ...]
    changed: tuple[RecordChange, ...]
    coverage: tuple[ClauseChange, ...]
    readiness: tuple[ReadinessChange, ...]
    appeared: tuple[Finding, ...]
    disappeared: tuple[Finding, ...]
    records: tuple[int, int] = (0, 0)  # how many records each side has

    @property
    def moved(self) -> int:
        """Changed records that live in another file now."""
        return sum(1 for c in self.changed if c.moved_from is not None)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.coverage or self.appeared
                    or self.disappeared or any(r.changed for r in self.readiness))

    def as_dict(self) -> dict[str, Any]:
        """The ``diff --format json`` document (format 1)."""
        return {
            "isoctl": self.version,
            "format": 1,
            "today": self.today.isoformat(),
            "from": self.old.as_dict(),
            "to": self.new.as_dict(),
            "records": {
                "added": [r.as_dict() for r in self.added],
                "removed": [r.as_dict() for r in self.removed],
                "changed": [c.as_dict() for c in self.changed],
            },
            "coverage": [c.as_dict() for c in self.coverage],
            "readiness": [r.as_dict() for r in self.readiness],
            "findings": {
                "appeared": [f.as_dict() for f in self.appeared],
                "disappeared": [f.as_dict() for f in self.disappeared],
            },
        }


def compare(old: tuple[Workspace, Result], new: tuple[Workspace, Result], *,
            old_rev: Revision, new_rev: Revision) -> Diff:
    """The differences from ``old`` to ``new``; both results should have been analysed on the same day."""
    (old_ws, old_result), (new_ws, new_result) = old, new
    added, removed, changed = _records(old_ws.records, new_ws.records)
    appeared, disappeared = _findings(old_result.findings, new_result.findings)
    return Diff(
        version=new_result.version,
        today=new_result.workspace.today,
        old=old_rev,
        new=new_rev,
        added=added,
        removed=removed,
        changed=changed,
        coverage=_coverage(old_result.clauses, new_result.clauses),
        readiness=_readiness(old_result, new_result),
        appeared=appeared,
        disappeared=disappeared,
        records=(old_result.records, new_result.records),
    )


# -- records -------------------------------------------------------------------


def _by_id(records: Iterable[LoadedRecord]) -> dict[str, LoadedRecord]:
    """Records by id; with a duplicated id the first wins (``duplicate-id`` reports the others)."""
    out: dict[str, LoadedRecord] = {}
    for record in records:
        out.setdefault(record.id, record)
    return out


def natural(record_id: str) -> tuple[tuple[int, int | str], ...]:
    """``ACT-2`` before ``ACT-10``: runs of digits compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", record_id) if part)


def _ref(record: LoadedRecord) -> RecordRef:
    return RecordRef(record.id, record.kind, record.model.title, record.file.relative)


def _records(old: Sequence[LoadedRecord], new: Sequence[LoadedRecord]
             ) -> tuple[tuple[RecordRef, ...], tuple[RecordRef, ...], tuple[RecordChange, ...]]:
    before, after = _by_id(old), _by_id(new)
    added = tuple(_ref(after[i]) for i in sorted(after.keys() - before.keys(), key=natural))
    removed = tuple(_ref(before[i]) for i in sorted(before.keys() - after.keys(), key=natural))
    changed = []
    for record_id in sorted(before.keys() & after.keys(), key=natural):
        was, now = before[record_id], after[record_id]
        fields = tuple(field_changes(_values(was), _values(now)))
        moved = was.file.relative if was.file.relative != now.file.relative else None
        if fields or moved:
            changed.append(RecordChange(record_id, now.kind, now.model.title, now.file.relative, moved, fields))
    return added, removed, tuple(changed)


def _values(record: LoadedRecord) -> dict[str, Any]:
    """The record's fields as plain JSON data, defaults included: writing out a default is no change."""
    values: dict[str, Any] = record.model.model_dump(mode="json")
    values.pop("id", None)
    return values


def _flatten(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[FieldChange]:
    """The fields that differ, in the new record's field order, then fields only the old one had."""
    before, after = dict(_flatten(old)), dict(_flatten(new))
    for name in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(name), after.get(name)
        if was != now and not (_blank(was) and _blank(now)):
            yield _change(name, was, now)


def _blank(value: Any) -> bool:
    """Absent, null, an empty list or mapping: a record reads the same either way."""
    return value is None or value == [] or value == {}


def _change(name: str, was: Any, now: Any) -> FieldChange:
    if isinstance(was, list) or isinstance(now, list):
        return FieldChange(name, None, None, _list_detail(was or [], now or []))
    if _multiline(was) or _multiline(now):
        return FieldChange(name, None, None, _text_detail(was, now))
    old, new = shorten(was), shorten(now)
    if old == new:  # differing only past the cut
        return FieldChange(name, None, None, "changed")
    return FieldChange(name, old, new)


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip()


def shorten(value: Any, limit: int = SHORT) -> Scalar:
    """A scalar as is; a string on one line and cut to ``limit`` characters with an ellipsis."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return shorten(str(value), limit)


def show(value: Scalar) -> str:
    """A scalar as a person reads it: ``(none)`` for absent, YAML's ``true``/``false``."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _text_detail(was: Any, now: Any) -> str:
    old_lines = str(was).splitlines() if was is not None else []
    new_lines = str(now).splitlines() if now is not None else []
    if was is None:
        return f"added ({plural(len(new_lines), 'line')})"
    if now is None:
        return f"removed ({plural(len(old_lines), 'line')})"
    plus = minus = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "equal":
            minus += i2 - i1
            plus += j2 - j1
    return f"changed (+{plus} −{minus} lines)" if plus or minus else "changed (whitespace)"


def _list_detail(was: list[Any], now: list[Any]) -> str:
    if all(isinstance(v, str | int | float | bool) for v in (*was, *now)):
        gone = [f"−{v}" for v in was if v not in now]
        came = [f"+{v}" for v in now if v not in was]
        text = ", ".join(str(v) for v in (*came, *gone))
        return str(shorten(text)) if text else "reordered"
    if len(was) != len(now):
        return f"changed ({len(was)} → {len(now)} items)"
    return "changed"


# -- coverage and readiness --------------------------------------------------------


def _coverage(old: Sequence[ClauseCoverage], new: Sequence[ClauseCoverage]) -> tuple[ClauseChange, ...]:
    """Leaf clauses whose status differs; parents only roll their children up, so they would repeat them."""
    before = {(c.standard, c.clause): c for c in old if c.leaf}
    after = {(c.standard, c.clause): c for c in new if c.leaf}
    order = [*after, *(key for key in before if key not in after)]
    changes = []
    for key in order:
        was, now = before.get(key), after.get(key)
        if (was.status if was else None) != (now.status if now else None):
            title = now.title if now is not None else was.title if was is not None else None
            changes.append(ClauseChange(key[0], key[1], title, was.status if was else None, now.status if now else None))
    ranked = _standard_order([c.standard for c in new], [c.standard for c in old])
    changes.sort(key=lambda c: ranked[c.standard])  # stable: keeps catalog order within a standard
    return tuple(changes)


def _standard_order(*sequences: Iterable[str]) -> dict[str, int]:
    order: dict[str, int] = {}
    for sequence in sequences:
        for standard in sequence:
            order.setdefault(standard, len(order))
    return order


def _readiness(old: Result, new: Result) -> tuple[ReadinessChange, ...]:
    """Every standard on either side, in the new side's order, then those that left scope."""
    before = {c.standard: c for c in old.coverage}
    after = {c.standard: c for c in new.coverage}
    out = []
    for standard in _standard_order(after, before):
        now, was = after.get(standard), before.get(standard)
        title = now.title if now is not None else was.title if was is not None else standard
        out.append(ReadinessChange(standard, title, was.readiness if was else None, now.readiness if now else None))
    return tuple(out)


# -- findings -------------------------------------------------------------------


def finding_key(finding: Finding) -> tuple[str, str | None, str | None, str, str | None]:
    """What a finding is about, without where it sits: moving lines or files changes no key."""
    path = finding.path if finding.record is None and finding.clause is None else None
    return (finding.rule, finding.record, finding.clause, finding.message, path)


def _findings(old: Sequence[Finding], new: Sequence[Finding]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings only in ``new`` and only in ``old``, counted as multisets (a message may repeat)."""
    before: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    after: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    for finding in old:
        before[finding_key(finding)].append(finding)
    for finding in new:
        after[finding_key(finding)].append(finding)
    appeared = [f for key, found in after.items() for f in found[len(before.get(key, ())):]]
    disappeared = [f for key, found in before.items() for f in found[len(after.get(key, ())):]]
    return tuple(sorted(appeared, key=Finding.sort_key)), tuple(sorted(disappeared, key=Finding.sort_key))
