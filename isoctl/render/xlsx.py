"""What every isoctl workbook shares: safe cells, the title-and-header layout, and deterministic bytes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from isoctl.render.cells import formula_like

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

#: (header, width in characters, wrapped)
Column = tuple[str, int, bool]
#: Row 1 is the title, row 2 a note, row 3 the table's header.
HEADER_ROW = 3


def put(sheet: Worksheet, row: int, column: int, value: str | int) -> None:
    """Write a value; text stays text (no formula from a leading ``=``, no characters XML forbids).

    The cell is stored as a string, and the text the CSV outputs neutralise
    (:func:`isoctl.render.cells.formula_like`) carries the quote prefix, the
    spreadsheet's own leading ``'``: shown as written, still text after an
    edit or a save as CSV.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
        cell.value = value
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value


def head(sheet: Worksheet, title: str, note: str, columns: Sequence[Column]) -> None:
    """The title line, the note under it, and the styled header row with readable column widths."""
    from openpyxl.styles import Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    put(sheet, 1, 1, title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(sheet, 2, 1, note)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE3EA")
    rule = Border(bottom=Side(style="thin", color="1D232B"))
    for column, (name, width, _) in enumerate(columns, start=1):
        put(sheet, HEADER_ROW, column, name)
        cell = sheet.cell(row=HEADER_ROW, column=column)
        cell.font, cell.fill, cell.border = header_font, header_fill, rule
        sheet.column_dimensions[get_column_letter(column)].width = width


def workbook_bytes(book: Workbook, when: dt.date, version: str, title: str) -> bytes:
    """The workbook as .xlsx bytes, equal for equal content: properties and zip entries carry ``when``, not the clock."""
    from openpyxl.writer.excel import ExcelWriter

    midnight = dt.datetime(when.year, when.month, when.day)
    book.properties.created = book.properties.modified = midnight
    book.properties.creator = book.properties.lastModifiedBy = f"isoctl {version}"
    book.properties.title = title
    buffer = io.BytesIO()
    # ExcelWriter rather than book.save(): save() stamps "modified" with the clock
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    return _pinned(buffer.getvalue(), when)


def _pinned(data: bytes, when: dt.date) -> bytes:
    """The same zip with every entry stamped ``when`` at midnight, so equal input gives equal bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
