"""Preparing a management review: every input the standards in scope require, filled from the repository.

:func:`prepare` opens the workspace (as ``check`` does), finds the previous
review held before the meeting, settles the period the review looks back on
(since that review, or since ``--since``: a day or a revision), compares the
records with their state at the period's start when git has it, and gathers
each required input (:mod:`isoctl.core.review_inputs`). The answer,
:class:`Preparation`, is plain data: the draft record and the meeting pack
are both written from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from isoctl.core.evaluate import open_evaluation
from isoctl.core.review_inputs import gather
from isoctl.core.review_period import NO_DATA, Changes, ObjectiveTrend, Period, objective_trend, previous_review
from isoctl.errors import IsoctlError, UsageError
from isoctl.history.record_changes import natural
from isoctl.history.revisions import is_day
from isoctl.model.records import Objective, Review
from isoctl.rules.reviews import INPUT_TITLES as TITLES
from isoctl.rules.reviews import REVIEW_INPUTS, required_inputs
from isoctl.workspace.load import Workspace


@dataclass(frozen=True)
class InputSection:
    """One required input: what it is about, which standards ask for it, and what the repository says."""

    key: str
    title: str
    required_by: tuple[str, ...]  # "all standards", or the editions in scope that add it
    lines: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def text(self) -> str:
        """The input as the draft record holds it: one fact a line, or :data:`NO_DATA`."""
        return "\n".join(self.lines) if self.lines else NO_DATA


@dataclass(frozen=True)
class ReviewPlace:
    """A review record already in the workspace, and where it is."""

    id: str
    status: str | None
    date: dt.date
    relative: str


@dataclass(frozen=True)
class Preparation:
    """Everything the draft review and the meeting pack are written from."""

    root: Path
    organization: str
    standards: tuple[str, ...]  # iso9001:2015, ...
    date: dt.date  # the meeting
    today: dt.date
    start: dt.date | None
    period: str  # how the pack names the period: "since MR-2026 (2026-01-20)"
    changes: str  # what record changes were compared with
    previous: str | None
    owner: str | None
    attendees: tuple[str, ...]  # top management, expected
    names: dict[str, str]
    inputs: tuple[InputSection, ...]
    objectives: tuple[ObjectiveTrend, ...]
    reviews: tuple[ReviewPlace, ...]
    unread: tuple[str, ...] = ()  # files whose records could not be read, so are in no input

    def name(self, person: str) -> str:
        return self.names.get(person, person)

    @property
    def attendee_names(self) -> tuple[str, ...]:
        return tuple(self.name(p) for p in self.attendees)


def _required_by(key: str, families: list[str], display: dict[str, str]) -> tuple[str, ...]:
    if key in REVIEW_INPUTS["common"]:
        return ("all standards",)
    return tuple(display.get(f, f) for f in families if key in REVIEW_INPUTS.get(f, ()))


def prepare(path: Path | str | None, *, date: dt.date | None = None, since: str | None = None,
            today: dt.date | None = None) -> Preparation:
    """Gather the inputs of the review to be held on ``date`` (default: today) for the workspace at ``path``.

    ``since`` (a day YYYY-MM-DD or a git revision) sets the period's start;
    by default it is the day after the previous review held. Record changes
    are read from git where the history reaches back to the start; an
    unknown revision raises :class:`~isoctl.errors.UsageError`.
    """
    with open_evaluation(path, today=today) as evaluation:
        workspace = evaluation.workspace()
        today = evaluation.today
        meeting = date or today
        _after_the_last_held(workspace, meeting, today)
        previous = previous_review(workspace.records, meeting, today)
        start, rev, period = _period(evaluation.root, since, previous)
        if since is not None and start is not None and start > today:
            raise UsageError(f"--since {since}: the period would start on {start.isoformat()}, after today "
                             f"({today.isoformat()})", hint="give a day or revision on or before today")
        changes = _changes(evaluation.root, rev, workspace, today, explicit=since is not None and not is_day(since))
    manifest = workspace.manifest
    names = {p.id: p.name for p in manifest.people}
    facts = Period(workspace.records, today, start, previous, names, changes)
    families = list(dict.fromkeys(e.family for e in workspace.editions))
    display = {e.family: e.display for e in workspace.editions}
    keys = list(dict.fromkeys(k for group in required_inputs(families).values() for k in group))
    sections = tuple(InputSection(k, TITLES[k], _required_by(k, families, display), gather(facts, k)) for k in keys)
    reviews = tuple(ReviewPlace(r.id, r.model.status, r.model.date, r.file.relative)
                    for r in sorted(workspace.records, key=lambda r: natural(r.id)) if isinstance(r.model, Review))
    top = tuple(p.id for p in manifest.people if p.top_management)
    if changes is not None:
        compared = changes.label
    else:
        compared = "no earlier review" if start is None else "not known: the git history does not reach back to the start"
    return Preparation(
        root=workspace.root, organization=manifest.organization.name,
        standards=tuple(e.display for e in workspace.editions), date=meeting, today=today, start=start,
        period=period, changes=compared, previous=previous.id if previous else None,
        owner=previous.owner if previous is not None and previous.owner in names else None,
        attendees=top, names=names, inputs=sections,
        objectives=tuple(objective_trend(o, facts) for o in facts.of(Objective)), reviews=reviews,
        unread=tuple(sorted({f.path for f in workspace.findings if f.rule in ("parse-error", "schema-error")
                             or (f.rule == "path-outside-workspace" and f.message.startswith("symlink to a"))})),
    )


def _after_the_last_held(workspace: Workspace, meeting: dt.date, today: dt.date) -> None:
    """UsageError when a review was held after ``meeting``: its inputs would be gathered from what came later.

    The period a review looks back on ends today; one for a meeting before
    the last held would report, as its own, audits and actions after it.
    """
    held = [r.model for r in workspace.records
            if isinstance(r.model, Review) and r.model.held_by(today) and r.model.date > meeting]
    if held:
        last = max(held, key=lambda r: (r.date, natural(r.id)))
        raise UsageError(f"--date {meeting.isoformat()} is before {last.id}, the review held on "
                         f"{last.date.isoformat()}: a review is prepared for the next meeting, after the last one held",
                         hint="give a later --date (or none, for today)")


def _period(root: Path, since: str | None, previous: Review | None) -> tuple[dt.date | None, str | None, str]:
    """(first day of the period, the revision whose records it started with, how the pack names the period)."""
    if since is not None:
        if is_day(since):
            from isoctl.core.evaluate import as_date

            day = as_date(since)
            assert day is not None
            return day, since, f"since {day.isoformat()}"
        from isoctl.history import revisions

        committed, _ = revisions.commit_date(root, revisions.commit_of(root, since))
        day = committed.date()
        return day, since, f"since {since} ({day.isoformat()})"
    if previous is None:
        return None, None, "no earlier management review: everything in the repository so far"
    return previous.date + dt.timedelta(days=1), previous.date.isoformat(), \
        f"since {previous.id} ({previous.date.isoformat()})"


def _changes(root: Path, rev: str | None, workspace: Workspace, today: dt.date, *, explicit: bool) -> Changes | None:
    """Record changes from ``rev`` to now; None when git cannot tell (an explicit revision must resolve)."""
    if rev is None:
        return None
    try:
        with open_evaluation(root, at=rev, today=today) as old:
            before = old.workspace().records
            commit = old.commit or ""
            when = old.committed.date().isoformat() if old.committed else "undated"
            return Changes.between(before, workspace.records, f"commit {commit[:8]} ({when})")
    except IsoctlError:
        if explicit:
            raise
        return None
