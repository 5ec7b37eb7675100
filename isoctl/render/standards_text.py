"""Catalogs for people: ``standards list`` and ``standards show`` as tables and trees drawn with rich.

Each function returns the text. By default it is laid out for a file or a
pipe: tables and trees fit :data:`PLAIN_WIDTH` columns and a clause summary
stays on one line, so ``grep`` finds it whole. ``wrap=True`` folds every line
at ``width`` instead, as a terminal needs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from isoctl.catalog.catalogs import Catalogs, Correspondence
from isoctl.catalog.schema import Clause, Edition
from isoctl.render.console import make_console
from isoctl.render.standards import clause_payload, edition_summary

#: Columns of the text written to a file or a pipe.
PLAIN_WIDTH = 120
_THEMES = {"organizational": "A.5", "people": "A.6", "physical": "A.7", "technological": "A.8"}
_DI_TAGS = {"maintain": "maintain", "retain": "retain", "both": "maintain+retain"}


def _console(*, color: bool, width: int, wrap: bool) -> tuple[Console, io.StringIO]:
    console, out = make_console(color=color, width=width)
    # Soft wrapping leaves long lines to whatever shows them: a summary stays one line in a file.
    console.soft_wrap = not wrap
    return console, out


def list_text(catalogs: Catalogs, editions: Sequence[Edition], *, color: bool = False, width: int = PLAIN_WIDTH,
              wrap: bool = False) -> str:
    """One row per edition: status, clause and control counts, end of the transition, short title."""
    console, out = _console(color=color, width=width, wrap=wrap)
    table = Table(box=None, header_style="bold", pad_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("edition", "left"), ("status", "left"), ("clauses", "right"), ("controls", "right"),
        ("transition ends", "left"), ("title", "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify, no_wrap=column != "title")
    for edition in editions:
        status: str = edition.status
        if edition.superseded_by:
            status += f" → {edition.superseded_by}"
        ends = ""
        if edition.transition_ends:
            ends = edition.transition_ends.isoformat() + ("" if edition.transition_confirmed else " (unconfirmed)")
        style = "dim" if edition.status == "superseded" else ""
        table.add_row(edition.id, status, str(len(edition.requirement_clauses)),
                      str(len(edition.controls)) if edition.controls else "–", ends, escape(edition.title.split(" — ")[0]), style=style)
    console.print(table)
    return out.getvalue()


def _line(edition: Edition, clause: Clause) -> str:
    label = escape(clause.label)
    text = f"[bold]{escape(clause.id)}[/] {label}" if clause.title else f"[bold]{escape(clause.id)}[/] [dim]{label}[/]"
    tags = []
    if clause.documented_information in _DI_TAGS:
        tags.append(_DI_TAGS[clause.documented_information])
    if clause.applicability == "excludable":
        tags.append("excludable")
    if clause.hs and edition.id != "hs":
        tags.append(f"hs {clause.hs}")
    if tags:
        text += f"  [cyan]{escape(' · '.join(tags))}[/]"
    return text


def edition_text(catalogs: Catalogs, edition: Edition, depth: int | None = None, *, color: bool = False,
                 width: int = PLAIN_WIDTH, wrap: bool = False) -> str:
    """The edition's facts, then its clauses as a tree (Annex A grouped by theme), ``depth`` levels deep."""
    console, out = _console(color=color, width=width, wrap=wrap)
    summary = edition_summary(catalogs, edition)
    console.print(f"[bold]{escape(edition.title)}[/]  ({edition.id}, {edition.status})")
    if edition.superseded_by:
        ends = summary["transition_ends"] or "not set"
        confirmed = "" if edition.transition_confirmed else ", unconfirmed"
        console.print(f"superseded by {edition.superseded_by}; transition ends {ends}{confirmed}")
    for amendment in edition.amendments:
        console.print(f"amended by {amendment.id} ({amendment.date}): {escape(amendment.summary)}")
    console.print(f"exclusions: {escape(edition.exclusions)}")
    counts = f"{summary['clauses']} clauses" + (f", {summary['controls']} Annex A controls" if edition.controls else "")
    console.print(counts + "\n")

    tree = Tree(f"[bold]{edition.id}[/]", guide_style="dim")
    nodes: dict[str | None, Tree] = {None: tree}
    theme_nodes: dict[str, Tree] = {}
    for clause in edition.clauses:
        if depth is not None and clause.depth > depth:
            continue
        parent_node = nodes.get(clause.parent)
        if parent_node is None:
            continue
        if clause.theme is not None and clause.parent is None:
            if clause.theme not in theme_nodes:
                label = f"[bold]{_THEMES[clause.theme]}[/] {clause.theme.capitalize()} controls"
                theme_nodes[clause.theme] = tree.add(label)
            parent_node = theme_nodes[clause.theme]
        nodes[clause.id] = parent_node.add(_line(edition, clause))
    console.print(tree)
    console.print("\n[dim]maintain/retain: documented information the clause demands · hs: harmonized-structure clause[/]")
    return out.getvalue()


def clause_text(catalogs: Catalogs, edition: Edition, clause: Clause, *, color: bool = False, width: int = PLAIN_WIDTH,
                wrap: bool = False) -> str:
    """One clause: title, summary, its place in the edition, what evidences it and its counterparts elsewhere."""
    console, out = _console(color=color, width=width, wrap=wrap)
    payload = clause_payload(catalogs, edition, clause)
    console.print(f"[bold]{edition.id} {escape(clause.id)}[/] {escape(clause.label)}")
    if clause.title_2015 is not None or "title_2015" in clause.model_fields_set:
        console.print(f"[dim]2015 title: {escape(clause.title_2015 or '(untitled paragraph)')}[/]")
    if clause.alt_title:
        console.print(f"[dim]also written: {escape(clause.alt_title)}[/]")
    console.print(f"\n{escape(clause.summary)}\n")
    rows: list[tuple[str, str]] = []
    if payload["parent"]:
        rows.append(("part of", f"{payload['parent']['id']} {payload['parent']['title'] or '(untitled paragraph)'}"))
    if payload["children"]:
        rows.append(("sub-clauses", ", ".join(c["id"] for c in payload["children"])))
    if clause.theme:
        rows.append(("theme", clause.theme))
    if clause.hs:
        rows.append(("harmonized structure", f"hs:{clause.hs} {payload['hs_title'] or ''}".rstrip()))
    rows.append(("documented information", _documented(clause.documented_information)))
    rows.append(("applicability", _applicability(clause.applicability)))
    if clause.confidence:
        rows.append(("confidence", f"{clause.confidence} (title or existence rests on one source)"))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, escape(value))
    console.print(table)
    console.print("\n[bold]evidenced by[/]")
    if clause.expects:
        for expect in clause.expects:
            note = f" [dim]— {escape(expect.note)}[/]" if expect.note else ""
            console.print(f"  • {escape(expect.describe())}{note}")
    else:
        console.print(f"  [dim]{escape(clause.expects_note or 'the SoA row for this control')}[/]")
    related: list[Correspondence] = catalogs.correspondences(edition, clause)
    if related:
        console.print("\n[bold]in other editions[/]")
        table = Table.grid(padding=(0, 2))
        for _ in range(3):
            table.add_column()
        for item in related:
            table.add_row(f"{item.edition.id} {item.clause.id}", escape(item.clause.label), f"[dim]{escape(item.via)}[/]")
        console.print(table)
    return out.getvalue()


def _documented(value: str) -> str:
    return {
        "none": "none demanded by this clause",
        "maintain": "maintain (a controlled document)",
        "retain": "retain (records as evidence)",
        "both": "maintain and retain",
    }[value]


def _applicability(value: str) -> str:
    return {
        "required": "required (cannot be excluded)",
        "excludable": "may be excluded, with a justification",
        "soa": "included or excluded in the Statement of Applicability",
    }[value]
