"""``isoctl soa --format xlsx``: the SoA as the spreadsheet consultants and auditors ask for.

One sheet: a title line (organization, "Statement of Applicability", the
isoctl version and the date), the summary with the document control (the
SoA's version, approver, approval date and commit), then the table with its
header row frozen and an autofilter over it, long texts wrapped. It prints
on A4 landscape, one page wide, with the header repeated, the organization
and the SoA's version at the head of every page and page x of N at its foot.

The bytes are deterministic for the same SoA: openpyxl stamps the document
properties and every zip entry with the current time, so both are pinned to
the SoA's date. Text from the workspace is always written as text: a
justification starting with ``=`` must not become a formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from isoctl.analysis.soa import Soa, SoaRow
from isoctl.render.xlsx import HEADER_ROW, Column, head, put, workbook_bytes

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

COLUMNS: tuple[Column, ...] = (
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
SHEET = "Statement of Applicability"


def _values(row: SoaRow) -> tuple[str, ...]:
    evidence = "\n".join(e.target + (f" ({e.date.isoformat()})" if e.date else "") for e in row.evidence)
    return (
        row.control, row.title, row.theme, row.applicable_label, row.justification or "", row.status_label,
        row.implementation or "", row.owner or "", ", ".join(row.risks), evidence, row.record or "",
    )


def sheet_of(soa: Soa, sheet: Worksheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.title = SHEET
    title = (f"{soa.organization} — Statement of Applicability — {soa.standard_name} Annex A — "
             f"isoctl {soa.version} — {soa.date.isoformat()}")
    control = " · ".join(f"{label}: {value}" for label, value in soa.document.facts())
    head(sheet, title, f"{soa.summary.sentence()} — {control}", COLUMNS)
    wrapped, plain = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    gap_fill, gap_font = PatternFill("solid", fgColor="FDECEC"), Font(bold=True, color="A01C1C")
    for offset, row in enumerate(soa.rows, start=1):
        line = HEADER_ROW + offset
        for column, value in enumerate(_values(row), start=1):
            put(sheet, line, column, value)
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
    version = f"version {soa.document.version}" if soa.document.version else "no version"
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and footer is not None  # a new sheet always has them
    header.left.text = _escaped(f"{soa.organization} — Statement of Applicability, {version}")
    header.right.text = _escaped(f"commit {soa.document.revision}")
    footer.left.text = _escaped(soa.document.approval)
    footer.right.text = "&P / &N"


def _escaped(text: str) -> str:
    """Text for a print header or footer, where ``&`` starts a code (``&P`` is the page number)."""
    return text.replace("&", "&&")




def render(soa: Soa) -> bytes:
    """The SoA as an .xlsx workbook (bytes, deterministic for the same SoA)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet_of(soa, sheet)
    return workbook_bytes(book, soa.date, soa.version, f"Statement of Applicability — {soa.organization}")
