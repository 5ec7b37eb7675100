"""``isoctl history``: the system over time, from git."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption
from isoctl.cli.common import StrictHistoryOption, note_undated, parse_date, parse_today, shallow_clone, show


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
    since: str | None = typer.Option(None, "--since", metavar="DATE|REV",
                                     help="Start of the period: a day (YYYY-MM-DD), or a commit, tag or branch (from "
                                          "its day)."),
    until: str | None = typer.Option(None, "--until", metavar="DATE",
                                     help="End of the period (YYYY-MM-DD). Default: --today."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                                     help="Today's date (YYYY-MM-DD), where weeks and months end by default. Default: today."),
    every: Every = typer.Option(Every.month, "--every",
                                help="One point per commit, or one per week or month: the last commit on or before its "
                                     "end, evaluated on that day, with or without commits in it."),
    format: HistoryFormat = typer.Option(HistoryFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    strict_history: bool = StrictHistoryOption,
) -> None:
    """Readiness, actions, findings and contributors over time, from the git history."""
    from isoctl.cli import progress
    from isoctl.cli.check import opened
    from isoctl.core import period
    from isoctl.core.timeline import walk
    from isoctl.errors import UsageError

    start = parse_date(since, "--since") if since is None or period.is_day(since) else None
    end = parse_date(until, "--until")
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
        commits = evaluation.commits() or []
        if since is not None and start is None:
            try:
                start = period.day_of(evaluation.root, commits, since)
            except UsageError as exc:
                if not exc.message.startswith("unknown revision"):
                    raise
                raise UsageError(f"--since: '{since}' is not a date (YYYY-MM-DD) nor a commit, tag or branch",
                                 hint=exc.hint) from None
            if end is not None and end < start:
                raise UsageError(f"--since {since} is a commit of {start}, after the end of the period ({end})",
                                 hint="give --until (or --today) on or after that day")
        shallow = shallow_clone(evaluation.root, strict=strict_history, what="the timeline")
        note_undated(commits, "is not a point of the timeline", "are not points of the timeline")
        with progress.shown() as tell:
            timeline = walk(evaluation.root, commits, every=every.value, since=start, until=end, shallow=shallow,
                            progress=tell)
    show(timeline, "history", format.value, output)
