"""``isoctl soa --format xlsx``: the SoA as the spreadsheet consultants and auditors ask for.

One sheet: a title line (organization, "Statement of Applicability", the
isoctl version and the date), the summary, then the table with its header
row frozen and an autofilter over it, long texts wrapped. It prints on A4
landscape, one page wide, with the header repeated.

The bytes are deterministic for the same SoA: openpyxl stamps the document
properties and every zip entry with the current time, so both are pinned to
the SoA's date. Text from the workspace is always written as text: a
justification starting with ``=`` must not become a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING

from isoctl.soa import Soa, SoaRow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

#: (header, width in characters, wrapped)
COLUMNS = (
    ("Control", 9, False),
    ("Title", 34, True),
    ("Theme", 15, False),
    ("Applicable", 13, False),
    ("Justification", 60, True),
    ("Status", 13, False),
    ("Implementation", 70, True),
    ("Owner", 20, True),
    ("Risks", 18, True),
    ("Evidence", 45, True),
    ("Record", 12, False),
)
HEADER_ROW = 3
SHEET = "Statement of Applicability"


def _values(row: SoaRow) -> tuple[str, ...]:
    evidence = "\n".join(e.target + (f" ({e.date.isoformat()})" if e.date else "") for e in row.evidence)
    return (
        row.control, row.title, row.theme, row.applicable_label, row.justification or "", row.status_label,
        row.implementation or "", row.owner or "", ", ".join(row.risks), evidence, row.record or "",
    )


def _put(sheet: Worksheet, row: int, column: int, value: str | int) -> None:
    """Write a value; text stays text (no formula from a leading ``=``, no characters XML forbids)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value


def _sheet(soa: Soa, sheet: Worksheet) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.title = SHEET
    title = (f"{soa.organization} — Statement of Applicability — {soa.standard_name} Annex A — "
             f"isoctl {soa.version} — {soa.date.isoformat()}")
    _put(sheet, 1, 1, title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _put(sheet, 2, 1, soa.summary.sentence())
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE3EA")
    rule = Border(bottom=Side(style="thin", color="1D232B"))
    for column, (name, width, _) in enumerate(COLUMNS, start=1):
        _put(sheet, HEADER_ROW, column, name)
        cell = sheet.cell(row=HEADER_ROW, column=column)
        cell.font, cell.fill, cell.border = header_font, header_fill, rule
        sheet.column_dimensions[get_column_letter(column)].width = width
    wrapped, plain = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    gap_fill, gap_font = PatternFill("solid", fgColor="FDECEC"), Font(bold=True, color="A01C1C")
    for offset, row in enumerate(soa.rows, start=1):
        line = HEADER_ROW + offset
        for column, value in enumerate(_values(row), start=1):
            _put(sheet, line, column, value)
            cell = sheet.cell(row=line, column=column)
            cell.alignment = wrapped if COLUMNS[column - 1][2] else plain
            if row.missing:
                cell.fill = gap_fill
                if COLUMNS[column - 1][0] == "Applicable":
                    cell.font = gap_font
    last = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(soa.rows)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


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


def render(soa: Soa) -> bytes:
    """The SoA as an .xlsx workbook (bytes, deterministic for the same SoA)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    _sheet(soa, sheet)
    midnight = dt.datetime(soa.date.year, soa.date.month, soa.date.day)
    book.properties.created = midnight
    book.properties.modified = midnight
    book.properties.creator = f"isoctl {soa.version}"
    book.properties.lastModifiedBy = f"isoctl {soa.version}"
    book.properties.title = f"Statement of Applicability — {soa.organization}"
    buffer = io.BytesIO()
    # ExcelWriter rather than book.save(): save() stamps "modified" with the clock
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    return _pinned(buffer.getvalue(), soa.date)
