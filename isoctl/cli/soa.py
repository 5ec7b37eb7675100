"""``isoctl soa``: the Statement of Applicability of ISO/IEC 27001:2022 in text, Markdown, HTML, JSON, XLSX or PDF."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import AtOption, OutputOption, PathArgument, TodayOption, opened
from isoctl.cli.common import show, warn_unread


class SoaFormat(str, enum.Enum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


def soa(
    path: Path | None = PathArgument,
    format: SoaFormat = typer.Option(SoaFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    at: str | None = AtOption,
) -> None:
    """Show the Statement of Applicability: every Annex A control, applicable or not, why, status and evidence."""
    from isoctl.analysis.soa import build_soa

    with opened(path, today, at) as evaluation:
        workspace = evaluation.workspace()
        # with --at the commit is what was read: changes in the working tree are not in it
        statement = build_soa(workspace, evaluation.today, commit=evaluation.commit,
                              dirty=evaluation.dirty and evaluation.at is None)
    warn_unread(sorted({f.path for f in workspace.findings}), "this SoA")
    show(statement, "soa", format.value, output)
