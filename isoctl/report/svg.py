"""Small inline SVG line charts for the report: readiness over time, objective trends.

An objective's chart (:func:`objective_chart`) reads like a control chart an
auditor trusts: round value ticks (1-2-5 steps) with the unit, a labelled
target line, and a time axis that runs to the evaluation date, so a stale
objective is visibly stale.

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
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: Typst's SVG renderer takes the first family it has; browsers the first one installed.
FONT = "Helvetica, Arial, Libertinus Serif, sans-serif"
INK, MUTED, GRID, LINE, TARGET = "#1d232b", "#5b6470", "#d5dae0", "#2458a6", "#b3261e"
#: An objective chart's "last measured N days ago" turns red past this many days (the default objective_measure_days).
STALE_DAYS = 120
#: Units up to this long are repeated in the target's label ("target 95 %"); a longer one is only the axis title.
SHORT_UNIT = 12


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


def nice_ticks(low: float, high: float, *, most: int = 5) -> tuple[float, ...]:
    """Round axis ticks covering ``low``..``high``: steps of 1, 2 or 5 times a power of ten (85 / 90 / 95).

    At most ``most`` ticks; the first is at or below ``low`` and the last at
    or above ``high``, so every value sits inside the axis.
    """
    if high < low:
        low, high = high, low
    if high == low:
        low, high = low - 1, high + 1
    raw = (high - low) / max(most - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12)
    while True:
        first, last = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
        count = round((last - first) / step) + 1
        if count <= most:
            break
        step = next(m * power for m in (1, 2, 5, 10, 20, 50, 100) if m * power > step)
    return tuple(_rounded(first + i * step, step) for i in range(count))


def _rounded(value: float, step: float) -> float:
    """``value`` without the float noise of adding steps (0.30000000000000004 is 0.3)."""
    digits = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return round(value, digits) + 0.0


def with_unit(value: float, unit: str | None) -> str:
    """``95 %``, ``12 days``, ``0.5``: a value as the objective states it."""
    return plain(value) + (f" {unit}" if unit else "")


def objective_chart(
    points: Sequence[Point],
    *,
    label: str,
    target: float,
    unit: str | None,
    today: dt.date,
    width: int = 360,
    height: int = 130,
) -> str:
    """An objective's measurements against its target, on a time axis that runs to the evaluation date.

    The value axis has round ticks and names the unit; the dashed target line
    says what it is ("target 95 %"). The time axis ends on ``today`` whatever
    the last measurement's date, so an objective nobody measured for months
    visibly stops early: the unmeasured stretch is shaded and says "last
    measured N days ago".
    """
    ordered = sorted(points, key=lambda p: p.date)
    ticks = nice_ticks(min([p.value for p in ordered] + [target]), max([p.value for p in ordered] + [target]))
    bottom, top = ticks[0], ticks[-1]
    left, right, upper, lower = 44.0, 12.0, 16.0, 22.0
    plot_w, plot_h = width - left - right, height - upper - lower
    start = ordered[0].date if ordered else today
    end = max(today, ordered[-1].date) if ordered else today
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + plot_w * (day - start).days / span if start != end else left + plot_w

    def y(value: float) -> float:
        return upper + plot_h * (top - value) / (top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(label)}" font-family="{FONT}" font-size="10">', f"<title>{escape(label)}</title>"]
    if unit:  # the axis title: as much of the unit as fits above the chart
        room = int((width - 4) / 5.2)
        shown = unit if len(unit) <= room else unit[:room - 1].rstrip() + "…"
        out.append(f'<text x="2" y="9" fill="{MUTED}">{escape(shown)}</text>')
    last = ordered[-1].date if ordered else None
    if last is not None and last < today:
        out.append(f'<rect x="{_num(x(last))}" y="{_num(upper)}" width="{_num(x(today) - x(last))}" height="{_num(plot_h)}" '
                   f'fill="{GRID}" fill-opacity="0.35"/>')
    for tick in ticks:
        out.append(f'<line x1="{_num(left)}" y1="{_num(y(tick))}" x2="{_num(width - right)}" y2="{_num(y(tick))}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{_num(left - 4)}" y="{_num(y(tick) + 3)}" text-anchor="end" fill="{MUTED}">'
                   f"{escape(plain(tick))}</text>")
    out.append(f'<line x1="{_num(left)}" y1="{_num(y(target))}" x2="{_num(width - right)}" y2="{_num(y(target))}" '
               f'stroke="{TARGET}" stroke-width="1" stroke-dasharray="4 3"/>')
    above = y(target) - 3 if y(target) - 3 > upper + 8 else y(target) + 10
    named = with_unit(target, unit) if unit and len(unit) <= SHORT_UNIT else plain(target)  # the axis names a long unit
    out.append(f'<text x="{_num(left + 3)}" y="{_num(above)}" fill="{TARGET}">target {escape(named)}</text>')
    if len(ordered) > 1:
        path = " ".join(f"{_num(x(p.date))},{_num(y(p.value))}" for p in ordered)
        out.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="1.8"/>')
    for p in ordered:
        out.append(f'<circle cx="{_num(x(p.date))}" cy="{_num(y(p.value))}" r="2.5" fill="{LINE}">'
                   f"<title>{p.date.isoformat()}: {escape(with_unit(p.value, unit))}</title></circle>")
    base = _num(height - 6)
    if last is None:
        out.append(f'<text x="{_num(left + plot_w / 2)}" y="{_num(upper + plot_h / 2)}" text-anchor="middle" '
                   f'fill="{TARGET}">never measured</text>')
    else:
        if last < today:
            days = (today - last).days
            note = f"last measured {days} day{'s' if days != 1 else ''} ago"
            out.append(f'<text x="{_num(width - right - 3)}" y="{_num(upper + 11)}" text-anchor="end" '
                       f'fill="{TARGET if days > STALE_DAYS else MUTED}">{note}</text>')
        if start != end:
            out.append(f'<text x="{_num(left)}" y="{base}" fill="{MUTED}">{start.isoformat()}</text>')
    out.append(f'<text x="{_num(width - right)}" y="{base}" text-anchor="end" fill="{MUTED}">{today.isoformat()}</text>')
    out.append("</svg>")
    return "".join(out)
