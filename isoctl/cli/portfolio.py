"""``isoctl portfolio``: every client workspace under some directories, one row each, most urgent first."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption
from isoctl.cli.common import emit, parse_today, stdout_is_terminal, terminal_width


class PortfolioFormat(str, enum.Enum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"
    xlsx = "xlsx"


def portfolio(
    directories: list[Path] | None = typer.Argument(None, metavar="[DIR]...", show_default=False,
                                                    help="Directories holding client workspaces. Default: the current one."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                                     help="Evaluate every client as of this date (YYYY-MM-DD). Default: today."),
    format: PortfolioFormat = typer.Option(PortfolioFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    depth: int = typer.Option(4, "--depth", min=0, max=32, metavar="N",
                              help="Look for workspaces this many folder levels below each DIR."),
) -> None:
    """Every client workspace at once: readiness, findings, overdue actions, next audit, decay signals.

    Finds each workspace (a folder with isoctl.yaml, in git or not) up to
    --depth levels below each DIR (four by default), never entering dot-directories, node_modules or
    symbolic links, evaluates each as 'isoctl check' would (two at a time),
    and shows one row per client, most urgent first: clients that cannot be
    evaluated, then more errors, then more overdue actions, then an external
    audit within 90 days with a standard below 80% ready, then more decay
    signals from the history (silent-period, pre-audit-scramble,
    single-contributor), then the nearest audit. Nothing in a client's
    directory is written.

    Exit 0 when every client was evaluated without findings at error, 1 when
    a client has errors or could not be evaluated (its row says why), 2 when
    a DIR does not exist or no workspace is found.
    """
    from isoctl.core.portfolio import gather

    day = parse_today(today)
    result = gather(directories or [Path.cwd()], day, depth=depth)
    from isoctl.render import portfolio as render

    content: str | bytes
    if format is PortfolioFormat.text:
        content = render.render_text(result, color=output is None and stdout_is_terminal(), width=terminal_width())
    else:
        content = getattr(render, f"render_{format.value}")(result)
    emit(content, output, fmt=format.value)
    if result.failing:
        raise typer.Exit(1)
