"""The management system over time: readiness, actions, findings and contributors, commit by commit or period by period.

One ``git log --raw`` gives every commit and the files it changed; the
workspace tree is rebuilt incrementally from those changes, blobs are read
through one ``git cat-file`` process, each distinct blob is parsed once (and
kept in the history cache between runs), and every point of the timeline is
the same analysis ``check`` runs.

``every="commit"`` gives one point per commit, evaluated on that commit's
date. ``every="week"`` or ``"month"`` gives one point per period from
``since`` to ``until``, whether or not anyone committed in it: the workspace
as of the last commit on or before the period's last day, evaluated on that
day. Time moves when nobody commits (actions fall overdue, reviews lapse),
so a period without commits is a point of its own, marked ``commits == 0``.
Such points evaluate a tree already loaded for an earlier point: it is
loaded once and analysed on each date. Computed points are cached by
(commit, evaluation date), so a second run only analyses what is new.

A walk over thousands of commits takes minutes: :func:`walk` tells a
:data:`Progress` callback how far it has got (the command line draws it on
a terminal). A commit whose date git could not give (``clamped``) is never a
point of its own: its date would put it in a period it does not belong to.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import gc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from isoctl import __version__
from isoctl.core import keys
from isoctl.core.history_policy import analyse_workspace
from isoctl.files import cache
from isoctl.history import versions
from isoctl.history.catfile import BlobReader
from isoctl.history.revisions import CommitInfo
from isoctl.history.trees import TreeEntry
from isoctl.workspace.load import load_workspace
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.record_files import Reuse

Every = Literal["commit", "week", "month"]

#: Told how far a long task has got: what it is doing, how many steps are done, of how many.
Progress = Callable[[str, int, int], None]


def no_progress(what: str, done: int, total: int) -> None:
    """The :data:`Progress` of a caller that shows none."""


@dataclass
class Point:
    """The state of the system at one commit, evaluated on one date."""

    commit: str  # the commit evaluated: this point's, or for a period the last one on or before its last day
    date: str  # the evaluation date (YYYY-MM-DD): the commit's date, or the period's last day (never after ``until``)
    author: str
    subject: str
    readiness: dict[str, float]
    actions_open: int
    actions_overdue: int
    mean_days_to_close: float | None
    findings: dict[str, int]
    records: int
    changes: int  # record-file changes since the previous point
    contributors: list[str] = field(default_factory=list)  # authors since the previous point
    committed: str = ""  # the commit's date (YYYY-MM-DD); the evaluation date when not given
    commits: int = 1  # commits dated in this point's period; 0: nobody committed, the last commit before it is shown

    def __post_init__(self) -> None:
        if not self.committed:
            self.committed = self.date

    @property
    def silent(self) -> bool:
        """No commit fell in this point's period: the state is an earlier commit's, seen on a later day."""
        return self.commits == 0


@dataclass
class Timeline:
    points: list[Point]
    shallow: bool
    every: str


@dataclass
class _Tree:
    """A snapshot assembled from the log: the files at a commit, blobs read on demand."""

    commit: str
    files: dict[str, TreeEntry]
    reader: BlobReader

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        return self.reader.read(blob, max_bytes)


def _period(day: dt.date, every: Every) -> tuple[dt.date, dt.date]:
    """The first and last day of the ISO week (Monday to Sunday) or the month ``day`` falls in."""
    if every == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def periods(since: dt.date, until: dt.date, every: Every) -> list[tuple[dt.date, dt.date]]:
    """The weeks or months from the one holding ``since`` to the one holding ``until``, as (first day, last day).

    The last period ends on ``until``: a point is never evaluated after it.
    """
    out: list[tuple[dt.date, dt.date]] = []
    start, end = _period(since, every)
    while start <= until:
        out.append((start, min(end, until)))
        start, end = _period(end + dt.timedelta(days=1), every)
    return out


@dataclass(frozen=True)
class _Slot:
    """One point to compute: the commit whose tree is evaluated, the evaluation date, the commits in its period."""

    index: int
    day: dt.date
    commits: int


def _slots(commits: Sequence[CommitInfo], every: Every, since: dt.date | None, until: dt.date | None) -> list[_Slot]:
    """The points of a timeline, oldest first (see the module docstring); commits with a clamped date are no points.

    For a period: the latest commit on the list dated on or before its last
    day (so the index never goes back), none before the first commit.
    """
    dated = [(commit.committed.date(), index) for index, commit in enumerate(commits) if not commit.clamped]
    if every == "commit":
        return [_Slot(index, day, 1) for day, index in dated
                if (since is None or day >= since) and (until is None or day <= until)]
    if not dated:
        return []
    dated.sort()
    days = [day for day, _ in dated]
    latest: list[int] = []  # latest[k]: the highest index among the k + 1 earliest-dated commits
    for _, index in dated:
        latest.append(max(index, latest[-1]) if latest else index)
    out: list[_Slot] = []
    for start, end in periods(max(since or days[0], days[0]), until or days[-1], every):  # none before the first commit
        upto = bisect.bisect_right(days, end)
        if upto:
            out.append(_Slot(latest[upto - 1], end, upto - bisect.bisect_left(days, start)))
    return out


def _key(sha: str, day: dt.date) -> str:
    return f"{sha}@{day.isoformat()}"


def _metrics(commit: CommitInfo, workspace: Any, result: Any, day: dt.date) -> dict[str, Any]:
    actions = [r.model for r in workspace.records if r.kind == "action"]
    open_actions = [a for a in actions if a.status in ("open", "in-progress")]
    overdue = [a for a in open_actions if a.due is not None and a.due < day]
    closed = [(a.closed_on - a.raised_on).days for a in actions if a.status == "closed" and a.closed_on is not None]
    return {
        "readiness": {c.standard: c.readiness for c in result.coverage},
        "actions_open": len(open_actions),
        "actions_overdue": len(overdue),
        "mean_days_to_close": round(sum(closed) / len(closed), 1) if closed else None,
        "findings": result.counts(),
        "records": result.records,
    }




#: Below this many points to compute, a second process costs more than it saves.
PARALLEL_MIN_POINTS = 6


def walk(
    root: Path,
    commits: Sequence[CommitInfo],
    *,
    every: Every = "month",
    since: dt.date | None = None,
    until: dt.date | None = None,
    shallow: bool = False,
    progress: Progress = no_progress,
) -> Timeline:
    """Evaluate the workspace at each point between ``since`` and ``until``; ``progress`` is told of each point.

    Every commit, or every week or month (see the module docstring). For
    periods, ``since`` defaults to the first commit's date and ``until`` to
    the last one's: the caller passes today to see time pass after it.
    """
    slots = _slots(commits, every, since, until)
    section = "timeline"
    # one entry per workspace holds its points by commit and date; isoctl's code and the clone's depth are in its key
    store_key = keys.key("timeline", [str(root.resolve()), str(shallow)], None)
    known: dict[str, dict[str, Any]] = cache.read(section, store_key) or {}
    todo = sorted({(s.index, s.day) for s in slots if _key(commits[s.index].sha, s.day) not in known})
    if todo:
        known.update(_measure_all(root, commits, todo, shallow, progress))
        cache.write(section, store_key, known)
    points: list[Point] = []
    previous = -1
    for slot in slots:
        commit = commits[slot.index]
        since_last = commits[previous + 1 : slot.index + 1]  # empty when nobody committed since the previous point
        points.append(Point(
            commit=commit.sha, date=slot.day.isoformat(), author=commit.author,
            subject=commit.subject, changes=sum(len(c.changes) for c in since_last),
            contributors=sorted({c.author for c in since_last}), committed=commit.committed.date().isoformat(),
            commits=slot.commits, **known[_key(commit.sha, slot.day)],
        ))
        previous = slot.index
    return Timeline(points, shallow, every)


def _measure_all(root: Path, commits: Sequence[CommitInfo], todo: list[tuple[int, dt.date]], shallow: bool,
                 progress: Progress) -> dict[str, dict[str, Any]]:
    """Metrics at the (commit index, evaluation date) pairs ``todo``; the earlier half in a forked process, the later here.

    The halves split between commits, so no tree is loaded in both. The
    other process cannot report, so while both run the progress counts this
    half's points twice (the halves are about the same size); it is exact
    again once this half is done.
    """
    import functools

    from isoctl.workspace.forks import Helper

    total = len(todo)
    what = "evaluating the history"
    cut = total // 2
    while 0 < cut < total and todo[cut][0] == todo[cut - 1][0]:
        cut += 1
    first, second = todo[:cut], todo[cut:]
    helper = None
    if total >= PARALLEL_MIN_POINTS and first and second:
        helper = Helper.call("isoctl-history-points", functools.partial(_measure, save=False), root, commits, first,
                             shallow)
    if helper is None:
        return _measure(root, commits, todo, shallow, save=True, tick=lambda done: progress(what, done, total))
    try:
        mine = _measure(root, commits, second, shallow, save=True,
                        tick=lambda done: progress(what, min(total - 1, done * total // len(second)), total))
        try:
            theirs: dict[str, dict[str, Any]] = helper.next()
        except ChildProcessError:
            theirs = _measure(root, commits, first, shallow, save=True,
                              tick=lambda done: progress(what, len(second) + done, total))
    finally:
        helper.stop()
    progress(what, total, total)
    return {**theirs, **mine}


#: Points between two runs of the cycle collector in a walk. A point leaves a few dozen objects in cycles,
#: and a collection costs a tenth of a second once a workspace is loaded (a sixth of a point's time).
COLLECT_EVERY = 32


def _measure(root: Path, commits: Sequence[CommitInfo], todo: list[tuple[int, dt.date]], shallow: bool, *,
             save: bool, tick: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
    """Rebuild the tree from the log up to each commit index in turn, load the workspace there once, and
    analyse it on each of its dates (``todo`` is sorted; ``tick``: points done)."""
    out: dict[str, dict[str, Any]] = {}
    tree: dict[str, TreeEntry] = {}
    reader = BlobReader(root)
    reuse = Reuse(RecordCache(root, history=True))
    previous = -1
    workspace: Any = None
    try:
        for index, day in todo:
            commit = commits[index]
            if index != previous:
                for position in range(previous + 1, index + 1):  # bring the tree up to this commit
                    for change in commits[position].changes:
                        if change.status == "D":
                            tree.pop(change.path, None)
                        else:
                            tree[change.path] = TreeEntry(change.new_mode, change.new_blob, 0)
                workspace = load_workspace(root, snapshot=_Tree(commit.sha, dict(tree), reader), reuse=reuse)
                previous = index
            upto = commits[: index + 1]
            result = analyse_workspace(workspace, day, keys.Options(day.isoformat()), commit=commit.sha,
                                       commits=functools.partial(list, upto), shallow=lambda: shallow, positions=False)
            out[_key(commit.sha, day)] = _metrics(commit, workspace, result, day)
            if tick is not None:
                tick(len(out))
            if not gc.isenabled() and len(out) % COLLECT_EVERY == 0:
                gc.collect(generation=0)  # the CLI runs without the cycle collector; a long walk tidies now and then
    finally:
        if save:
            reuse.store.save()
            versions.save_all()
        reader.close()
    return out


def as_dict(timeline: Timeline) -> dict[str, Any]:
    """The timeline as JSON data: each point's fields, and ``silent`` (no commit in its period)."""
    return {"isoctl": __version__, "format": 1, "every": timeline.every, "shallow": timeline.shallow,
            "points": [{**asdict(p), "silent": p.silent} for p in timeline.points]}


