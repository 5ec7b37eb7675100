"""Rules that follow records through their versions: written late, changed after approval, never revised.

They read each record's versions from :mod:`isoctl.history.versions`
(through :meth:`isoctl.rules.Context.versions`): the commit that added a
record, and each one that changed it. Without git, or on a shallow clone,
they say nothing and the engine notes that they were skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from isoctl.history.versions import RecordVersions, Version
from isoctl.model.records import Action, Audit, Competence, Document, Exercise, Objective, Review
from isoctl.rules import Context, Hit, rule
from isoctl.rules.history import name_of, shifted

#: Below this many events in the year there is too little to speak of a habit.
LATE_MIN_EVENTS = 3

#: A commit that records this many late events at once is a batch written after the fact.
BATCH = 3


def _day(value: Any) -> str | None:
    """A date as YYYY-MM-DD, from a parsed value (a date, or a string starting with one)."""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, str) and len(value) >= 10:
        return value[:10]
    return None


@dataclass(frozen=True)
class Event:
    """Something a record says happened on a day, and how to tell a version of the record that says it."""

    record: str
    what: str  # "raised", "verified", "held", "measured", "completed"
    day: dt.date
    field: str  # the field that states it (one of isoctl.history.split.STAMPED)


def events(ctx: Context) -> Iterator[Event]:
    """Every event the records of the workspace state, with the date it happened."""
    for action in ctx.records(Action):
        yield Event(action.id, "raised", action.raised_on, "raised_on")
        if action.verification is not None:
            yield Event(action.id, "verified", action.verification.on, "on")
    held: list[Audit | Review | Exercise] = [a for a in ctx.records(Audit) if a.status == "done"]
    held += [r for r in ctx.records(Review) if r.status != "draft"]  # a draft is prepared, not held yet
    for record in (*held, *ctx.records(Exercise)):
        yield Event(record.id, "held", record.date, "date")
    for objective in ctx.records(Objective):
        for measurement in objective.measurements:
            yield Event(objective.id, "measured", measurement.date, "date")
    for competence in ctx.records(Competence):
        if competence.completed_on is not None:
            yield Event(competence.id, "completed", competence.completed_on, "completed_on")


def first_saying(versions: RecordVersions, wanted: list[Event], upto: int) -> dict[Event, Version]:
    """For each event, the first version of its record that states it (none for an event no commit states).

    Read from the dates each version remembers (:data:`isoctl.history.split.STAMPED`),
    so no file is read again: a version states an event when its text has
    the event's field with the event's date. Should another field of the
    same name hold that date first, the event counts as stated then: the
    delay found is never longer than the real one.
    """
    found: dict[Event, Version] = {}
    for event in wanted:
        stamp = f"{event.field}={event.day.isoformat()}"
        version = next((v for v in versions.of(event.record, upto) if stamp in v.stamps.split()), None)
        if version is not None:
            found[event] = version
    return found


@rule("late-recording", "info", category="history")
def late_recording(ctx: Context) -> Iterator[Hit]:
    """Records written long after the events they record: reconstructed, not kept as things happen.

    A record made on the day is evidence; one written months later for the
    auditor is a reconstruction. For every event a record states (an
    action raised or verified, an audit, management review or exercise
    held, an objective measured, a training completed) dated in the last
    365 days, and on or after the repository's first commit, isoctl finds
    the commit that first stated it and counts the days between. Reported
    when the median delay exceeds ``settings.late_recording_days`` (default
    14), or when at least half of the events were entered late in batches
    (three or more late events in one commit), once there are at least
    three events; the finding gives the median, the worst cases and the
    largest batch. An event first stated in a commit dated before it (an
    audit planned ahead) has no delay. Needs the git history (not a shallow
    clone).

    Fails:  12 of the year's 15 events committed more than 14 days late, 9 of them in one commit the week before the audit
    Passes: actions, measurements and audits committed within days of happening
    """
    versions = ctx.versions()
    if versions is None or ctx.history is None:
        return
    dated = [c.authored.date() for c in ctx.history if not c.clamped]
    if not dated:
        return
    start = max(shifted(ctx.today, -365), min(dated))
    wanted = [e for e in events(ctx) if start <= e.day <= ctx.today]
    found = first_saying(versions, wanted, len(ctx.history))
    delays: list[tuple[int, Event, Any]] = []
    for event, version in found.items():
        commit = ctx.history[version.index]
        if not commit.clamped:
            delays.append((max(0, (commit.authored.date() - event.day).days), event, commit))
    if len(delays) < LATE_MIN_EVENTS:
        return
    limit = ctx.workspace.manifest.settings.late_recording_days
    median = statistics.median(delay for delay, _, _ in delays)
    late = [(delay, event, commit) for delay, event, commit in delays if delay > limit]
    per_commit = Counter(commit.sha for _, _, commit in late)
    batched = sum(count for count in per_commit.values() if count >= BATCH)
    if median <= limit and not (batched and 2 * batched >= len(delays)):
        return
    parts = [f"{len(late)} of the {len(delays)} events of the last year were committed more than {limit} days "
             f"after they happened (median delay {median:g} days; settings.late_recording_days is {limit})"]
    if per_commit:
        sha, count = per_commit.most_common(1)[0]
        commit = next(c for _, _, c in late if c.sha == sha)
        if count >= BATCH:
            parts.append(f"{count} were entered in one commit ({sha[:8]} of {commit.authored.date()} "
                         f"by {commit.author or 'an unnamed author'})")
    worst = sorted(late, key=lambda item: (-item[0], item[1].record))[:3]
    parts.append("the latest: " + ", ".join(
        f"{event.record} {event.what} on {event.day}, committed {commit.authored.date()} ({delay} days later)"
        for delay, event, commit in worst))
    yield ctx.at_manifest(message="; ".join(parts) + ": records written after the fact are reconstructions")


#: Fields of a document that say how it is reviewed, not what it says: changing them is no revision.
REVIEW_FIELDS = frozenset({"next_review", "review_every_days"})

#: Fields that are the approval itself.
APPROVAL_FIELDS = ("status", "version", "approved_on", "approved_by")


def _differ(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Whether two parsed versions of a document say different things (not when either could not be parsed)."""
    return before is not None and after is not None and _text(before) != _text(after)


def _text(fields: dict[str, Any]) -> str:
    """What a document says: every field but its approval and review data, and its body."""
    kept = {k: v for k, v in fields.items() if isinstance(k, str) and k not in REVIEW_FIELDS and k not in APPROVAL_FIELDS}
    return json.dumps(kept, sort_keys=True, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class Uncontrolled:
    """A commit that changed an approved document after its approval, under the same version and approval."""

    sha: str
    day: dt.date
    author: str
    subject: str
    what: str  # "its text" or "its file docs/x.pdf"


def uncontrolled_changes(ctx: Context, versions: RecordVersions, documents: list[Document]) -> dict[str, list[Uncontrolled]]:
    """The uncontrolled changes of each approved document (by id), oldest first.

    The versions that share the last one's approval are found from the
    stamps each version keeps (no file is read); only two neighbours whose
    content stamps differ are parsed, to tell a real change from a new way
    of writing the same thing.
    """
    assert ctx.history is not None
    upto = len(ctx.history)
    runs: dict[str, list[Version]] = {}
    pairs: list[tuple[Version, Version]] = []
    for document in documents:
        own = versions.of(document.id, upto)
        if not own:
            continue
        first = len(own) - 1
        while first > 0 and own[first - 1].stamp("approval") == own[-1].stamp("approval"):
            first -= 1
        runs[document.id] = own[first:]
        assert document.approved_on is not None
        pairs += [(a, b) for a, b in itertools.pairwise(own[first:]) if a.stamp("content") != b.stamp("content")
                  and not ctx.history[b.index].clamped and ctx.history[b.index].authored.date() > document.approved_on]
    parsed = dict(zip([v for pair in pairs for v in pair], versions.facts_of([v for pair in pairs for v in pair]),
                      strict=True))
    changed_text = {b for a, b in pairs if _differ(parsed[a], parsed[b])}
    out: dict[str, list[Uncontrolled]] = {}
    attachments = {d.path.strip("/") for d in documents if d.path and d.id in runs}
    commits_of: dict[str, list[int]] = {}  # each attached file -> the commits that changed it, in order
    if attachments:
        for index, commit in enumerate(ctx.history[:upto]):
            for change in commit.changes:
                if change.path in attachments:
                    commits_of.setdefault(change.path, []).append(index)
    for document in documents:
        assert document.approved_on is not None
        run = runs.get(document.id)
        if not run:
            continue
        changed = {v.index: "its text" for v in run[1:] if v in changed_text}
        if document.path:
            attachment = document.path.strip("/")
            for index in commits_of.get(attachment, ()):
                if index > run[0].index:
                    changed.setdefault(index, f"its file {attachment}")
        found = []
        for index in sorted(changed):
            commit = ctx.history[index]
            if not commit.clamped and commit.authored.date() > document.approved_on:
                found.append(Uncontrolled(commit.sha, commit.authored.date(), commit.author, commit.subject,
                                          changed[index]))
        if found:
            out[document.id] = found
    return out


@rule("changed-after-approval", "warning", category="history")
def changed_after_approval(ctx: Context) -> Iterator[Hit]:
    """An approved document changed after its approval without a new version: an uncontrolled change.

    Documented information is controlled when every change is reviewed and
    approved again and the version says which text was approved (ISO 9001
    7.5.3 and its siblings). For each approved document isoctl finds the
    commit that gave it its current approval (status, version, approver and
    date) and reports every later commit, dated after ``approved_on``, that
    changed what the document says (its body or any field but
    ``next_review`` and ``review_every_days``) or its own file (``path:``)
    while the approval stayed the same. The finding names the last such
    commit, its author and date; the document register in reports marks the
    document. Comments and layout are no change. Needs the git history (not
    a shallow clone).

    Fails:  the quality policy, approved as version 3 on 2026-02-01, edited on 2026-05-12 and still version 3
    Passes: every edit after an approval comes with a new version (and a new approval)
    """
    versions = ctx.versions()
    if versions is None:
        return
    documents = [d for d in ctx.records(Document) if d.status == "approved" and d.approved_on is not None]
    for document_id, changes in uncontrolled_changes(ctx, versions, documents).items():
        document = next(d for d in documents if d.id == document_id)
        last = changes[-1]
        count = "a commit" if len(changes) == 1 else f"{len(changes)} commits"
        version = f"version {document.version}" if document.version else "the same version"
        approver = f" approved by {name_of(ctx, document.approved_by)}" if document.approved_by else ""
        yield ctx.at(
            document, "approved_on",
            message=(f"{document.id} changed in {count} after its approval on {document.approved_on}, still "
                     f"{version}{approver}: the last, {last.sha[:8]} of {last.day} by {last.author or 'an unnamed author'} "
                     f"(\"{last.subject}\"), changed {last.what}; an approved document changes only with a new "
                     "version and approval"),
        )


def _plan(fields: dict[str, Any] | None) -> tuple[str, str | None] | None:
    if not isinstance(fields, dict):
        return None
    target = fields.get("target")
    number = float(target) if isinstance(target, int | float) and not isinstance(target, bool) else target
    return str(number), _day(fields.get("due"))


@rule("static-objectives", "info", category="history")
def static_objectives(ctx: Context) -> Iterator[Hit]:
    """Objectives left as they were long after their due date passed: a plan nobody revisits.

    An objective whose due date has passed should be judged and replaced by
    a new target or date. For each objective whose ``due`` is before today,
    isoctl finds the commit since which its ``target`` and ``due`` have been
    what they are now, and reports it when that is at least
    ``settings.objective_static_days`` (default 730) ago. The repository
    cannot see before its first commit: there the count starts. Needs the
    git history (not a shallow clone).

    Fails:  on-time delivery 98% by 2024-06-30, target and date unchanged since 2023-01-10
    Passes: each year's objectives get new targets and dates when the old ones fall due
    """
    versions = ctx.versions()
    if versions is None or ctx.history is None:
        return
    upto = len(ctx.history)
    limit = ctx.workspace.manifest.settings.objective_static_days
    overdue = [o for o in ctx.records(Objective) if o.due is not None and o.due < ctx.today]
    own = {o.id: versions.of(o.id, upto) for o in overdue}
    facts = dict(zip([v for vs in own.values() for v in vs],
                     versions.facts_of([v for vs in own.values() for v in vs]), strict=True))
    for objective in overdue:
        plans = [(v, _plan(facts[v])) for v in own[objective.id]]
        now = _plan({"target": objective.target, "due": objective.due})
        if not plans or plans[-1][1] != now:
            continue  # changed since the last commit, or never committed
        first = len(plans) - 1
        while first > 0 and plans[first - 1][1] == now:
            first -= 1
        since = ctx.history[plans[first][0].index].authored.date()
        days = (ctx.today - since).days
        if days >= limit:
            assert objective.due is not None
            yield ctx.at(
                objective, "due",
                message=(f"{objective.id}: target {objective.target:g}{' ' + objective.unit if objective.unit else ''} "
                         f"by {objective.due} unchanged since {since} ({days:,} days, where "
                         f"settings.objective_static_days is {limit:,}), and its due date passed "
                         f"{(ctx.today - objective.due).days:,} days ago: judge it and set the next target or date"),
            )

