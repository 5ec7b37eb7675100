"""``isoctl history``: the system over time, from git."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.common import note, parse_date, parse_today, shallow_clone, show


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
    until: str | None = typer.Option(None, "--until", metavar="DATE",
                                     help="End of the period (YYYY-MM-DD). Default: --today."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                                     help="Today's date (YYYY-MM-DD), where weeks and months end by default. Default: today."),
    every: Every = typer.Option(Every.month, "--every",
                                help="One point per commit, or one per week or month: the last commit on or before its "
                                     "end, evaluated on that day, with or without commits in it."),
    format: HistoryFormat = typer.Option(HistoryFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.", dir_okay=False),
    strict_history: bool = typer.Option(False, "--strict-history", help="Exit 2 on a shallow clone instead of warning."),
) -> None:
    """Readiness, actions, findings and contributors over time, from the git history."""
    from isoctl.cli import progress
    from isoctl.cli.check import opened
    from isoctl.core.timeline import walk
    from isoctl.errors import UsageError

    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if every is not Every.commit and end is None:
        # time moves after the last commit: weeks and months run to today, when overdue counts still grow
        end = parse_today(today)
        if start is not None and end < start:
            raise UsageError(f"--since {start} is after today ({end}); give --until or --today")
    elif today is not None:
        parse_date(today, "--today")  # checked, though one point per commit needs no today
    if start is not None and end is not None and end < start:
        raise UsageError(f"--until {end} is before --since {start}")
    with opened(path, None, None) as evaluation:
        shallow = shallow_clone(evaluation.root, strict=strict_history, what="the timeline")
        commits = evaluation.commits() or []
        undated = sum(1 for c in commits if c.clamped)
        if undated:
            count, verb = ("1 commit carries", "is not a point") if undated == 1 else (f"{undated} commits carry", "are not points")
            note(f"{count} no usable date (missing, before 1970, after 2999 or with an offset of a day or more) "
                 f"and {verb} of the timeline")
        with progress.shown() as tell:
            timeline = walk(evaluation.root, commits, every=every.value, since=start, until=end, shallow=shallow,
                            progress=tell)
    show(timeline, "history", format.value, output)
