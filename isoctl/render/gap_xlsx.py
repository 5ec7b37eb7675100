"""``isoctl gap --format xlsx``: the coverage matrix as a workbook, one sheet per standard in scope.

Each sheet lists every clause of one edition in catalog order (headings
indented by their depth) with its status, the records that address it and
why it is not covered; the status cell is coloured as in the text output.
The bytes are the same for the same input (:func:`isoctl.render.xlsx.workbook_bytes`).
"""

from __future__ import annotations

from isoctl.model.result import Result
from isoctl.render.gap import by_standard, select, summary, title_of
from isoctl.render.xlsx import HEADER_ROW, Column, head, put, workbook_bytes

COLUMNS: list[Column] = [("clause", 12, False), ("title", 48, True), ("status", 11, False),
                         ("records", 36, True), ("reasons", 60, True)]

#: Fill colours of the status cells (the text output's green, yellow, red and dim).
FILLS = {"covered": "D9F2DF", "partial": "FFF1C2", "missing": "F8D7DA", "excluded": "E9ECEF"}

#: Excel refuses sheet names longer than this or holding any of ``[]:*?/\``.
SHEET_NAME_MAX = 31


def _sheet_name(standard: str, taken: set[str]) -> str:
    name = "".join("-" if ch in "[]:*?/\\" else ch for ch in standard)[:SHEET_NAME_MAX] or "standard"
    base, number = name, 2
    while name in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def render(result: Result, *, standard: str | None = None) -> bytes:
    """The gap matrix of ``result`` (only ``standard`` when given) as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, PatternFill

    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook always has one sheet
    book.remove(first)
    groups = by_standard(result, select(result, standard))
    where = result.workspace
    when = f"as of {where.today.isoformat()}" + (f", commit {where.commit[:12]}" if where.commit else "") + (
        " with uncommitted changes" if where.dirty else "")
    taken: set[str] = set()
    if not groups:
        sheet = book.create_sheet("gap")
        head(sheet, "Gap analysis", f"{where.organization or ''} {when}: no clauses to show".strip(), COLUMNS)
    for edition, clauses in groups.items():
        sheet = book.create_sheet(_sheet_name(edition, taken))
        roll_up = summary(result, edition, clauses)
        title = edition if roll_up.title in ("", edition) else f"{edition} — {roll_up.title}"
        note = (f"{where.organization or 'Workspace'} {when}: {roll_up.readiness:.0%} ready, {roll_up.covered} covered, "
                f"{roll_up.partial} partial, {roll_up.missing} missing, {roll_up.excluded} excluded "
                f"of {roll_up.clauses} clauses")
        head(sheet, f"Gap analysis: {title}", note, COLUMNS)
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
        wrap = Alignment(wrap_text=True, vertical="top")
        for row, clause in enumerate(clauses, start=HEADER_ROW + 1):
            values = (clause.clause, title_of(clause), clause.status, ", ".join(clause.records),
                      "\n".join(clause.reasons))
            for column, value in enumerate(values, start=1):
                put(sheet, row, column, value)
                sheet.cell(row=row, column=column).alignment = wrap
            sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top",
                                                                indent=max(0, clause.clause.count(".")))
            fill = FILLS.get(clause.status)
            if fill is not None:
                sheet.cell(row=row, column=3).fill = PatternFill("solid", fgColor=fill)
        sheet.auto_filter.ref = f"A{HEADER_ROW}:E{HEADER_ROW + len(clauses)}"
    return workbook_bytes(book, where.today, result.version, "Gap analysis")
