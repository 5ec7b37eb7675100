"""The registers the records hold, as the audit pack shows them: risks, aspects, hazards, obligations, competence,
suppliers, assets, the business impact analysis and exercises.

A :class:`Register` is one section of the report's "Registers" part and one
sheet of its XLSX: a title, its columns (:data:`LAYOUT`) and its rows (built
in :mod:`isoctl.report.record_rows`), so the HTML, Markdown and PDF tables and
the sheet show the same columns and the same figures.

A register with no records is still shown when a standard in scope needs it
(an aspects register for ISO 14001 6.1.2, a BIA for ISO 22301 8.2.2...), as
one sentence saying so; one that no standard in scope needs, or whose clause is
excluded, is left out. The report shows the first :data:`LIMIT` rows of a
register and the full list in an appendix, so a long register does not bury the
sections after it; the XLSX sheet always has them all. The PDF's appendix
prints a register of up to :data:`PRINT_LIMIT` rows: a longer one would be
dozens of pages nobody reads on paper (and most of the PDF's compile time), so
the PDF points to the XLSX, where it can be filtered, and to the HTML pack.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from isoctl.catalog.schema import Edition
from isoctl.model.manifest import Settings
from isoctl.model.records import Action
from isoctl.model.result import ClauseCoverage
from isoctl.render.xlsx import Column
from isoctl.report import record_rows as rows_of
from isoctl.workspace.records import LoadedRecord

#: Rows of a register shown in the report's section; the rest are in the appendix (and all are in the XLSX).
LIMIT = 50
#: Longest register the PDF's appendix prints in full (about ten landscape pages).
PRINT_LIMIT = 200


@dataclass(frozen=True)
class Register:
    """One register of the pack: its columns, its rows in their order, and which standards in scope need it."""

    key: str  # risks, aspects, ... (also the HTML anchor: register-<key>)
    title: str  # "Risks and opportunities"
    sheet: str  # the XLSX sheet's name (at most 31 characters)
    note: str  # what the register shows and in what order
    columns: tuple[Column, ...]
    rows: tuple[rows_of.Row, ...]
    needed_by: tuple[str, ...]  # "ISO 14001:2015 (6.1.2)"
    need: str  # "an aspects register"
    what: str  # "aspects", as "No aspects recorded" says it
    limit: int = LIMIT

    @property
    def shown(self) -> tuple[rows_of.Row, ...]:
        """The rows the report's section shows (the first ``limit``)."""
        return self.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return len(self.rows) > self.limit

    @property
    def print_limit(self) -> int:
        return PRINT_LIMIT

    @property
    def printed(self) -> bool:
        """Whether the PDF's appendix prints the whole register (a cut one of at most :data:`PRINT_LIMIT` rows)."""
        return self.truncated and len(self.rows) <= PRINT_LIMIT

    @property
    def empty(self) -> str | None:
        """The sentence for a needed register with no records (None when it has some)."""
        if self.rows:
            return None
        who = " and ".join((", ".join(self.needed_by[:-1]), self.needed_by[-1])) if len(self.needed_by) > 1 \
            else self.needed_by[0]
        return f"No {self.what} recorded: {who} {'needs' if len(self.needed_by) == 1 else 'need'} {self.need}."

    def values(self) -> list[tuple[rows_of.Value, ...]]:
        """Every row's values in column order, then its file (as the XLSX sheet lists them)."""
        return [(*(c.value for c in row.cells()), row.file) for row in self.rows]

    def flagged(self) -> list[bool]:
        """For every row, whether one of its cells needs attention (an XLSX sheet shades those rows)."""
        return [any(c.tone == "bad" for c in row.cells()) for row in self.rows]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.columns)

    @property
    def wraps(self) -> tuple[bool, ...]:
        return tuple(wrap for _, _, wrap in self.columns)


#: For each register, the clause of each standard family that needs it: the first clause of the list that the
#: edition in scope has (later ones serve older editions, such as ISO/IEC 27001:2013's Annex A numbering).
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "risks": {"iso9001": ("6.1",), "iso14001": ("6.1",), "iso45001": ("6.1",), "iso27001": ("6.1.2",),
              "iso22301": ("8.2.3",)},
    "aspects": {"iso14001": ("6.1.2",)},
    "hazards": {"iso45001": ("6.1.2.1",)},
    "obligations": {"iso14001": ("6.1.3",), "iso45001": ("6.1.3",), "iso27001": ("A.5.31", "A.18.1.1"),
                    "iso22301": ("4.2.2",)},
    "competence": dict.fromkeys(("iso9001", "iso14001", "iso45001", "iso27001", "iso22301"), ("7.2",)),
    "suppliers": {"iso9001": ("8.4",), "iso27001": ("A.5.19", "A.15.1.1")},
    "assets": {"iso27001": ("A.5.9", "A.8.1.1")},
    "activities": {"iso22301": ("8.2.2",)},
    "exercises": {"iso22301": ("8.5",)},
}


def needed_by(key: str, editions: Sequence[Edition], clauses: Iterable[ClauseCoverage]) -> tuple[str, ...]:
    """The standards in scope that need register ``key``, each with its clause: ``ISO 14001:2015 (6.1.2)``.

    A clause that is excluded (an exclusion, or an Annex A control not applicable) does not count.
    """
    status = {(c.standard, c.clause): c.status for c in clauses}
    out = []
    for edition in editions:
        for clause in NEEDS[key].get(edition.family, ()):
            if (edition.id, clause) in status:
                if status[edition.id, clause] != "excluded":
                    name = re.match(r"^(.*?:\d{4})\b", edition.title)
                    out.append(f"{name.group(1) if name else edition.title} ({clause})")
                break
    return tuple(out)


@dataclass(frozen=True)
class Layout:
    """How a register is titled and laid out, and what the sentence for a needed, empty one says."""

    title: str  # the section's heading
    sheet: str  # the XLSX sheet
    what: str  # "No <what> recorded: ..."
    need: str  # "... needs <need>."
    note: str  # what the register shows, in what order
    columns: tuple[Column, ...]  # (header, width in the XLSX in characters, long text that wraps)


WRAP = True
REVIEW: tuple[Column, ...] = (("Reviewed", 11, False), ("Next review", 11, False))
LAYOUT: dict[str, Layout] = {
    "risks": Layout(
        "Risks and opportunities", "Risks", "risks or opportunities",
        "a register of risks and opportunities with their treatment",
        "Highest score first; score = likelihood x impact (1-25), residual as assessed with the controls working.",
        (("Risk", 12, False), ("Type", 11, False), ("Title", 30, WRAP), ("Description", 44, WRAP), ("Owner", 18, WRAP),
         ("Likelihood", 8, False), ("Impact", 8, False), ("Score", 7, False), ("Treatment", 11, False),
         ("Controls", 24, WRAP), ("Residual", 8, False), *REVIEW)),
    "aspects": Layout(
        "Environmental aspects", "Aspects", "aspects", "an aspects register",
        "Significant aspects first, with the criteria that made them so.",
        (("Record", 10, False), ("Activity", 30, WRAP), ("Aspect", 34, WRAP), ("Impact", 34, WRAP),
         ("Condition", 11, False), ("Significance", 14, False), ("Criteria", 30, WRAP), ("Owner", 18, WRAP), *REVIEW)),
    "hazards": Layout(
        "Hazards", "Hazards", "hazards", "a register of hazards and their controls",
        "Highest rating first; controls by level of the hierarchy of controls (ISO 45001 8.1.2).",
        (("Record", 10, False), ("Activity", 28, WRAP), ("Hazard", 30, WRAP), ("Elimination", 24, WRAP),
         ("Substitution", 24, WRAP), ("Engineering", 28, WRAP), ("Administrative", 28, WRAP), ("PPE", 22, WRAP),
         ("Rating", 7, False), ("Owner", 18, WRAP), *REVIEW)),
    "obligations": Layout(
        "Legal and other requirements", "Obligations", "legal or other requirements",
        "a register of legal and other requirements",
        "Each requirement with its last evaluation of compliance and the next one due (review_days.obligation after "
        "it).",
        (("Obligation", 12, False), ("Title", 30, WRAP), ("Source", 36, WRAP), ("Applies to", 36, WRAP),
         ("Owner", 18, WRAP), ("Evaluated", 11, False), ("Compliant", 10, False), ("Next evaluation", 12, False))),
    "competence": Layout(
        "Competence", "Competence", "competence", "competence records",
        f"By person; expiring soon: within {rows_of.EXPIRING_DAYS} days; renewed: a later record of the same course "
        "is in date.",
        (("Record", 10, False), ("Person", 20, WRAP), ("Role", 20, WRAP), ("Competence", 40, WRAP),
         ("Completed", 11, False), ("Expires", 11, False), ("Status", 13, False))),
    "suppliers": Layout(
        "Suppliers", "Suppliers", "suppliers", "a register of evaluated suppliers",
        "Each supplier with its last evaluation (rating 1-5, approved) and the next one due.",
        (("Supplier", 16, False), ("Name", 26, WRAP), ("Supplies", 40, WRAP), ("Owner", 18, WRAP),
         ("Evaluated", 11, False), ("Rating", 7, False), ("Approved", 9, False), ("Next evaluation", 12, False))),
    "assets": Layout(
        "Assets", "Assets", "assets", "an inventory of assets", "The asset inventory with owners and classification.",
        (("Asset", 14, False), ("Name", 30, WRAP), ("Type", 14, WRAP), ("Owner", 18, WRAP),
         ("Classification", 14, False), ("Location", 24, WRAP), *REVIEW)),
    "activities": Layout(
        "Business impact analysis", "BIA", "activities of a business impact analysis", "a business impact analysis",
        "Activities with their maximum tolerable period of disruption (MTPD), recovery time (RTO) and recovery point "
        "(RPO) objectives.",
        (("Activity", 14, False), ("Title", 30, WRAP), ("Owner", 18, WRAP), ("MTPD", 10, False), ("RTO", 10, False),
         ("RPO", 10, False), ("Dependencies", 50, WRAP), *REVIEW)),
    "exercises": Layout(
        "Exercises", "Exercises", "exercises", "an exercise programme with its exercises",
        "Oldest first; each action raised with its status now.",
        (("Exercise", 12, False), ("Date", 11, False), ("Title", 30, WRAP), ("Scenario", 44, WRAP),
         ("Plans", 18, WRAP), ("Outcome", 44, WRAP), ("Actions", 20, WRAP))),
}


def build(records: Sequence[LoadedRecord], editions: Sequence[Edition], clauses: Sequence[ClauseCoverage],
          settings: Settings, today: dt.date, names: rows_of.Names, *,
          limit: int = LIMIT) -> tuple[Register, ...]:
    """Every register that has records or that a standard in scope needs, in the order the report shows them."""
    status = {r.id: r.model.status for r in records if isinstance(r.model, Action)}
    rows: dict[str, Callable[[], tuple[rows_of.Row, ...]]] = {
        "risks": lambda: rows_of.risks(records, settings, today, names),
        "aspects": lambda: rows_of.aspects(records, settings, today, names),
        "hazards": lambda: rows_of.hazards(records, settings, today, names),
        "obligations": lambda: rows_of.obligations(records, settings, today, names),
        "competence": lambda: rows_of.competence(records, today, names),
        "suppliers": lambda: rows_of.suppliers(records, settings, today, names),
        "assets": lambda: rows_of.assets(records, settings, today, names),
        "activities": lambda: rows_of.activities(records, settings, today, names),
        "exercises": lambda: rows_of.exercises(records, status),
    }
    out = []
    for key, make in rows.items():
        layout = LAYOUT[key]
        found = make()
        needs = needed_by(key, editions, clauses)
        if found or needs:
            out.append(Register(key, layout.title, layout.sheet, layout.note, layout.columns, found, needs, layout.need,
                                layout.what, limit))
    return tuple(out)
