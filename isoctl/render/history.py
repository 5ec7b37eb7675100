"""The timeline as text (with sparklines), JSON and CSV.

A point whose week or month saw no commit (``Point.silent``) is marked in
each: ``"commits": 0`` and ``"silent": true`` in JSON, 0 in the CSV's
``commits`` column, and in text a ``·`` after its date in the table and
under its place in the sparklines.
"""

from __future__ import annotations

from typing import Any

from isoctl.core.timeline import Timeline, as_dict
from isoctl.render import json_text
from isoctl.render.cells import csv_text

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """One character per value from 0 to 1 (a gap where there is no value)."""
    return "".join(" " if v is None else _BARS[min(len(_BARS) - 1, int(v * (len(_BARS) - 1) + 0.5))] for v in values)


def _standards(timeline: Timeline) -> list[str]:
    seen: dict[str, None] = {}
    for point in timeline.points:
        seen.update(dict.fromkeys(point.readiness))
    return list(seen)


def render_json(timeline: Timeline) -> str:
    return json_text.dumps(as_dict(timeline)) + "\n"


def render_csv(timeline: Timeline) -> str:
    standards = _standards(timeline)
    header = ["date", "commit", "author", *[f"readiness {s}" for s in standards], "actions open", "actions overdue",
              "mean days to close", "errors", "warnings", "info", "records", "changes", "commits", "committed",
              "contributors"]
    rows = [[p.date, p.commit, p.author, *[p.readiness.get(s, "") for s in standards], p.actions_open,
             p.actions_overdue, "" if p.mean_days_to_close is None else p.mean_days_to_close,
             p.findings["error"], p.findings["warning"], p.findings["info"], p.records, p.changes, p.commits,
             p.committed, "; ".join(p.contributors)] for p in timeline.points]
    return csv_text([header, *rows])


def render_text(timeline: Timeline, *, color: bool = False, width: int = 100) -> str:
    from rich.markup import escape
    from rich.table import Table

    from isoctl.render.console import clean, make_console

    console, out = make_console(color=color, width=width)
    points = timeline.points
    if not points:
        console.print("no commits touch this workspace in that period")
        return out.getvalue()
    label = f"{len(points)} points, every {timeline.every}, {points[0].date} to {points[-1].date}"
    silent = sum(1 for p in points if p.silent)
    if silent:
        label += f", {silent} without commits (·)"
    if timeline.shallow:
        label += "  [bold]partial: shallow clone, older history missing[/]"
    console.print(label)
    standards = _standards(timeline)
    for standard in standards:
        series: list[float | None] = [p.readiness.get(standard) for p in points]
        last = series[-1]
        name = escape(clean(standard, one_line=True))  # an edition id from a workspace catalog is data, not markup
        console.print(f"  {name:<14} {sparkline(series)}  {'' if last is None else f'{last:.0%}'}")
    overdue: list[float | None] = [p.actions_overdue for p in points]
    top = max((v for v in overdue if v is not None), default=0) or 1
    console.print(f"  {'overdue':<14} {sparkline([None if v is None else v / top for v in overdue])}  {points[-1].actions_overdue}")
    if silent:
        console.print(f"  {'no commits':<14} {''.join('·' if p.silent else ' ' for p in points).rstrip()}")
    table = Table(box=None, header_style="bold", pad_edge=False)
    short = [escape(clean(s.removeprefix("iso").split("-")[0], one_line=True)) for s in standards]  # iso9001-2015 -> 9001
    for column in ("date", "commit", *short, "open", "overdue", "to close", "E/W/I", "records", "changes", "authors"):
        table.add_column(column, justify="left" if column in ("date", "commit") else "right", no_wrap=True)
    shown = points if len(points) <= 60 else points[-60:]
    for p in shown:
        row: list[Any] = [f"{p.date} ·" if p.silent else p.date, p.commit[:7], *[f"{p.readiness[s]:.0%}" if s in p.readiness else "" for s in standards],
                          p.actions_open, p.actions_overdue, "" if p.mean_days_to_close is None else f"{p.mean_days_to_close:g}",
                          f"{p.findings['error']}/{p.findings['warning']}/{p.findings['info']}", p.records, p.changes,
                          len(p.contributors)]
        table.add_row(*[str(v) for v in row], style="red" if color and p.actions_overdue else "dim" if color and p.silent else "")
    console.print(table)
    if len(points) > len(shown):
        console.print(f"(the last {len(shown)} of {len(points)} points; --format csv or json for all)")
    return out.getvalue()
