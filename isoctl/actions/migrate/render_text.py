"""``migrate --format text``: the migration report for a terminal (plain text, record data made safe)."""

from __future__ import annotations

from isoctl.actions.migrate.report import DECISION_GROUPS, Change, FindingCounts, Migration, Readiness
from isoctl.render.console import clean


def headline(migration: Migration) -> str:
    """``iso27001:2013 → iso27001:2022`` and what was done with it."""
    if migration.dry_run:
        state = "dry run: nothing was written"
    elif migration.written:
        state = f"written, committed as {migration.commit[:10]}" if migration.commit else "written"
    else:
        state = "nothing to write"
    return f"Migration {migration.source_display} → {migration.target_display} ({state})"


def new_values(change: Change) -> str:
    """What a value became: ``a, b``, ``(removed)``; successors already named are said too."""
    shown = ", ".join(change.new) if change.new else "(removed)"
    if change.dropped:
        named = ", ".join(change.dropped)
        shown = f"{shown} (and {named}, already named)" if change.new else f"(removed: {named} already named)"
    return shown


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def readiness_line(item: Readiness) -> str:
    def side(edition: str | None, value: float | None, counted: dict[str, int] | None) -> str:
        if edition is None:
            return "not in scope"
        detail = f" ({counted['covered']} of {counted['clauses'] - counted['excluded']} covered)" if counted else ""
        return f"{edition} {percent(value)}{detail}"

    return (f"{side(item.before, item.before_readiness, item.before_counts)}  →  "
            f"{side(item.after, item.after_readiness, item.after_counts)}")


def findings_line(before: FindingCounts, after: FindingCounts) -> str:
    def side(counts: FindingCounts) -> str:
        return f"{counts.error} errors, {counts.warning} warnings, {counts.info} info"

    return (f"{side(before)}  →  {side(after)}; unknown-clause {before.unknown_clause} → {after.unknown_clause}")


def render(migration: Migration) -> str:
    """The report as plain text: changes by file, decisions by kind, readiness before and after."""
    lines = [headline(migration)]
    lines += [f"note: {clean(note)}" for note in migration.notes]
    if migration.notes and not migration.files:
        return "\n".join(lines) + "\n"
    lines.append(migration.summary())
    lines += ["", "Changes by file"]
    if not migration.files:
        lines.append("  (none)")
    for file in migration.files:
        lines.append(f"  {clean(file.path)}{' (new file)' if file.created else ''}")
        width = max((len(str(c.place.line)) for c in file.changes), default=1)
        for change in file.changes:
            who = f"{clean(change.place.record, one_line=True)}  " if change.place.record else ""
            kind = f"  ({change.change})" if change.change else ""
            lines.append(f"    {change.place.line:>{width}}  {who}{change.field}: {clean(change.old, one_line=True)} → "
                         f"{clean(new_values(change), one_line=True)}{kind}")
        if file.added_records:
            lines.append(f"    {len(file.added_records)} SoA rows, applicability undecided: "
                         f"{clean(', '.join(file.added_records), one_line=True)}")
    lines += ["", "Decisions left to a person"]
    if not migration.decisions:
        lines.append("  (none)")
    for kind, heading in DECISION_GROUPS.items():
        group = [d for d in migration.decisions if d.kind == kind]
        if not group:
            continue
        lines.append(f"  {heading} ({len(group)})")
        for decision in group:
            lines.append(f"    {clean(decision.subject, one_line=True)}: {clean(decision.message, one_line=True)}")
            for place in decision.places:
                lines.append(f"      {clean(str(place), one_line=True)}")
    if migration.readiness:
        lines += ["", "Readiness (as 'isoctl gap' evaluates it)"]
        width = max(len(item.family) for item in migration.readiness)
        lines += [f"  {item.family:<{width}}  {readiness_line(item)}" for item in migration.readiness]
    if migration.findings_before is not None and migration.findings_after is not None:
        lines += ["", "Findings of 'isoctl check' (rules on git history aside)",
                  "  " + findings_line(migration.findings_before, migration.findings_after)]
    return "\n".join(lines) + "\n"
