"""Gathering the audit pack: one evaluation, one ``git log``, the timeline, the document history, the changes.

This is the one function ``isoctl report`` calls, with the evaluation opened
by the core (now, or as committed at ``--at``). Git is read once: the
commit list with the files each commit changed feeds the history rules of
the analysis, the monthly readiness timeline (each month's end, whose
points are cached by commit and date, and shared with ``isoctl history``),
the document register and the PDCA pulse (as ``isoctl pulse`` draws it).
Everything is evaluated on the report's ``today``; nothing reads the clock.
On a long history both take a while: ``progress`` is told how far each has got.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path

from isoctl.analysis.soa import EDITION, build_soa
from isoctl.core import period, pulse
from isoctl.core.changes import between
from isoctl.core.evaluate import Evaluation, open_evaluation
from isoctl.core.timeline import Point as TimelinePoint
from isoctl.core.timeline import Progress, no_progress, walk
from isoctl.errors import IsoctlError
from isoctl.files import yamlio
from isoctl.history import catfile
from isoctl.history.diff import Revision
from isoctl.history.revisions import CommitInfo
from isoctl.report import document_register
from isoctl.report.data import Report, build_report
from isoctl.workspace.load import Workspace

#: How far back the readiness charts reach: one surveillance cycle.
TIMELINE_MONTHS = 12


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _revision(evaluation: Evaluation, uncommitted: bool) -> Revision:
    """The evaluated state as ``isoctl diff`` names a side: the --at revision, HEAD, or the working tree."""
    if evaluation.commit is None or uncommitted:
        return Revision(None)
    if evaluation.at is not None:
        return Revision(evaluation.at, evaluation.commit, evaluation.committed)
    when = next((c.committed for c in reversed(evaluation.commits() or []) if c.sha == evaluation.commit), None)
    return Revision("HEAD", evaluation.commit, when)


def _label(revision: Revision, commit: str | None, dirty: bool, refused: IsoctlError | None = None) -> str:
    if commit is None and refused is not None:  # a repository git would not read, or no git to read it
        return f"working tree ({refused.message})"
    if commit is None:
        return "working tree (not a git repository)"
    if revision.working_tree:
        return f"working tree with uncommitted changes (on {commit[:8]})" if dirty else "working tree"
    return revision.label


def _timeline(root: Path, commits: list[CommitInfo] | None, today: dt.date, shallow: bool, months: int,
              progress: Progress) -> list[TimelinePoint]:
    """The state at the end of each of the ``months`` months before today's, with or without commits in them.

    Today's month ends today, with the evaluated state the report shows anyway.
    """
    if not commits:
        return []
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return walk(root, commits, every="month", since=_months_before(today, months), until=last_month_end,
                shallow=shallow, progress=progress).points


def _counted(commits: Sequence[CommitInfo], progress: Progress) -> Iterator[CommitInfo]:
    """The commits, telling ``progress`` every hundred of them."""
    what, total = "reading document revisions", len(commits)
    for done, commit in enumerate(commits):
        if done % 100 == 0:
            progress(what, done, total)
        yield commit
    progress(what, total, total)


def _documents(workspace: Workspace, commits: list[CommitInfo] | None, shallow: bool, uncommitted: bool,
               progress: Progress, uncontrolled: dict[str, str]) -> document_register.DocumentRegister:
    manifest = workspace.manifest
    documents = [r for r in workspace.records if r.kind == "document"]
    history = None
    if commits is not None:
        with catfile.BlobReader(workspace.root) as reader:
            history = document_register.revisions(_counted(commits, progress), documents,
                                                  functools.partial(reader.read, max_bytes=yamlio.MAX_BYTES),
                                                  ignore=manifest.ignore, root=workspace.root if uncommitted else None)
    return document_register.build(documents, history, shallow=shallow, names={p.id: p.name for p in manifest.people},
                                   review_days=manifest.settings.document_review_days, uncontrolled=uncontrolled)


def collect(evaluation: Evaluation, *, since: str | None = None, months: int = TIMELINE_MONTHS,
            progress: Progress = no_progress) -> Report:
    """The audit pack of an open evaluation (now, or at ``--at``), on its day.

    ``since`` adds the changes from that revision or day to the evaluated
    state, both sides evaluated the way ``isoctl diff`` does. Without git
    (no commit) there is no timeline and no revision history, and the
    report says so; ``since`` then fails with a GitError. ``progress`` is
    told how the timeline and the document revisions are getting on.
    """
    workspace = evaluation.workspace()
    result = evaluation.result()
    commits = evaluation.commits()
    shallow = evaluation.shallow
    uncommitted = evaluation.dirty and evaluation.at is None
    new = _revision(evaluation, uncommitted)
    changes = None
    if since is not None:
        with open_evaluation(evaluation.root, at=since, today=evaluation.today) as old:
            changes = between(old, evaluation, old_name=since, new_rev=new)
    timeline = _timeline(workspace.root, commits, evaluation.today, shallow, months, progress)
    uncontrolled = {f.record: f.message for f in result.findings if f.rule == "changed-after-approval" and f.record}
    register = _documents(workspace, commits, shallow, uncommitted, progress, uncontrolled)
    soa = build_soa(workspace, evaluation.today, commit=evaluation.commit, dirty=uncommitted) if any(e.id == EDITION for e in workspace.editions) else None
    picture = None
    if commits:  # the same picture as isoctl pulse: the 12 calendar months ending with today's
        picture = pulse.measure(workspace.root, commits, workspace.manifest,
                                since=period.first_of_month(evaluation.today, months - 1), until=evaluation.today,
                                shallow=shallow)
    return build_report(workspace, result, soa=soa, timeline=timeline, documents=register, changes=changes,
                        revision=_label(new, evaluation.commit, uncommitted, evaluation.refused), pulse=picture)
