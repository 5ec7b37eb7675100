"""``isoctl diff`` for people: what changed between two revisions, grouped, with counts.

A heading names both sides (and which one is the working tree), a summary
line gives the counts, then one section per kind of change: records
(``+`` added, ``-`` removed, ``~`` changed with its fields underneath),
clause coverage per standard, readiness per standard, and findings that
appeared or disappeared. A standard that entered or left scope is one line,
not a line per clause. Long sections are cut at :data:`LIMIT` rows with a
pointer to ``--format json``: a terminal is for reading, not for 5,000 rows.

Rows are laid out by hand into one :class:`~rich.text.Text` (rich costs about
a millisecond per table row); colour only when asked for (a terminal).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.text import Text

from isoctl.history.diff import ClauseChange, Diff
from isoctl.history.record_changes import RecordChange, RecordRef, plural
from isoctl.model.result import Finding
from isoctl.render.console import SEVERITY_STYLES, clean, make_console
from isoctl.render.diff_md import coverage_last, percent, points, summary
from isoctl.render.gap import STATUS_STYLES, UNTITLED

#: Rows shown per section; the rest are counted.
LIMIT = 50
MARKS = {"+": "green", "-": "red", "~": "yellow"}


def render(diff: Diff, *, color: bool = False, width: int = 100) -> str:
    """The human report of ``diff``; plain text (no ANSI) unless ``color``."""
    console, out = make_console(color=color, width=width)
    text = _heading(diff)
    if diff.added or diff.removed or diff.changed:
        text.append("\n")
        text.append_text(_records(diff))
    if diff.coverage:
        text.append("\n")
        text.append_text(_coverage(diff.coverage))
    if diff.readiness:
        text.append("\n")
        text.append_text(_readiness(diff))
    if diff.appeared or diff.disappeared:
        text.append("\n")
        text.append_text(_findings(diff, width))
    console.print(text, end="", soft_wrap=True)
    return out.getvalue()


def _heading(diff: Diff) -> Text:
    text = Text()
    text.append("isoctl diff ", style="bold")
    text.append(clean(diff.old.label), style="bold")
    text.append(" → ")
    text.append(clean(diff.new.label), style="bold")
    if diff.new.working_tree or diff.old.working_tree:
        text.append("  (uncommitted changes included)", style="dim")
    old_n, new_n = diff.records
    text.append(f"\nevaluated as of {diff.today.isoformat()} · records {old_n} → {new_n}\n", style="dim")
    text.append(summary(diff) + "\n", style="yellow" if not diff.empty else "green")
    return text


def _section(title: str, counts: str) -> Text:
    text = Text()
    text.append(title, style="bold underline")
    text.append(f"  {counts}\n" if counts else "\n")
    return text


def _more(shown: int, total: int) -> str:
    return f"    … and {total - shown} more (--format json lists them all)\n" if total > shown else ""


def _records(diff: Diff) -> Text:
    counts = [f"{len(diff.added)} added", f"{len(diff.removed)} removed", f"{len(diff.changed)} changed"]
    moved = f" ({diff.moved} moved)" if diff.moved else ""
    text = _section("records", ", ".join(counts) + moved)
    refs: list[tuple[str, RecordRef | RecordChange]] = [*(("+", r) for r in diff.added), *(("-", r) for r in diff.removed),
                                                        *(("~", c) for c in diff.changed)]
    id_w = max(len(item.id) for _, item in refs[:LIMIT])
    kind_w = max(len(item.kind) for _, item in refs[:LIMIT])
    for mark, item in refs[:LIMIT]:
        text.append(f"  {mark} ", style=MARKS[mark])
        text.append(f"{clean(item.id):<{id_w}}", style="bold")
        text.append(f"  {item.kind:<{kind_w}}  ", style="dim")
        if isinstance(item, RecordRef):
            text.append(f"{clean(item.title)}  ")
            text.append(f"{clean(item.path)}\n", style="dim")
            continue
        if item.moved_from is not None:
            text.append(f"moved {clean(item.moved_from)} → {clean(item.path)}\n")
        else:
            text.append(f"{clean(item.path)}\n", style="dim")
        name_w = max((len(f.field) for f in item.fields), default=0)
        for change in item.fields:
            text.append(f"      {clean(change.field):<{name_w}}  ", style="dim")
            text.append(clean(change.text) + "\n")
    text.append(_more(min(len(refs), LIMIT), len(refs)))
    return text


def _coverage(changes: Sequence[ClauseChange]) -> Text:
    text = _section("coverage", f"{plural(len(changes), 'clause')} changed status")
    groups: dict[str, list[ClauseChange]] = {}
    for change in changes:
        groups.setdefault(change.standard, []).append(change)
    shown = 0
    for standard, members in groups.items():
        text.append(f"  {standard}", style="bold")
        if all(c.old is None for c in members) or all(c.new is None for c in members):
            entered = members[0].old is None
            statuses: list[str | None] = [c.new if entered else c.old for c in members]
            counted = ", ".join(f"{statuses.count(s)} {s}" for s in STATUS_STYLES if statuses.count(s))
            what = "entered scope" if entered else "left scope"
            text.append(f"  {what}: {plural(len(members), 'clause')} ({counted})\n")
            continue
        text.append("\n")
        visible = members[: max(LIMIT - shown, 0)]
        clause_w = max((len(c.clause) for c in visible), default=0)
        for change in visible:
            title = clean(textwrap.shorten(change.title or UNTITLED, 48, placeholder="…"))
            text.append(f"    {change.clause:<{clause_w}}  {title:<48}  ")
            _status(text, change.old)
            text.append(" → ")
            _status(text, change.new)
            text.append("\n")
        shown += len(visible)
        text.append(_more(len(visible), len(members)))
    return text


def _status(text: Text, status: str | None) -> None:
    text.append(status or "not in scope", style=STATUS_STYLES.get(status or "", "dim"))


def _readiness(diff: Diff) -> Text:
    moved = sum(1 for r in diff.readiness if r.changed)
    text = _section("readiness", f"{plural(moved, 'standard')} changed" if moved else "unchanged")
    name_w = max(len(r.standard) for r in diff.readiness)
    for change in diff.readiness:
        text.append(f"  {change.standard:<{name_w}}  ")
        if not change.changed:
            text.append(f"{percent(change.new)}", style="dim")
            text.append("  (unchanged)\n", style="dim")
            continue
        delta = points(change)
        style = "green" if delta.startswith("+") else "red" if delta.startswith("−") else ""
        text.append(f"{percent(change.old)} → {percent(change.new)}")
        text.append(f"  ({delta} points)\n" if delta else "\n", style=style)
    return text


def _findings(diff: Diff, width: int) -> Text:
    counts = f"{len(diff.appeared)} appeared, {len(diff.disappeared)} disappeared"
    text = _section("findings", counts)
    rows = [*(("+", f) for f in sorted(diff.appeared, key=coverage_last)),
            *(("-", f) for f in sorted(diff.disappeared, key=coverage_last))]
    visible = rows[:LIMIT]
    rule_w = max(len(f.rule) for _, f in visible)
    for mark, finding in visible:
        # appearing is bad news and disappearing good news, whatever the diff's direction
        text.append(f"  {mark} ", style="red" if mark == "+" else "green")
        text.append(f"{finding.severity:<7}", style=SEVERITY_STYLES[finding.severity])
        text.append(f"  {finding.rule:<{rule_w}}  ", style="dim")
        text.append(_where(finding) + "\n")
        for line in textwrap.wrap(clean(finding.message), max(width - 6, 20)) or [""]:
            text.append(f"      {line}\n")
    text.append(_more(len(visible), len(rows)))
    return text


def _where(finding: Finding) -> str:
    return clean(f"{finding.path}:{finding.line}:{finding.column}" if finding.path else "(no file)")
