"""``isoctl audit plan --format xlsx``: the programme as a workbook (audits, areas, balance), the same bytes each time."""

from __future__ import annotations

import datetime as dt

from isoctl.core.audit_plan import Programme
from isoctl.render.audit_plan import as_dict, last_day
from isoctl.render.xlsx import HEADER_ROW, Column, head, put, workbook_bytes

AUDITS: list[Column] = [("audit", 14, False), ("date", 12, False), ("quarter", 9, False), ("auditor", 24, True),
                        ("status", 10, False), ("scope", 80, True)]
AREAS: list[Column] = [("area", 22, False), ("title", 48, True), ("per cycle", 10, False), ("last audited", 13, False),
                       ("owners", 24, True), ("why", 60, True), ("audits", 30, True)]
BALANCE: list[Column] = [("auditor or quarter", 30, False), ("area visits", 12, False)]


def render(programme: Programme, today: dt.date, version: str) -> bytes:
    """The programme as .xlsx bytes: one sheet of audits, one of areas, one of the load."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.worksheet import Worksheet

    data = as_dict(programme, version, today.isoformat())
    book = Workbook()
    sheet = book.create_sheet("audits")
    first = book.active
    if first is not None and first is not sheet:
        book.remove(first)
    period = f"{programme.start.isoformat()} to {last_day(programme).isoformat()}"
    wrap = Alignment(wrap_text=True, vertical="top")

    def table(rows: list[list[str | int]]) -> None:
        assert isinstance(sheet, Worksheet)
        for row, values in enumerate(rows, start=HEADER_ROW + 1):
            for column, value in enumerate(values, start=1):
                put(sheet, row, column, value)
                sheet.cell(row=row, column=column).alignment = wrap

    head(sheet, f"Internal audit programme {period}", f"audit_cycle_days {programme.cycle_days}; "
         f"{len(programme.audits)} audits, {len(programme.new)} new", AUDITS)
    table([[a["id"], a["date"], a["quarter"], a["auditor"], a["status"], ", ".join(a["scope"])] for a in data["audits"]])
    sheet = book.create_sheet("areas")
    head(sheet, "Areas and how often they are audited", "per cycle: audits within audit_cycle_days", AREAS)
    table([[a["area"], a["title"], a["per_cycle"], a["last_audited"] or "-", ", ".join(a["owners"]),
            "; ".join(a["reasons"]), ", ".join(a["audits"])] for a in data["areas"]])
    sheet = book.create_sheet("balance")
    head(sheet, "Load per auditor and per quarter", "area visits", BALANCE)
    rows: list[list[str | int]] = [[name, count] for name, count in data["load"]["auditors"].items()]
    rows += [[f"Q{q + 1} from {programme.quarter_start(q).isoformat()}", n] for q, n in enumerate(data["load"]["quarters"])]
    table(rows)
    return workbook_bytes(book, today, version, "Internal audit programme")
