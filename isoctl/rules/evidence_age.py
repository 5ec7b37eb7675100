"""Rules about the age of evidence: evidence too old to prove a current claim, and dates that lie in the future.

Evidence proves a claim about now: a procedure followed, a control working, a
risk under control. A penetration test from three years ago does not show
that the network is safe today, and a record dated next month shows nothing
at all: it is a typing error, or a record written before the event it records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from isoctl.analysis.coverage import stale_newest
from isoctl.analysis.paths import shown
from isoctl.model.records import (
    Action,
    Audit,
    Control,
    Document,
    Exercise,
    Objective,
    RecordBase,
    Review,
)
from isoctl.model.result import ClauseCoverage
from isoctl.rules import Context, Hit, rule
from isoctl.rules.registers import count_days

if TYPE_CHECKING:
    from isoctl.workspace.records import LoadedRecord

Loc = tuple[str | int, ...]


def _claim(model: RecordBase, covers: dict[str, list[ClauseCoverage]]) -> str | None:
    """What a record claims about now, as a message says it; None when it claims nothing current."""
    if isinstance(model, Document):
        return "is approved" if model.status == "approved" else None
    if isinstance(model, Control):
        return "is implemented" if model.applicable and model.status == "implemented" else None
    clauses = covers.get(model.id)
    if not clauses:
        return None
    more = len(clauses) - 1
    return f"counts toward {clauses[0].ref}" + (f" and {more} more clause{'s' if more > 1 else ''}" if more else "")


@rule("stale-evidence", "warning", category="living")
def stale_evidence_rule(ctx: Context) -> Iterator[Hit]:
    """Evidence older than ``evidence_max_age_days`` behind a record that claims to be current.

    A record claims to be current when it is an approved document, an
    applicable control with ``status: implemented``, or a record that counts
    toward the coverage of a clause in scope. Its evidence is stale when
    every piece is dated and the newest is older than
    ``evidence_max_age_days`` (settings in isoctl.yaml, default 365);
    exactly that many days old is still fresh. Evidence without a ``date``
    is a file kept up to date in place and is not judged. Records of events
    (actions, audits, reviews, exercises, competence) are not checked: their
    evidence is as old as the event. A clause whose only support is stale
    evidence is ``partial`` in the gap analysis. Reported at the date of the
    newest piece; add the current evidence (a new report, this year's
    records) and keep the old entries as history.

    Fails:  an implemented control whose only evidence is ``{path: reports/pentest.pdf, date: 2024-01-10}`` on 2026-11-21
    Passes: ``{path: reports/pentest-2026.pdf, date: 2026-09-30}`` added to it
    """
    max_age = ctx.workspace.manifest.settings.evidence_max_age_days
    newest_of = stale_newest(ctx.evidence, ctx.today, max_age)  # worked out once, for coverage
    stale = []
    for record in ctx.workspace.records if newest_of else ():
        newest = newest_of.get(id(record.model))
        if newest is not None and newest.date is not None:
            stale.append((record.model, newest, newest.date))
    # the clauses each stale record counts toward (only theirs: every record of a large workspace counts toward some)
    wanted = {model.id for model, _, _ in stale if not isinstance(model, Document | Control)}
    covers: dict[str, list[ClauseCoverage]] = {}
    for item in ctx.clauses if wanted else ():
        if item.leaf:
            for record_id in wanted.intersection(item.records):
                covers.setdefault(record_id, []).append(item)
    for model, newest, dated in stale:
        claim = _claim(model, covers)
        if claim is None:
            continue
        index = next(i for i, e in enumerate(model.evidence) if e is newest)
        which = "its newest evidence" if len(model.evidence) > 1 else "its evidence"
        age = (ctx.today - dated).days
        yield ctx.at(model, "evidence", index, "date",
                     message=f"{model.id} {claim}, but {which}, '{shown(newest.path or newest.url or '')}', is dated "
                     f"{dated.isoformat()}, {count_days(age)} ago; evidence behind a current record may be at most "
                     f"{count_days(max_age)} old (evidence_max_age_days)")


#: The kinds whose one date says when they were last looked at, and that field.
_REVIEW_DATES = {
    "risk": "reviewed_on", "aspect": "reviewed_on", "hazard": "reviewed_on", "asset": "reviewed_on",
    "activity": "reviewed_on", "obligation": "evaluated_on", "supplier": "evaluated_on",
    "document": "approved_on", "competence": "completed_on",
}


#: The kinds of record that record an event, whose dates :func:`_event_dates_after` reads.
_EVENTS = frozenset({"action", "audit", "objective", "review", "exercise"})


def _event_dates_after(model: RecordBase, today: dt.date) -> Iterator[tuple[Loc, dt.date]]:
    """The dates of an event a record records that lie after today: (where it is, the date).

    Not the dates that are naturally ahead (``due``, ``next_review``, a
    planned audit), and not a review or an exercise that records nothing
    yet: those are how people put a meeting in the calendar.
    """
    if isinstance(model, Action):
        for loc, when in ((("raised_on",), model.raised_on), (("closed_on",), model.closed_on),
                          (("verification", "on"), model.verification.on if model.verification is not None else None)):
            if when is not None and when > today:
                yield loc, when
    elif isinstance(model, Audit):
        if model.status == "done" and model.date > today:
            yield ("date",), model.date
    elif isinstance(model, Objective):
        for index, measurement in enumerate(model.measurements):
            if measurement.date > today:
                yield ("measurements", index, "date"), measurement.date
    elif isinstance(model, Review):
        if model.date > today and model.status != "draft":  # a draft's date is the meeting it is prepared for
            said = model.inputs or model.actions or (model.outputs is not None and any(model.outputs.model_dump().values()))
            if said:
                yield ("date",), model.date
    elif isinstance(model, Exercise) and model.date > today and ((model.outcome or "").strip() or model.actions):
        yield ("date",), model.date


def _field(loc: Loc) -> str:
    """``evidence[0].date``, ``verification.on``: a place in a record as a message names it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _future(what: str, when: dt.date, today: dt.date) -> str:
    return (f"{what} is {when.isoformat()}, {count_days((when - today).days)} after today ({today.isoformat()}): "
            "a record cannot show what has not happened yet; correct the date")


@rule("future-evidence", "error", category="living")
def future_evidence(ctx: Context) -> Iterator[Hit]:
    """Evidence or a record dated after today: a typing error, or a record written before the event.

    Checked: evidence ``date``, ``reviewed_on``, ``evaluated_on``,
    ``approved_on``, an action's ``raised_on``, ``closed_on`` and
    ``verification.on``, an audit ``date`` once its ``status`` is ``done``,
    measurement dates, ``completed_on``, the date of a review or exercise
    that records inputs, outputs, an outcome or actions, and in isoctl.yaml
    a certificate's ``issued`` and the date of an external audit with
    ``status: done``. Dates that are naturally ahead are not: ``due``,
    ``next_review``, ``expires_on``, a planned audit, a certificate's
    ``expires``, a review or exercise that is only in the calendar.
    Today itself is not in the future. Reported at the date.

    Fails:  ``closed_on: 2026-12-05`` on 2026-11-21 (14 days after today)
    Passes: ``closed_on: 2026-11-21``, or ``due: 2026-12-05``
    """
    today = ctx.today

    def hit(record: LoadedRecord, loc: Loc, when: dt.date) -> Hit:
        return ctx.at(record.model, *loc, message=_future(f"{record.id}: {_field(loc)}", when, today))

    for record in ctx.workspace.records:
        model = record.model
        for index, item in enumerate(model.evidence):
            if item.date is not None and item.date > today:
                yield hit(record, ("evidence", index, "date"), item.date)
        field = _REVIEW_DATES.get(record.kind)  # the one date of a register entry, a document or competence
        if field is not None:
            when: dt.date | None = getattr(model, field)
            if when is not None and when > today:
                yield hit(record, (field,), when)
        elif record.kind in _EVENTS:
            for loc, event in _event_dates_after(model, today):
                yield hit(record, loc, event)
    for family, certification in ctx.workspace.manifest.certification.items():
        if certification.issued is not None and certification.issued > today:
            yield ctx.at_manifest("certification", family, "issued",
                                  message=_future(f"the {family} certificate's issue date", certification.issued, today))
        for index, audit in enumerate(certification.audits):
            if audit.status == "done" and audit.date > today:
                yield ctx.at_manifest("certification", family, "audits", index, "date",
                                      message=_future(f"the {family} {audit.type} audit marked done", audit.date, today))
