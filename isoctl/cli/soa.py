"""``isoctl soa``: the Statement of Applicability of ISO/IEC 27001:2022 in text, Markdown, HTML, JSON or XLSX."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import AtOption, OutputOption, PathArgument, TodayOption, loaded
from isoctl.cli.common import emit, handles_errors, stdout_is_terminal, terminal_width


class SoaFormat(str, enum.Enum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    xlsx = "xlsx"


@handles_errors
def soa(
    path: Path | None = PathArgument,
    format: SoaFormat = typer.Option(SoaFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    at: str | None = AtOption,
) -> None:
    """Show the Statement of Applicability: every Annex A control, applicable or not, why, status and evidence."""
    from isoctl.analysis.soa import build_soa

    with loaded(path, today, at) as (workspace, day, _commit, _dirty):
        statement = build_soa(workspace, day)
    if workspace.findings:
        count = len(workspace.findings)
        typer.echo(f"warning: {count} problem{'s' if count != 1 else ''} reading the workspace; records in those "
                   "files are not in this SoA (run 'isoctl check' to see them)", err=True)
    if format is SoaFormat.xlsx:
        from isoctl.render import soa_xlsx

        emit(soa_xlsx.render(statement), output)
    elif format is SoaFormat.text:
        from isoctl.render import soa_text

        color = output is None and stdout_is_terminal()
        emit(soa_text.render(statement, color=color, width=terminal_width()), output)
    else:
        from importlib import import_module

        emit(import_module(f"isoctl.render.soa_{format.value}").render(statement), output)
