"""``isoctl soa --format md``: the SoA as one Markdown table for a wiki or a pull request.

Every control is a row, gaps included. Cells stay on one line (newlines
become ``<br>``), pipes are escaped so they cannot end a cell early, and HTML
is escaped because GitHub, GitLab and most wikis render inline HTML.
"""

from __future__ import annotations

import html

from isoctl.analysis.soa import NO_ENTRY, Soa, SoaRow

HEADER = ("control", "title", "theme", "applicable", "justification", "status", "implementation", "owner", "risks",
          "evidence", "record")


def cell(text: str | None) -> str:
    """Text made safe for one Markdown table cell."""
    if not text:
        return ""
    escaped = html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in escaped.splitlines())


def _evidence(row: SoaRow) -> str:
    return "<br>".join(cell(e.target) for e in row.evidence)


def _row(row: SoaRow) -> str:
    applicable = f"**{NO_ENTRY}**" if row.missing else row.applicable_label
    cells = (
        row.control, cell(row.title), row.theme, applicable, cell(row.justification), row.status_label,
        cell(row.implementation), cell(row.owner), cell(", ".join(row.risks)), _evidence(row), cell(row.record),
    )
    return "| " + " | ".join(cells) + " |"


def render(soa: Soa) -> str:
    """The SoA as Markdown: a heading, the summary, notes on gaps, and the table."""
    lines = [
        f"# Statement of Applicability — {cell(soa.organization)}",
        "",
        f"{cell(soa.standard_name)} Annex A · {soa.date.isoformat()} · isoctl {soa.version}",
        "",
        " · ".join(f"**{label}:** {cell(value)}" for label, value in soa.document.facts()),
        "",
        f"**{soa.summary.sentence()}.**",
        "",
    ]
    if soa.gaps:
        lines += [f"No SoA entry: {', '.join(r.control for r in soa.gaps)}.", ""]
    for row in soa.duplicated:
        rows = cell(", ".join((row.record or "", *row.duplicates)))
        lines += [f"{row.control} has more than one SoA row: {rows} (the first is shown).", ""]
    lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += [_row(row) for row in soa.rows]
    return "\n".join(lines) + "\n"
