"""The audit pack's registers as an XLSX workbook: executive summary, gap matrix, SoA, actions, audit programme,
management review inputs, documents and their revisions, every register of the records, and the living-system
findings (every one: the PDF and the Markdown group a long list of them by rule and point here).

One sheet per register, each with a title line, its header row frozen, an
autofilter over the table and column widths people can read without
resizing. Dates are real dates (so filters and sorting work), counts are
numbers, and text from the workspace is always text: a title starting with
``=`` does not become a formula.

The SoA sheet is exactly the one ``isoctl soa --format xlsx`` writes. The
bytes are deterministic for the same report: document properties and zip
entries are stamped with the report's ``today``, not the clock.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from isoctl.history.record_changes import plural
from isoctl.render.soa_xlsx import sheet_of as soa_sheet
from isoctl.render.xlsx import HEADER_ROW, Column, head, put, workbook_bytes
from isoctl.report import long_sections
from isoctl.report.data import Report

if TYPE_CHECKING:
    from openpyxl import Workbook

Cell = str | int | float | dt.date | None

GAP: tuple[Column, ...] = (("Standard", 16, False), ("Clause", 10, False), ("Title", 48, True), ("Status", 10, False),
                           ("Leaf", 6, False), ("Records", 50, True), ("Reasons", 60, True))
ACTIONS: tuple[Column, ...] = (
    ("Action", 12, False), ("Title", 44, True), ("Type", 14, False), ("Severity", 9, False), ("Source", 16, False),
    ("Owner", 20, True), ("Raised", 11, False), ("Due", 11, False), ("Status", 12, False), ("Overdue (days)", 9, False),
    ("Age (days)", 9, False), ("Closed", 11, False), ("Days to close", 9, False), ("Effective", 9, False),
    ("Flagged", 22, True), ("Raised by", 20, True), ("Description", 50, True), ("Correction", 40, True),
    ("Root cause", 40, True), ("Corrective action", 40, True), ("Verified on", 11, False), ("Verified by", 20, True),
    ("Verification note", 40, True), ("File", 30, False),
)
SUMMARY: tuple[Column, ...] = (("Rank", 6, False), ("Topic", 20, True), ("Severity", 9, False),
                               ("What an auditor will raise", 90, True), ("Section", 26, True), ("Where", 40, True))
REVIEW_INPUTS: tuple[Column, ...] = (("Review", 14, False), ("Date", 11, False), ("Chair", 20, True),
                                     ("Attendees", 36, True), ("Required by", 14, False), ("Input", 40, True),
                                     ("What was reviewed", 70, True))
DOCUMENTS: tuple[Column, ...] = (
    ("Document", 20, False), ("Title", 44, True), ("Type", 11, False), ("Status", 10, False), ("Version", 9, False),
    ("Owner", 20, True), ("Approved by", 20, True), ("Approved on", 11, False), ("Review due", 11, False),
    ("Revisions", 9, False), ("Last changed", 11, False), ("File", 32, False), ("Document file", 32, False),
)
FINDINGS: tuple[Column, ...] = (("Severity", 9, False), ("Rule", 26, False), ("Finding", 90, True), ("File", 36, False),
                                ("Line", 7, False), ("Column", 7, False), ("Clause", 16, False), ("Record", 16, False))
AUDIT_FINDINGS: tuple[Column, ...] = (("Audit", 16, False), ("Audit date", 11, False), ("Finding", 10, False),
                                      ("Type", 12, False), ("Clause", 16, False), ("Description", 70, True),
                                      ("Action", 14, False), ("Action status", 14, False))
REVISIONS: tuple[Column, ...] = (("Document", 20, False), ("Title", 36, True), ("Commit", 10, False),
                                 ("Date", 11, False), ("Author", 22, False), ("Message", 60, True), ("Change", 34, True))


def _table(book: Workbook, name: str, title: str, note: str, columns: Sequence[Column],
           rows: Iterable[Sequence[Cell]], *, highlight: Sequence[bool] = ()) -> None:
    """A sheet: title, a note, then the table with a frozen, filtered header row."""
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name)
    head(sheet, title, note, columns)
    wrapped, plain = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    alert = PatternFill("solid", fgColor="FDECEC")
    # A cell's style is a small array of indexes into the workbook's style tables; setting each attribute
    # looks the value up in its table (hashing it), which took most of the time on long registers. Each
    # combination is set up once, on its first cell, and its array copied to the others.
    styles: dict[tuple[bool, bool, bool, bool], Any] = {}
    count = 0
    for count, values in enumerate(rows, start=1):
        line = HEADER_ROW + count
        marked = count <= len(highlight) and highlight[count - 1]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=column)
            date = isinstance(value, dt.date)
            if date:
                cell.value = value
            elif value is not None:
                put(sheet, line, column, value if isinstance(value, str | int) else str(value))
            key = (date, columns[column - 1][2], marked, bool(cell.quotePrefix))
            known = styles.get(key)
            if known is not None:
                cell._style = copy.copy(known)
                continue
            if date:
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = wrapped if columns[column - 1][2] else plain
            if marked:
                cell.fill = alert
            styles[key] = copy.copy(cell._style)
    last = get_column_letter(len(columns))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(count, 1)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else "yes" if value else "no"


def render(report: Report) -> bytes:
    """The registers as an .xlsx workbook (bytes, deterministic for the same report)."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook always has one sheet
    book.remove(first)
    heading = f"{report.organization} — %s — {report.revision} — as of {report.today.isoformat()} — isoctl {report.version}"
    _table(book, "Executive summary", heading % "Executive summary",
           "; ".join(f"{s.name}: readiness {round(s.readiness * 100)}%, {s.change}" for s in report.standards), SUMMARY,
           ((x.rank, x.topic, x.severity, x.sentence, x.section, x.where) for x in report.risks),
           highlight=[x.severity == "error" for x in report.risks])
    clauses = [(s, c) for s in report.standards for c in s.clauses]
    _table(book, "Gap matrix", heading % "Clause coverage",
           "; ".join(f"{s.name}: readiness {round(s.readiness * 100)}%" for s in report.standards), GAP,
           ((s.display, c.clause, c.title, c.status, "yes" if c.leaf else "no", ", ".join(c.records), "; ".join(c.reasons))
            for s, c in clauses),
           highlight=[c.leaf and c.status == "missing" for _, c in clauses])
    if report.soa is not None:
        soa_sheet(report.soa, book.create_sheet("SoA"))  # titles itself as isoctl soa does
    summary = report.action_summary
    _table(book, "Actions", heading % "Action register",
           f"{summary.total} actions: {summary.open} open ({summary.overdue} overdue), {summary.closed} closed"
           + (f" ({summary.flagged} flagged: {', '.join(summary.flagged_ids)})" if summary.flagged else ""), ACTIONS,
           ((a.id, a.title, a.type, a.severity, a.source, a.owner, a.raised_on, a.due, a.status, a.days_overdue,
             a.age_days, a.closed_on, a.days_to_close, _yes_no(a.effective), "; ".join(a.flags) or None, a.raised_by,
             a.description, a.correction, a.root_cause, a.corrective_action, a.verified_on, a.verified_by,
             a.verification_note, a.file) for a in report.actions),
           highlight=[a.overdue or bool(a.flags) for a in report.actions])
    programme = report.programme
    if programme is not None and programme.rows:
        columns = (("Standard", 18, False), ("Clause", 10, False), ("Title", 40, True),
                   *((str(year), 30, True) for year in programme.years), ("Gap", 6, False))
        _table(book, "Audit programme", heading % "Internal audit programme over the audit cycle",
               f"{programme.days} days since {programme.since.isoformat()}: {programme.gaps} clauses not audited in the cycle",
               columns, ((row.standard, row.clause, row.title, *("\n".join(m.text for m in cell) or None for cell in row.cells),
                          "yes" if row.gap else "no") for row in programme.rows),
               highlight=[row.gap for row in programme.rows])
    _table(book, "Review inputs", heading % "Management review inputs", "Every input the standards in scope require, "
           "per review: what was reviewed, or not covered", REVIEW_INPUTS,
           ((v.id, v.date, v.chair, ", ".join(f"{name} (top management)" if top else name for name, top in v.people),
             i.standard, i.label, i.reviewed or "not covered") for v in report.reviews for i in v.inputs),
           highlight=[i.reviewed is None for v in report.reviews for i in v.inputs])
    register = report.documents
    _table(book, "Documents", heading % "Document register", register.note, DOCUMENTS,
           ((d.id, d.title, d.type, d.status, d.version, d.owner, d.approved_by, d.approved_on, d.review_due,
             len(d.revisions), d.last_changed, d.file, d.attachment) for d in register.documents))
    _table(book, "Document revisions", heading % "Document revision history", register.note, REVISIONS,
           ((d.id, d.title, v.short, v.date, v.author, v.message, v.change)
            for d in register.documents for v in d.revisions))
    counts = report.living_counts
    _table(book, "Findings", heading % "Living-system findings",
           f"{plural(len(report.living), 'finding')} of the rules that show whether the system is worked all year round: "
           f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, {plural(counts['info'], 'note')}; "
           "by file and line",
           FINDINGS, ((f.severity, f.rule, f.message, f.path, f.line, f.column, f.clause, f.record)
                      for f in report.living),
           highlight=[f.severity == "error" for f in report.living])
    unanswered = [long_sections.unanswered(f) for f in report.audit_findings]
    _table(book, "Audit findings", heading % "Audit findings",
           f"{plural(len(report.audit_findings), 'finding')} of internal and external audits, each with the action that "
           f"answers it and that action's status now; {plural(sum(unanswered), 'major or minor finding')} not yet "
           "answered (shaded)", AUDIT_FINDINGS,
           ((f.audit, f.audit_date, f.id, f.type, f.clause, f.description, f.action,
             "no such action" if f.action_status == "unknown" else f.action_status) for f in report.audit_findings),
           highlight=unanswered)
    for record_register in (r for r in report.registers if r.rows):  # risks, aspects, ...: every row, with its file
        _table(book, record_register.sheet, heading % record_register.title, record_register.note,
               (*record_register.columns, ("File", 30, False)), record_register.values(),
               highlight=record_register.flagged())
    return workbook_bytes(book, report.today, report.version, f"Audit pack registers — {report.organization}")
