"""The management system over time: readiness, actions, findings and contributors, commit by commit.

One ``git log --raw`` gives every commit and the files it changed; the
workspace tree is rebuilt incrementally from those changes, blobs are read
through one ``git cat-file`` process, each distinct blob is parsed once (and
kept in the history cache between runs), and every point of the timeline is
the same analysis ``check`` runs, with today = that commit's date. Computed
points are cached by commit, so a second run only analyses new commits.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections.abc import Sequence
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
    """Indexes of the commits that stand for each period: every commit, or the last one of each week or month."""
    if every == "commit":
        return list(range(len(commits)))
    picked: list[int] = []
    for index, commit in enumerate(commits):
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
) -> Timeline:
    """Evaluate the workspace at the sampled commits between ``since`` and ``until``."""
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
        known.update(_measure_all(root, commits, todo, shallow))
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


def _measure_all(root: Path, commits: Sequence[CommitInfo], todo: list[int], shallow: bool) -> dict[str, dict[str, Any]]:
    """Metrics at the commits ``todo``; the earlier half in a forked process, the later half here."""
    from isoctl.workspace.records import can_fork

    if len(todo) < PARALLEL_MIN_POINTS or not can_fork():
        return _measure(root, commits, todo, shallow, save=True)
    import multiprocessing

    first, second = todo[: len(todo) // 2], todo[len(todo) // 2 :]
    try:
        pool = multiprocessing.get_context("fork").Pool(1)
    except (OSError, AssertionError):
        return _measure(root, commits, todo, shallow, save=True)
    with pool:
        job = pool.apply_async(_measure, (root, commits, first, shallow), {"save": False})
        mine = _measure(root, commits, second, shallow, save=True)
        try:
            theirs: dict[str, dict[str, Any]] = job.get()
        except Exception:
            theirs = _measure(root, commits, first, shallow, save=True)
    return {**theirs, **mine}


def _measure(root: Path, commits: Sequence[CommitInfo], indexes: list[int], shallow: bool, *, save: bool
             ) -> dict[str, dict[str, Any]]:
    """Rebuild the tree from the log up to each index in turn, and analyse the workspace there."""
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


