"""What a management review looks back on: the period since the previous review, and the records of that period.

:class:`Period` is the plain data the inputs of a review (:mod:`isoctl.core.review_inputs`)
are gathered from: the records now, the day the period starts, what the
records were at its start (when git can tell), the previous review, and the
names of people. Nothing here reads a file or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from isoctl.history.record_changes import RecordChange, RecordRef, compare_records, natural
from isoctl.model.records import Action, RecordBase, Review
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


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 nonconformity``, ``3 nonconformities``."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def previous_review(records: Iterable[LoadedRecord], before: dt.date, today: dt.date) -> Review | None:
    """The last review held before the meeting day ``before`` (drafts and reviews still ahead are not held)."""
    held = [r.model for r in records if isinstance(r.model, Review) and r.model.status != "draft"
            and r.model.date < before and r.model.date <= today]
    return max(held, key=lambda r: (r.date, natural(r.id)), default=None)
