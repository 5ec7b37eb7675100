"""``isoctl report``: the audit pack as HTML, PDF, Markdown or XLSX."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import AtOption, OutputOption, PathArgument, TodayOption, opened
from isoctl.cli.common import StrictHistoryOption, emit, note, require_full_history, warn_unread


class ReportFormat(str, enum.Enum):
    html = "html"
    pdf = "pdf"
    md = "md"
    xlsx = "xlsx"


def report(
    path: Path | None = PathArgument,
    at: str | None = AtOption,
    since: str | None = typer.Option(None, "--since", metavar="REV|DATE",
                                     help="Add the changes since this revision, or since the last commit on or before "
                                          "this date (YYYY-MM-DD): records, coverage, readiness, findings."),
    format: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f",
                                        help="html: one self-contained file; pdf; md for pull requests and wikis; "
                                             "xlsx: the registers as sheets."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    template: Path | None = typer.Option(None, "--template", metavar="DIR", file_okay=False,
                                         help="Your own report.html.j2, report.md.j2 or report.typ.j2 (rendered "
                                              "sandboxed: files inside DIR only, 5 s and 32 MB per render); files missing there come from isoctl."),
    strict_history: bool = StrictHistoryOption,
) -> None:
    """Render the audit pack as HTML, PDF, Markdown or XLSX.

    Scope and standards, readiness over the past year, the clause coverage
    matrix, the SoA, the action register, audits and findings, management
    reviews, objectives, living-system findings, the document register with
    each document's revisions from git, and (with --since) what changed.
    """
    from isoctl.cli import progress
    from isoctl.report import templates
    from isoctl.report.gather import collect

    templates.check_directory(template)
    if strict_history:
        require_full_history(path, what="the report's history (document revisions, timeline, history rules)")
    with opened(path, today, at) as evaluation, progress.shown() as tell:
        pack = collect(evaluation, since=since, progress=tell)
        notes = evaluation.result().notes
    for message in notes:
        note(message)
    warn_unread(evaluation.result().unread(), "this report")
    if pack.documents.history == "partial":
        typer.echo("note: this is a shallow clone, so revision histories and the readiness timeline are partial; "
                   "run 'git fetch --unshallow' for the full history", err=True)
    if format is ReportFormat.xlsx:
        from isoctl.report import render_xlsx

        emit(render_xlsx.render(pack), output)
    elif format is ReportFormat.pdf:
        from isoctl.report import render_pdf

        emit(render_pdf.render(pack, template), output)
    elif format is ReportFormat.md:
        from isoctl.report import render_md

        emit(render_md.render(pack, template), output)
    else:
        from isoctl.report import render_html

        emit(render_html.render(pack, template), output)
