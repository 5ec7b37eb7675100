"""What changed between two states of a workspace, each evaluated by :mod:`isoctl.core.evaluate`.

``isoctl diff`` and the report's "changes since" section call :func:`diff`:
both sides are evaluated on one day with the same options and the same
history policy as ``check``, so a finding reported as new is one that
``check --at OLD`` did not report and ``check`` (or ``check --at NEW``) does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from isoctl.core.evaluate import Evaluation, as_date, open_evaluation
from isoctl.history.diff import Diff, Revision, compare


def diff(path: Path | str | None, rev: str, rev2: str | None = None, *, today: dt.date | str | None = None) -> Diff:
    """Compare the workspace at ``rev`` with ``rev2`` (or the working tree, uncommitted changes included).

    The day is ``today``, else the later commit's date, else (against the
    working tree, or when neither commit has a usable date) the real date:
    one clock for both sides, so only the records make a difference.
    """
    from isoctl.history import revisions
    from isoctl.workspace.discover import find_workspace

    root = find_workspace(Path(path) if path is not None else None)
    today = as_date(today)
    if today is None:
        if rev2 is None:
            today = dt.date.today()
        else:
            dates = [revisions.commit_date(root, revisions.commit_of(root, r)) for r in (rev, rev2)]
            known = [when for when, exact in dates if exact]
            today = max(known).date() if known else dt.date.today()
    from isoctl.workspace.record_files import no_cyclic_gc

    with no_cyclic_gc():  # as evaluate() does: both workspaces go before a caller's collector is back
        with open_evaluation(root, at=rev, today=today) as old, open_evaluation(root, at=rev2, today=today) as new:
            new_rev = Revision(None) if rev2 is None else Revision(rev2, new.commit, new.committed)
            changes = between(old, new, old_name=rev, new_rev=new_rev)
        del old, new
    return changes


def between(old: Evaluation, new: Evaluation, *, old_name: str, new_rev: Revision) -> Diff:
    """The changes from one open evaluation to another, the later side named ``new_rev``."""
    # compared while both are open: locating a finding may read a blob
    return compare((old.workspace(), old.result()), (new.workspace(), new.result()),
                   old_rev=Revision(old_name, old.commit, old.committed), new_rev=new_rev)
