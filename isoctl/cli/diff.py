"""``isoctl diff``: what changed in the management system between two revisions."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption, TodayOption
from isoctl.cli.common import StrictHistoryOption, explicit_today, require_full_history, shallow_clone, show


class DiffFormat(str, enum.Enum):
    text = "text"
    json = "json"
    md = "md"


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
    strict_history: bool = StrictHistoryOption,
) -> None:
    """Compare the workspace at REV with REV2 or the working tree: records, coverage, readiness and findings."""
    from isoctl.core.changes import diff as compute
    from isoctl.workspace.discover import find_workspace

    what = "the comparison of findings (the rules that read git history are skipped)"
    if strict_history:
        require_full_history(path, what=what)
    result = compute(path, rev, rev2, today=explicit_today(today))
    shallow_clone(find_workspace(path), strict=False, what=what)  # both revisions were found, so this is a repository
    show(result, "diff", format.value, output)
