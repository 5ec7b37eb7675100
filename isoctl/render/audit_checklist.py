"""``isoctl audit checklist`` as Markdown, HTML, PDF (Typst) and XLSX, from templates/audit/.

Every value a template prints is escaped for its format without the
template asking: HTML by autoescape, Markdown and Typst through
``finalize`` (the same rules as the report's templates in
:mod:`isoctl.report.templates`), so a record title such as ``#import`` or
``<script>`` prints as written. The templates are isoctl's own (no
workspace template runs here). PDF is compiled by the ``typst`` package
with only its embedded fonts and the checklist's day as the document date,
and the workbook's bytes are pinned (:func:`isoctl.render.xlsx.workbook_bytes`),
so the same input gives the same bytes.
"""

from __future__ import annotations

import functools
import html
from typing import Any, Literal

from isoctl.core.checklist import Checklist
from isoctl.files.resources import data_dir
from isoctl.render.typst_markup import compile_own, typst_text
from isoctl.render.xlsx import HEADER_ROW, Column, head, put, workbook_bytes

Flavour = Literal["html", "md", "typ"]

def _markdown(value: Any) -> str:
    """Any value as one line of Markdown text: HTML and pipes escaped."""
    if value is None:
        return ""
    escaped = html.escape(str(value), quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(line.strip() for line in escaped.splitlines())


def _html(value: Any) -> Any:
    return "" if value is None else value


@functools.cache
def _environment(flavour: Flavour) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(data_dir("templates") / "audit"), autoescape=flavour == "html",
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=flavour != "html",
                       lstrip_blocks=flavour != "html",
                       finalize={"html": _html, "md": _markdown, "typ": typst_text}[flavour])


def render_text(checklist: Checklist, flavour: Flavour, version: str) -> str:
    """The checklist rendered from ``checklist.<flavour>.j2``."""
    return str(_environment(flavour).get_template(f"checklist.{flavour}.j2").render(c=checklist, version=version))


def render_pdf(checklist: Checklist, version: str) -> bytes:
    """The checklist as PDF bytes, compiled with an empty Typst root (it reads no file)."""
    return compile_own(render_text(checklist, "typ", version), "the checklist PDF")


COLUMNS: list[Column] = [("item", 16, False), ("title", 36, True), ("our summary", 50, True),
                         ("evidence to sample", 50, True), ("actions and earlier findings", 40, True),
                         ("questions", 70, True), ("notes", 40, True), ("verdict", 22, True)]


def render_xlsx(checklist: Checklist, version: str) -> bytes:
    """One row per process and clause, with empty notes and verdict cells for the auditor to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "checklist"
    audit = checklist.audit
    head(sheet, f"Audit checklist {audit.id}: {audit.title}",
         f"{checklist.organization}; {audit.type} audit on {audit.date.isoformat()}, auditor {audit.auditor or '-'}; "
         f"prepared {checklist.today.isoformat()}", COLUMNS)
    rows: list[list[str]] = []
    for p in checklist.processes:
        rows.append([p.id, p.title, "Process" + (f" owned by {p.owner}" if p.owner else ""),
                     "\n".join(p.evidence + p.kpis + p.risks), "\n".join(f"{a.id} {a.status} {a.title}" for a in p.actions),
                     "\n".join(p.questions), "", ""])
    for c in checklist.clauses:
        rows.append([c.ref, c.title, f"{c.summary}\n(coverage: {c.status})", "\n".join(c.records + c.evidence),
                     "\n".join([f"{a.id} {a.status} {a.title}" for a in c.actions]
                               + [f"{f.audit} {f.id} {f.type}: {f.description}" for f in c.findings]),
                     "\n".join(c.questions), "", ""])
    for f in checklist.follow_up:
        rows.append([f"follow up {f.id}", f"{f.audit} ({f.date}) {f.type}", f.description,
                     f.clause or "", f"{f.action or 'no action'} {f.action_status or ''}".strip(),
                     "Was the cause removed, and does the evidence show it?", "", ""])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(rows, start=HEADER_ROW + 1):
        for column, value in enumerate(values, start=1):
            put(sheet, row, column, value)
            sheet.cell(row=row, column=column).alignment = wrap
    if rows:
        choice = DataValidation(type="list", formula1='"' + ",".join(checklist.verdicts) + '"', allow_blank=True)
        sheet.add_data_validation(choice)
        choice.add(f"H{HEADER_ROW + 1}:H{HEADER_ROW + len(rows)}")
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    return workbook_bytes(book, checklist.today, version, f"Audit checklist {audit.id}")
