"""``isoctl pulse``: the work of each PDCA stage month by month, from git."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption
from isoctl.cli.common import StrictHistoryOption, note_undated, parse_date, parse_today, shallow_clone, show


class PulseFormat(str, enum.Enum):
    text = "text"
    json = "json"
    csv = "csv"
    svg = "svg"


def pulse(
    path: Path | None = typer.Argument(None, metavar="PATH", help="The workspace, or any path inside it.", show_default=False),
    since: str | None = typer.Option(None, "--since", metavar="DATE|REV",
                                     help="Start of the period: a day (YYYY-MM-DD), or a commit, tag or branch (from "
                                          "its day). Default: the 12 calendar months ending with --until's."),
    until: str | None = typer.Option(None, "--until", metavar="DATE",
                                     help="End of the period (YYYY-MM-DD). Default: --today."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                                     help="Today's date (YYYY-MM-DD), where the period ends by default. Default: today."),
    format: PulseFormat = typer.Option(PulseFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    strict_history: bool = StrictHistoryOption,
) -> None:
    """Work per PDCA stage and month from the git history, with external audits marked.

    A heatmap: one row per stage (Plan, Do, Check, Act), one column per
    month, each cell the work of that stage that month (records added or
    changed, each counted as the work it is), shaded against the stage's
    busiest month. A living system shows work in every row all year; a paper
    one shows Check and Act only beside the audit. The first commit (an
    import) is where the history starts, not work.
    """
    from isoctl.cli.check import opened
    from isoctl.core import period
    from isoctl.core import pulse as core
    from isoctl.errors import GitError
    from isoctl.workspace.load import load_manifest

    day = parse_today(today)
    start = parse_date(since, "--since") if since is None or period.is_day(since) else None
    end = parse_date(until, "--until")
    with opened(path, None, None) as evaluation:
        shallow = shallow_clone(evaluation.root, strict=strict_history, what="the picture")
        commits = evaluation.commits() or []
        if not commits:
            raise GitError(f"no commit of {evaluation.root} yet, so there is no history to picture",
                           hint="commit the workspace (git add, git commit), then run isoctl pulse")
        if since is not None and start is None:
            start = period.day_of(evaluation.root, commits, since)
        first, last = period.default_period(day, start, end)
        note_undated(commits, "is not counted", "are not counted")
        manifest, _, _ = load_manifest(evaluation.root)
        picture = core.measure(evaluation.root, commits, manifest, since=first, until=last,
                               shallow=shallow)
    show(picture, "pulse", format.value, output)
