"""The PDCA pulse as a heatmap for the terminal, JSON and CSV (the SVG is :mod:`isoctl.render.pulse_svg`).

The heatmap has one row per stage and one column per month. Each cell
shows its count, and a shade of how busy the month was for that stage
against the stage's busiest month (``░ ▒ ▓ █``: up to a quarter, a half,
three quarters, all of it); a month without any work of the stage is
``·``, and a month before the history starts is left blank (nothing could
be recorded in it, which is not the same as nothing done).
Shades are characters, not colours, so the picture survives a pipe, a CI
log or a terminal without colour; on a colour terminal they are coloured
too. A ``▲`` under a month marks an external audit. Relative to the row,
a stage done all year shows shades in every column, and one done only for
the auditor shows one dark cell beside the ``▲``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from isoctl import __version__
from isoctl.core.pulse import ACTIVITIES, STAGE_NAMES, STAGES, ExternalAudit, Month, Pulse, Stage
from isoctl.render import json_text
from isoctl.render.cells import csv_text

SHADES = "·░▒▓█"
AUDIT_MARK = "▲"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LEVEL_STYLES = ("dim", "green", "green", "bold green", "bold bright_green")


def level(value: int, busiest: int) -> int:
    """0 for no work, else 1 to 4: the quarter of the busiest month ``value`` reaches (rounded up)."""
    if value <= 0 or busiest <= 0:
        return 0
    return min(4, -(-4 * value // busiest))


@dataclass(frozen=True)
class Row:
    """One stage across the months: counts, shade levels (0-4), the total and the months with any work."""

    stage: Stage
    name: str
    counts: tuple[int, ...]
    levels: tuple[int, ...]
    total: int
    active: int


def rows(pulse: Pulse) -> tuple[Row, ...]:
    """The heatmap's rows, Plan to Act."""
    out = []
    for stage in STAGES:
        counts = tuple(month.count(stage) for month in pulse.months)
        busiest = max(counts, default=0)
        out.append(Row(stage, STAGE_NAMES[stage], counts, tuple(level(n, busiest) for n in counts), sum(counts),
                       sum(1 for n in counts if n)))
    return tuple(out)


def month_name(month: Month, *, year: bool = True) -> str:
    """``Jun 2026`` (``Jun`` without the year)."""
    name = _MONTHS[month.start.month - 1]
    return f"{name} {month.start.year}" if year else name


def undrawn(months: Sequence[Month]) -> int:
    """How many leading months a picture leaves out: whole years before the history starts, without an audit.

    ``pulse --since 1960-01-01`` of a history begun in 2025 draws from 2024
    on, not 65 blank years; the last year before the history is still
    drawn, so that where it starts shows. The data formats keep every month.
    """
    leading = next((i for i, m in enumerate(months) if not m.before_history or m.audits), len(months))
    return min(leading // 12, (len(months) - 1) // 12) * 12


def undrawn_note(months: Sequence[Month], skipped: int) -> str:
    """What a picture says of the months it leaves out."""
    return (f"{month_name(months[0])} to {month_name(months[skipped - 1])}: before the history starts, "
            f"{skipped} months not drawn")


def audit_note(month: Month) -> str:
    """The external audits of a month as a tooltip or note reads them: ``2026-06-15 surveillance (iso9001)``."""
    return "; ".join(f"{a.date.isoformat()} {a.type} ({a.standard}){' planned' if a.status == 'planned' else ''}"
                     for a in month.audits)


def as_dict(pulse: Pulse) -> dict[str, Any]:
    """The pulse as JSON data (format 1)."""

    def audit(a: ExternalAudit) -> dict[str, Any]:
        return {"date": a.date.isoformat(), "type": a.type, "standard": a.standard, "status": a.status}

    before, start = pulse.before_audits, pulse.start
    return {
        "isoctl": __version__, "format": 1,
        "since": pulse.since.isoformat(), "until": pulse.until.isoformat(),
        "shallow": pulse.shallow, "commits": pulse.commits, "undated_commits": pulse.undated,
        "stages": {stage: list(whats) for stage, whats in ACTIVITIES.items()},
        "months": [{"month": m.label, "from": m.start.isoformat(), "to": m.end.isoformat(), "commits": m.commits,
                    **{stage: m.count(stage) for stage in STAGES},
                    "work": {stage: dict(m.work[stage]) for stage in STAGES},
                    "before_history": m.before_history,
                    "audits": [audit(a) for a in m.audits]} for m in pulse.months],
        "totals": {stage: pulse.total(stage) for stage in STAGES},
        "active_months": {stage: pulse.active(stage) for stage in STAGES},
        "audits": [audit(a) for a in pulse.audits],
        "history_starts": None if start is None else {
            "commit": start.commit, "date": start.date.isoformat() if start.date else None, "records": start.records},
        "before_audits": None if before is None else {
            "weeks": before.weeks, "check_act": before.inside, "of": before.total,
            "share": round(before.share, 4), "share_of_days": round(before.share_of_days, 4)},
    }


def render_json(pulse: Pulse) -> str:
    return json_text.dumps(as_dict(pulse)) + "\n"


def render_csv(pulse: Pulse) -> str:
    """One line per month: the count of each stage, commits, external audits, then each piece of work."""
    work = [(stage, what) for stage in STAGES for what in ACTIVITIES[stage]]
    header = ["month", "from", "to", *STAGES, "commits", "external audits", *[f"{stage}: {what}" for stage, what in work]]
    lines = [[m.label, m.start.isoformat(), m.end.isoformat(), *[m.count(stage) for stage in STAGES], m.commits,
              audit_note(m), *[m.work[stage][what] for stage, what in work]] for m in pulse.months]
    return csv_text([header, *lines])


_LABEL = 8  # the stage names' column
_CELL = 6  # each month: a space, the shade, the count right-aligned in four


def _blocks(months: Sequence[Month], width: int) -> list[Sequence[Month]]:
    """The months in one block when they fit the width, else in blocks of a year (fewer on a narrow terminal)."""
    fit = max(1, (width - _LABEL) // _CELL)
    if len(months) <= fit:
        return [months]
    size = min(12, fit)
    return [months[i:i + size] for i in range(0, len(months), size)]


def _cell(count: int, shade: int, before_history: bool) -> str:
    if before_history:
        return " " * _CELL
    return f" {SHADES[shade]}{count:>4}" if count else f"{'':>5}{SHADES[0]}"


def render_text(pulse: Pulse, *, color: bool = False, width: int = 100) -> str:
    from rich.markup import escape

    from isoctl.render.console import clean, make_console

    console, out = make_console(color=color, width=max(width, 40))
    first, last = pulse.months[0], pulse.months[-1]
    title = (f"Work per PDCA stage and month, from the git history: {month_name(first)} to {month_name(last)}, "
             f"{pulse.commits} commit{'s' if pulse.commits != 1 else ''}")
    if pulse.shallow:
        title += "  [bold]partial: shallow clone, older history missing[/]"
    console.print(title, soft_wrap=True)
    table = rows(pulse)
    audits = any(m.audits for m in pulse.months)
    offset = undrawn(pulse.months)
    if offset:
        console.print()
        console.print(undrawn_note(pulse.months, offset), soft_wrap=True)
    for block in _blocks(pulse.months[offset:], width):
        console.print()
        years = "".join(f"{m.start.year:>6}" if i == 0 or m.start.month == 1 else " " * _CELL for i, m in enumerate(block))
        console.print(" " * _LABEL + years.rstrip(), style="bold" if color else None)
        console.print(" " * _LABEL + "".join(f"{month_name(m, year=False):>6}" for m in block),
                      style="bold" if color else None)
        for row in table:
            cells = []
            for month, count, shade in zip(block, row.counts[offset:offset + len(block)],
                                           row.levels[offset:offset + len(block)], strict=True):
                text = _cell(count, shade, month.before_history)
                cells.append(f"[{_LEVEL_STYLES[shade]}]{escape(text)}[/]" if color else escape(text))
            console.print(f"{row.name:<{_LABEL}}" + "".join(cells).rstrip())
        if any(m.audits for m in block):
            marks = "".join(f"{'':>5}{AUDIT_MARK}" if m.audits else " " * _CELL for m in block).rstrip()
            console.print(f"{'audit':<{_LABEL}}" + (f"[bold red]{marks}[/]" if color else marks))
        offset += len(block)
    console.print()
    console.print(f"{SHADES[0]} none  {SHADES[1]}{SHADES[2]}{SHADES[3]}{SHADES[4]} up to 25%, 50%, 75%, 100% of the "
                  "stage's busiest month" + (f"  {AUDIT_MARK} external audit" if audits else ""), soft_wrap=True)
    console.print()
    span = len(pulse.months)
    for row in table:
        detail = ", ".join(f"{what} {n}" for what, n in pulse.work(row.stage).items() if n)
        months = f"{row.active} of {span} month{'s' if span != 1 else ''}"
        console.print(f"{row.name:<{_LABEL}}{row.total:>5}, active in {months}" + (f": {detail}" if detail else ""),
                      soft_wrap=True)
    for month in pulse.months:
        if month.audits:
            console.print(f"{AUDIT_MARK} external audit: {escape(clean(audit_note(month), one_line=True))}",
                          soft_wrap=True)
    before = pulse.before_audits
    if before is not None and before.total:
        weeks = "week" if before.weeks == 1 else f"{before.weeks} weeks"
        console.print(f"Check and Act: {before.inside} of {before.total} ({before.share:.0%}) in the {weeks} before "
                      f"an external audit, which are {before.share_of_days:.0%} of the period", soft_wrap=True)
    start = pulse.start
    if start is not None and (start.date is None or start.date >= pulse.since):  # only when it shapes the picture
        records = f"{start.records} record{'s' if start.records != 1 else ''}"
        when = f"on {start.date.isoformat()} " if start.date is not None else ""
        blank = "; blank months are before it" if any(m.before_history for m in pulse.months) else ""
        console.print(f"The history starts {when}with {records} (commit {start.commit[:8]}), the system as it came "
                      f"into git: not counted as work{blank}.", soft_wrap=True)
    if pulse.undated:
        console.print(f"{pulse.undated} commit{'s' if pulse.undated != 1 else ''} without a usable date not counted")
    return out.getvalue()
