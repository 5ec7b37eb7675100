"""``isoctl diff``: what changed in the management system between two revisions."""

from __future__ import annotations

import contextlib
import enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.cli.check import OutputOption, TodayOption
from isoctl.cli.common import emit, handles_errors, parse_today, stdout_is_terminal, terminal_width

if TYPE_CHECKING:
    from isoctl.history.diff import Diff


class DiffFormat(str, enum.Enum):
    text = "text"
    json = "json"
    md = "md"


def compute(path: Path | None, rev: str, rev2: str | None, today: str | None) -> Diff:
    """Evaluate the workspace at ``rev`` and at ``rev2`` (or the working tree) on one day, and compare.

    The day is ``--today``/ISOCTL_TODAY, else the later commit's date, else
    (against the working tree) the real date: one clock for both sides, so
    only the records make a difference.
    """
    from isoctl.core.analyse import analyse
    from isoctl.history import git
    from isoctl.history.diff import Revision, compare
    from isoctl.workspace.load import find_workspace, load_workspace

    root = find_workspace(path)
    with contextlib.ExitStack() as stack:
        old_snap = stack.enter_context(git.snapshot(root, rev))
        new_snap = stack.enter_context(git.snapshot(root, rev2)) if rev2 is not None else None
        if today or new_snap is None:
            day = parse_today(today)
        else:
            day = max(old_snap.committed, new_snap.committed).date()
        old_ws = load_workspace(root, snapshot=old_snap)
        old = (old_ws, analyse(old_ws, day, commit=old_snap.commit))
        old_rev = Revision(rev, old_snap.commit, old_snap.committed)
        if new_snap is not None:
            new_ws = load_workspace(root, snapshot=new_snap)
            new = (new_ws, analyse(new_ws, day, commit=new_snap.commit))
            new_rev = Revision(rev2, new_snap.commit, new_snap.committed)
        else:
            new_ws = load_workspace(root)
            commit, dirty = git.head_state(root)
            new = (new_ws, analyse(new_ws, day, commit=commit, dirty=dirty))
            new_rev = Revision(None)
        # compared while the snapshots are open: locating a finding may read a blob
        return compare(old, new, old_rev=old_rev, new_rev=new_rev)


@handles_errors
def diff(
    rev: str = typer.Argument(..., metavar="REV", help="The earlier state: a commit, tag, branch, or a date "
                                                       "(the last commit on or before it).", show_default=False),
    rev2: str | None = typer.Argument(None, metavar="REV2", help="The later state. Default: the working tree, "
                                                                   "uncommitted changes included.", show_default=False),
    path: Path | None = typer.Option(None, "--path", metavar="DIR", help="The workspace, or any path inside it. "
                                     "Default: the current directory.", show_default=False),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="Output format (md suits a pull-request comment)."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
) -> None:
    """Compare the workspace at REV with REV2 or the working tree: records, coverage, readiness and findings."""
    result = compute(path, rev, rev2, today)
    if format is DiffFormat.text:
        from isoctl.render import diff_text

        color = output is None and stdout_is_terminal()
        emit(diff_text.render(result, color=color, width=terminal_width()), output)
    elif format is DiffFormat.json:
        from isoctl.render import diff_json

        emit(diff_json.render(result), output)
    else:
        from isoctl.render import diff_md

        emit(diff_md.render(result), output)
