"""Rules about the action log (clause 10): actions that stall, and actions closed on paper only.

A nonconformity is not dealt with when someone types ``status: closed``: the
cause has to be found and removed (10.2), and someone has to check later that
it worked. These rules make the difference between a log that is kept and a
log that is worked visible.
"""

from __future__ import annotations

from collections.abc import Iterator

from isoctl.model.records import Action
from isoctl.rules import Context, Hit, rule

#: Action types whose closure needs a cause, a corrective action and an effectiveness check (10.2).
NEEDS_ROOT_CAUSE = ("nonconformity", "incident")


def days(count: int) -> str:
    """``1 day``, ``12 days``: the way messages count time."""
    return f"{count} day" if count == 1 else f"{count} days"


@rule("overdue-action", "error", category="living")
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
    for action in ctx.records(Action):
        if action.status in ("open", "in-progress") and action.due is not None and action.due < ctx.today:
            late = (ctx.today - action.due).days
            yield ctx.at(action, "due", message=f"{action.id} is {days(late)} overdue (due {action.due.isoformat()})")


@rule("closed-without-root-cause", "error", category="living")
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
    for action in ctx.records(Action):
        if action.status != "closed" or action.type not in NEEDS_ROOT_CAUSE:
            continue
        missing = [label for label, value in (("root_cause", action.root_cause), ("corrective_action", action.corrective_action))
                   if not (value or "").strip()]
        if missing:
            yield ctx.at(action, "status", message=f"{action.id} ({action.type}) is closed without {' and '.join(missing)}")


@rule("closed-without-verification", "error", category="living")
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
    for action in ctx.records(Action):
        if action.status != "closed" or action.type not in NEEDS_ROOT_CAUSE:
            continue
        check = action.verification
        if check is None:
            yield ctx.at(action, "status", message=f"{action.id} ({action.type}) is closed without an effectiveness check "
                         "(verification)")
        elif not check.effective:
            yield ctx.at(action, "verification", "effective",
                         message=f"{action.id} is closed although its verification on {check.on.isoformat()} "
                         f"by {check.by} found it not effective")
