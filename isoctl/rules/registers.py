"""Rules that keep registers alive: risks, aspects, hazards, obligations, suppliers, the BIA and assets reviewed on their cadence, and obligations that are not met acted on.

A register filled in for the certification audit and never opened again
looks complete and proves nothing: the risks, the legal requirements and the
suppliers of three years ago are not today's. The standards ask for these
registers to be kept up to date (risks and opportunities 6.1, aspects
14001 6.1.2, hazards 45001 6.1.2, evaluation of compliance 14001/45001 9.1.2,
external providers 9001 8.4, the business impact analysis 22301 8.2.2, the
asset inventory 27001 A.5.9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from isoctl.analysis.resolve import ClauseResolver
from isoctl.model.records import Action, Activity, Aspect, Asset, Hazard, Obligation, RecordBase, Risk, Supplier
from isoctl.rules import Context, Hit, rule

#: For each register: its model, the field that dates its last review, the verb, and how a message names the register.
REGISTERS: dict[str, tuple[type[RecordBase], str, str, str]] = {
    "risk": (Risk, "reviewed_on", "reviewed", "risks and opportunities are reviewed"),
    "aspect": (Aspect, "reviewed_on", "reviewed", "environmental aspects are reviewed"),
    "hazard": (Hazard, "reviewed_on", "reviewed", "hazards are reviewed"),
    "obligation": (Obligation, "evaluated_on", "evaluated for compliance", "compliance with obligations is evaluated"),
    "supplier": (Supplier, "evaluated_on", "evaluated", "suppliers are evaluated"),
    "activity": (Activity, "reviewed_on", "reviewed", "activities of the business impact analysis are reviewed"),
    "asset": (Asset, "reviewed_on", "reviewed", "assets of the inventory are reviewed"),
}

#: Action statuses that still promise something will be done.
OPEN = ("open", "in-progress")


def count_days(count: int) -> str:
    """``1 day``, ``4,210 days``: how these messages count time (thousands separated, as people write them)."""
    return f"{count:,} day" if count == 1 else f"{count:,} days"


@rule("stale-record", "warning", category="living")
def stale_record(ctx: Context) -> Iterator[Hit]:
    """A risk, aspect, hazard, obligation, supplier, BIA activity or asset past its review or evaluation cadence.

    Each register is reviewed on its own cadence, set in isoctl.yaml
    ``settings: review_days`` per kind (``risk``, ``aspect``, ``hazard``,
    ``obligation``, ``supplier``, ``activity``, ``asset``; default 365 days
    each). A record is judged by ``reviewed_on``, or ``evaluated_on`` for
    obligations (the evaluation of compliance) and suppliers. It is late
    when that date is more than the cadence before today; exactly the
    cadence is still on time. A record with no such date is reported too,
    because nothing shows it was ever reviewed, unless its kind is listed in
    ``settings: review_date_optional`` (default: none). Reported at the
    date, or at the id when there is none, with the cadence and how late it is.
    Dates after today are left to ``future-evidence``.

    Fails:  ``{kind: risk, id: RSK-7, reviewed_on: 2025-11-20}`` on 2026-11-21 (1 day overdue at 365 days)
    Passes: ``reviewed_on: 2025-11-21`` (365 days ago), or ``review_days: {risk: 730}``
    """
    settings = ctx.workspace.manifest.settings
    for kind, (model, field, verb, register) in REGISTERS.items():
        cadence: int = getattr(settings.review_days, kind)
        every = f"{register} every {count_days(cadence)} (review_days.{kind})"
        for record in ctx.records(model):
            when: dt.date | None = getattr(record, field)
            if when is None:
                if kind not in settings.review_date_optional:
                    yield ctx.at(record, "id", message=f"{record.id} has no {field}, so nothing shows it was ever {verb}; "
                                 f"{every}")
                continue
            late = (ctx.today - when).days - cadence
            if late > 0:
                yield ctx.at(record, field, message=f"{record.id} was last {verb} on {when.isoformat()}; {every}, "
                             f"so it is {count_days(late)} overdue")


def _keys(resolve: ClauseResolver, model: RecordBase) -> set[tuple[str, str]]:
    """The clauses (edition, clause) a record addresses: those its ``clauses`` name, with their sub-clauses."""
    return {key for text in model.clauses for key in resolve(text, below=True)}


@rule("noncompliant-obligation", "error", category="living")
def noncompliant_obligation(ctx: Context) -> Iterator[Hit]:
    """An obligation evaluated not compliant (``compliant: false``) with no open action on it.

    Finding that a legal or other requirement is not met is where the work
    starts, not where it ends: something must be done, and the action log is
    where that is promised and followed (14001/45001 9.1.2, 10.2). An action
    addresses the obligation when its ``related`` names the obligation's id,
    or when it names one of the obligation's clauses; it must be ``open`` or
    ``in-progress``. Reported at ``compliant``; a closed action on the
    obligation is named, since the evaluation then needs repeating.

    Fails:  ``{kind: obligation, id: OBL-3, evaluated_on: 2026-05-01, compliant: false}`` and no action on it
    Passes: ``{kind: action, status: open, related: [OBL-3], ...}``, or ``compliant: true`` after a new evaluation
    """
    failing = [o for o in ctx.records(Obligation) if o.compliant is False]
    if not failing:
        return
    # the actions about each failing obligation's id, found in one pass over the log, and about each of its clauses
    resolve = ClauseResolver(ctx.workspace.catalogs, ctx.workspace.editions)
    keys = {id(obligation): _keys(resolve, obligation) for obligation in failing}
    wanted = {obligation.id for obligation in failing}
    by_id: dict[str, list[Action]] = {}
    for action in ctx.records(Action):
        for name in action.related:
            if name in wanted:
                by_id.setdefault(name, []).append(action)
    by_key: dict[Any, list[Any]] = {}
    for key in set().union(*keys.values()):
        by_key[key] = [record.model for record in ctx.evidence.explicit.get(key, ()) if record.kind == "action"]
    for obligation in failing:
        found = {id(a): a for a in by_id.get(obligation.id, ())}
        found.update((id(a), a) for key in keys[id(obligation)] for a in by_key.get(key, ()))
        about: list[Any] = list(found.values())
        if any(a.status in OPEN for a in about):
            continue
        when = f" on {obligation.evaluated_on.isoformat()}" if obligation.evaluated_on else ""
        message = f"{obligation.id} was evaluated not compliant{when} and no open action addresses it"
        closed = sorted(a.id for a in about if a.status == "closed")
        if closed:
            message += (f"; {', '.join(closed)} {'is' if len(closed) == 1 else 'are'} closed, so evaluate compliance "
                        "again or raise a new action")
        else:
            message += f"; raise one with related: [{obligation.id}]"
        yield ctx.at(obligation, "compliant", message=message)
