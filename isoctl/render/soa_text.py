"""``isoctl soa`` for people in a terminal: the summary, then one compact row per control.

Justifications and implementation texts are paragraphs; in a terminal they
would turn 93 rows into several hundred lines, so the table keeps what is
scanned (applies, status, owner, risks, how much evidence) and the long
texts live in the Markdown, HTML and XLSX formats.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from isoctl.analysis.soa import NO_ENTRY, Soa, SoaRow
from isoctl.render.console import clean, make_console

STATUS_STYLES = {"implemented": "green", "partial": "yellow", "planned": "yellow", "not-started": "red",
                 "not set": "red", "n/a": "dim", "": ""}
#: Gap rows and duplicate rows are listed by id in the summary, up to this many.
LISTED = 12


def _ids(rows: list[SoaRow]) -> str:
    ids = [row.control for row in rows]
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return ", ".join(ids[:LISTED]) + more


def _summary(soa: Soa) -> Text:
    s = soa.summary
    out = Text()
    out.append(clean(f"Statement of Applicability — {soa.organization}"), style="bold")
    out.append(f"\n{soa.standard_name} Annex A · {soa.date.isoformat()} · isoctl {soa.version}\n")
    out.append(clean(" · ".join(f"{label}: {value}" for label, value in soa.document.facts())) + "\n")
    out.append(f"{s.controls} controls: ")
    out.append(f"{s.applicable} applicable", style="bold")
    out.append(f" ({s.implemented} implemented), {s.excluded} excluded, ")
    out.append(f"{s.missing} without an SoA entry", style="bold red" if s.missing else "green")
    out.append("\n")
    if soa.gaps:
        out.append(f"no SoA entry: {_ids(soa.gaps)} — add a control record for each\n", style="red")
    for row in soa.duplicated:
        out.append(clean(f"{row.control} has more than one SoA row: {', '.join((row.record or '', *row.duplicates))}"
                         f" (the first, {row.record}, is shown)\n"), style="yellow")
    return out


def _table(rows: list[SoaRow]) -> Table:
    """One section's rows; fixed widths and ratios keep the columns of every section aligned."""
    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False, expand=True)
    table.add_column("control", width=7, no_wrap=True)
    table.add_column("title", ratio=5)
    table.add_column("applies", width=7, no_wrap=True)
    table.add_column("status", width=12, no_wrap=True)
    table.add_column("owner", ratio=3)
    table.add_column("risks", ratio=3)
    table.add_column("evidence", width=8, justify="right", no_wrap=True)
    for row in rows:
        if row.missing:
            applies, status = Text("—", style="red"), Text(NO_ENTRY, style="bold red")
        else:
            applies = Text(row.applicable_label, style="" if row.applicable else "dim")
            status = Text(row.status_label, style=STATUS_STYLES.get(row.status_label, ""))
        table.add_row(
            row.control,
            Text(clean(row.title)),
            applies,
            status,
            Text(clean(row.owner or "")),
            Text(clean(", ".join(row.risks))),
            str(len(row.evidence)) if row.evidence else "",
        )
    return table


def _sections(soa: Soa) -> dict[str, list[SoaRow]]:
    groups: dict[str, list[SoaRow]] = {}
    for row in soa.rows:
        groups.setdefault(row.section, []).append(row)
    return groups


def render(soa: Soa, *, color: bool = False, width: int = 100) -> str:
    """The summary and the compact table; plain text (no ANSI) unless ``color``."""
    console, out = make_console(color=color, width=width)
    console.print(_summary(soa), end="", soft_wrap=True)
    for section, rows in _sections(soa).items():
        console.print()
        console.print(Text(clean(section), style="bold underline"))
        console.print(_table(rows))
    # rich pads every cell to the column width; trailing blanks are noise when copied or diffed
    return "\n".join(line.rstrip(" ") for line in out.getvalue().splitlines()) + "\n"
