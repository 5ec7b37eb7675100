"""Small inline SVG line charts for the report: readiness over time, objective trends.

Written by hand rather than with a plotting library: the charts are a few
lines and dots, a plotting library would cost more to import than the whole
report takes to render, and hand-written SVG is byte-stable (no ids, hash
salts or timestamps to pin). Coordinates are printed with one decimal, so
the same data always gives the same bytes.

The same SVG is inlined in the HTML report and handed to Typst for the PDF,
so it sticks to what both render: plain shapes, ``<text>`` in the first
available of a list of fonts (Typst only has its embedded ones), no CSS, no
scripts, no references to anything outside the element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: Typst's SVG renderer takes the first family it has; browsers the first one installed.
FONT = "Helvetica, Arial, Libertinus Serif, sans-serif"
INK, MUTED, GRID, LINE, TARGET = "#1d232b", "#5b6470", "#d5dae0", "#2458a6", "#b3261e"


@dataclass(frozen=True)
class Point:
    """One value on one day; a ``hollow`` one is drawn as a ring (the readiness charts: a month without commits)."""

    date: dt.date
    value: float
    hollow: bool = False


def _num(value: float) -> str:
    """A coordinate with one decimal, never ``-0.0``."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def percent(value: float) -> str:
    return f"{round(value * 100)}%"


def plain(value: float) -> str:
    """A value as people write it: ``12``, ``99.5``, ``0.25``."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def line_chart(
    points: Sequence[Point],
    *,
    label: str,
    width: int = 520,
    height: int = 150,
    low: float | None = None,
    high: float | None = None,
    target: float | None = None,
    show: Callable[[float], str] = plain,
    hollow: str = "",
) -> str:
    """A line over time with its first and last dates, a value axis and an optional dashed target line.

    ``low``/``high`` fix the value axis (readiness runs 0 to 1); otherwise it
    spans the values and the target with a little room. One point is drawn
    as a dot. ``label`` is the chart's accessible name and tooltip.
    ``hollow`` says what a hollow point means: it follows such a point's
    value in its tooltip, and a legend below the chart says it when one is
    drawn.
    """
    ordered = sorted(points, key=lambda p: p.date)
    values = [p.value for p in ordered] + ([target] if target is not None else [])
    bottom = low if low is not None else min(values, default=0.0)
    top = high if high is not None else max(values, default=1.0)
    if top == bottom:
        bottom, top = bottom - 1, top + 1
    elif low is None or high is None:
        room = (top - bottom) * 0.1
        bottom, top = (bottom - room if low is None else bottom), (top + room if high is None else top)
    left, right, upper, lower = 44.0, 12.0, 10.0, 22.0
    plot_w, plot_h = width - left - right, height - upper - lower
    first = ordered[0].date if ordered else dt.date(2000, 1, 1)
    span = max((ordered[-1].date - first).days, 1) if ordered else 1

    def x(day: dt.date) -> float:
        return left + (plot_w / 2 if len(ordered) == 1 else plot_w * (day - first).days / span)

    def y(value: float) -> float:
        return upper + plot_h * (top - value) / (top - bottom)

    opening = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
               f'font-family="{FONT}" font-size="10">')
    out = [opening, f"<title>{escape(label)}</title>"]
    for tick in (bottom, (bottom + top) / 2, top):
        out.append(f'<line x1="{_num(left)}" y1="{_num(y(tick))}" x2="{_num(width - right)}" y2="{_num(y(tick))}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{_num(left - 4)}" y="{_num(y(tick) + 3)}" text-anchor="end" fill="{MUTED}">'
                   f"{escape(show(tick))}</text>")
    if target is not None:
        out.append(f'<line x1="{_num(left)}" y1="{_num(y(target))}" x2="{_num(width - right)}" y2="{_num(y(target))}" '
                   f'stroke="{TARGET}" stroke-width="1" stroke-dasharray="4 3"/>')
    if len(ordered) > 1:
        path = " ".join(f"{_num(x(p.date))},{_num(y(p.value))}" for p in ordered)
        out.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="1.8"/>')
    for p in ordered:
        fill = f'fill="#ffffff" stroke="{LINE}" stroke-width="1.2"' if p.hollow else f'fill="{LINE}"'
        why = f" ({escape(hollow)})" if p.hollow and hollow else ""
        out.append(f'<circle cx="{_num(x(p.date))}" cy="{_num(y(p.value))}" r="2.5" {fill}>'
                   f"<title>{p.date.isoformat()}: {escape(show(p.value))}{why}</title></circle>")
    if ordered:
        base = _num(height - 6)
        out.append(f'<text x="{_num(left)}" y="{base}" fill="{MUTED}">{ordered[0].date.isoformat()}</text>')
        if hollow and any(p.hollow for p in ordered):
            start = left + plot_w / 2 - len(hollow) * 2.5  # about half the legend's width at this font size
            out.append(f'<circle cx="{_num(start - 6)}" cy="{_num(height - 9.5)}" r="2.5" fill="#ffffff" '
                       f'stroke="{LINE}" stroke-width="1.2"/>')
            out.append(f'<text x="{_num(start)}" y="{base}" fill="{MUTED}">{escape(hollow)}</text>')
        if len(ordered) > 1:
            out.append(f'<text x="{_num(width - right)}" y="{base}" text-anchor="end" fill="{MUTED}">'
                       f"{ordered[-1].date.isoformat()}</text>")
    else:
        out.append(f'<text x="{_num(left + plot_w / 2)}" y="{_num(upper + plot_h / 2)}" text-anchor="middle" '
                   f'fill="{MUTED}">no data</text>')
    out.append("</svg>")
    return "".join(out)
