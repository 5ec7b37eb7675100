"""What a management review looks back on: the period since the previous review, and the records of that period.

:class:`Period` is the plain data the inputs of a review (:mod:`isoctl.core.review_inputs`)
are gathered from: the records now, the day the period starts, what the
records were at its start (when git can tell), the previous review, and the
names of people; and the sentences several inputs share (an objective
against its target, what changed in one kind of record, how a group of
actions stands). Nothing here reads a file or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from isoctl.history.record_changes import RecordChange, RecordRef, compare_records, natural, plural
from isoctl.model.records import Action, Audit, Finding, Objective, RecordBase, Review
from isoctl.workspace.records import LoadedRecord

R = TypeVar("R", bound=RecordBase)

#: What an input says when the repository holds nothing it could be gathered from.
NO_DATA = "no data in the repository"

#: Open action statuses (as the ``overdue-action`` rule counts them).
OPEN = ("open", "in-progress")


@dataclass(frozen=True)
class Changes:
    """Records added, changed and removed since the period started, as git tells it."""

    added: tuple[RecordRef, ...]
    removed: tuple[RecordRef, ...]
    changed: tuple[RecordChange, ...]
    label: str  # the state compared with: "commit 0a1b2c3d (2026-01-20)"

    @classmethod
    def between(cls, before: Sequence[LoadedRecord], now: Sequence[LoadedRecord], label: str) -> Changes:
        added, removed, changed = compare_records(before, now)
        return cls(added, removed, changed, label)


@dataclass
class Period:
    """The records a review is prepared from, and the period it looks back on (``start`` to ``today``)."""

    records: Sequence[LoadedRecord]
    today: dt.date
    start: dt.date | None  # first day of the period; None: no earlier review, everything counts
    previous: Review | None
    names: dict[str, str]
    changes: Changes | None = None  # None: no git state at the start to compare with
    _by_kind: dict[type[RecordBase], list[RecordBase]] = field(default_factory=dict, init=False, repr=False)

    def of(self, kind: type[R]) -> list[R]:
        """The valid records of one kind, in natural id order."""
        if not self._by_kind:
            for record in sorted(self.records, key=lambda r: natural(r.id)):
                self._by_kind.setdefault(type(record.model), []).append(record.model)
        return [m for m in self._by_kind.get(kind, ()) if isinstance(m, kind)]

    def within(self, day: dt.date | None) -> bool:
        """Whether ``day`` falls in the period (from its start up to today)."""
        return day is not None and day <= self.today and (self.start is None or day >= self.start)

    @property
    def since(self) -> str:
        """How sentences name the period's start: ``since 2026-01-21``, or ``so far`` with no earlier review."""
        return f"since {self.start.isoformat()}" if self.start is not None else "so far"

    def who(self, person: str | None) -> str:
        return self.names.get(person, person) if person else "nobody named"

    def action_state(self, action: Action) -> str:
        """``closed 2026-03-01, verified effective``, ``open, 12 days overdue (due 2026-11-09)``..."""
        if action.status == "closed":
            closed = f"closed {action.closed_on.isoformat()}" if action.closed_on else "closed"
            check = action.verification
            if check is None:
                return f"{closed}, effectiveness not verified"
            return f"{closed}, verified {'effective' if check.effective else 'not effective'} on {check.on.isoformat()}"
        if action.status == "cancelled":
            return "cancelled"
        if action.due is None:
            return f"{action.status}, no due date"
        late = (self.today - action.due).days
        if late > 0:
            return f"{action.status}, {late} day{'s' if late != 1 else ''} overdue (due {action.due.isoformat()})"
        return f"{action.status}, due {action.due.isoformat()}"

    def tagged(self, key: str) -> list[RecordBase]:
        """Records whose ``tags`` name an input (``customer_satisfaction`` or ``customer-satisfaction``)."""
        wanted = {key, key.replace("_", "-")}
        return [r.model for r in sorted(self.records, key=lambda r: natural(r.id)) if wanted & set(r.model.tags)]

    def kind_changes(self, kind: str) -> tuple[list[RecordRef], list[RecordChange], list[RecordRef]] | None:
        """(added, changed, removed) records of ``kind`` in the period; None when git cannot tell."""
        if self.changes is None:
            return None
        return ([r for r in self.changes.added if r.kind == kind], [c for c in self.changes.changed if c.kind == kind],
                [r for r in self.changes.removed if r.kind == kind])


def listed(items: Iterable[str], limit: int = 8) -> str:
    """Ids joined with commas, at most ``limit`` of them, then how many more."""
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def previous_review(records: Iterable[LoadedRecord], before: dt.date, today: dt.date) -> Review | None:
    """The last review held before the meeting day ``before`` (drafts and reviews still ahead are not held)."""
    held = [r.model for r in records if isinstance(r.model, Review) and r.model.held_by(today) and r.model.date < before]
    return max(held, key=lambda r: (r.date, natural(r.id)), default=None)


@dataclass(frozen=True)
class ObjectiveTrend:
    """One objective in the period: its measurements, the latest against the target, and which way it moved."""

    id: str
    title: str
    unit: str | None
    direction: str
    target: float
    points: tuple[tuple[dt.date, float], ...]  # every measurement on or before today, oldest first
    latest: tuple[dt.date, float] | None
    start: tuple[dt.date, float] | None  # the value the period started from
    met: bool | None
    trend: str  # improving | worsening | unchanged | no measurement in the period | first measurement...

    def show(self, value: float) -> str:
        """A value as people write it: ``12``, ``99.5``."""
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))

    @property
    def target_text(self) -> str:
        """``at least 98.5 %``: the target with its direction and unit."""
        sign = {"increase": "at least", "decrease": "at most", "maintain": "held at"}[self.direction]
        return f"{sign} {self.show(self.target)}" + (f" {self.unit}" if self.unit else "")

    @property
    def verdict(self) -> str:
        """``met``, ``not met``, or nothing (``maintain``, or not measured)."""
        return "" if self.met is None else ("met" if self.met else "not met")


def objective_trend(objective: Objective, period: Period) -> ObjectiveTrend:
    """The objective's latest value against its target and its movement since the period started."""
    points = tuple(sorted((m.date, m.value) for m in objective.measurements if m.date <= period.today))
    latest = points[-1] if points else None
    before = [p for p in points if period.start is not None and p[0] < period.start]
    inside = [p for p in points if period.within(p[0])]
    start = before[-1] if before else (inside[0] if inside else None)
    met: bool | None = None
    if latest is not None and objective.direction != "maintain":
        met = latest[1] >= objective.target if objective.direction == "increase" else latest[1] <= objective.target
    if not inside:
        trend = "no measurement in the period"
    elif start is None or start == latest or latest is None:
        trend = "one measurement so far"
    elif start[1] == latest[1]:
        trend = "unchanged"
    elif objective.direction == "maintain":
        trend = "changed"
    else:
        better = latest[1] > start[1] if objective.direction == "increase" else latest[1] < start[1]
        trend = "improving" if better else "worsening"
    return ObjectiveTrend(objective.id, objective.title, objective.unit, objective.direction, objective.target,
                          points, latest, start, met, trend)


def objective_line(trend: ObjectiveTrend) -> str:
    """``OBJ-1 Title: 97.4 on 2026-10-31, target at least 98 %: not met; improving (from 96.1 on 2026-01-15)``."""
    if trend.latest is None:
        return f"{trend.id} {trend.title}: not measured yet (target {trend.target_text})"
    verdict = f": {trend.verdict}" if trend.verdict else ""
    moved = trend.trend
    if trend.start is not None and trend.latest != trend.start and trend.trend != "no measurement in the period":
        moved += f" (from {trend.show(trend.start[1])} on {trend.start[0].isoformat()})"
    return (f"{trend.id} {trend.title}: {trend.show(trend.latest[1])} on {trend.latest[0].isoformat()}, "
            f"target {trend.target_text}{verdict}; {moved}")


def record_changes(period: Period, kind: str, noun: str, nouns: str) -> list[str]:
    """What changed in the records of one kind, as git tells it, or how many there are when it cannot."""
    records = [r for r in period.records if r.kind == kind]
    if not records:
        return []
    found = period.kind_changes(kind)
    total = f"{plural(len(records), noun, nouns)} recorded"
    if found is None:
        if period.start is None:
            return [f"{total}: {listed(sorted({r.id for r in records}))} (no earlier review to compare with)"]
        return [f"{total}; what changed {period.since} cannot be told: the git history does not reach back to then"]
    added, changed, removed = found
    lines = [f"Added {period.since}: " + "; ".join(f"{r.id} {r.title}" for r in added)] if added else []
    if changed:
        lines.append(f"Changed {period.since}: " + "; ".join(
            f"{c.id} ({listed((f.field for f in c.fields), 4) or 'moved'})" for c in changed))
    if removed:
        lines.append(f"Removed {period.since}: " + "; ".join(f"{r.id} {r.title}" for r in removed))
    return lines or [f"No {noun} added, changed or removed {period.since} ({total})"]


def actions_of(period: Period, *types: str) -> list[Action]:
    return [a for a in period.of(Action) if a.type in types]


def action_summary(period: Period, actions: list[Action], noun: str, nouns: str) -> list[str]:
    """Raised, closed, effectiveness and overdue counts of a group of actions."""
    if not actions:
        return []
    raised = [a for a in actions if period.within(a.raised_on)]
    severity = ", ".join(f"{n} {s}" for s in ("major", "minor") if (n := sum(1 for a in raised if a.severity == s)))
    lines = [f"Raised {period.since}: {plural(len(raised), noun, nouns)}" + (f" ({severity})" if severity else "")
             + (f": {listed(a.id for a in raised)}" if raised else "")]
    closed = [a for a in actions if a.status == "closed" and period.within(a.closed_on)]
    if closed:
        effective = sum(1 for a in closed if a.verification is not None and a.verification.effective)
        failed = sum(1 for a in closed if a.verification is not None and not a.verification.effective)
        unverified = [a.id for a in closed if a.verification is None]
        lines.append(f"Closed {period.since}: {len(closed)}; verified effective: {effective}; not effective: {failed}; "
                     f"effectiveness not verified: {len(unverified)}" + (f" ({listed(unverified)})" if unverified else ""))
    still = [a for a in actions if a.status in OPEN]
    late = [a for a in still if a.due is not None and a.due < period.today]
    lines.append(f"Open now: {len(still)}" + (f" ({listed(a.id for a in still)})" if still else "") + (
        f"; {len(late)} overdue: " + "; ".join(f"{a.id} {period.action_state(a)}" for a in late) if late else ""))
    return lines


def finding_ref(audit: Audit, finding: Finding) -> str:
    """A finding as ``AUD-2026-01/F2``, or its own id when that already names the audit."""
    return finding.id if finding.id.startswith(audit.id) else f"{audit.id}/{finding.id}"


def findings_summary(audit: Audit) -> str:
    if not audit.findings:
        return "no findings"
    kinds = ("major", "minor", "observation", "ofi", "positive")
    return ", ".join(f"{n} {k}" for k in kinds if (n := sum(1 for f in audit.findings if f.type == k)))
