"""``isoctl check`` and ``isoctl gap``: validate a workspace and show its coverage."""

from __future__ import annotations

import contextlib
import enum
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.cli.common import explicit_today, note, show, warn_unread
from isoctl.model.result import Result

if TYPE_CHECKING:
    from isoctl.core.evaluate import Evaluation


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"
    gitlab = "gitlab"


class GapFormat(str, enum.Enum):
    text = "text"
    json = "json"
    md = "md"
    csv = "csv"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


PathArgument = typer.Argument(None, metavar="PATH", help="The workspace, or any path inside it. Default: the current directory.",
                              show_default=False)
TodayOption = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                           help="Evaluate as of this date (YYYY-MM-DD). Default: today.")
OutputOption = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.",
                            dir_okay=False)


AtOption = typer.Option(None, "--at", metavar="REV",
                        help="Evaluate the workspace as committed at REV: a commit, tag, branch, or a date "
                             "(the last commit on or before it). Today defaults to that commit's date.")


@contextlib.contextmanager
def opened(path: Path | None, today: str | None, at: str | None, *, select: list[str] | None = None,
           ignore: list[str] | None = None) -> Iterator[Evaluation]:
    """The evaluation every command shares, with the options as the command line gives them; notes go to stderr."""
    from isoctl.cli import replay
    from isoctl.core.evaluate import open_evaluation
    from isoctl.workspace.discover import search_start

    with open_evaluation(path, at=at, today=explicit_today(today), select=select or (), ignore=ignore or ()) as evaluation:
        yield evaluation
        replay.workspace(search_start(path), evaluation.root, evaluation.files)
        for message in evaluation.notes:
            note(message)


def evaluated(path: Path | None, today: str | None, at: str | None, *, select: list[str] | None = None,
              ignore: list[str] | None = None) -> Result:
    """The Result of the workspace (see :func:`opened`), with its notes told on stderr."""
    with opened(path, today, at, select=select, ignore=ignore) as evaluation:
        result = evaluation.result()
    for message in result.notes:
        note(message)
    return result


def check(
    path: Path | None = PathArgument,
    format: CheckFormat | None = typer.Option(None, "--format", "-f", help="Output format. Default: text, or github when GITHUB_ACTIONS=true.", show_default=False),
    output: Path | None = OutputOption,
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit 1 when a finding is at least this severe."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings (2 still means isoctl could not run)."),
    today: str | None = TodayOption,
    select: list[str] | None = typer.Option(None, "--select", metavar="RULE", help="Run only these rules (repeatable)."),
    ignore: list[str] | None = typer.Option(None, "--ignore", metavar="RULE", help="Do not run these rules (repeatable)."),
    at: str | None = AtOption,
) -> None:
    """Validate every record and report findings and coverage; exit 1 on findings at or above --fail-on."""
    if format is None:
        format = CheckFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else CheckFormat.text
    result = evaluated(path, today, at, select=select, ignore=ignore)
    show(result, "check", format.value, output)
    if result.failing(fail_on.value) and not exit_zero:
        raise typer.Exit(1)


def gap(
    path: Path | None = PathArgument,
    standard: str | None = typer.Option(None, "--standard", "-s", metavar="FAMILY", help="Only this standard (iso9001 or iso9001-2015)."),
    format: GapFormat = typer.Option(GapFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    at: str | None = AtOption,
) -> None:
    """Show the clause-by-clause coverage matrix: status, evidencing records and reasons."""
    result = evaluated(path, today, at)
    warn_unread(result.unread(), "this matrix")
    if standard is not None:
        from isoctl.catalog.refs import normalise_edition
        from isoctl.errors import UsageError

        wanted = normalise_edition(standard)
        in_scope = {c.standard for c in result.coverage}
        if not any(s == wanted or s.split("-")[0] == wanted for s in in_scope):
            raise UsageError(f"--standard {standard}: not in scope; in scope: {', '.join(sorted(in_scope))}")
        standard = wanted
    show(result, "gap", format.value, output, standard=standard)
