"""The audit pack as PDF: a Typst source rendered from the report, compiled by the ``typst`` package.

The PyPI ``typst`` wheel carries the Typst compiler itself, so a PDF needs
nothing beyond pip: no LaTeX, no browser, no system libraries. Only the
fonts Typst embeds are used (system fonts are ignored), and the document
date is the report's ``today``, so the same report gives the same bytes on
every machine. Text from the workspace is escaped as Typst markup by the
template environment; it can never run as Typst code.
"""

from __future__ import annotations

from pathlib import Path

from isoctl.errors import IsoctlError, UsageError
from isoctl.report import templates
from isoctl.report.data import Report


def source(report: Report, template_dir: Path | None = None) -> str:
    """The Typst source of the report (from ``report.typ.j2``, isoctl's or the consultant's)."""
    return templates.render("typ", template_dir, report=report)


def render(report: Report, template_dir: Path | None = None) -> bytes:
    """The report as PDF bytes (deterministic for the same report)."""
    import typst

    text = source(report, template_dir)
    try:
        data: bytes = typst.compile(text.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    except typst.TypstError as exc:
        own = template_dir is not None and (template_dir / templates.TEMPLATES["typ"]).is_file()
        if own:
            raise UsageError(f"template {template_dir}/{templates.TEMPLATES['typ']} does not compile: {exc}") from None
        raise IsoctlError(f"the PDF could not be compiled: {exc}",
                          hint="this is a bug in isoctl; please report it with the command you ran") from None
    return data
