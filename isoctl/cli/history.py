"""``isoctl history``: the system over time, from git."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.common import parse_date, show


class HistoryFormat(str, enum.Enum):
    text = "text"
    json = "json"
    csv = "csv"


class Every(str, enum.Enum):
    commit = "commit"
    week = "week"
    month = "month"



def history(
    path: Path | None = typer.Argument(None, metavar="PATH", help="The workspace, or any path inside it.", show_default=False),
    since: str | None = typer.Option(None, "--since", metavar="DATE", help="Start of the period (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", metavar="DATE", help="End of the period (YYYY-MM-DD)."),
    every: Every = typer.Option(Every.month, "--every", help="One point per commit, or the last commit of each week or month."),
    format: HistoryFormat = typer.Option(HistoryFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.", dir_okay=False),
    strict_history: bool = typer.Option(False, "--strict-history", help="Exit 2 on a shallow clone instead of warning."),
) -> None:
    """Readiness, actions, findings and contributors over time, from the git history."""
    from isoctl.cli.check import opened
    from isoctl.core.timeline import walk
    from isoctl.errors import GitError
    from isoctl.history import git

    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    with opened(path, None, None) as evaluation:
        shallow = git.is_shallow(evaluation.root)  # outside a repository: a GitError before anything else
        if shallow:
            message = ("this is a shallow clone: history before its oldest commit is missing, so the timeline is partial. "
                       "Fetch the full history with 'git fetch --unshallow' (in CI: fetch-depth: 0 on GitHub, GIT_DEPTH: 0 on GitLab)")
            if strict_history:
                raise GitError(message)
            typer.echo(f"warning: {message}", err=True)
        timeline = walk(evaluation.root, evaluation.commits() or [], every=every.value, since=start, until=end,
                        shallow=shallow)
    show(timeline, "history", format.value, output)
