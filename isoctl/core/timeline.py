"""The management system over time: readiness, actions, findings and contributors, commit by commit.

One ``git log --raw`` gives every commit and the files it changed; the
workspace tree is rebuilt incrementally from those changes, blobs are read
through one ``git cat-file`` process, each distinct blob is parsed once (and
kept in the history cache between runs), and every point of the timeline is
the same analysis ``check`` runs, with today = that commit's date. Computed
points are cached by commit, so a second run only analyses new commits.

A walk over thousands of commits takes minutes: :func:`walk` tells a
:data:`Progress` callback how far it has got (the command line draws it on
a terminal). A commit whose date git could not give (``clamped``) is never a
point of its own: its date would put it in a period it does not belong to.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from isoctl import __version__
from isoctl.core import keys
from isoctl.core.evaluate import analyse_workspace
from isoctl.files import cache
from isoctl.history.git import BlobReader, CommitInfo, TreeEntry
from isoctl.workspace.load import load_workspace
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.records import Reuse

Every = Literal["commit", "week", "month"]

#: Told how far a long task has got: what it is doing, how many steps are done, of how many.
Progress = Callable[[str, int, int], None]


def no_progress(what: str, done: int, total: int) -> None:
    """The :data:`Progress` of a caller that shows none."""


@dataclass
class Point:
    """The state of the system at one commit."""

    commit: str
    date: str  # the commit date (YYYY-MM-DD), which is also the evaluation date
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

    def read(self, blob: str) -> bytes:
        return self.reader.read(blob)


def _bucket(day: dt.date, every: Every) -> tuple[int, ...]:
    if every == "week":
        year, week, _ = day.isocalendar()
        return (year, week)
    if every == "month":
        return (day.year, day.month)
    return ()


def sample(commits: Sequence[CommitInfo], every: Every) -> list[int]:
    """Indexes of the commits that stand for each period: every commit, or the last one of each week or month.

    Commits with a clamped date are left out (their changes still count at the next point).
    """
    if every == "commit":
        return [index for index, commit in enumerate(commits) if not commit.clamped]
    picked: list[int] = []
    for index, commit in enumerate(commits):
        if commit.clamped:
            continue
        key = _bucket(commit.committed.date(), every)
        if picked and _bucket(commits[picked[-1]].committed.date(), every) == key:
            picked[-1] = index
        else:
            picked.append(index)
    return picked


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
    """Evaluate the workspace at the sampled commits between ``since`` and ``until``; ``progress`` is told of each point."""
    chosen = [
        i for i in sample(commits, every)
        if (since is None or commits[i].committed.date() >= since) and (until is None or commits[i].committed.date() <= until)
    ]
    section = "timeline"
    # one entry per workspace holds its points by commit; isoctl's code and the clone's depth are in its key
    store_key = keys.key("timeline", [str(root.resolve()), str(shallow)], None)
    known: dict[str, dict[str, Any]] = cache.read(section, store_key) or {}
    todo = [i for i in chosen if commits[i].sha not in known]
    if todo:
        known.update(_measure_all(root, commits, todo, shallow, progress))
        cache.write(section, store_key, known)
    points: list[Point] = []
    previous = -1
    for index in chosen:
        commit = commits[index]
        since_last = commits[previous + 1 : index + 1]
        points.append(Point(
            commit=commit.sha, date=commit.committed.date().isoformat(), author=commit.author,
            subject=commit.subject, changes=sum(len(c.changes) for c in since_last),
            contributors=sorted({c.author for c in since_last}), **known[commit.sha],
        ))
        previous = index
    return Timeline(points, shallow, every)


def _measure_all(root: Path, commits: Sequence[CommitInfo], todo: list[int], shallow: bool, progress: Progress
                 ) -> dict[str, dict[str, Any]]:
    """Metrics at the commits ``todo``; the earlier half in a forked process, the later half here.

    The other process cannot report, so while both run the progress counts
    this half's points twice (the halves are the same size); it is exact again
    once this half is done.
    """
    from isoctl.workspace.records import can_fork, ignore_interrupts

    total = len(todo)
    what = "evaluating the history"
    if total < PARALLEL_MIN_POINTS or not can_fork():
        return _measure(root, commits, todo, shallow, save=True, tick=lambda done: progress(what, done, total))
    import multiprocessing

    first, second = todo[: total // 2], todo[total // 2 :]
    try:
        pool = multiprocessing.get_context("fork").Pool(1, initializer=ignore_interrupts)
    except (OSError, AssertionError):
        return _measure(root, commits, todo, shallow, save=True, tick=lambda done: progress(what, done, total))
    with pool:
        job = pool.apply_async(_measure, (root, commits, first, shallow), {"save": False})
        mine = _measure(root, commits, second, shallow, save=True,
                        tick=lambda done: progress(what, min(total - 1, done * total // len(second)), total))
        try:
            theirs: dict[str, dict[str, Any]] = job.get()
        except Exception:
            theirs = _measure(root, commits, first, shallow, save=True,
                              tick=lambda done: progress(what, len(second) + done, total))
    progress(what, total, total)
    return {**theirs, **mine}


def _measure(root: Path, commits: Sequence[CommitInfo], indexes: list[int], shallow: bool, *, save: bool,
             tick: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
    """Rebuild the tree from the log up to each index in turn, and analyse the workspace there (``tick``: points done)."""
    out: dict[str, dict[str, Any]] = {}
    tree: dict[str, TreeEntry] = {}
    reader = BlobReader(root)
    reuse = Reuse(RecordCache(root, history=True))
    previous = -1
    try:
        for index in indexes:
            for position in range(previous + 1, index + 1):  # bring the tree up to this commit
                for change in commits[position].changes:
                    if change.status == "D":
                        tree.pop(change.path, None)
                    else:
                        tree[change.path] = TreeEntry(change.new_mode, change.new_blob, 0)
            commit = commits[index]
            day = commit.committed.date()
            workspace = load_workspace(root, snapshot=_Tree(commit.sha, dict(tree), reader), reuse=reuse)
            upto = commits[: index + 1]
            result = analyse_workspace(workspace, day, keys.Options(day.isoformat()), commit=commit.sha,
                                       commits=functools.partial(list, upto), shallow=lambda: shallow, positions=False)
            out[commit.sha] = _metrics(commit, workspace, result, day)
            previous = index
            if tick is not None:
                tick(len(out))
            if not gc.isenabled():
                gc.collect(generation=0)  # the CLI runs without the cycle collector; a long walk tidies as it goes
    finally:
        reader.close()
        if save:
            reuse.store.save()
    return out


def as_dict(timeline: Timeline) -> dict[str, Any]:
    return {"isoctl": __version__, "format": 1, "every": timeline.every, "shallow": timeline.shallow,
            "points": [asdict(p) for p in timeline.points]}


