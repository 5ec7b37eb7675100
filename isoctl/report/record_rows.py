"""The rows of the audit pack's record registers: risks, aspects, hazards, obligations, competence, suppliers,
assets, BIA activities and exercises, one dataclass per register.

Each builder is a pure function of the loaded records, the review cadences of
``settings: review_days`` and ``today``, and returns its rows in the order the
register is read in (highest risk first, significant aspects first, people by
name...; ids in natural order within). A row keeps its typed fields, for a
consultant's template, and gives its cells in the register's column order
(:data:`isoctl.report.record_registers.LAYOUT`), each with a tone where an
auditor should look: an obligation not complied with, a lapsed qualification,
a review or evaluation past its cadence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from isoctl.history.record_changes import natural
from isoctl.model.manifest import ReviewedKind, Settings
from isoctl.model.records import Activity, Aspect, Asset, Competence, Exercise, Hazard, Obligation, Risk, Supplier
from isoctl.report.registers import of_kind
from isoctl.report.svg import plain
from isoctl.workspace.records import LoadedRecord

#: A qualification expiring within this many days is "expiring soon": time enough to book the refresher.
EXPIRING_DAYS = 90
#: The levels of the hierarchy of controls (ISO 45001 8.1.2), most effective first.
LEVELS = ("elimination", "substitution", "engineering", "administrative", "ppe")

Tone = Literal["bad", "warn", "good"] | None
Names = Mapping[str, str]  # person id -> name
Value = str | int | float | dt.date | None


@dataclass(frozen=True)
class Cell:
    """One value of a register's table, and whether it needs attention (``bad``, ``warn``) or is good news."""

    value: Value
    tone: Tone = None

    @property
    def text(self) -> str:
        value = self.value
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float):
            return plain(value)
        return str(value)


class Row(Protocol):
    """What every register's row gives: its record's id and file, and its cells in the register's column order."""

    @property
    def id(self) -> str: ...

    @property
    def file(self) -> str: ...

    def cells(self) -> tuple[Cell, ...]: ...


def _c(value: Value, tone: Tone = None) -> Cell:
    return Cell(value, tone)


def _yes_no(value: bool | None, *, bad: bool = False) -> Cell:
    if value is None:
        return Cell(None)
    return Cell("yes" if value else "no", "bad" if bad and not value else None)


def _joined(items: Iterable[str]) -> str | None:
    return ", ".join(items) or None


def _due(when: dt.date | None, settings: Settings, kind: ReviewedKind, today: dt.date) -> Cell:
    """The next review or evaluation: ``when`` plus the cadence of ``kind`` (``settings: review_days``), in red once
    past, or when it was never done (unless ``review_date_optional`` lists the kind, as ``stale-record`` reads it)."""
    if when is None:
        return Cell(None) if kind in settings.review_date_optional else Cell("never done", "bad")
    due = when + dt.timedelta(days=getattr(settings.review_days, kind))
    return Cell(due, "bad" if due < today else None)


@dataclass(frozen=True)
class RiskRow:
    """A risk or opportunity with its score, treatment, controls and residual rating."""

    id: str
    type: str
    title: str
    description: str | None
    owner: str | None
    likelihood: int | None
    impact: int | None
    score: int | None  # likelihood x impact
    treatment: str | None
    controls: tuple[str, ...]
    residual: int | None
    reviewed_on: dt.date | None
    review_due: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        return (_c(self.id), _c(self.type), _c(self.title), _c(self.description), _c(self.owner), _c(self.likelihood),
                _c(self.impact), _c(self.score), _c(self.treatment), _c(_joined(self.controls)), _c(self.residual),
                _c(self.reviewed_on), self.review_due)


@dataclass(frozen=True)
class AspectRow:
    """An environmental aspect: the activity, the aspect and its impact, its condition and significance."""

    id: str
    activity: str
    aspect: str
    impact: str
    condition: str
    significant: bool
    criteria: str | None
    owner: str | None
    reviewed_on: dt.date | None
    review_due: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        return (_c(self.id), _c(self.activity), _c(self.aspect), _c(self.impact), _c(self.condition),
                Cell("significant", "warn") if self.significant else Cell("not significant"), _c(self.criteria),
                _c(self.owner), _c(self.reviewed_on), self.review_due)


@dataclass(frozen=True)
class HazardRow:
    """A hazard with its controls at each level of the hierarchy of controls and its rating."""

    id: str
    activity: str
    hazard: str
    controls: tuple[tuple[str, tuple[str, ...]], ...]  # (level, controls) for each level of LEVELS
    rating: int | None
    weak: bool  # rated at or above settings.hazard_high_rating with no control above administrative (8.1.2)
    owner: str | None
    reviewed_on: dt.date | None
    review_due: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        none = Cell("none", "bad") if not any(items for _, items in self.controls) else Cell(None)
        return (_c(self.id), _c(self.activity), _c(self.hazard),
                *(Cell("; ".join(items)) if items else none for _, items in self.controls),
                Cell(self.rating, "bad" if self.weak else None), _c(self.owner), _c(self.reviewed_on), self.review_due)


@dataclass(frozen=True)
class ObligationRow:
    """A legal or other requirement with its last evaluation of compliance and the next one due."""

    id: str
    title: str
    source: str
    applies_to: tuple[str, ...]
    owner: str | None
    evaluated_on: dt.date | None
    compliant: bool | None
    next_evaluation: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        compliant = (Cell("not evaluated", "warn") if self.compliant is None
                     else Cell("yes", "good") if self.compliant else Cell("no", "bad"))
        return (_c(self.id), _c(self.title), _c(self.source), _c("; ".join(self.applies_to) or None), _c(self.owner),
                _c(self.evaluated_on), compliant, self.next_evaluation)


@dataclass(frozen=True)
class CompetenceRow:
    """A person's qualification or training, when it expires and where that leaves it."""

    id: str
    person: str
    role: str | None
    competence: str  # the course, or the record's title when no course is named
    completed_on: dt.date | None
    expires_on: dt.date | None
    status: str  # expired | renewed | expiring soon | valid | no expiry
    file: str

    def cells(self) -> tuple[Cell, ...]:
        tone: Tone = "bad" if self.status == "expired" else "warn" if self.status == "expiring soon" else None
        return (_c(self.id), _c(self.person), _c(self.role), _c(self.competence), _c(self.completed_on),
                _c(self.expires_on), Cell(self.status, tone))


@dataclass(frozen=True)
class SupplierRow:
    """A supplier with its last evaluation, its result and the next one due."""

    id: str
    name: str
    service: str
    owner: str | None
    evaluated_on: dt.date | None
    rating: int | None  # 1-5
    approved: bool | None
    next_evaluation: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        return (_c(self.id), _c(self.name), _c(self.service), _c(self.owner), _c(self.evaluated_on), _c(self.rating),
                _yes_no(self.approved, bad=True), self.next_evaluation)


@dataclass(frozen=True)
class AssetRow:
    """An entry of the asset inventory."""

    id: str
    name: str
    type: str | None
    owner: str | None
    classification: str | None
    location: str | None
    reviewed_on: dt.date | None
    review_due: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        return (_c(self.id), _c(self.name), _c(self.type), _c(self.owner), _c(self.classification), _c(self.location),
                _c(self.reviewed_on), self.review_due)


@dataclass(frozen=True)
class ActivityRow:
    """An activity of the business impact analysis with its MTPD, RTO, RPO and dependencies."""

    id: str
    activity: str
    owner: str | None
    mtpd: str | None
    rto: str | None
    rpo: str | None
    dependencies: tuple[str, ...]
    reviewed_on: dt.date | None
    review_due: Cell
    file: str

    def cells(self) -> tuple[Cell, ...]:
        return (_c(self.id), _c(self.activity), _c(self.owner), _c(self.mtpd), _c(self.rto), _c(self.rpo),
                _c("; ".join(self.dependencies) or None), _c(self.reviewed_on), self.review_due)


@dataclass(frozen=True)
class ExerciseRow:
    """An exercise or test of the continuity plans, its outcome and the actions it raised."""

    id: str
    date: dt.date
    title: str
    scenario: str
    plans: tuple[str, ...]
    outcome: str | None
    actions: tuple[tuple[str, str], ...]  # (action id, its status now; "unknown" when no such action)
    file: str

    def cells(self) -> tuple[Cell, ...]:
        actions = _joined(f"{a} ({status})" for a, status in self.actions)
        return (_c(self.id), _c(self.date), _c(self.title), _c(self.scenario), _c(_joined(self.plans)),
                Cell(self.outcome) if self.outcome else Cell("not recorded", "warn"), _c(actions))


def _name(person: str | None, names: Names) -> str | None:
    """A person's name from the manifest's people (their id when the manifest does not list them)."""
    return names.get(person, person) if person else None


def _highest_first(score: int | None, record_id: str) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    return (-(score or 0), natural(record_id))


def risks(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
          names: Names) -> tuple[RiskRow, ...]:
    """Risks and opportunities, highest score (likelihood x impact) first."""
    rows = []
    for record, m in of_kind(records, Risk):
        score = m.likelihood * m.impact if m.likelihood and m.impact else None
        rows.append(RiskRow(record.id, m.type, m.title, m.description, _name(m.owner, names),
                            m.likelihood, m.impact, score, m.treatment, tuple(m.controls), m.residual, m.reviewed_on,
                            _due(m.reviewed_on, settings, "risk", today), record.file.relative))
    return tuple(sorted(rows, key=lambda r: _highest_first(r.score, r.id)))


def aspects(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
            names: Names) -> tuple[AspectRow, ...]:
    """Environmental aspects, significant ones first."""
    rows = [AspectRow(r.id, m.activity, m.aspect, m.impact, m.condition, m.significant, m.criteria,
                      _name(m.owner, names), m.reviewed_on,
                      _due(m.reviewed_on, settings, "aspect", today), r.file.relative) for r, m in of_kind(records, Aspect)]
    return tuple(sorted(rows, key=lambda r: (not r.significant, natural(r.id))))


def hazards(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
            names: Names) -> tuple[HazardRow, ...]:
    """Hazards with their controls at each level of the hierarchy of controls, highest rating first; a high rating
    met only by administrative controls and PPE is weak (as the rule ``weak-hazard-controls`` judges it)."""
    rows = []
    for record, m in of_kind(records, Hazard):
        levels = tuple((level, tuple(c.control for c in m.controls if c.level == level)) for level in LEVELS)
        weak = (m.rating is not None and m.rating >= settings.hazard_high_rating
                and not any(c.level in LEVELS[:3] for c in m.controls))
        rows.append(HazardRow(record.id, m.activity, m.hazard, levels, m.rating, weak,
                              _name(m.owner, names), m.reviewed_on,
                              _due(m.reviewed_on, settings, "hazard", today), record.file.relative))
    return tuple(sorted(rows, key=lambda r: _highest_first(r.rating, r.id)))


def obligations(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
                names: Names) -> tuple[ObligationRow, ...]:
    """Legal and other requirements with their last evaluation of compliance and the next one due."""
    return tuple(ObligationRow(r.id, m.title, m.source, tuple(m.applies_to), _name(m.owner, names), m.evaluated_on,
                               m.compliant, _due(m.evaluated_on, settings, "obligation", today), r.file.relative)
                 for r, m in of_kind(records, Obligation))


def competence(records: Iterable[LoadedRecord], today: dt.date, names: Names) -> tuple[CompetenceRow, ...]:
    """Qualifications by person: expired, renewed (a later record of the same person and course is in date),
    expiring within :data:`EXPIRING_DAYS`, valid, or with no expiry."""
    pairs = of_kind(records, Competence)

    def subject(m: Competence) -> tuple[str, str]:
        return m.person, (m.course or m.title).strip().lower()

    current = {subject(m) for _, m in pairs if m.expires_on is None or m.expires_on >= today}
    rows = []
    for record, m in pairs:
        if m.expires_on is None:
            status = "no expiry"
        elif m.expires_on < today:
            status = "renewed" if subject(m) in current else "expired"
        else:
            status = "expiring soon" if (m.expires_on - today).days <= EXPIRING_DAYS else "valid"
        rows.append(CompetenceRow(record.id, names.get(m.person, m.person), m.role, m.course or m.title,
                                  m.completed_on, m.expires_on, status, record.file.relative))
    return tuple(sorted(rows, key=lambda r: (r.person.lower(), r.competence.lower(), natural(r.id))))


def suppliers(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
              names: Names) -> tuple[SupplierRow, ...]:
    """Suppliers with their last evaluation, its result and the next one due."""
    return tuple(SupplierRow(r.id, m.title, m.service, _name(m.owner, names), m.evaluated_on,
                             m.rating, m.approved, _due(m.evaluated_on, settings, "supplier", today), r.file.relative)
                 for r, m in of_kind(records, Supplier))


def assets(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
           names: Names) -> tuple[AssetRow, ...]:
    """The asset inventory."""
    return tuple(AssetRow(r.id, m.title, m.type, _name(m.owner, names), m.classification,
                          m.location, m.reviewed_on, _due(m.reviewed_on, settings, "asset", today), r.file.relative)
                 for r, m in of_kind(records, Asset))


def activities(records: Iterable[LoadedRecord], settings: Settings, today: dt.date,
               names: Names) -> tuple[ActivityRow, ...]:
    """Activities of the business impact analysis with their MTPD, RTO and RPO."""
    return tuple(ActivityRow(r.id, m.title, _name(m.owner, names), m.mtpd, m.rto, m.rpo,
                             tuple(m.dependencies), m.reviewed_on, _due(m.reviewed_on, settings, "activity", today),
                             r.file.relative)
                 for r, m in of_kind(records, Activity))


def exercises(records: Iterable[LoadedRecord], actions: Mapping[str, str]) -> tuple[ExerciseRow, ...]:
    """Exercises and tests in date order, each action they raised with its status now."""
    rows = [ExerciseRow(r.id, m.date, m.title, m.scenario, tuple(m.plans), m.outcome,
                        tuple((a, actions.get(a, "unknown")) for a in m.actions), r.file.relative)
            for r, m in of_kind(records, Exercise)]
    return tuple(sorted(rows, key=lambda r: (r.date, natural(r.id))))
