"""The PDCA pulse as a self-contained SVG heatmap: ``isoctl pulse --format svg``, and the report's picture.

One row per stage, one column per month, each cell shaded by how busy the
month was against the stage's busiest month (the same quarters as the
terminal's ``░ ▒ ▓ █``) with its count written in it; a red triangle under
a month marks an external audit. Written by hand, like the report's line
charts (:mod:`isoctl.report.svg`, whose fonts and colours it shares): plain
shapes and text that browsers and Typst both render, coordinates with one
decimal, no ids, scripts or CSS, so the same pulse gives the same bytes.
"""

from __future__ import annotations

from html import escape

from isoctl.core.pulse import Pulse
from isoctl.render.pulse import Row, audit_note, month_name, rows, undrawn, undrawn_note

#: As in isoctl.report.svg: Typst's SVG renderer takes the first family it has; browsers the first one installed.
FONT = "Helvetica, Arial, Libertinus Serif, sans-serif"
INK, MUTED, GRID, AUDIT = "#1d232b", "#5b6470", "#d5dae0", "#b3261e"
#: Cell fills from no work to the stage's busiest month; text on the two darkest is white.
FILLS = ("#f4f6f9", "#dbe5f3", "#a9c1e5", "#5d88c9", "#2458a6")


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def render_svg(pulse: Pulse, *, label: str | None = None) -> str:
    """The heatmap as one ``<svg>`` element (``label``: its accessible name and title)."""
    months = pulse.months
    label = label or f"Work per PDCA stage and month, {month_name(months[0])} to {month_name(months[-1])}"
    skipped = undrawn(months)
    note = undrawn_note(months, skipped) if skipped else ""
    months = months[skipped:]
    left, top, cell_w, cell_h, gap = 52.0, 30.0 + (14.0 if note else 0.0), 38.0, 22.0, 2.0
    table = [Row(row.stage, row.name, row.counts[skipped:], row.levels[skipped:], row.total, row.active)
             for row in rows(pulse)]
    audits = any(m.audits for m in months)
    legend_y = top + len(table) * (cell_h + gap) + (22.0 if audits else 8.0)
    width = max(left + len(months) * (cell_w + gap) + 8.0, 420.0)
    height = legend_y + 16.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(label)}" '
           f'font-family="{FONT}" font-size="10">', f"<title>{escape(label)}</title>"]

    def x(column: int) -> float:
        return left + column * (cell_w + gap)

    if note:
        out.append(f'<text x="{_num(left)}" y="10.0" fill="{MUTED}">{escape(note)}</text>')

    for column, month in enumerate(months):
        middle = _num(x(column) + cell_w / 2)
        if column == 0 or month.start.month == 1:
            out.append(f'<text x="{middle}" y="{_num(top - 16)}" text-anchor="middle" fill="{MUTED}">'
                       f"{month.start.year}</text>")
        out.append(f'<text x="{middle}" y="{_num(top - 5)}" text-anchor="middle" fill="{INK}">'
                   f"{month_name(month, year=False)}</text>")
    for line, row in enumerate(table):
        y = top + line * (cell_h + gap)
        out.append(f'<text x="{_num(left - 6)}" y="{_num(y + cell_h / 2 + 3.5)}" text-anchor="end" fill="{INK}" '
                   f'font-weight="bold">{row.name}</text>')
        for column, (month, count, shade) in enumerate(zip(months, row.counts, row.levels, strict=True)):
            what = ", ".join(f"{name} {n}" for name, n in month.work[row.stage].items() if n)
            tip = f"{row.name}, {month_name(month)}: {count}" + (f" ({what})" if what else "")
            look = f'fill="{FILLS[shade]}"'
            if month.before_history:  # not "nothing was done": nothing could be recorded yet
                tip, look = f"{row.name}, {month_name(month)}: before the history starts", \
                    f'fill="#ffffff" stroke="{GRID}" stroke-width="0.8" stroke-dasharray="2 2"'
            out.append(f'<rect x="{_num(x(column))}" y="{_num(y)}" width="{_num(cell_w)}" height="{_num(cell_h)}" '
                       f'rx="2" {look}><title>{escape(tip)}</title></rect>')
            if count:
                ink = "#ffffff" if shade >= 3 else INK
                out.append(f'<text x="{_num(x(column) + cell_w / 2)}" y="{_num(y + cell_h / 2 + 3.5)}" '
                           f'text-anchor="middle" fill="{ink}">{count}</text>')
    if audits:
        base = top + len(table) * (cell_h + gap) + 2.0
        for column, month in enumerate(months):
            if month.audits:
                mid = x(column) + cell_w / 2
                out.append(f'<polygon points="{_num(mid)},{_num(base)} {_num(mid - 5)},{_num(base + 9)} '
                           f'{_num(mid + 5)},{_num(base + 9)}" fill="{AUDIT}">'
                           f"<title>external audit: {escape(audit_note(month))}</title></polygon>")
    # the legend: the five shades, then the audit mark
    y = legend_y
    out.append(f'<text x="{_num(left)}" y="{_num(y + 8)}" fill="{MUTED}">none</text>')
    position = left + 26.0
    for shade in range(5):
        out.append(f'<rect x="{_num(position + shade * 14)}" y="{_num(y)}" width="12" height="10" rx="1" '
                   f'fill="{FILLS[shade]}" stroke="{GRID}" stroke-width="0.5"/>')
    position += 5 * 14 + 4
    out.append(f'<text x="{_num(position)}" y="{_num(y + 8)}" fill="{MUTED}">the stage\'s busiest month</text>')
    if audits:
        position += 132.0
        out.append(f'<polygon points="{_num(position + 5)},{_num(y)} {_num(position)},{_num(y + 9)} '
                   f'{_num(position + 10)},{_num(y + 9)}" fill="{AUDIT}"/>')
        out.append(f'<text x="{_num(position + 14)}" y="{_num(y + 8)}" fill="{MUTED}">external audit</text>')
    out.append("</svg>")
    return "".join(out)
