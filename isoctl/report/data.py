"""The audit pack as plain data: what every format of ``isoctl report`` renders (design §6).

:func:`build_report` is a pure function of what was gathered (the loaded
workspace, its analysis, the timeline, the document history, the changes
since a revision) and ``today``: no files, no git, no clock. Every format,
and every consultant's template, starts from the same :class:`Report`, so
an HTML pack and its PDF never disagree on a number.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from isoctl import __version__
from isoctl.analysis.soa import Soa
from isoctl.catalog.schema import Edition
from isoctl.core.pulse import Pulse
from isoctl.core.timeline import Point as TimelinePoint
from isoctl.history.diff import Diff
from isoctl.model.manifest import Certification
from isoctl.model.result import ClauseCoverage, Finding, Result, RuleCategory, StandardCoverage
from isoctl.render.pulse import Row as PulseRow
from isoctl.render.pulse import rows as pulse_rows
from isoctl.render.pulse_svg import render_svg as pulse_svg
from isoctl.report import long_sections, minutes, programme, record_registers, registers, summary
from isoctl.report.document_register import DocumentRegister
from isoctl.report.registers import FindingChanges  # by name: the field 'registers' shadows the module in Report
from isoctl.report.svg import Point, line_chart, percent
from isoctl.workspace.load import Workspace

#: Rule categories whose findings the report lists as living-system findings. The others are shown another way:
#: ``loading`` ones are counted (records in those files are not in the report), ``coverage`` ones are the matrix,
#: the exclusions and the SoA, which the report shows in full.
LIVING_CATEGORIES: frozenset[RuleCategory] = frozenset({"living", "history"})


def _name(title: str) -> str:
    match = re.match(r"^(.*?:\d{4})\b", title)
    return match.group(1) if match else title


@dataclass(frozen=True)
class StandardSection:
    """One standard in scope: its edition's status, certification, readiness now and over time, its clauses."""

    id: str
    display: str  # iso9001:2015
    title: str
    status: str  # current | superseded | draft
    superseded_by: str | None
    transition_ends: dt.date | None
    transition_confirmed: bool
    amendments: tuple[str, ...]
    certification: Certification | None
    coverage: StandardCoverage
    clauses: tuple[ClauseCoverage, ...]
    trend: tuple[Point, ...]
    chart: str

    @property
    def name(self) -> str:
        """``ISO 9001:2015``: the catalog title up to its year."""
        return _name(self.title)

    @property
    def readiness(self) -> float:
        return self.coverage.readiness

    @property
    def change(self) -> str:
        """How readiness moved over the charted year: ``+12 points since December 2025``."""
        return summary.trend(self.trend)


@dataclass(frozen=True)
class Report:
    """Everything the audit pack shows, in the order it shows it."""

    version: str
    organization: str
    sites: tuple[str, ...]
    scope: str | None
    today: dt.date
    commit: str | None
    dirty: bool
    revision: str  # what was evaluated, as a heading reads it
    standards: tuple[StandardSection, ...]
    exclusions: tuple[tuple[str, str], ...]  # (clause, justification)
    soa: Soa | None
    actions: tuple[registers.ActionRow, ...]
    action_summary: registers.ActionSummary
    audit_years: tuple[registers.AuditYear, ...]
    external_audits: tuple[registers.ExternalAuditRow, ...]
    audit_findings: tuple[registers.FindingRow, ...]
    reviews: tuple[minutes.ReviewRow, ...]
    objectives: tuple[registers.ObjectiveRow, ...]
    living: tuple[Finding, ...]
    data_problems: int  # files whose records are (partly) not in this report: Result.unread()
    changes: Diff | None
    documents: DocumentRegister
    records: int
    timeline_points: int
    pulse: Pulse | None = None  # work per PDCA stage and month over the past year (None without git history)
    pulse_rows: tuple[PulseRow, ...] = ()
    pulse_chart: str = ""
    registers: tuple[record_registers.Register, ...] = ()  # risks, aspects, ... each with records or needed in scope
    risks: tuple[summary.Risk, ...] = ()  # the executive summary's certification risks, most likely nonconformity first
    programme: programme.Programme | None = None  # internal audits as a clause-by-year matrix over the cycle
    finding_changes: FindingChanges | None = None  # with --since: which findings are new, resolved, updated

    @property
    def short_commit(self) -> str | None:
        return self.commit[:8] if self.commit else None

    def excluded_by(self, clause: ClauseCoverage) -> str | None:
        """The exclusion of isoctl.yaml an excluded clause falls under (``iso9001:8.3``), so its justification is
        printed once, in the exclusions table, not on every sub-clause."""
        for ref, _why in self.exclusions:
            family, _, number = ref.partition(":")
            if family in (clause.family, clause.standard) and (clause.clause == number
                                                                or clause.clause.startswith(number + ".")):
                return ref
        return None

    @functools.cached_property
    def digest(self) -> long_sections.Digest:
        """The long sections as the PDF and the Markdown summarise them (each part None when listed in full)."""
        return long_sections.digest(self.living, self.actions, self.documents.documents, self.today,
                                    finding_rows=self.audit_findings, review_rows=self.reviews,
                                    objective_rows=self.objectives)

    @property
    def living_counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.living:
            counts[finding.severity] += 1
        return counts


#: What a hollow point of a readiness chart is: a month nobody committed in, its last commit seen at the month's end.
NO_COMMITS = "no commits that month"


def _trend(standard: str, timeline: Sequence[TimelinePoint], now: Point) -> tuple[Point, ...]:
    """Readiness of one standard at each month's end, ending with the evaluated state (which replaces a point of the
    same day); months without commits are hollow."""
    points = [Point(dt.date.fromisoformat(p.date), p.readiness[standard], hollow=p.silent)
              for p in timeline if standard in p.readiness]
    points = [p for p in points if p.date < now.date]
    return (*points, now)


def _standard(edition: Edition, result: Result, workspace: Workspace, timeline: Sequence[TimelinePoint],
              today: dt.date) -> StandardSection:
    coverage = next(c for c in result.coverage if c.standard == edition.id)
    trend = _trend(edition.id, timeline, Point(today, coverage.readiness))
    name = re.match(r"^(.*?:\d{4})\b", edition.title)
    label = f"Readiness of {name.group(1) if name else edition.title} over time"
    return StandardSection(
        id=edition.id, display=edition.display, title=edition.title, status=edition.status,
        superseded_by=edition.superseded_by, transition_ends=edition.transition_ends,
        transition_confirmed=edition.transition_confirmed, amendments=tuple(a.id for a in edition.amendments),
        certification=workspace.manifest.certification.get(edition.family),
        coverage=coverage, clauses=tuple(c for c in result.clauses if c.standard == edition.id),
        trend=trend, chart=line_chart(trend, label=label, low=0.0, high=1.0, show=percent, hollow=NO_COMMITS),
    )


def build_report(
    workspace: Workspace,
    result: Result,
    *,
    soa: Soa | None,
    timeline: Sequence[TimelinePoint],
    documents: DocumentRegister,
    changes: Diff | None,
    revision: str,
    pulse: Pulse | None = None,
) -> Report:
    """The audit pack of ``workspace`` as analysed in ``result`` (whose ``today`` it is evaluated on)."""
    manifest = workspace.manifest
    today = result.workspace.today
    names = {p.id: p.name for p in manifest.people}
    records = workspace.records
    actions, counts = registers.actions(records, today, names)
    years, others, findings = registers.audits(records, names, today)
    display = {e.family: e.display for e in workspace.editions}
    top = {p.id for p in manifest.people if p.top_management}
    families = list(dict.fromkeys(e.family for e in workspace.editions))
    review_rows = minutes.reviews(records, today, families, names, top, manifest.settings.management_review_days,
                                  actions)
    return Report(
        version=__version__,
        organization=manifest.organization.name,
        sites=tuple(manifest.organization.sites),
        scope=manifest.scope.strip() if manifest.scope else None,
        today=today,
        commit=result.workspace.commit,
        dirty=result.workspace.dirty,
        revision=revision,
        standards=tuple(_standard(e, result, workspace, timeline, today) for e in workspace.editions
                        if any(c.standard == e.id for c in result.coverage)),
        exclusions=tuple((e.clause, (e.justification or "").strip()) for e in manifest.exclusions),
        soa=soa,
        actions=actions,
        action_summary=counts,
        audit_years=years,
        external_audits=registers.external_audits(manifest, others, today, display),
        audit_findings=findings,
        reviews=review_rows,
        objectives=registers.objectives(records, today, names),
        registers=record_registers.build(records, workspace.editions, result.clauses, manifest.settings, today, names),
        living=tuple(f for f in result.findings if result.rules[f.rule].category in LIVING_CATEGORIES),
        data_problems=len(result.unread()),
        changes=changes,
        documents=documents,
        records=result.records,
        timeline_points=len(timeline),
        pulse=pulse,
        pulse_rows=pulse_rows(pulse) if pulse is not None else (),
        pulse_chart=pulse_svg(pulse, label="Work per PDCA stage and month over the past year") if pulse is not None else "",
        finding_changes=registers.finding_changes(changes) if changes is not None else None,
        programme=programme.build(workspace, result.clauses, today, names,
                                  {e.id: _name(e.title) for e in workspace.editions}),
        risks=summary.risks(result.findings, summary.Facts(
            actions=actions, audit_findings=findings, documents=len(documents.documents),
            review_due={d.id: d.review_due for d in documents.documents}, reviews=review_rows, names=names)),
    )
