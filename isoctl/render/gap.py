"""``isoctl gap``: the clause-by-clause coverage matrix in text, JSON, Markdown or CSV.

``check`` tells you what is wrong; ``gap`` shows every clause of every standard
in scope with its status, the records that address it and why it is not
covered, which is what a consultant walks through with a client and what goes
into a pull request (Markdown) or a spreadsheet (CSV).

rich is imported only for the text format so JSON/CSV runs stay cheap.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Literal

from isoctl.model.result import ClauseCoverage, Finding, Result, StandardCoverage
from isoctl.render import json_text
from isoctl.render.cells import csv_text
from isoctl.rules.coverage import reporting_rule

GapFormat = Literal["text", "json", "md", "csv"]

UNTITLED = "(untitled paragraph)"
CSV_HEADER = ("standard", "clause", "title", "status", "records", "reasons")
STATUS_STYLES = {"covered": "green", "partial": "yellow", "missing": "red", "excluded": "dim"}


def select(result: Result, standard: str | None = None) -> list[ClauseCoverage]:
    """The clauses of one standard (by family such as ``iso9001`` or edition id), or of all."""
    if standard is None:
        return list(result.clauses)
    chosen = [c for c in result.clauses if standard in (c.family, c.standard)]
    if not chosen and not any(standard in (c.standard, c.standard.split("-")[0]) for c in result.coverage):
        from isoctl.errors import UsageError

        raise UsageError(f"standard {standard}: not in scope; in scope: "
                         f"{', '.join(sorted(c.standard for c in result.coverage))}")
    return chosen


def by_standard(result: Result, clauses: Sequence[ClauseCoverage]) -> dict[str, list[ClauseCoverage]]:
    """Clauses grouped per edition, in the order of ``result.coverage`` (then first appearance)."""
    order = [c.standard for c in result.coverage]
    groups: dict[str, list[ClauseCoverage]] = {}
    for clause in clauses:
        groups.setdefault(clause.standard, []).append(clause)
    ranked = sorted(groups, key=lambda s: (order.index(s) if s in order else len(order), list(groups).index(s)))
    return {s: groups[s] for s in ranked}


def summary(result: Result, standard: str, clauses: Sequence[ClauseCoverage]) -> StandardCoverage:
    """The standard's roll-up from the result, or counted from its leaf clauses if the result has none."""
    for coverage in result.coverage:
        if coverage.standard == standard:
            return coverage
    leaves = [c.status for c in clauses if c.leaf]
    return StandardCoverage(
        standard=standard,
        title=standard,
        clauses=len(leaves),
        covered=leaves.count("covered"),
        partial=leaves.count("partial"),
        missing=leaves.count("missing"),
        excluded=leaves.count("excluded"),
    )


def title_of(clause: ClauseCoverage) -> str:
    return clause.title if clause.title is not None else UNTITLED


def restates_matrix(result: Result) -> Callable[[Finding], bool]:
    """A test for the findings that only restate a row of the matrix, which text and JUnit show per clause.

    Those are the coverage findings (by their rule's category) that report
    their clause's status: one per leaf clause not covered, all located at
    isoctl.yaml. A coverage finding whose clause's row is reported by another
    rule, or by none, says something the matrix does not (an exclusion
    without a justification, say), so it is listed like any other finding.
    """
    coverage = {rule_id for rule_id, info in result.rules.items() if info.category == "coverage"}
    reported: dict[str, set[str | None]] = {}
    for clause in result.clauses:
        reported.setdefault(clause.ref, set()).add(reporting_rule(clause))

    def restates(finding: Finding) -> bool:
        if finding.rule not in coverage or finding.clause is None:
            return False
        rules = reported.get(finding.clause)
        return rules is None or finding.rule in rules

    return restates


def render(
    result: Result, fmt: GapFormat, *, standard: str | None = None, color: bool = False, width: int = 100
) -> str:
    """The gap matrix of ``result`` in ``fmt``, restricted to ``standard`` when given."""
    clauses = select(result, standard)
    if fmt == "json":
        return _json(result, clauses)
    if fmt == "csv":
        return _csv(clauses)
    if fmt == "md":
        return _markdown(result, clauses)
    if fmt == "text":
        return _text(result, clauses, color=color, width=width)
    raise ValueError(f"unknown gap format {fmt!r}")


def _json(result: Result, clauses: Sequence[ClauseCoverage]) -> str:
    body = {"isoctl": result.version, "format": 1, "clauses": [c.as_dict() for c in clauses]}
    return json_text.dumps(body) + "\n"


def _csv(clauses: Sequence[ClauseCoverage]) -> str:
    rows = [(c.standard, c.clause, title_of(c), c.status, "; ".join(c.records), "; ".join(c.reasons)) for c in clauses]
    return csv_text([CSV_HEADER, *rows])


def _cell(text: str) -> str:
    # A table cell must stay on one line and must not end the cell early; HTML is
    # escaped because GitHub and GitLab render inline HTML in Markdown.
    text = html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.splitlines()) if text else ""


def label_of(clause: ClauseCoverage, titles: dict[tuple[str, str], str | None]) -> str:
    """A clause's title; a numbered paragraph without one is named by the nearest titled clause it belongs to."""
    if clause.title is not None:
        return clause.title
    parent = clause.parent
    while parent is not None and not titles.get((clause.standard, parent)):
        parent = parent.rpartition(".")[0] or None
    return f"(part of {parent} {titles[(clause.standard, parent)]})" if parent else UNTITLED


def heading_of(result: Result) -> list[str]:
    """The title and the line saying whose system, evaluated on which day, at which commit."""
    info = result.workspace
    where = f"commit {info.commit[:8]}" + (" with uncommitted changes" if info.dirty else "") if info.commit else \
        "not a git repository"
    title = f"# Gap analysis — {_cell(info.organization)}" if info.organization else "# Gap analysis"
    return [title, "", f"As of {info.today.isoformat()} · {where} · isoctl {result.version}", ""]


def _markdown(result: Result, clauses: Sequence[ClauseCoverage]) -> str:
    lines = heading_of(result)
    titles = {(c.standard, c.clause): c.title for c in result.clauses}
    groups = by_standard(result, clauses)
    if not groups:
        lines += ["No clauses to show.", ""]
    for standard, members in groups.items():
        roll_up = summary(result, standard, members)
        heading = standard if roll_up.title in ("", standard) else f"{standard} — {roll_up.title}"
        lines += [
            f"## {_cell(heading)}",
            "",
            f"Readiness **{roll_up.readiness:.0%}**: {roll_up.covered} covered, {roll_up.partial} partial, "
            f"{roll_up.missing} missing, {roll_up.excluded} excluded of {roll_up.clauses} clauses.",
            "",
            "| clause | title | status | records | reasons |",
            "|---|---|---|---|---|",
        ]
        for c in members:
            clause = _cell(c.clause) if c.leaf else f"**{_cell(c.clause)}**"
            cells = (clause, _cell(label_of(c, titles)), c.status, _cell(", ".join(c.records)), _cell("; ".join(c.reasons)))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _text(result: Result, clauses: Sequence[ClauseCoverage], *, color: bool, width: int) -> str:
    from rich.table import Table
    from rich.text import Text

    from isoctl.render.console import clean, make_console, readiness_bar

    console, out = make_console(color=color, width=width)
    groups = by_standard(result, clauses)
    if not groups:
        console.print("no clauses to show")
    for number, (standard, members) in enumerate(groups.items()):
        roll_up = summary(result, standard, members)
        if number:
            console.print()
        header = Text.assemble((clean(standard, one_line=True), "bold"), "  ",
                               clean(roll_up.title, one_line=True) if roll_up.title != standard else "")
        console.print(header)
        console.print(
            Text.assemble(
                f"readiness {roll_up.readiness:.0%} ",
                readiness_bar(roll_up.readiness),
                f"  {roll_up.covered} covered, {roll_up.partial} partial, {roll_up.missing} missing, "
                f"{roll_up.excluded} excluded of {roll_up.clauses}",
            )
        )
        table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
        table.add_column("clause", no_wrap=True)
        table.add_column("title", ratio=3)
        table.add_column("status", no_wrap=True)
        table.add_column("records", ratio=2)
        table.add_column("reasons", ratio=3)
        for c in members:
            indent = "  " * max(c.depth - 1, 0)
            table.add_row(
                Text(indent + clean(c.clause, one_line=True), style="" if c.leaf else "bold"),
                Text(clean(title_of(c), one_line=True), style="" if c.title is not None else "dim"),
                Text(c.status, style=STATUS_STYLES.get(c.status, "")),
                Text(clean(_some(c.records), one_line=True)),
                Text(clean("; ".join(c.reasons), one_line=True)),
            )
        console.print(table)
    return out.getvalue()


#: The most record ids a clause's row of the text matrix lists; the other formats list them all.
SHOWN_RECORDS = 12


def _some(records: Sequence[str]) -> str:
    """The first :data:`SHOWN_RECORDS` ids and how many more: a clause that 40,000 records map printed them all."""
    if len(records) <= SHOWN_RECORDS:
        return ", ".join(records)
    return ", ".join(records[:SHOWN_RECORDS]) + f" and {len(records) - SHOWN_RECORDS:,} more"
