"""``isoctl rules``: every rule with its severity, category and documentation."""

from __future__ import annotations

import typer

from isoctl.cli.common import ListFormat, console, emit


def rules(
    rule: str | None = typer.Argument(None, help="Show one rule's documentation."),
    format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
) -> None:
    """List the rules with their default severity, or show one rule's documentation."""
    import json

    from isoctl.core.analyse import check_rule_names
    from isoctl.rules import all_rules

    known = all_rules()
    chosen = list(known.values())
    if rule is not None:
        check_rule_names([rule], "rule")
        chosen = [known[rule]]
    if format is ListFormat.json:
        emit(json.dumps([{"id": r.id, "severity": r.severity, "category": r.category, "summary": r.summary, "doc": r.doc}
                         for r in chosen], indent=2))
        return
    from rich.markup import escape

    out = console()
    if rule is not None:
        out.print(f"[bold]{chosen[0].id}[/] ({chosen[0].severity}, {chosen[0].category})\n\n{escape(chosen[0].doc)}")
        return
    for item in chosen:
        out.print(f"[bold]{item.id:<28}[/] {item.severity:<8} {item.category:<9} {escape(item.summary)}")
    out.print("\n[dim]categories: loading = reading the workspace, coverage = the clause matrix, "
              "living = the system kept up over time, history = read from git[/]")
    out.print("[dim]isoctl rules RULE shows one rule's documentation; set severities under rules: in isoctl.yaml[/]")
