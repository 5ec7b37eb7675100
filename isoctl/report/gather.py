"""Gathering the audit pack: one analysis, one ``git log``, the timeline, the document history, the changes.

This is the one core function ``isoctl report`` calls, with the workspace
already loaded (now, or as committed at ``--at``). Git is read once: the
commit list with the files each commit changed feeds the history rules of
the analysis, the monthly readiness timeline (whose points are cached by
commit, and shared with ``isoctl history``) and the document register.
Everything is evaluated on the report's ``today``; nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from isoctl.analysis.soa import EDITION, build_soa
from isoctl.core.analyse import analyse
from isoctl.core.timeline import Point as TimelinePoint
from isoctl.core.timeline import walk
from isoctl.history import git
from isoctl.history.diff import Diff, Revision, compare
from isoctl.history.git import CommitInfo
from isoctl.model.result import Result
from isoctl.report import document_register
from isoctl.report.data import Report, build_report
from isoctl.workspace.load import Workspace, load_workspace

#: How far back the readiness charts reach: one surveillance cycle.
TIMELINE_MONTHS = 12


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _commits(root: Path, commit: str | None) -> tuple[list[CommitInfo] | None, bool]:
    """Every commit up to ``commit`` (None without git or before the first commit), and whether the clone is shallow."""
    if commit is None:
        return None, False
    return git.log(root, until=commit), git.is_shallow(root)


def _revision(at: str | None, commit: str | None, dirty: bool, commits: list[CommitInfo] | None) -> Revision:
    """The evaluated state as ``isoctl diff`` names a side: the --at revision, HEAD, or the working tree."""
    if commit is None or (at is None and dirty):
        return Revision(None)
    when = next((c.committed for c in reversed(commits or []) if c.sha == commit), None)
    return Revision(at or "HEAD", commit, when)


def _label(revision: Revision, commit: str | None, dirty: bool) -> str:
    if commit is None:
        return "working tree (not a git repository)"
    if revision.working_tree:
        return f"working tree with uncommitted changes (on {commit[:8]})" if dirty else "working tree"
    return revision.label


def _changes(workspace: Workspace, result: Result, since: str, new: Revision, today: dt.date) -> Diff:
    """What changed from ``since`` (a revision, or a day: the last commit on or before it) to the evaluated state."""
    with git.snapshot(workspace.root, since) as snap:
        old_workspace = load_workspace(workspace.root, snapshot=snap)
        old = analyse(old_workspace, today, commit=snap.commit, positions=False)
        return compare((old_workspace, old), (workspace, result), old_rev=Revision(since, snap.commit, snap.committed),
                       new_rev=new)


def _timeline(root: Path, commits: list[CommitInfo] | None, today: dt.date, shallow: bool, months: int
              ) -> list[TimelinePoint]:
    if not commits:
        return []
    return walk(root, commits, every="month", since=_months_before(today, months), until=today, shallow=shallow).points


def _documents(workspace: Workspace, commits: list[CommitInfo] | None, shallow: bool, uncommitted: bool
               ) -> document_register.DocumentRegister:
    manifest = workspace.manifest
    documents = [r for r in workspace.records if r.kind == "document"]
    history = None
    if commits is not None:
        with git.BlobReader(workspace.root) as reader:
            history = document_register.revisions(commits, documents, reader.read, ignore=manifest.ignore,
                                                  root=workspace.root if uncommitted else None)
    return document_register.build(documents, history, shallow=shallow, names={p.id: p.name for p in manifest.people},
                                   review_days=manifest.settings.document_review_days)


def collect(
    workspace: Workspace,
    today: dt.date,
    *,
    commit: str | None,
    dirty: bool,
    at: str | None = None,
    since: str | None = None,
    months: int = TIMELINE_MONTHS,
) -> Report:
    """The audit pack of ``workspace`` (at ``commit``; ``at`` as the user named it) evaluated on ``today``.

    ``since`` adds the changes from that revision or day to now. Without git
    (``commit`` None) there is no timeline and no revision history, and the
    report says so; ``since`` then fails with a GitError.
    """
    commits, shallow = _commits(workspace.root, commit)
    result = analyse(workspace, today, commit=commit, dirty=dirty and at is None, history=commits, shallow=shallow)
    new = _revision(at, commit, dirty, commits)
    changes = _changes(workspace, result, since, new, today) if since is not None else None
    timeline = _timeline(workspace.root, commits, today, shallow, months)
    register = _documents(workspace, commits, shallow, uncommitted=dirty and at is None)
    soa = build_soa(workspace, today) if any(e.id == EDITION for e in workspace.editions) else None
    return build_report(workspace, result, soa=soa, timeline=timeline, documents=register, changes=changes,
                        revision=_label(new, commit, dirty and at is None))
