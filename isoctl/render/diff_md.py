"""``diff --format md``: what changed, as a pull-request comment.

A heading naming both sides, one summary line, the readiness table (short
and what reviewers look at first), then records, coverage and findings as
tables. A section longer than :data:`OPEN_ROWS` rows folds into a
``<details>`` block so the comment stays readable; past :data:`MAX_ROWS` rows
it is cut with a count (GitHub refuses comments over 65,536 characters).
Cells stay on one line, pipes are escaped and HTML is escaped, because
GitHub and GitLab render inline HTML.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

from isoctl.history.diff import Diff, ReadinessChange
from isoctl.history.record_changes import plural
from isoctl.model.result import Finding, RuleCategory
from isoctl.render.gap import UNTITLED

#: Sections with more rows than this fold into <details>.
OPEN_ROWS = 10
#: Rows listed per section at most.
MAX_ROWS = 200


def summary(diff: Diff) -> str:
    """The counts in words, one phrase per kind of change (zero counts left out), or ``no changes``."""
    parts = []
    if diff.added or diff.removed or diff.changed:
        counts = [f"{len(diff.added)} added", f"{len(diff.removed)} removed", f"{len(diff.changed)} changed"]
        moved = f" ({diff.moved} moved)" if diff.moved else ""
        parts.append("records: " + ", ".join(c for c in counts if not c.startswith("0 ")) + moved)
    if diff.coverage:
        parts.append(f"coverage: {plural(len(diff.coverage), 'clause')} changed status")
    if diff.appeared or diff.disappeared:
        counts = [f"{len(diff.appeared)} appeared", f"{len(diff.disappeared)} disappeared"]
        parts.append("findings: " + ", ".join(c for c in counts if not c.startswith("0 ")))
    if not parts and any(r.changed for r in diff.readiness):
        parts.append("readiness changed")
    return "; ".join(parts) or "no changes"


def percent(value: float | None) -> str:
    """Readiness as ``45%``, or ``not in scope``."""
    return "not in scope" if value is None else f"{value:.0%}"


def points(change: ReadinessChange) -> str:
    """The readiness move in percentage points: ``+5``, ``−3``; empty when it did not move or has no before/after."""
    if change.old is None or change.new is None or change.old == change.new:
        return ""
    delta = round((change.new - change.old) * 100)
    return f"+{delta}" if delta > 0 else f"−{-delta}" if delta < 0 else "±0"


def cell(text: str | None) -> str:
    """Text made safe for one Markdown table cell."""
    if not text:
        return ""
    escaped = html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in escaped.splitlines())


def code(text: str) -> str:
    """Inline code that survives backticks in the text (a rev such as ``v1`` or a path)."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def render(diff: Diff) -> str:
    """The diff as Markdown: summary first, long lists folded."""
    def side(label: str, working_tree: bool) -> str:
        return "the working tree (uncommitted changes included)" if working_tree else code(label)

    headline = summary(diff)
    lines = [
        f"### isoctl diff: {side(diff.old.label, diff.old.working_tree)} → {side(diff.new.label, diff.new.working_tree)}",
        "",
        (f"**{cell(headline[:1].upper() + headline[1:])}** · "
         f"records {diff.records[0]} → {diff.records[1]} · evaluated as of {diff.today.isoformat()}"),
        "",
    ]
    if diff.readiness:
        lines += ["| standard | readiness | change |", "|---|---|---|"]
        for r in diff.readiness:
            value = f"{percent(r.old)} → {percent(r.new)}" if r.changed else percent(r.new)
            change = (f"{points(r)} points" if points(r) else "unchanged" if not r.changed
                      else "entered scope" if r.old is None else "left scope")
            lines.append(f"| {cell(r.standard)} | {value} | {change} |")
        lines.append("")
    if diff.added or diff.removed or diff.changed:
        lines += _section("Records", _records_summary(diff), ["", "id", "kind", "title", "file", "change"], _record_rows(diff))
    if diff.coverage:
        rows = [[cell(c.standard), cell(c.clause), cell(c.title or UNTITLED), c.old or "not in scope", c.new or "not in scope"]
                for c in diff.coverage]
        lines += _section("Coverage", f"{len(diff.coverage)} clause{'s' if len(diff.coverage) != 1 else ''} changed status",
                          ["standard", "clause", "title", "was", "now"], rows)
    if diff.appeared or diff.disappeared:
        rows = [[mark, f.severity, code(f.rule), cell(f"{f.path}:{f.line}:{f.column}"), cell(f.message)]
                for mark, found in (("appeared", diff.appeared), ("disappeared", diff.disappeared))
                for f in sorted(found, key=coverage_last)]
        lines += _section("Findings", f"{len(diff.appeared)} appeared, {len(diff.disappeared)} disappeared",
                          ["", "severity", "rule", "where", "message"], rows)
    return "\n".join(lines).rstrip("\n") + "\n"


def coverage_last(finding: Finding) -> tuple[bool, tuple[str, int, int, str]]:
    """Findings about records first; clause-coverage ones, which the coverage section already shows, last."""
    return _categories().get(finding.rule) == "coverage", finding.sort_key()


@functools.cache
def _categories() -> dict[str, RuleCategory]:
    """Each rule's category, from the rules themselves (a diff carries findings, not rule descriptions)."""
    from isoctl.rules import all_rules

    return {rule_id: rule.category for rule_id, rule in all_rules().items()}


def _records_summary(diff: Diff) -> str:
    moved = f" ({diff.moved} moved)" if diff.moved else ""
    return f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed{moved}"


def _record_rows(diff: Diff) -> list[list[str]]:
    rows = [["added", cell(r.id), r.kind, cell(r.title), cell(r.path), ""] for r in diff.added]
    rows += [["removed", cell(r.id), r.kind, cell(r.title), cell(r.path), ""] for r in diff.removed]
    for c in diff.changed:
        changes = [f"moved from {cell(c.moved_from)}"] if c.moved_from else []
        changes += [f"{code(f.field)}: {cell(f.text)}" for f in c.fields]
        rows.append(["changed", cell(c.id), c.kind, cell(c.title), cell(c.path), "<br>".join(changes)])
    return rows


def _section(title: str, summary: str, header: Sequence[str], rows: list[list[str]]) -> list[str]:
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(row) + " |" for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        table += ["", f"… and {len(rows) - MAX_ROWS} more; `isoctl diff --format json` lists them all."]
    if len(rows) <= OPEN_ROWS:
        return [f"#### {title}: {summary}", "", *table, ""]
    return ["<details>", f"<summary><b>{title}</b>: {summary}</summary>", "", *table, "", "</details>", ""]
