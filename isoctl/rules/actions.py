"""Rules about the action log (clause 10): actions that stall, and actions closed on paper only.

A nonconformity is not dealt with when someone types ``status: closed``: the
cause has to be found and removed (10.2), and someone has to check later that
it worked. These rules make the difference between a log that is kept and a
log that is worked visible.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from isoctl.rules import Context, Hit, rule

#: Action types whose closure needs a cause, a corrective action and an effectiveness check (10.2).
NEEDS_ROOT_CAUSE = ("nonconformity", "incident")


def days(count: int) -> str:
    """``1 day``, ``12 days``: the way messages count time."""
    return f"{count} day" if count == 1 else f"{count} days"


def _actions(ctx: Context) -> Iterator[tuple[Any, Any]]:
    for record in ctx.workspace.records:
        if record.kind == "action":
            yield record, record.model


@rule("overdue-action", "error")
def overdue_action(ctx: Context) -> Iterator[Hit]:
    """An open or in-progress action past its due date.

    An action log where due dates slip silently is the first sign of a
    system kept for the auditor: the problem stays, and so does the risk.
    Reported at ``due`` with how many days it is late. Move the date on
    (``isoctl action update ID --due DATE``) when the plan changes, and say
    why in the record; close the action when it is done; cancel it
    (``status: cancelled``) when it no longer applies.

    Fails:  ``status: open`` with ``due: 2026-11-09`` on 2026-11-21 (12 days overdue)
    Passes: ``status: closed``, or ``due: 2026-12-01``
    """
    for record, model in _actions(ctx):
        if model.status in ("open", "in-progress") and model.due is not None and model.due < ctx.today:
            late = (ctx.today - model.due).days
            yield ctx.at(record, "due", message=f"{record.id} is {days(late)} overdue (due {model.due.isoformat()})")


@rule("closed-without-root-cause", "error")
def closed_without_root_cause(ctx: Context) -> Iterator[Hit]:
    """A closed nonconformity or incident without a root cause or a corrective action.

    Fixing what went wrong (the ``correction``) is not enough for a
    nonconformity or an incident: the cause has to be found and acted on so
    that it does not happen again (10.2). Without a written ``root_cause``
    and ``corrective_action`` a closed action cannot show that. Reported at
    ``status``, naming what is missing.

    Fails:  ``type: nonconformity, status: closed`` with a ``correction`` only
    Passes: the same with ``root_cause: ...`` and ``corrective_action: ...``
    """
    for record, model in _actions(ctx):
        if model.status != "closed" or model.type not in NEEDS_ROOT_CAUSE:
            continue
        missing = [label for label, value in (("root_cause", model.root_cause), ("corrective_action", model.corrective_action))
                   if not (value or "").strip()]
        if missing:
            yield ctx.at(record, "status", message=f"{record.id} ({model.type}) is closed without {' and '.join(missing)}")


@rule("closed-without-verification", "error")
def closed_without_verification(ctx: Context) -> Iterator[Hit]:
    """A closed nonconformity or incident with no effectiveness check, or one that found it did not work.

    Corrective action has to be reviewed for effectiveness (10.2): someone
    looks again, after the change has had time to work, and records
    ``verification: {on, by, effective, note}``. A nonconformity closed
    without that is closed on paper; one whose check says
    ``effective: false`` is not closed at all - reopen it, or raise a new
    action and say so in the note. Reported at ``status`` when there is no
    verification, at ``effective`` when it failed.

    Fails:  ``type: incident, status: closed`` and no ``verification``
    Passes: ``verification: {on: 2026-06-01, by: jsmith, effective: true, note: "no repeat in 3 months"}``
    """
    for record, model in _actions(ctx):
        if model.status != "closed" or model.type not in NEEDS_ROOT_CAUSE:
            continue
        check = model.verification
        if check is None:
            yield ctx.at(record, "status", message=f"{record.id} ({model.type}) is closed without an effectiveness check "
                         "(verification)")
        elif not check.effective:
            yield ctx.at(record, "verification", "effective",
                         message=f"{record.id} is closed although its verification on {check.on.isoformat()} "
                         f"by {check.by} found it not effective")
