"""The PDCA pulse: how much of each stage of Plan-Do-Check-Act was done in each month, read from the git history.

A living system plans, operates, checks and acts all year round; a paper one
checks and acts in the weeks before the auditor comes. Every change to a
record in the history (a record added, or its text changed, in a commit:
:mod:`isoctl.history.versions`) is one or more pieces of work, each in one
stage, counted in the month of its commit's author date. :data:`ACTIVITIES`
says what each kind of record counts as:

======================  ==========  =====================================================
record                  stage       counted as
======================  ==========  =====================================================
issue, party            Plan        ``context``
risk, aspect, hazard    Plan        ``risks`` (opportunities are risks of type opportunity)
obligation              Plan        ``obligations``: identified, or changed with no new evaluation
objective               Plan        ``objectives``: set, or its target, plan or due date changed
process                 Plan        ``processes``
audit, review, exercise Plan        ``scheduled``: written before the day it is for
document                Do          ``documents``
competence              Do          ``competence``
control                 Do          ``controls`` (the SoA and its implementation)
supplier                Do          ``suppliers``: selected, or changed with no new evaluation
asset                   Do          ``assets``
activity                Do          ``bia`` (business impact analysis)
audit                   Check       ``audits``: written on or after its day
review                  Check       ``reviews``: written on or after its day
objective               Check       ``measurements``: a new measurement date
obligation, supplier    Check       ``evaluations``: a new ``evaluated_on``
exercise                Check       ``exercises``: written on or after its day
action                  Act         ``raised`` (its first version), ``closed`` (a new ``closed_on``),
                                    ``verified`` (a new verification ``on``), else ``updated``
======================  ==========  =====================================================

What a change did is read from the dates each version states (its stamps),
compared with the record's previous version: no version is parsed. One
change may be two pieces of work (an action entered already closed is
raised and closed; an objective entered with its measurements is set and
measured). A record of any other kind counts nowhere. Commits whose date
git could not give (``clamped``) are not counted, as in the history rules.
Nor is the first commit: it is where the history starts (an import, a
scaffold, the edge of a shallow clone), the system as it came into git
rather than work of that month, and the months before it have no history.

External audits (``certification:`` in isoctl.yaml) are marked on their
months, and the share of the Check and Act work done in the weeks before
them (``settings.scramble_weeks``, as for ``pre-audit-scramble``) is
compared with the share of the period those weeks are: the picture of a
system that checks and acts only for the auditor, in one figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from isoctl.core import keys
from isoctl.files import cache
from isoctl.history import versions
from isoctl.history.revisions import CommitInfo
from isoctl.history.versions import RecordVersions, Version
from isoctl.model.manifest import Manifest
from isoctl.workspace.files import wanted

Stage = Literal["plan", "do", "check", "act"]
STAGES: tuple[Stage, ...] = ("plan", "do", "check", "act")
STAGE_NAMES: dict[Stage, str] = {"plan": "Plan", "do": "Do", "check": "Check", "act": "Act"}

#: The pieces of work of each stage, in the order every format lists them (see the module docstring).
ACTIVITIES: dict[Stage, tuple[str, ...]] = {
    "plan": ("context", "risks", "obligations", "objectives", "processes", "scheduled"),
    "do": ("documents", "competence", "controls", "suppliers", "assets", "bia"),
    "check": ("audits", "reviews", "measurements", "evaluations", "exercises"),
    "act": ("raised", "closed", "verified", "updated"),
}
_STAGE_OF = {what: stage for stage, whats in ACTIVITIES.items() for what in whats}

#: Kinds whose every change is the same piece of work.
_PLAIN: dict[str, str] = {
    "issue": "context", "party": "context",
    "risk": "risks", "aspect": "risks", "hazard": "risks",
    "process": "processes",
    "document": "documents", "competence": "competence", "control": "controls", "asset": "assets",
    "activity": "bia",
}
#: Kinds whose change is Check work when it states a new date of this field, and this other work otherwise.
_EVALUATED: dict[str, tuple[str, str, str]] = {  # kind -> (stamp, work when it is new, work otherwise)
    "objective": ("date", "measurements", "objectives"),
    "obligation": ("evaluated_on", "evaluations", "obligations"),
    "supplier": ("evaluated_on", "evaluations", "suppliers"),
}
#: Kinds that record an event on a day: Check work once the day has come, planning before it.
_EVENTS: dict[str, str] = {"audit": "audits", "review": "reviews", "exercise": "exercises"}


def _dates(version: Version | None, name: str) -> set[str]:
    if version is None:
        return set()
    prefix = name + "="
    return {stamp[len(prefix):] for stamp in version.stamps.split() if stamp.startswith(prefix)}


def work_of(version: Version, previous: Version | None, day: dt.date) -> list[str]:
    """The pieces of work (names of :data:`ACTIVITIES`) a change did, committed on ``day``.

    ``previous`` is the record's version before it (None for a new record, or
    one whose id now names a record of another kind).
    """
    if previous is not None and previous.kind != version.kind:
        previous = None
    kind = version.kind
    if kind in _PLAIN:
        return [_PLAIN[kind]]
    if kind == "action":
        done = ["raised"] if previous is None else []
        if _dates(version, "closed_on") - _dates(previous, "closed_on"):
            done.append("closed")
        if _dates(version, "on") - _dates(previous, "on"):
            done.append("verified")
        return done or ["updated"]
    if kind in _EVALUATED:
        stamp, check, otherwise = _EVALUATED[kind]
        new = bool(_dates(version, stamp) - _dates(previous, stamp))
        if previous is None:
            return [otherwise, check] if new else [otherwise]
        return [check] if new else [otherwise]
    if kind in _EVENTS:
        # an audit or review is written ahead when planned; the earliest date it states is its own (evidence comes later)
        days = sorted(_dates(version, "date"))
        return ["scheduled"] if days and days[0] > day.isoformat() else [_EVENTS[kind]]
    return []


@dataclass(frozen=True)
class ExternalAudit:
    """A certification body's audit from isoctl.yaml, planned or held."""

    date: dt.date
    type: str
    standard: str  # the family: iso9001
    status: str | None


def _empty() -> dict[Stage, dict[str, int]]:
    return {stage: dict.fromkeys(whats, 0) for stage, whats in ACTIVITIES.items()}


@dataclass
class Month:
    """One calendar month of the picture (the first and last may be cut by the period's ends)."""

    start: dt.date
    end: dt.date
    work: dict[Stage, dict[str, int]] = field(default_factory=_empty)
    commits: int = 0  # dated commits in the month that changed a record file
    audits: list[ExternalAudit] = field(default_factory=list)
    before_history: bool = False  # the month ended before the first commit: nothing could be recorded in it

    @property
    def label(self) -> str:
        """``2026-03``."""
        return f"{self.start.year:04d}-{self.start.month:02d}"

    def count(self, stage: Stage) -> int:
        return sum(self.work[stage].values())


@dataclass(frozen=True)
class BeforeAudits:
    """How much of the Check and Act work fell in the weeks before external audits, against the time those weeks are."""

    weeks: int
    inside: int  # Check and Act work done in those weeks
    total: int  # Check and Act work in the period
    share_of_days: float  # the share of the period's days those weeks cover

    @property
    def share(self) -> float:
        return self.inside / self.total if self.total else 0.0


@dataclass(frozen=True)
class HistoryStart:
    """The first commit, where the history starts: its records are the system as it came into git, not work."""

    commit: str
    date: dt.date | None  # None when git could not give its date
    records: int


@dataclass
class Pulse:
    """The work of each stage in each month of ``since``..``until``, and the external audits among them."""

    since: dt.date
    until: dt.date
    months: list[Month]
    audits: list[ExternalAudit]  # those in the period, by date
    shallow: bool = False
    undated: int = 0  # commits not counted: git could not give their date
    commits: int = 0  # dated commits in the period that changed a record file
    before_audits: BeforeAudits | None = None  # None when no audit's weeks fall in the period
    start: HistoryStart | None = None

    def total(self, stage: Stage) -> int:
        return sum(month.count(stage) for month in self.months)

    def active(self, stage: Stage) -> int:
        """In how many months any work of ``stage`` was done."""
        return sum(1 for month in self.months if month.count(stage))

    def work(self, stage: Stage) -> dict[str, int]:
        """Each piece of work of ``stage`` over the whole period."""
        out = dict.fromkeys(ACTIVITIES[stage], 0)
        for month in self.months:
            for what, count in month.work[stage].items():
                out[what] += count
        return out


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def months_between(since: dt.date, until: dt.date) -> list[Month]:
    """The calendar months from ``since``'s to ``until``'s, the first starting on ``since``, the last ending on ``until``."""
    out = []
    start = since
    while start <= until:
        following = _next_month(start)
        out.append(Month(start, min(following - dt.timedelta(days=1), until)))
        start = following
    return out


def external_audits(manifest: Manifest) -> list[ExternalAudit]:
    """Every external audit of isoctl.yaml, by date."""
    return sorted((ExternalAudit(audit.date, audit.type, family, audit.status)
                   for family, certification in manifest.certification.items() for audit in certification.audits),
                  key=lambda a: (a.date, a.standard, a.type))


def count(commits: Sequence[CommitInfo], record_versions: RecordVersions, audits: Iterable[ExternalAudit], *,
          since: dt.date, until: dt.date, shallow: bool = False, weeks: int = 4) -> Pulse:
    """The pulse of the period ``since``..``until`` (both included) from the versions of ``commits``.

    The first commit is where the history starts, not work of its month:
    the records it brings were written before (an import, a scaffold, the
    edge of a shallow clone), so they are counted as :attr:`Pulse.start`, not
    in its month, and the months before it are marked as having no history.
    """
    months = months_between(since, until)

    def month_of(day: dt.date | None) -> Month | None:
        if day is None or not since <= day <= until:
            return None
        return months[(day.year * 12 + day.month) - (since.year * 12 + since.month)]

    days = [None if c.clamped else c.authored.date() for c in commits]
    start = HistoryStart(commits[0].sha, days[0], 0) if commits else None
    if start is not None and start.date is not None:
        for month in months:
            month.before_history = month.end < start.date
    shown = [a for a in audits if since <= a.date <= until]
    for audit in shown:
        months[(audit.date.year * 12 + audit.date.month) - (since.year * 12 + since.month)].audits.append(audit)
    windows = [(a.date - dt.timedelta(weeks=weeks), a.date) for a in audits
               if a.date >= since and a.date - dt.timedelta(weeks=weeks) <= until]
    inside = checked = imported = 0
    by_record: dict[str, list[Version]] = {}
    for version in record_versions.changes(len(commits)):  # the versions may run past these commits
        by_record.setdefault(version.id, []).append(version)
    for history in by_record.values():
        history.sort(key=lambda v: v.index)
        previous: Version | None = None
        for version in history:
            day = days[version.index]
            where = month_of(day)
            if version.index == 0:
                imported += 1
            elif where is not None and day is not None:
                for what in work_of(version, previous, day):
                    stage = _STAGE_OF[what]
                    where.work[stage][what] += 1
                    if stage in ("check", "act"):
                        checked += 1
                        inside += any(first <= day <= last for first, last in windows)
            previous = version
    counted = 0
    for commit, day in zip(commits, days, strict=True):
        where = month_of(day)
        if where is not None and any(wanted(change.path, record_versions.ignore) for change in commit.changes):
            where.commits += 1
            counted += 1
    before = None
    if windows:
        covered: set[dt.date] = set()
        for first, last in windows:
            covered.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1)
                           if since <= first + dt.timedelta(days=n) <= until)
        before = BeforeAudits(weeks, inside, checked, len(covered) / ((until - since).days + 1))
    if start is not None:
        start = HistoryStart(start.commit, start.date, imported)
    return Pulse(since, until, months, shown, shallow=shallow, undated=sum(1 for c in commits if c.clamped),
                 commits=counted, before_audits=before, start=start)


def measure(root: Path, commits: Sequence[CommitInfo], manifest: Manifest, *,
            since: dt.date, until: dt.date, shallow: bool = False) -> Pulse:
    """The pulse of the workspace at ``root`` over ``since``..``until``, from ``commits`` (its first-parent history,
    oldest first) and the blobs they name.

    A pulse is kept in the user cache under everything it depends on (the
    history, by its last commit, and what of the manifest it reads), so a
    second run over the same history reads no blob; what was learnt of the
    blobs on the way is kept too.
    """
    audits = external_audits(manifest)
    weeks = manifest.settings.scramble_weeks
    store = keys.key("pulse", [str(root.resolve()), commits[-1].sha if commits else "", str(len(commits)),
                                str(shallow), since.isoformat(), until.isoformat(), str(weeks),
                                repr([(a.date.isoformat(), a.type, a.standard, a.status) for a in audits]),
                                repr(list(manifest.ignore))], None)
    known = cache.read("pulse", store)
    if known is not None:
        try:
            return _restored(known)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # another shape: computed again below
    record_versions = versions.along(commits, manifest.ignore, root)
    try:
        pulse = count(commits, record_versions, audits, since=since, until=until, shallow=shallow, weeks=weeks)
    finally:
        versions.save_all()
    cache.write("pulse", store, _stored(pulse))
    return pulse


def _audit_data(audit: ExternalAudit) -> list[str | None]:
    return [audit.date.isoformat(), audit.type, audit.standard, audit.status]


def _audit(data: list[Any]) -> ExternalAudit:
    return ExternalAudit(dt.date.fromisoformat(data[0]), str(data[1]), str(data[2]),
                         None if data[3] is None else str(data[3]))


def _stored(pulse: Pulse) -> dict[str, Any]:
    """A pulse as the cache keeps it (every figure exact, unlike :func:`isoctl.render.pulse.as_dict`)."""
    before, start = pulse.before_audits, pulse.start
    return {
        "since": pulse.since.isoformat(), "until": pulse.until.isoformat(), "shallow": pulse.shallow,
        "undated": pulse.undated, "commits": pulse.commits, "audits": [_audit_data(a) for a in pulse.audits],
        "months": [[m.start.isoformat(), m.end.isoformat(), m.work, m.commits, [_audit_data(a) for a in m.audits],
                    m.before_history] for m in pulse.months],
        "before": None if before is None else [before.weeks, before.inside, before.total, before.share_of_days],
        "start": None if start is None else [start.commit, start.date.isoformat() if start.date else None,
                                             start.records],
    }


def _restored(data: dict[str, Any]) -> Pulse:
    months = []
    for first, last, work, commits, audits, before_history in data["months"]:
        counts = _empty()
        for stage in STAGES:
            for what in ACTIVITIES[stage]:
                counts[stage][what] = int(work[stage][what])
        months.append(Month(dt.date.fromisoformat(first), dt.date.fromisoformat(last), counts, int(commits),
                            [_audit(a) for a in audits], bool(before_history)))
    before, start = data["before"], data["start"]
    return Pulse(
        dt.date.fromisoformat(data["since"]), dt.date.fromisoformat(data["until"]), months,
        [_audit(a) for a in data["audits"]], shallow=bool(data["shallow"]), undated=int(data["undated"]),
        commits=int(data["commits"]),
        before_audits=None if before is None else BeforeAudits(int(before[0]), int(before[1]), int(before[2]),
                                                               float(before[3])),
        start=None if start is None else HistoryStart(str(start[0]), dt.date.fromisoformat(start[1]) if start[1]
                                                      else None, int(start[2])),
    )
