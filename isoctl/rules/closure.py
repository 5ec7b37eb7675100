"""Rules about how nonconformities are closed: effectiveness verified too soon to be seen, and problems that come back.

A corrective action is meant to stop a problem coming back (10.2). Whether it
did shows only with time: a check made the day the action is closed proves
nothing, and the same problem raised again soon after a check that said
"effective" proves the check wrong.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator

from isoctl.analysis.resolve import resolve_text
from isoctl.catalog.schema import Clause
from isoctl.model.records import Action, Process
from isoctl.rules import Context, Hit, rule
from isoctl.rules.actions import NEEDS_ROOT_CAUSE, days

ClauseKey = tuple[str, str]  # (edition id, clause id)


def _since(action: Action) -> tuple[dt.date, str] | None:
    """What an effectiveness check is measured from: the closure when the check came after it, else the raising."""
    check = action.verification
    if check is None:
        return None
    if action.closed_on is not None and action.closed_on <= check.on:
        return action.closed_on, "closed"
    return action.raised_on, "raised"


@rule("rushed-closure", "warning", category="living")
def rushed_closure(ctx: Context) -> Iterator[Hit]:
    """A nonconformity or incident whose corrective action was found effective too soon to tell.

    Whether a corrective action works shows only once it has had time to
    act (10.2): the next batches, the next month of deliveries, the next audit.
    A ``verification`` with ``effective: true`` dated less than
    ``verification_min_days`` (settings in isoctl.yaml, default 30) after
    ``closed_on`` - or after ``raised_on`` when there is no closure date
    before the check - is reported at ``verification.on``, and so is one
    made the day the action was closed. Verify again later and record that
    check instead.

    Fails:  ``closed_on: 2026-06-01`` and ``verification: {on: 2026-06-01, by: jsmith, effective: true}``
    Passes: ``verification: {on: 2026-07-15, by: jsmith, effective: true, note: "no repeat in six weeks"}``
    """
    minimum = ctx.workspace.manifest.settings.verification_min_days
    for action in ctx.records(Action):
        message = too_soon(action, minimum)
        if message is not None:
            yield ctx.at(action, "verification", "on", message=message)


def too_soon(action: Action, minimum: int) -> str | None:
    """What ``rushed-closure`` says of ``action`` (``minimum``: verification_min_days), or None when it says nothing.

    ``isoctl action close`` says it too, the moment it writes such a check.
    """
    check = action.verification
    since = _since(action)
    if action.type not in NEEDS_ROOT_CAUSE or check is None or not check.effective or since is None:
        return None
    start, what = since
    gap = (check.on - start).days
    if gap >= minimum:
        return None
    when = "the same day" if gap == 0 else f"{days(gap)} later" if gap > 0 else f"{days(-gap)} before that"
    return (f"{action.id} ({action.type}) was {what} on {start.isoformat()} and found effective on "
            f"{check.on.isoformat()}, {when}: too soon to see whether the corrective action works "
            f"(verification_min_days: {minimum})")


def _closed_effective(action: Action) -> dt.date | None:
    """When a nonconformity was closed with a check that found the corrective action effective; else None."""
    check = action.verification
    if action.status != "closed" or check is None or not check.effective:
        return None
    return action.closed_on or check.on


#: Clauses about handling nonconformities and incidents rather than where they arise: every such record
#: may name them, so sharing one says nothing about the same problem coming back. Clause 10 (improvement)
#: of every standard, and by family the clauses on nonconforming output and on incident response.
HANDLING = {
    "iso9001": ("8.7",),
    "iso27001": ("A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28", "A.16"),
}


def _handling(family: str, clause: Clause) -> bool:
    if (clause.hs or clause.id).split(".")[0] == "10":
        return True
    return any(clause.id == prefix or clause.id.startswith(prefix + ".") for prefix in HANDLING.get(family, ()))


@rule("recurring-nonconformity", "warning", category="living")
def recurring_nonconformity(ctx: Context) -> Iterator[Hit]:
    """A nonconformity on a clause or process whose earlier nonconformity was closed as effective not long before.

    When a problem comes back soon after its corrective action was checked
    and found effective, the action did not remove the cause, or the check
    was not a real one (10.2). A nonconformity or incident raised within
    ``recurrence_days`` (settings in isoctl.yaml, default 365) after an
    earlier one was closed (``closed_on``, else the date of its check) with
    ``verification.effective: true`` is reported when both name the same
    clause in ``clauses`` or the same process in ``related``. Clauses about
    handling nonconformities and incidents, which any of them may name, do
    not count: clause 10, ISO 9001 8.7, and the incident management
    controls of ISO/IEC 27001 (A.5.24 to A.5.28; A.16 in the 2013 edition).
    Reported at the shared entry of the newer action, naming the earlier
    one; look at its root cause again.

    Fails:  ACT-3 on ``iso9001:7.1.5`` closed effective 2026-06-01, ACT-9 on ``iso9001:7.1.5`` raised 2026-09-01
    Passes: ACT-9 raised 2027-07-01, more than 365 days after ACT-3 was closed
    """
    window = ctx.workspace.manifest.settings.recurrence_days
    workspace = ctx.workspace
    processes = {process.id for process in ctx.records(Process)}
    memo: dict[str, set[ClauseKey]] = {}

    def clauses_of(text: str) -> set[ClauseKey]:
        if text not in memo:
            found, problem = resolve_text(text, workspace.catalogs, workspace.editions)
            memo[text] = set() if problem else {(edition.id, clause.id) for edition, clause in found
                                                if not _handling(edition.family, clause)}
        return memo[text]

    actions = [a for a in ctx.records(Action) if a.type in NEEDS_ROOT_CAUSE and a.status != "cancelled"]
    earlier = [(closed, a) for a in actions if (closed := _closed_effective(a)) is not None]
    earlier.sort(key=lambda item: item[0], reverse=True)  # the most recent closure first: it is the one named

    named_by: dict[int, set[tuple[str, object]]] = {}  # by the id() of an action: an earlier one is asked twice

    def keys(action: Action) -> set[tuple[str, object]]:
        named = named_by.get(id(action))
        if named is None:
            named = {("clause", key) for text in action.clauses for key in clauses_of(text)}
            named = named_by[id(action)] = named | {("process", name) for name in action.related if name in processes}
        return named

    # Each action is compared only with the earlier ones that share a clause or a process with it, and that were
    # closed within the window before it was raised: positions lo to hi in ``earlier`` (newest closure first).
    sharing: dict[tuple[str, object], list[int]] = {}
    for position, (_, before) in enumerate(earlier):
        for key in keys(before):
            sharing.setdefault(key, []).append(position)
    newest_first = [-closed.toordinal() for closed, _ in earlier]
    for action in actions:
        raised = action.raised_on.toordinal()
        lo, hi = bisect_left(newest_first, -raised), bisect_right(newest_first, window - raised)
        candidates = sorted({position for key in keys(action) if (shared_with := sharing.get(key))
                             for position in shared_with[bisect_left(shared_with, lo):bisect_left(shared_with, hi)]})
        for closed, before in (earlier[position] for position in candidates):
            if before is action or not 0 <= (action.raised_on - closed).days <= window:
                continue
            shared = _shared(action, before, clauses_of, processes)
            if shared is None:
                continue
            loc, what = shared
            yield ctx.at(action, *loc, message=f"{action.id} ({action.type}, raised {action.raised_on.isoformat()}) "
                         f"is on {what}, like {before.id}, which was closed on {closed.isoformat()} with its corrective "
                         f"action found effective, {days((action.raised_on - closed).days)} earlier "
                         f"(recurrence_days: {window}): that corrective action did not stop it coming back")
            break


def _shared(action: Action, before: Action, clauses_of: Callable[[str], set[ClauseKey]],
            processes: set[str]) -> tuple[tuple[str | int, ...], str] | None:
    """Where ``action`` names a clause or process that ``before`` names too, and how to say it; None if nowhere."""
    theirs: set[ClauseKey] = set().union(*(clauses_of(text) for text in before.clauses))
    for index, text in enumerate(action.clauses):
        if clauses_of(text) & theirs:
            return ("clauses", index), f"clause {text}"
    for index, name in enumerate(action.related):
        if name in processes and name in before.related:
            return ("related", index), f"process {name}"
    return None
