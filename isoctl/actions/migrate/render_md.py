"""``migrate --format md`` (and ``-o FILE``): the migration report as Markdown, for a pull request or the file.

Changes are one table per file, decisions a list per kind with the records
concerned, readiness a table. Cells stay on one line with pipes and HTML
escaped, as in the other Markdown outputs.
"""

from __future__ import annotations

from isoctl.actions.migrate.render_text import headline, new_values, percent
from isoctl.actions.migrate.report import DECISION_GROUPS, Migration
from isoctl.render.diff_md import cell, code


def render(migration: Migration) -> str:
    """The report as Markdown."""
    lines = [f"# {cell(headline(migration))}", ""]
    lines += [f"> {cell(note)}" for note in migration.notes]
    if migration.notes and not migration.files:
        return "\n".join(lines) + "\n"
    lines += [cell(migration.summary()) + ".", "", "## Changes by file", ""]
    if not migration.files:
        lines += ["None.", ""]
    for file in migration.files:
        lines += [f"### {code(file.path)}{' (new file)' if file.created else ''}", ""]
        if file.changes:
            lines += ["| line | record | field | was | now | change |", "|---:|---|---|---|---|---|"]
            for change in file.changes:
                lines.append(f"| {change.place.line} | {cell(change.place.record)} | {cell(change.field)} | "
                             f"{cell(change.old)} | {cell(new_values(change))} | {cell(change.change)} |")
            lines.append("")
        if file.added_records:
            lines += [f"{len(file.added_records)} SoA rows, applicability undecided: "
                      f"{', '.join(code(r) for r in file.added_records)}", ""]
    lines += ["## Decisions left to a person", ""]
    if not migration.decisions:
        lines += ["None.", ""]
    for kind, heading in DECISION_GROUPS.items():
        group = [d for d in migration.decisions if d.kind == kind]
        if not group:
            continue
        lines += [f"### {heading} ({len(group)})", ""]
        for decision in group:
            lines.append(f"- [ ] {code(decision.subject)}: {cell(decision.message)}")
            lines += [f"  - {cell(str(place))}" for place in decision.places]
        lines.append("")
    if migration.readiness:
        lines += ["## Readiness", "", "As `isoctl gap` evaluates it, before and after the migration.", "",
                  "| standard | before | readiness | after | readiness |", "|---|---|---:|---|---:|"]
        for item in migration.readiness:
            lines.append(f"| {cell(item.family)} | {cell(item.before or 'not in scope')} | "
                         f"{percent(item.before_readiness)} | {cell(item.after or 'not in scope')} | "
                         f"{percent(item.after_readiness)} |")
        lines.append("")
    before, after = migration.findings_before, migration.findings_after
    if before is not None and after is not None:
        lines += ["## Findings", "", "Of `isoctl check`, the rules on git history aside.", "",
                  "| | errors | warnings | info | unknown-clause |", "|---|---:|---:|---:|---:|",
                  f"| before | {before.error} | {before.warning} | {before.info} | {before.unknown_clause} |",
                  f"| after | {after.error} | {after.warning} | {after.info} | {after.unknown_clause} |", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
