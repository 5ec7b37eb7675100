"""The internal audit programme as a clause-by-year matrix over the certification cycle (ISO 9.2).

Each leaf clause in scope (exclusions left out) is a row, each calendar year
of the audit cycle (``audit_cycle_days`` back from today, through the last
planned audit; its first year only when an audit falls in it) a column; a cell names the internal audits whose scope
reached the clause that year, with their auditor. A scope entry covers a
clause the way the ``audit-programme-gap`` rule reads it: it names the
clause or a parent of it, or a record (a process) whose ``clauses`` do. A
row no audit held within the cycle covered is a gap, which the report
highlights. Planned audits show in their year, as planned, or as overdue
once their date has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from isoctl.analysis.resolve import ClauseResolver
from isoctl.model.records import Audit
from isoctl.model.result import ClauseCoverage
from isoctl.workspace.load import Workspace


@dataclass(frozen=True)
class Mark:
    """One audit in a cell: its id, auditor and state (``done``, ``planned`` or ``overdue``)."""

    audit: str
    auditor: str | None
    state: str

    @property
    def text(self) -> str:
        who = f" ({self.auditor})" if self.auditor else ""
        return f"{self.audit}{who}" + ("" if self.state == "done" else f", {self.state}")


@dataclass(frozen=True)
class ProgrammeRow:
    standard: str  # display name, ISO 9001:2015
    clause: str
    title: str | None
    cells: tuple[tuple[Mark, ...], ...]  # one per year of the programme
    gap: bool  # no done audit within the cycle covered it


@dataclass(frozen=True)
class Programme:
    """The matrix and the window it covers."""

    since: dt.date
    days: int
    years: tuple[int, ...]
    rows: tuple[ProgrammeRow, ...]

    @property
    def gaps(self) -> int:
        return sum(1 for row in self.rows if row.gap)


def state(status: str, day: dt.date, today: dt.date) -> str:
    """``overdue`` for an audit still planned on a day that has passed; its status otherwise."""
    return "overdue" if status == "planned" and day < today else status


def label(item: ClauseCoverage, titles: dict[tuple[str, str], str | None]) -> str:
    """A clause's title; for a numbered paragraph without one, the clause it is part of: ``part of 4.4 Quality ...``."""
    if item.title:
        return item.title
    parent = item.parent
    while parent is not None and not titles.get((item.standard, parent)):
        parent = parent.rpartition(".")[0] or None
    return f"part of {parent} {titles[(item.standard, parent)]}" if parent else f"paragraph {item.clause}"


def build(workspace: Workspace, clauses: Sequence[ClauseCoverage], today: dt.date, names: dict[str, str],
          standards: dict[str, str]) -> Programme:
    """The clause-by-year matrix of the internal audits of ``workspace`` as of ``today``."""
    days = workspace.manifest.settings.audit_cycle_days
    since = today - dt.timedelta(days=days)
    by_id = {r.id: r.model for r in workspace.records}
    audits = sorted(((r.id, r.model) for r in workspace.records
                     if isinstance(r.model, Audit) and r.model.type == "internal"), key=lambda a: (a[1].date, a[0]))
    resolve = ClauseResolver(workspace.catalogs, workspace.editions)

    last_year = max([today.year, *(a.date.year for _, a in audits if a.status == "planned")])
    # the cycle's first calendar year only shows when an audit falls in it
    first_year = since.year if any(since <= a.date < dt.date(since.year + 1, 1, 1) for _, a in audits) else since.year + 1
    years = tuple(range(min(first_year, today.year), last_year + 1))
    cells: dict[tuple[str, str], dict[int, list[Mark]]] = {}
    audited: set[tuple[str, str]] = set()
    for audit_id, audit in audits:
        if audit.date < dt.date(years[0], 1, 1):
            continue
        mark = Mark(audit_id, names.get(audit.auditor, audit.auditor) if audit.auditor else None,
                    state(audit.status, audit.date, today))
        for key in resolve.audited(audit.scope, by_id):
            cells.setdefault(key, {}).setdefault(audit.date.year, []).append(mark)
            if audit.status == "done" and since <= audit.date <= today:
                audited.add(key)
    titles = {(c.standard, c.clause): c.title for c in clauses}
    rows = []
    for item in clauses:
        if not item.leaf or item.status == "excluded":
            continue
        key = (item.standard, item.clause)
        found = cells.get(key, {})
        rows.append(ProgrammeRow(standards.get(item.standard, item.standard), item.clause, label(item, titles),
                                 tuple(tuple(found.get(year, ())) for year in years), key not in audited))
    return Programme(since, days, years, tuple(rows))

