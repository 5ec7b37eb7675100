"""The audit pack as PDF: a Typst source rendered from the report, compiled by the ``typst`` package.

The PyPI ``typst`` wheel carries the Typst compiler itself, so a PDF needs
nothing beyond pip: no LaTeX, no browser, no system libraries. Only the
fonts Typst embeds are used (system fonts are ignored), and the document
date is the report's ``today``, so the same report gives the same bytes on
every machine. Text from the workspace is escaped as Typst markup by the
template environment; it can never run as Typst code.

Typst reads files only from a root isoctl builds for the compile
(:func:`isoctl.render.typst_markup.compile_pdf`): empty for isoctl's own
template, a copy of the template directory for ``--template DIR``, so a
consultant's ``report.typ.j2`` can show its own logo and read nothing else.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from isoctl.errors import UsageError
from isoctl.render.typst_markup import TypstFailure, compile_pdf, own_failure
from isoctl.report import templates
from isoctl.report.data import Report


def source(report: Report, template_dir: Path | None = None) -> str:
    """The Typst source of the report (from ``report.typ.j2``, isoctl's or the consultant's)."""
    return templates.render("typ", template_dir, report=report)


def render(report: Report, template_dir: Path | None = None) -> bytes:
    """The report as PDF bytes (deterministic for the same report)."""
    text = source(report, template_dir)
    try:
        return compile_pdf(text, assets=template_dir)
    except TypstFailure as exc:
        name = templates.TEMPLATES["typ"]
        if template_dir is not None and (template_dir / name).is_file():
            raise _located(exc, template_dir, name) from None
        raise own_failure(exc, "the PDF") from None


def _located(exc: TypstFailure, directory: Path, name: str) -> UsageError:
    """A consultant's Typst that does not compile, named by the template file and line it comes from, if known.

    An error in a file the template imports is located in that file. An error
    in the rendered source is located at the template's line when that line
    was copied verbatim into the source (plain Typst, no jinja in it), which
    is where a ``#read`` or ``#image`` usually is; otherwise at the line of
    the rendered Typst, which the hint shows.
    """
    files_only = "Typst reads only the files inside the template directory"
    about_files = any(word in exc.message for word in ("file not found", "escape the project root", "package",
                                                      "access denied"))
    hints = [*(hint for hint in exc.hints if not (about_files and "sandbox" in hint)), *([files_only] if about_files else [])]
    if exc.file is not None:
        return UsageError(f"template {directory / exc.file}:{exc.line}:{exc.column}: {exc.message}",
                          hint="; ".join(hints) or None)
    where = f"template {directory / name}"
    line = _template_line(directory, name, exc.text)
    if line is not None:
        where += f":{line}"
    if exc.line is not None:
        hints.insert(0, f"line {exc.line} of the Typst it renders: {exc.text.strip()}")
    return UsageError(f"{where}: the Typst it renders does not compile: {exc.message}", hint="; ".join(hints) or None)


def _template_line(directory: Path, name: str, text: str) -> int | None:
    """The line of template ``name`` that is exactly ``text`` (the only one), or None."""
    from isoctl.files import template_dir

    wanted = text.strip()
    if not wanted:
        return None
    try:
        data = template_dir.read(directory, PurePosixPath(name))  # read as safely as the render read it
        lines = [] if data is None else data.decode("utf-8").splitlines()
    except (UsageError, UnicodeDecodeError):
        return None
    found = [number for number, line in enumerate(lines, start=1) if line.strip() == wanted]
    return found[0] if len(found) == 1 else None
