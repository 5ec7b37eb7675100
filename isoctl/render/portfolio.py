"""The portfolio (every client at once) as a terminal table, JSON, CSV, a self-contained HTML page and a workbook.

Every format shows the same cells (:func:`cells`), in the risk order the
core chose; the text table is the summary, the other formats carry the
full row.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from isoctl.core.portfolio import Client, Portfolio
from isoctl.render import json_text
from isoctl.render.cells import csv_text

if TYPE_CHECKING:
    from rich.console import JustifyMethod

COLUMNS = ("client", "organisation", "standards", "readiness", "errors", "warnings", "overdue actions",
           "next audit", "days to audit", "last change", "signals", "transition ends", "notes")


#: The decay signals as the narrow text table names them (the other formats give the rule ids).
SIGNAL_LABELS = {"silent-period": "silent period", "pre-audit-scramble": "scramble", "single-contributor": "one author"}


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def cells(client: Client) -> list[str | int]:
    """One row, as text and numbers, in :data:`COLUMNS` order; a broken client shows its error under notes."""
    if client.error is not None:
        return [client.path, "", "", "", "", "", "", "", "", "", "", "", f"error: {client.error}"]
    audit = (f"{client.next_audit.isoformat()} {client.next_audit_type}" if client.next_audit is not None else "")
    return [
        client.path,
        client.organization or "",
        " ".join(s.standard for s in client.standards),
        " ".join(_percent(s.readiness) for s in client.standards),
        client.errors,
        client.warnings,
        client.overdue,
        audit,
        client.days_to_audit if client.days_to_audit is not None else "",
        client.last_change.isoformat() if client.last_change is not None else ("" if client.git else "no git"),
        " ".join(client.signals),
        client.transition.isoformat() if client.transition is not None else "",
        "; ".join(client.notes),
    ]


def render_json(portfolio: Portfolio) -> str:
    return json_text.dumps(portfolio.as_dict())


def render_csv(portfolio: Portfolio) -> str:
    return csv_text([COLUMNS, *(cells(c) for c in portfolio.clients)])


def render_text(portfolio: Portfolio, *, color: bool = False, width: int = 100) -> str:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from isoctl.render.console import clean, make_console

    console, out = make_console(color=color, width=max(width, 60))
    count = len(portfolio.clients)
    console.print(f"Portfolio on {portfolio.today.isoformat()}: {count} client{'s' if count != 1 else ''}, "
                  "most urgent first", soft_wrap=True)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("client", "left"), ("standards", "left"), ("ready", "right"), ("err", "right"), ("warn", "right"),
        ("overdue", "right"), ("next audit", "left"), ("changed", "left"), ("signals", "left"))
    for name, justify in columns:
        # only the names wrap: every other cell is a value the eye compares down the column
        table.add_column(name, justify=justify, no_wrap=name != "client", min_width=14 if name == "client" else None)
    notes: list[str] = []
    marked = False
    for client in portfolio.clients:
        label = client.organization or client.path
        name = escape(clean(label, one_line=True))
        if client.error is not None:
            table.add_row(name, "[bold red]cannot evaluate[/]" if color else "cannot evaluate", "", "", "", "", "",
                          "", "")
            notes.append(f"{label} ({client.path}): error: {client.error}")
            continue
        standards = "\n".join(escape(s.standard) + ("*" if s.superseded else "") for s in client.standards)
        marked = marked or any(s.superseded for s in client.standards)
        ready = "\n".join(_percent(s.readiness) for s in client.standards)
        audit = (f"{client.next_audit.isoformat()}\n{client.days_to_audit:+d} days"
                 if client.next_audit is not None and client.days_to_audit is not None else "none")
        last = client.last_change.isoformat() if client.last_change is not None else ("no git" if not client.git else "")
        errors = str(client.errors)
        if color and client.errors:
            errors = f"[bold red]{errors}[/]"
        table.add_row(name, standards, ready, errors, str(client.warnings), str(client.overdue), audit, last,
                      "\n".join(SIGNAL_LABELS.get(s, s) for s in client.signals))
        if client.transition is not None:
            notes.append(f"{label}: transition to the new edition ends {client.transition.isoformat()}")
        notes += [f"{label}: {n}" for n in client.notes]
    console.print()
    console.print(table)
    if marked:
        console.print("* a superseded edition")
    if notes:
        console.print()
        for line in notes:
            console.print(escape(clean(line, one_line=True)), soft_wrap=True)
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


def render_html(portfolio: Portfolio) -> str:
    """One self-contained page: the full table, no script, no external resource."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    rows = []
    for client in portfolio.clients:
        css = ' class="broken"' if client.error is not None else (' class="errors"' if client.errors else "")
        rows.append(f"<tr{css}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells(client)) + "</tr>")
    today = portfolio.today.isoformat()
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>Portfolio on {today}</title>\n<style>\n"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#1d232b}\n"
        "table{border-collapse:collapse;font-size:.9rem}\n"
        "th,td{border-bottom:1px solid #dde3ea;padding:.3rem .6rem;text-align:left;vertical-align:top}\n"
        "th{background:#dde3ea}\ntr.errors td:first-child{border-left:4px solid #c0392b}\n"
        "tr.broken td{color:#c0392b}\n</style>\n</head>\n<body>\n"
        f"<h1>Portfolio on {today}</h1>\n<p>{len(portfolio.clients)} clients, most urgent first.</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"
        "</body>\n</html>\n"
    )


def render_xlsx(portfolio: Portfolio) -> bytes:
    from openpyxl import Workbook

    from isoctl import __version__
    from isoctl.render.xlsx import HEADER_ROW, head, put, workbook_bytes

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Portfolio"
    widths = (28, 28, 30, 16, 8, 9, 9, 26, 9, 12, 30, 12, 50)
    head(sheet, f"Portfolio on {portfolio.today.isoformat()}", "Clients, most urgent first",
         [(name, width, False) for name, width in zip(COLUMNS, widths, strict=True)])
    for row, client in enumerate(portfolio.clients, start=HEADER_ROW + 1):
        for column, value in enumerate(cells(client), start=1):
            put(sheet, row, column, value)
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    return workbook_bytes(book, portfolio.today, __version__, "isoctl portfolio")
