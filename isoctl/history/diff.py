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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from isoctl.history.record_changes import RecordChange, RecordRef, compare_records
from isoctl.model.result import ClauseCoverage, Finding, Result, Status
from isoctl.workspace.load import Workspace


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
    added, removed, changed = compare_records(old_ws.records, new_ws.records)
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
