"""Rules about the editions in scope: standards move on, and certificates to an old edition run out."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from isoctl.catalog.catalogs import Phase, TransitionState, designation
from isoctl.errors import UsageError
from isoctl.model.result import Severity
from isoctl.rules import Context, Hit, rule

#: How serious a superseded edition is, by how far its transition has run.
SEVERITY: dict[Phase, Severity] = {"running": "info", "final-year": "warning", "ended": "error"}


@rule("superseded-edition", "info", category="living")
def superseded_edition(ctx: Context) -> Iterator[Hit]:
    """A standard in scope whose edition has been superseded by a newer one.

    When a new edition of a standard is published, certification to the old
    one stays possible for a transition period (set by the IAF, usually
    three years); after it, certificates to the old edition are no longer
    valid. The finding grows more serious as the end comes closer:

    * **info** while the transition runs, with its end date and whether
      that date is confirmed or only expected;
    * **warning** in the last 12 months before the end date;
    * **error** from the day after it (ISO/IEC 27001:2013, whose transition ended on 31 October 2025).

    ``isoctl migrate --to EDITION`` moves every clause and control reference
    of the workspace to the new edition (``--dry-run`` shows what would
    change). Setting the rule's severity under ``rules:`` in isoctl.yaml
    fixes it for every finding, e.g. ``superseded-edition: off`` once the
    move is planned.

    Fails:  ``standards: [iso27001:2013]`` (an error: its transition ended on 2025-10-31)
    Passes: ``standards: [iso27001:2022, iso9001:2026]``
    """
    workspace = ctx.workspace
    in_scope = {edition.id: edition for edition in workspace.editions}
    seen: set[str] = set()
    for index, name in enumerate(workspace.manifest.standards):
        try:
            edition = workspace.catalogs.edition(name)
        except UsageError:
            continue  # reported when the workspace loads
        if edition.id not in in_scope or edition.id in seen:
            continue
        seen.add(edition.id)
        state = workspace.catalogs.transition_state(edition, ctx.today)
        if state is None:
            continue
        hit = ctx.at_manifest("standards", index, message=_message(state))
        yield dataclasses.replace(hit, severity=SEVERITY[state.phase])


def _message(state: TransitionState) -> str:
    """What the user reads: which edition, by what, until when, and the command that moves the workspace."""
    old = designation(state.edition)
    new = designation(state.successor) if state.successor is not None else "a newer edition"
    said = f"{old} is superseded by {new}"
    run = f"'isoctl migrate --to {state.moving_to}'"
    ends, days = state.ends, state.days_left
    if ends is None or days is None:
        return f"{said}; no end of its transition is announced yet: plan the move with {run}"
    date = ends.isoformat()
    if state.phase == "ended":
        if state.confirmed:
            return f"{said} and its transition ended on {date}: certificates to it are no longer valid; run {run}"
        return f"{said} and its transition was expected to end on {date} (a date not confirmed): run {run}"
    expected = "" if state.confirmed else " (expected, not yet confirmed)"
    if state.phase == "final-year":
        left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return f"{said} and its transition ends {left}, on {date}{expected}: run {run} and have the new edition audited before then"
    return f"{said}; its transition runs until {date}{expected}: plan the move with {run}"
