"""What a migration did and what it leaves to people, as plain data every output format starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DecisionKind = Literal[
    "new-control", "new-clause", "merged", "split", "domain", "removed", "first-only", "soa-rows", "justification",
    "retitled", "unresolved",
]

#: The order decisions are listed in, and the heading of each group.
DECISION_GROUPS: dict[str, str] = {
    "new-control": "New controls to assess",
    "new-clause": "New clauses to map",
    "soa-rows": "SoA rows that now share a control",
    "merged": "Merged clauses: reread these records",
    "split": "Split clauses: reread these records",
    "domain": "Headings that no longer exist: reread these records",
    "removed": "References removed without a successor",
    "first-only": "Single-valued fields that kept the first of several successors",
    "justification": "SoA rows whose text mentions an old control number",
    "retitled": "Retitled clauses (references unchanged)",
    "unresolved": "References the transition table does not know (left as they were)",
}


@dataclass(frozen=True)
class Place:
    """A record (or the manifest) at a line of a file."""

    path: str
    line: int
    record: str | None  # the record's id; None for the manifest

    def __str__(self) -> str:
        return f"{self.record} ({self.path}:{self.line})" if self.record else f"{self.path}:{self.line}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record}


@dataclass(frozen=True)
class Change:
    """One value rewritten: a reference, an edition in the manifest, or a record id."""

    place: Place
    field: str  # clauses, control, findings[0].clause, standards, exclusions[1].clause, id, related ...
    old: str
    new: tuple[str, ...]  # what the value became, as written (empty: removed)
    dropped: tuple[str, ...] = ()  # successors left out because the list already names them
    change: str = ""  # the transition row's kind (renumbered, merged, split ...), "renamed" for ids

    def as_dict(self) -> dict[str, Any]:
        return {**self.place.as_dict(), "field": self.field, "old": self.old, "new": list(self.new),
                "already_named": list(self.dropped), "change": self.change}


@dataclass
class FileChange:
    """The changes of one file; ``created`` for the new file of SoA rows."""

    path: str
    created: bool = False
    changes: list[Change] = field(default_factory=list)
    added_records: list[str] = field(default_factory=list)  # ids of the records a new file holds

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "created": self.created, "changes": [c.as_dict() for c in self.changes],
                "added_records": list(self.added_records)}


@dataclass(frozen=True)
class Decision:
    """Something the migration cannot decide: what, why, and the records concerned."""

    kind: DecisionKind
    subject: str  # the clause or control concerned, e.g. iso27001:A.5.7
    message: str
    places: tuple[Place, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "records": [p.as_dict() for p in self.places]}


@dataclass(frozen=True)
class Readiness:
    """One standard in scope, before and after (None where it is not in scope on that side)."""

    family: str
    before: str | None  # edition id
    after: str | None
    before_readiness: float | None
    after_readiness: float | None
    before_counts: dict[str, int] | None
    after_counts: dict[str, int] | None

    def as_dict(self) -> dict[str, Any]:
        return {"family": self.family, "before": {"standard": self.before, "readiness": self.before_readiness,
                                                  **(self.before_counts or {})},
                "after": {"standard": self.after, "readiness": self.after_readiness, **(self.after_counts or {})}}


@dataclass(frozen=True)
class FindingCounts:
    """Findings of ``check`` by severity, and the ``unknown-clause`` ones among them."""

    error: int
    warning: int
    info: int
    unknown_clause: int

    def as_dict(self) -> dict[str, int]:
        return {"error": self.error, "warning": self.warning, "info": self.info, "unknown_clause": self.unknown_clause}


@dataclass
class Migration:
    """The whole report: the editions, every change by file, the decisions left, readiness before and after."""

    source: str  # edition id migrated from, e.g. iso27001-2013
    target: str
    source_display: str  # iso27001:2013
    target_display: str
    root: str
    today: str
    dry_run: bool
    files: list[FileChange] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    readiness: list[Readiness] = field(default_factory=list)
    findings_before: FindingCounts | None = None
    findings_after: FindingCounts | None = None
    written: bool = False
    commit: str | None = None
    notes: list[str] = field(default_factory=list)  # said before everything else (nothing to migrate)

    @property
    def references(self) -> int:
        """How many values were rewritten (ids included)."""
        return sum(len(f.changes) for f in self.files)

    @property
    def added_records(self) -> list[str]:
        return [record for f in self.files for record in f.added_records]

    def summary(self) -> str:
        """One line: ``37 references in 5 files, 11 SoA rows added, 14 decisions left``."""
        changed = [f for f in self.files if f.changes]
        parts = [f"{_plural(self.references, 'value')} rewritten in {_plural(len(changed), 'file')}"]
        if self.added_records:
            parts.append(f"{_plural(len(self.added_records), 'SoA row')} added")
        parts.append(f"{_plural(len(self.decisions), 'decision')} left to a person")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "root": self.root,
            "today": self.today,
            "dry_run": self.dry_run,
            "written": self.written,
            "commit": self.commit,
            "summary": self.summary(),
            "notes": list(self.notes),
            "files": [f.as_dict() for f in self.files],
            "decisions": [d.as_dict() for d in self.decisions],
            "readiness": [r.as_dict() for r in self.readiness],
            "findings": {
                "before": self.findings_before.as_dict() if self.findings_before else None,
                "after": self.findings_after.as_dict() if self.findings_after else None,
            },
        }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
