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
import gc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from isoctl import __version__, cache
from isoctl.analysis.engine import analyse
from isoctl.git import BlobReader, CommitInfo, TreeEntry
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


def _code_key() -> str:
    """Points depend on isoctl's version and its rules; a new version recomputes them."""
    return cache.digest([__version__, "timeline-1"])


def walk(
    root: Path,
    commits: Sequence[CommitInfo],
    *,
    every: Every = "month",
    since: dt.date | None = None,
    until: dt.date | None = None,
    shallow: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Timeline:
    """Evaluate the workspace at the sampled commits between ``since`` and ``until``."""
    chosen = [
        i for i in sample(commits, every)
        if (since is None or commits[i].committed.date() >= since) and (until is None or commits[i].committed.date() <= until)
    ]
    key = _code_key()
    section = "timeline"
    store_key = cache.digest([str(root.resolve()), key])
    known: dict[str, dict[str, Any]] = cache.read(section, store_key) or {}
    points: list[Point] = []
    tree: dict[str, TreeEntry] = {}
    reuse: Reuse | None = None
    reader: BlobReader | None = None
    previous = -1
    try:
        for done, index in enumerate(chosen):
            for position in range(previous + 1, index + 1):  # bring the tree up to this commit
                for change in commits[position].changes:
                    if change.status == "D":
                        tree.pop(change.path, None)
                    else:
                        tree[change.path] = TreeEntry(change.new_mode, change.new_blob, 0)
            commit = commits[index]
            since_last = commits[previous + 1 : index + 1]
            measured = known.get(commit.sha)
            if measured is None:
                if reader is None:
                    reader = BlobReader(root)
                    reuse = Reuse(RecordCache(root, history=True))
                day = commit.committed.date()
                workspace = load_workspace(root, snapshot=_Tree(commit.sha, dict(tree), reader), reuse=reuse)
                result = analyse(workspace, day, commit=commit.sha, history=commits[: index + 1], shallow=shallow,
                                 positions=False)
                measured = known[commit.sha] = _metrics(commit, workspace, result, day)
            points.append(Point(
                commit=commit.sha, date=commit.committed.date().isoformat(), author=commit.author,
                subject=commit.subject, changes=sum(len(c.changes) for c in since_last),
                contributors=sorted({c.author for c in since_last}), **measured,
            ))
            previous = index
            if not gc.isenabled():
                gc.collect(generation=0)  # the CLI runs without the cycle collector; a long walk tidies as it goes
            if progress is not None:
                progress(done + 1, len(chosen))
    finally:
        if reader is not None:
            reader.close()
        if reuse is not None:
            reuse.store.save()
            cache.write(section, store_key, known)
    return Timeline(points, shallow, every)


def as_dict(timeline: Timeline) -> dict[str, Any]:
    return {"isoctl": __version__, "format": 1, "every": timeline.every, "shallow": timeline.shallow,
            "points": [asdict(p) for p in timeline.points]}


