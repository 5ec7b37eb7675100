"""Management reviews as minutes (ISO 9.3): chair, attendees, every required input, outputs, the actions raised.

What an auditor reads in a review is whether top management considered each
input its standards require, what it decided, and whether the actions it
raised were carried out: the input keys of a review record become the words
of minutes, a skipped input reads "not covered", and each action raised is
shown with its status now. A pure function of the records and ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from isoctl.history.record_changes import natural
from isoctl.model.records import Review
from isoctl.report.registers import ActionRow, of_kind
from isoctl.rules.reviews import INPUT_TITLES, required_inputs
from isoctl.workspace.records import LoadedRecord


@dataclass(frozen=True)
class ReviewInputRow:
    """One input of a management review: what the standards call it, and what was reviewed (None: not covered)."""

    key: str
    label: str
    standard: str  # "All standards", "ISO 9001", ... (the first standard in scope that requires it)
    reviewed: str | None


@dataclass(frozen=True)
class ReviewActionRow:
    """An action a review raised, and its status now."""

    id: str
    title: str | None
    status: str  # the action's status now, or "unknown" when no action has that id
    flags: tuple[str, ...] = ()
    overdue: bool = False


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
    chair: str | None = None
    people: tuple[tuple[str, bool], ...] = ()  # (attendee's name, top management)
    inputs: tuple[ReviewInputRow, ...] = ()  # every required input, then any other given
    raised: tuple[ReviewActionRow, ...] = ()
    next_due: dt.date | None = None  # on the latest review held: when the next one is due
    next_late: bool = False  # that day has passed
    file: str = ""


FAMILY_NAMES = {"iso9001": "ISO 9001", "iso14001": "ISO 14001", "iso45001": "ISO 45001", "iso27001": "ISO/IEC 27001",
                "iso22301": "ISO 22301"}


def input_label(key: str) -> str:
    """``previous_actions`` as minutes say it; an unknown key in words."""
    return INPUT_TITLES.get(key, key.replace("_", " ").capitalize())


def reviews(records: Iterable[LoadedRecord], today: dt.date, families: list[str], names: dict[str, str],
            top: set[str], review_days: int, action_rows: Iterable[ActionRow]) -> tuple[ReviewRow, ...]:
    """Management reviews as minutes, newest first: chair, attendees, every required input reviewed or not covered,
    outputs, the actions raised with their status now (from the action register's ``action_rows``), and when the
    next review is due after the latest held."""
    records = list(records)
    groups = required_inputs(families)
    needed: dict[str, str] = {}
    for group, keys in groups.items():
        for key in keys:
            needed.setdefault(key, FAMILY_NAMES.get(group, group[:1].upper() + group[1:]))
    register = {row.id: row for row in action_rows}
    ordered = sorted(of_kind(records, Review), key=lambda pair: (pair[1].date, natural(pair[0].id)), reverse=True)
    latest_held = next((record.id for record, model in ordered if model.held_by(today)), None)
    rows = []
    for record, model in ordered:
        given = {key: text.strip() for key, text in model.inputs.items() if (text or "").strip()}
        outputs = model.outputs
        groups_out = tuple((name, tuple(getattr(outputs, name))) for name in ("decisions", "changes", "resources", "improvements")
                           if outputs is not None and getattr(outputs, name))
        inputs = tuple(ReviewInputRow(key, input_label(key), group, given.get(key)) for key, group in needed.items())
        inputs += tuple(ReviewInputRow(key, input_label(key), "Also reviewed", given[key]) for key in sorted(given)
                        if key not in needed)
        raised = []
        for action_id in model.actions:
            row = register.get(action_id)
            raised.append(ReviewActionRow(action_id, row.title if row else None, row.status if row else "unknown",
                                          row.flags if row else (), row.overdue if row else False))
        held = model.held_by(today)
        rows.append(ReviewRow(
            id=record.id, title=model.title, date=model.date, held=held,
            attendees=tuple(names.get(a, a) for a in model.attendees), top_management=bool(set(model.attendees) & top),
            covered=tuple(k for k in needed if k in given) + tuple(sorted(set(given) - set(needed))),
            missing=tuple(k for k in needed if k not in given), outputs=groups_out, actions=tuple(model.actions),
            chair=names.get(model.chair, model.chair) if model.chair else None,
            people=tuple((names.get(a, a), a in top) for a in model.attendees),
            inputs=inputs, raised=tuple(raised),
            next_due=model.date + dt.timedelta(days=review_days) if record.id == latest_held else None,
            next_late=record.id == latest_held and model.date + dt.timedelta(days=review_days) < today,
            file=record.file.relative,
        ))
    return tuple(rows)
