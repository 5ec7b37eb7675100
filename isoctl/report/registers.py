"""The registers of the audit pack as plain rows: actions, audits and findings, reviews, objectives.

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

from isoctl.history.record_changes import natural
from isoctl.model.manifest import Manifest
from isoctl.model.records import Action, Audit, Objective, Review
from isoctl.report.svg import Point, objective_chart, plain
from isoctl.rules.reviews import required_inputs
from isoctl.workspace.records import LoadedRecord

OPEN = ("open", "in-progress")


@dataclass(frozen=True)
class ActionRow:
    """One action of the CAPA log, with its age or its time to close."""

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

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None


@dataclass(frozen=True)
class ActionSummary:
    total: int
    open: int
    overdue: int
    closed: int
    mean_days_to_close: float | None
    oldest_open_days: int | None


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
class ReviewRow:
    id: str
    title: str
    date: dt.date
    held: bool
    attendees: tuple[str, ...]
    top_management: bool
    covered: tuple[str, ...]
    missing: tuple[str, ...]
    outputs: tuple[tuple[str, tuple[str, ...]], ...]  # (decisions|changes|resources|improvements, items)
    actions: tuple[str, ...]


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


def _of(records: Iterable[LoadedRecord], kind: type[Any]) -> list[tuple[LoadedRecord, Any]]:
    return sorted(((r, r.model) for r in records if isinstance(r.model, kind)), key=lambda pair: natural(pair[0].id))


def actions(records: Iterable[LoadedRecord], today: dt.date, names: dict[str, str]) -> tuple[tuple[ActionRow, ...], ActionSummary]:
    """Every action in id order, and the counts at the head of the register."""
    rows = []
    for record, model in _of(records, Action):
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
        ))
    closing = [r.days_to_close for r in rows if r.days_to_close is not None]
    ages = [r.age_days for r in rows if r.age_days is not None]
    summary = ActionSummary(
        total=len(rows), open=sum(1 for r in rows if r.status in OPEN), overdue=sum(1 for r in rows if r.overdue),
        closed=sum(1 for r in rows if r.status == "closed"),
        mean_days_to_close=round(sum(closing) / len(closing), 1) if closing else None,
        oldest_open_days=max(ages) if ages else None,
    )
    return tuple(rows), summary


def audits(records: Iterable[LoadedRecord], names: dict[str, str]
           ) -> tuple[tuple[AuditYear, ...], tuple[AuditRow, ...], tuple[FindingRow, ...]]:
    """Internal audits by year, other audit records, and every finding of every audit with its action."""
    records = list(records)
    status = {r.id: m.status for r, m in _of(records, Action)}
    internal: dict[int, list[AuditRow]] = {}
    others: list[AuditRow] = []
    findings: list[FindingRow] = []
    for record, model in sorted(_of(records, Audit), key=lambda pair: (pair[1].date, natural(pair[0].id))):
        row = AuditRow(record.id, model.title, model.type, model.status, model.date,
                       names.get(model.auditor, model.auditor) if model.auditor else None, tuple(model.scope),
                       len(model.findings), record.file.relative)
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
            state = record.status if record else audit.status or ("done" if audit.date <= today else "planned")
            if record is not None:
                used.add(record.id)
            rows.append(ExternalAuditRow(display.get(family, family), audit.type, audit.date, state, certification.body,
                                         record.id if record else None))
    for row in records.values():
        if row.id not in used:
            rows.append(ExternalAuditRow("", row.type, row.date, row.status, row.auditor, row.id))
    return tuple(sorted(rows, key=lambda r: (r.date, r.standard, r.type)))


def reviews(records: Iterable[LoadedRecord], today: dt.date, families: list[str], names: dict[str, str],
            top: set[str]) -> tuple[ReviewRow, ...]:
    """Management reviews, newest first, with the inputs the standards in scope require covered or missing."""
    needed = list(dict.fromkeys(key for keys in required_inputs(families).values() for key in keys))
    rows = []
    for record, model in sorted(_of(records, Review), key=lambda pair: pair[1].date, reverse=True):
        given = {key for key, text in model.inputs.items() if (text or "").strip()}
        outputs = model.outputs
        groups = tuple((name, tuple(getattr(outputs, name))) for name in ("decisions", "changes", "resources", "improvements")
                       if outputs is not None and getattr(outputs, name))
        rows.append(ReviewRow(
            id=record.id, title=model.title, date=model.date, held=model.date <= today,
            attendees=tuple(names.get(a, a) for a in model.attendees), top_management=bool(set(model.attendees) & top),
            covered=tuple(k for k in needed if k in given) + tuple(sorted(given - set(needed))),
            missing=tuple(k for k in needed if k not in given), outputs=groups, actions=tuple(model.actions),
        ))
    return tuple(rows)


def objectives(records: Iterable[LoadedRecord], today: dt.date, names: dict[str, str]) -> tuple[ObjectiveRow, ...]:
    """Objectives with their latest value on or before ``today`` and a trend chart with the target line."""
    rows = []
    for record, model in _of(records, Objective):
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
