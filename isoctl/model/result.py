"""The one result every output format starts from.

A :class:`Result` is plain data: findings, per-clause coverage and the roll-up
per standard, plus enough about the workspace and the rules to render any
format without going back to the files.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Status = Literal["covered", "partial", "missing", "excluded"]
#: What a rule is about, which decides where the formats put its findings: problems reading the workspace,
#: clause coverage (the gap matrix), a system kept alive over time, or what the git history shows.
RuleCategory = Literal["loading", "coverage", "living", "history"]
RULE_CATEGORIES: tuple[RuleCategory, ...] = ("loading", "coverage", "living", "history")

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, what, and exactly where (1-based line and column)."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    clause: str | None = None
    record: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        """Findings sort by place, then rule; a stable sort keeps each rule's own (document) order."""
        return (self.path, self.line, self.column, self.rule)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))  # every field is a plain value: no deep copy needed


def chosen(rule_id: str, select: Collection[str], ignore: Collection[str]) -> bool:
    """Whether ``--select`` and ``--ignore`` leave a rule to run: ``--select`` names it (or names none), and
    ``--ignore`` does not. The manifest's ``rules:`` may still turn it off."""
    return rule_id not in ignore and (not select or rule_id in select)


@dataclass(frozen=True)
class RuleInfo:
    """What a rule is, for formats that describe rules (SARIF, JUnit, ``isoctl rules``)."""

    id: str
    default_severity: Severity
    severity: Severity | Literal["off"]
    summary: str
    doc: str
    category: RuleCategory

    def __post_init__(self) -> None:
        # a cached result from before categories, or a tampered one, must be a miss rather than mislead a format
        if self.category not in RULE_CATEGORIES:
            raise ValueError(f"rule {self.id}: unknown category {self.category!r}")


@dataclass
class ClauseCoverage:
    """The status of one clause of one standard in scope, and why."""

    standard: str  # edition id, e.g. iso9001-2015
    family: str
    clause: str
    title: str | None
    status: Status
    leaf: bool
    depth: int
    parent: str | None
    records: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """The clause as records reference it: ``iso9001:8.5.1``."""
        return f"{self.family}:{self.clause}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "clause": self.clause,
            "title": self.title,
            "status": self.status,
            "records": list(self.records),
            "reasons": list(self.reasons),
        }


@dataclass
class StandardCoverage:
    """The roll-up for one standard: counts over leaf clauses and readiness."""

    standard: str
    title: str
    clauses: int
    covered: int
    partial: int
    missing: int
    excluded: int

    @property
    def readiness(self) -> float:
        """covered / (clauses - excluded), rounded to two places; 1.0 when everything is excluded."""
        denominator = self.clauses - self.excluded
        return round(self.covered / denominator, 2) if denominator else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "clauses": self.clauses,
            "covered": self.covered,
            "partial": self.partial,
            "missing": self.missing,
            "excluded": self.excluded,
            "readiness": self.readiness,
        }


@dataclass
class WorkspaceInfo:
    root: str  # as shown to the user (relative to the current directory where possible)
    today: dt.date
    commit: str | None = None
    dirty: bool = False
    organization: str | None = None


@dataclass
class Result:
    """Everything ``check``, ``gap`` and the reports render."""

    version: str
    workspace: WorkspaceInfo
    records: int
    files: int
    coverage: list[StandardCoverage]
    clauses: list[ClauseCoverage]
    findings: list[Finding]
    rules: dict[str, RuleInfo]
    #: what the user should know about how this answer was reached (e.g. history rules skipped on a shallow clone)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = Counter(f.severity for f in self.findings)
        return {s: counted.get(s, 0) for s in SEVERITIES}

    def unread(self) -> list[str]:
        """The files whose records are (wholly or partly) missing from this result, sorted.

        A file that does not parse or cannot be read, a record that does not
        fit its schema, and a symlink to a file or folder outside the
        workspace: whatever they hold is in no count, matrix or register, and
        a reader of ``gap`` or a report must be told so.
        """
        return sorted({f.path for f in self.findings if f.rule in ("parse-error", "schema-error")
                       or (f.rule == "path-outside-workspace" and f.message.startswith("symlink to a"))})

    def failing(self, threshold: Severity) -> list[Finding]:
        """Findings at or above ``threshold``."""
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]]

    def as_dict(self) -> dict[str, Any]:
        """The ``check --format json`` document (format 1, design §5.1)."""
        return {
            "isoctl": self.version,
            "format": 1,
            "workspace": {
                "root": self.workspace.root,
                "commit": self.workspace.commit,
                "dirty": self.workspace.dirty,
                "today": self.workspace.today.isoformat(),
            },
            "summary": {**self.counts(), "records": self.records, "files": self.files},
            "coverage": [c.as_dict() for c in self.coverage],
            "findings": [f.as_dict() for f in self.findings],
        }


def to_cache(result: Result) -> dict[str, Any]:
    """Everything in a Result as JSON-ready data (the inverse of :func:`from_cache`)."""
    # Shallow views of each dataclass's fields: the value is serialised at once, and
    # dataclasses.asdict's deep copy of every clause's record list cost seconds at 50k records.
    return {
        "version": result.version,
        "workspace": {**vars(result.workspace), "today": result.workspace.today.isoformat()},
        "records": result.records,
        "files": result.files,
        "coverage": [vars(c) for c in result.coverage],
        "clauses": [vars(c) for c in result.clauses],
        "findings": [vars(f) for f in result.findings],
        "rules": {k: vars(v) for k, v in result.rules.items()},
        "notes": list(result.notes),
    }


def from_cache(data: dict[str, Any]) -> Result:
    """A Result back from :func:`to_cache` data; raises KeyError/TypeError/ValueError when it does not fit."""
    info = dict(data["workspace"])
    info["today"] = dt.date.fromisoformat(info["today"])
    return Result(
        version=str(data["version"]),
        workspace=WorkspaceInfo(**info),
        records=int(data["records"]),
        files=int(data["files"]),
        coverage=[StandardCoverage(**c) for c in data["coverage"]],
        clauses=[ClauseCoverage(**c) for c in data["clauses"]],
        findings=[Finding(**f) for f in data["findings"]],
        rules={k: RuleInfo(**v) for k, v in data["rules"].items()},
        notes=[str(n) for n in data["notes"]],
    )
