"""The registers of the audit pack as plain rows: actions, audits and findings, objectives (reviews: minutes.py).

Each is a pure function of the loaded records and ``today``; the numbers an
auditor asks for (how long an action has been open, how long closing took,
which review inputs were skipped) are worked out here once, so every format
shows the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from isoctl.history.diff import Diff
from isoctl.history.record_changes import natural
from isoctl.model.manifest import Manifest
from isoctl.model.records import Action, Audit, Objective
from isoctl.model.result import Finding
from isoctl.report.svg import Point, objective_chart, plain
from isoctl.workspace.records import LoadedRecord

OPEN = ("open", "in-progress")


#: Action types whose closure needs a root cause, a corrective action and an effectiveness check (ISO 10.2).
NEEDS_ROOT_CAUSE = ("nonconformity", "incident")


@dataclass(frozen=True)
class ActionRow:
    """One action of the CAPA log, with its age or its time to close, and everything an auditor checks in it."""

    id: str
    title: str
    type: str
    severity: str
    source: str | None
    status: str
    owner: str | None
    raised_on: dt.date
    due: dt.date | None
    closed_on: dt.date | None
    age_days: int | None  # open actions: days since raised
    days_to_close: int | None  # closed actions
    days_overdue: int | None  # open actions past due
    effective: bool | None  # the verification's verdict
    file: str
    raised_by: str | None = None
    description: str | None = None
    correction: str | None = None
    root_cause: str | None = None
    corrective_action: str | None = None
    verified_on: dt.date | None = None
    verified_by: str | None = None
    verification_note: str | None = None

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None

    @property
    def not_effective(self) -> bool:
        """Closed although its effectiveness check found it not effective."""
        return self.effective is False

    @property
    def without_root_cause(self) -> bool:
        """A closed nonconformity or incident with no root cause or no corrective action on record."""
        return (self.status == "closed" and self.type in NEEDS_ROOT_CAUSE
                and not ((self.root_cause or "").strip() and (self.corrective_action or "").strip()))

    @property
    def unverified(self) -> bool:
        """A closed nonconformity or incident with no effectiveness check."""
        return self.status == "closed" and self.type in NEEDS_ROOT_CAUSE and self.effective is None

    @property
    def flags(self) -> tuple[str, ...]:
        """What makes a closure doubtful, in words: such an action never shows as a plain (green) ``closed``."""
        return tuple(text for text, on in (("not effective", self.not_effective),
                                           ("closed without root cause", self.without_root_cause),
                                           ("not verified", self.unverified)) if on)

    @property
    def state(self) -> str:
        """The status as the register colours it: ``closed`` only for a closure nothing is wrong with."""
        if self.overdue:
            return "overdue"
        return "flagged" if self.flags else self.status

    @property
    def verification(self) -> str:
        """The effectiveness check in one line: ``2026-05-01 by Jane Smith: not effective (Labels still wrong)``."""
        if self.effective is None or self.verified_on is None:
            return ""
        text = f"{self.verified_on.isoformat()} by {self.verified_by}: {'effective' if self.effective else 'not effective'}"
        return text + (f" ({self.verification_note.strip()})" if self.verification_note and self.verification_note.strip() else "")

    @property
    def details(self) -> tuple[tuple[str, str], ...]:
        """The CAPA text fields that are filled, labelled, for the detail line under the row."""
        fields = (("Description", self.description), ("Correction", self.correction), ("Root cause", self.root_cause),
                  ("Corrective action", self.corrective_action), ("Effectiveness check", self.verification))
        return tuple((label, text.strip()) for label, text in fields if text and text.strip())


@dataclass(frozen=True)
class ActionSummary:
    total: int
    open: int
    overdue: int
    closed: int
    mean_days_to_close: float | None
    oldest_open_days: int | None
    flagged_ids: tuple[str, ...] = ()  # closed actions whose closure is doubtful (not effective, no root cause, unverified)

    @property
    def flagged(self) -> int:
        return len(self.flagged_ids)


@dataclass(frozen=True)
class FindingRow:
    """An audit finding and the action that answers it (with that action's status)."""

    audit: str
    audit_date: dt.date
    id: str
    type: str
    clause: str | None
    description: str | None
    action: str | None
    action_status: str | None  # None: no action linked; "unknown" when the id does not exist


@dataclass(frozen=True)
class AuditRow:
    id: str
    title: str
    type: str
    status: str
    date: dt.date
    auditor: str | None
    scope: tuple[str, ...]
    findings: int
    file: str
    overdue: bool = False  # still planned on a day that has passed

    @property
    def state(self) -> str:
        """``overdue`` for a planned audit whose date has passed, else its status."""
        return "overdue" if self.overdue else self.status


@dataclass(frozen=True)
class AuditYear:
    """Internal audits of one year, and how many are done."""

    year: int
    audits: tuple[AuditRow, ...]

    @property
    def done(self) -> int:
        return sum(1 for a in self.audits if a.status == "done")


@dataclass(frozen=True)
class ExternalAuditRow:
    """A certification-body audit, from the manifest's certification data or an ``audit`` record."""

    standard: str
    type: str
    date: dt.date
    status: str
    body: str | None
    record: str | None


@dataclass(frozen=True)
class ObjectiveRow:
    id: str
    title: str
    owner: str | None
    target: float
    unit: str | None
    direction: str
    baseline: float | None
    due: dt.date | None
    latest: float | None
    latest_on: dt.date | None
    measurements: tuple[Point, ...]
    chart: str

    @property
    def met(self) -> bool | None:
        """Whether the latest value meets the target (None for ``maintain`` or without a measurement)."""
        if self.latest is None or self.direction == "maintain":
            return None
        return self.latest >= self.target if self.direction == "increase" else self.latest <= self.target

    def show(self, value: float | None) -> str:
        if value is None:
            return ""
        return plain(value) + (f" {self.unit}" if self.unit else "")


def of_kind(records: Iterable[LoadedRecord], kind: type[Any]) -> list[tuple[LoadedRecord, Any]]:
    """The records of one kind with their models, in natural id order."""
    return sorted(((r, r.model) for r in records if isinstance(r.model, kind)), key=lambda pair: natural(pair[0].id))


def actions(records: Iterable[LoadedRecord], today: dt.date, names: dict[str, str]) -> tuple[tuple[ActionRow, ...], ActionSummary]:
    """Every action in id order, and the counts at the head of the register."""
    rows = []
    for record, model in of_kind(records, Action):
        is_open = model.status in OPEN
        late = (today - model.due).days if is_open and model.due is not None and model.due < today else None
        closed = model.status == "closed" and model.closed_on is not None
        rows.append(ActionRow(
            id=record.id, title=model.title, type=model.type, severity=model.severity, source=model.source,
            status=model.status, owner=names.get(model.owner, model.owner) if model.owner else None,
            raised_on=model.raised_on, due=model.due, closed_on=model.closed_on,
            age_days=(today - model.raised_on).days if is_open else None,
            days_to_close=(model.closed_on - model.raised_on).days if closed else None,
            days_overdue=late, effective=model.verification.effective if model.verification else None,
            file=record.file.relative,
            raised_by=names.get(model.raised_by, model.raised_by) if model.raised_by else None,
            description=model.description, correction=model.correction, root_cause=model.root_cause,
            corrective_action=model.corrective_action,
            verified_on=model.verification.on if model.verification else None,
            verified_by=names.get(model.verification.by, model.verification.by) if model.verification else None,
            verification_note=model.verification.note if model.verification else None,
        ))
    closing = [r.days_to_close for r in rows if r.days_to_close is not None]
    ages = [r.age_days for r in rows if r.age_days is not None]
    summary = ActionSummary(
        total=len(rows), open=sum(1 for r in rows if r.status in OPEN), overdue=sum(1 for r in rows if r.overdue),
        closed=sum(1 for r in rows if r.status == "closed"),
        mean_days_to_close=round(sum(closing) / len(closing), 1) if closing else None,
        oldest_open_days=max(ages) if ages else None,
        flagged_ids=tuple(r.id for r in rows if r.flags),
    )
    return tuple(rows), summary


def audits(records: Iterable[LoadedRecord], names: dict[str, str], today: dt.date | None = None
           ) -> tuple[tuple[AuditYear, ...], tuple[AuditRow, ...], tuple[FindingRow, ...]]:
    """Internal audits by year, other audit records, and every finding of every audit with its action.

    An audit still planned on a day before ``today`` is marked overdue.
    """
    records = list(records)
    status = {r.id: m.status for r, m in of_kind(records, Action)}
    internal: dict[int, list[AuditRow]] = {}
    others: list[AuditRow] = []
    findings: list[FindingRow] = []
    for record, model in sorted(of_kind(records, Audit), key=lambda pair: (pair[1].date, natural(pair[0].id))):
        row = AuditRow(record.id, model.title, model.type, model.status, model.date,
                       names.get(model.auditor, model.auditor) if model.auditor else None, tuple(model.scope),
                       len(model.findings), record.file.relative,
                       overdue=today is not None and model.status == "planned" and model.date < today)
        (internal.setdefault(model.date.year, []) if model.type == "internal" else others).append(row)
        for finding in model.findings:
            linked = status.get(finding.action, "unknown") if finding.action else None
            findings.append(FindingRow(record.id, model.date, finding.id, finding.type, finding.clause,
                                       finding.description, finding.action, linked))
    years = tuple(AuditYear(year, tuple(rows)) for year, rows in sorted(internal.items()))
    return years, tuple(others), tuple(findings)


def external_audits(manifest: Manifest, others: Iterable[AuditRow], today: dt.date,
                    display: dict[str, str]) -> tuple[ExternalAuditRow, ...]:
    """Certification-body audits: the manifest's plan per standard, and audit records of external types.

    An audit record of the same type and day as an audit in the manifest is
    that audit (one row, with the record's id and status), once per standard.
    """
    records = {(row.type, row.date): row for row in others if row.type != "supplier"}
    used: set[str] = set()
    rows = []
    for family, certification in manifest.certification.items():
        for audit in certification.audits:
            record = records.get((audit.type, audit.date))
            state = record.state if record else audit.status or ("done" if audit.date <= today else "planned")
            state = "overdue" if state == "planned" and audit.date < today else state
            if record is not None:
                used.add(record.id)
            rows.append(ExternalAuditRow(display.get(family, family), audit.type, audit.date, state, certification.body,
                                         record.id if record else None))
    for row in records.values():
        if row.id not in used:
            rows.append(ExternalAuditRow("", row.type, row.date, row.state, row.auditor, row.id))
    return tuple(sorted(rows, key=lambda r: (r.date, r.standard, r.type)))


def objectives(records: Iterable[LoadedRecord], today: dt.date, names: dict[str, str]) -> tuple[ObjectiveRow, ...]:
    """Objectives with their latest value on or before ``today`` and a trend chart with the target line."""
    rows = []
    for record, model in of_kind(records, Objective):
        points = tuple(sorted((Point(m.date, m.value) for m in model.measurements if m.date <= today),
                              key=lambda p: p.date))
        latest = points[-1] if points else None
        unit = f" {model.unit}" if model.unit else ""
        chart = objective_chart(points, label=f"{record.id} {model.title}: measurements against the target "
                                              f"{plain(model.target)}{unit}", target=model.target, unit=model.unit,
                                today=today)
        rows.append(ObjectiveRow(
            id=record.id, title=model.title, owner=names.get(model.owner, model.owner) if model.owner else None,
            target=model.target, unit=model.unit, direction=model.direction, baseline=model.baseline, due=model.due,
            latest=latest.value if latest else None, latest_on=latest.date if latest else None,
            measurements=points, chart=chart,
        ))
    return tuple(rows)


@dataclass(frozen=True)
class FindingChanges:
    """The findings of ``--since``: new ones, resolved ones, and those still there whose figures moved."""

    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    updated: tuple[tuple[Finding, Finding], ...]  # (then, now): same rule about the same record, clause or file


def finding_changes(diff: Diff) -> FindingChanges:
    """Split a diff's appeared and disappeared findings: a finding whose message only changed its figures (an action
    now 40 days overdue instead of 10) is the same finding, updated, neither new nor resolved."""
    def about(finding: Finding) -> tuple[str, str | None, str | None, str | None]:
        return (finding.rule, finding.record, finding.clause, finding.path if finding.record is None else None)

    gone: dict[tuple[str, str | None, str | None, str | None], list[Finding]] = {}
    for finding in diff.disappeared:
        gone.setdefault(about(finding), []).append(finding)
    new, updated = [], []
    for finding in diff.appeared:
        earlier = gone.get(about(finding))
        if earlier:
            updated.append((earlier.pop(0), finding))
        else:
            new.append(finding)
    paired = {id(then) for then, _ in updated}
    resolved = tuple(f for f in diff.disappeared if id(f) not in paired)
    return FindingChanges(tuple(new), resolved, tuple(updated))
