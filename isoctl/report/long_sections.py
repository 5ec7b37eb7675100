"""Long sections of the audit pack summarised for reading: findings, actions, documents, reviews and objectives.

On a small management system the report lists every finding, action and
document. On a large one those lists run to hundreds of pages that nobody
reads on paper and that make most of the PDF's compile time (Typst lays out
every row). Past a limit the PDF and the Markdown show what an auditor looks
at first, and say where the rest is:

* living-system findings beyond :data:`FINDING_LIMIT` are grouped by rule:
  its severity, how many, the first :data:`EXAMPLES` with their file:line,
  and how many more are in the XLSX "Findings" sheet and the HTML pack;
* an action register beyond :data:`ACTION_LIMIT` shows the actions that need
  attention (overdue, closed with a doubtful closure, then still open), up to
  :data:`SHORTLIST` of them;
* a document register beyond :data:`DOCUMENT_LIMIT` shows the documents
  changed without a new approval, past their review date, or changed in the
  past year, up to :data:`SHORTLIST` of them, each with its latest
  :data:`REVISIONS` revisions;
* audit findings beyond :data:`AUDIT_FINDING_LIMIT` are shortlisted to the
  major and minor ones not yet answered (no action, or its action still open);
* more than :data:`REVIEW_LIMIT` management reviews: the latest are printed
  as minutes, the earlier ones one line each;
* more than :data:`OBJECTIVE_LIMIT` objectives: charts for those never
  measured, off target or not measured lately (at most that many), then one
  table of every objective.

The XLSX keeps every row (the "Findings", "Actions", "Documents", "Audit
findings" and "Review inputs" sheets) and so does the HTML pack, which can be
searched. The limits sit well above what a typical management system has (the
examples stay listed in full), so only a large workspace is summarised. Every choice is a pure function of the
report: the same report gives the same summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from isoctl.history.record_changes import natural
from isoctl.model.result import SEVERITY_RANK, Finding
from isoctl.report.document_register import DocumentEntry
from isoctl.report.minutes import ReviewRow
from isoctl.report.registers import ActionRow, FindingRow, ObjectiveRow
from isoctl.report.svg import STALE_DAYS

#: Living-system findings listed one by one up to this many (about six pages); beyond, grouped by rule.
FINDING_LIMIT = 150
#: Findings of each rule shown in the grouped list.
EXAMPLES = 3
#: Actions listed in full up to this many; beyond, the shortlist of those needing attention.
ACTION_LIMIT = 150
#: Documents listed in full up to this many; beyond, the shortlist an auditor samples first.
DOCUMENT_LIMIT = 150
#: Most rows a shortlist shows, a few pages (the rest of those that qualify are counted, and listed in the XLSX and
#: the HTML pack).
SHORTLIST = 50
#: Objectives drawn as charts up to this many (two to a page); beyond, charts for those an auditor asks about first
#: (at most this many) and one table of every objective.
OBJECTIVE_LIMIT = 24
#: Management reviews printed as minutes, newest first (two a year over a three-year cycle); earlier ones in one table.
REVIEW_LIMIT = 6
#: Audit findings listed in full up to this many; beyond, the shortlist of those not yet answered.
AUDIT_FINDING_LIMIT = 150
#: Revisions of a shortlisted document printed, the latest (the earlier ones are counted).
REVISIONS = 3
#: How far back "changed in the period" reaches for documents: the year the readiness charts show.
PERIOD_DAYS = 365


T = TypeVar("T")


@dataclass(frozen=True)
class RuleGroup:
    """The living-system findings of one rule: its severity, how many, and the first few (in report order)."""

    rule: str
    severity: str
    count: int
    examples: tuple[Finding, ...]

    @property
    def more(self) -> int:
        """Findings of the rule not shown as examples."""
        return self.count - len(self.examples)


@dataclass(frozen=True)
class Shortlist(Generic[T]):
    """The rows of a long register an auditor looks at first, each with why it is there."""

    rows: tuple[tuple[T, str], ...]  # (row, reason), most pressing first
    total: int  # rows in the register
    qualifying: int  # rows that meet a reason (the shortlist shows up to SHORTLIST of them)

    @property
    def more(self) -> int:
        """Rows of the register not shown: they are in the XLSX and the HTML pack."""
        return self.total - len(self.rows)

    @property
    def capped(self) -> int:
        """Rows that qualify but did not fit in the shortlist."""
        return self.qualifying - len(self.rows)

    @property
    def listed(self) -> str:
        """How much of the shortlist the section prints, in words (the sentence then says where all the rows are)."""
        if not self.rows:
            return "None is listed here"
        return f"The first {len(self.rows)} are listed here" if self.capped else "They are listed here"


def group_findings(findings: Sequence[Finding], *, limit: int = FINDING_LIMIT,
                   examples: int = EXAMPLES) -> tuple[RuleGroup, ...] | None:
    """The findings grouped by rule, errors first and then the most frequent; None when they are few enough to list."""
    if len(findings) <= limit:
        return None
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    groups = [RuleGroup(rule, _worst(found), len(found), tuple(found[:examples])) for rule, found in by_rule.items()]
    return tuple(sorted(groups, key=lambda g: (-SEVERITY_RANK[g.severity], -g.count, g.rule)))


def _worst(findings: Iterable[Finding]) -> str:
    return min((f.severity for f in findings), key=lambda s: -SEVERITY_RANK[s])


#: Why a row is on a shortlist: its rank (lower first), its order within the rank (a number, then the id in natural
#: order: ``ACT-2`` before ``ACT-10``), and the reason in words.
Reason = tuple[int, tuple[int, tuple[tuple[int, int | str], ...]], str]


def _shortlist(rows: Sequence[T], reasons: Callable[[T], Reason | None], cap: int) -> Shortlist[T]:
    """The rows with a reason, most pressing first, at most ``cap`` of them."""
    picked = [(reason, row) for row in rows if (reason := reasons(row)) is not None]
    picked.sort(key=lambda pair: pair[0][:2])
    return Shortlist(tuple((row, text) for (_, _, text), row in picked[:cap]), len(rows), len(picked))


def _action_reason(action: ActionRow) -> Reason | None:
    oldest = (action.raised_on.toordinal(), natural(action.id))
    if action.overdue:
        return 0, (-(action.days_overdue or 0), natural(action.id)), f"overdue {action.days_overdue} d"
    if action.flags:
        return 1, oldest, "; ".join(action.flags)
    if action.status in ("open", "in-progress"):
        return 2, oldest, action.status
    return None


def actions(rows: Sequence[ActionRow], *, limit: int = ACTION_LIMIT, cap: int = SHORTLIST) -> Shortlist[ActionRow] | None:
    """The actions needing attention (overdue longest first, flagged closures, open oldest first), or None when the
    register is short enough to list in full."""
    if len(rows) <= limit:
        return None
    return _shortlist(rows, _action_reason, cap)


def _document_reason(today: dt.date) -> Callable[[DocumentEntry], Reason | None]:
    since = today - dt.timedelta(days=PERIOD_DAYS)

    def reason(document: DocumentEntry) -> Reason | None:
        if document.uncontrolled:
            return 0, (0, natural(document.id)), "changed without a new approval"
        if document.review_due is not None and document.review_due < today:
            return 1, (document.review_due.toordinal(), natural(document.id)), f"review due {document.review_due.isoformat()}"
        last = document.last_changed
        if last is not None and last >= since:
            return 2, (-last.toordinal(), natural(document.id)), f"changed {last.isoformat()}"
        return None

    return reason


def documents(rows: Sequence[DocumentEntry], today: dt.date, *, limit: int = DOCUMENT_LIMIT,
              cap: int = SHORTLIST) -> Shortlist[DocumentEntry] | None:
    """The documents an auditor samples first (changed without approval, past review longest first, changed in the
    past year latest first), or None when the register is short enough to list in full."""
    if len(rows) <= limit:
        return None
    return _shortlist(rows, _document_reason(today), cap)


_FINDING_WEIGHT = {"major": 0, "minor": 1}


def _audit_finding_reason(finding: FindingRow) -> Reason | None:
    if finding.type not in _FINDING_WEIGHT:
        return None  # observations, opportunities and positive findings need no action
    # majors before minors, each the latest audit first (a day's ordinal is below a million)
    order = (_FINDING_WEIGHT[finding.type] * 10**6 - finding.audit_date.toordinal(), natural(f"{finding.audit} {finding.id}"))
    if finding.action is None:
        return 0, order, "no action"
    if finding.action_status == "unknown":
        return 0, order, f"no action {finding.action}"
    if finding.action_status not in ("closed", "cancelled"):
        return 1, order, f"action {finding.action_status}"
    return None


def unanswered(finding: FindingRow) -> bool:
    """A major or minor audit finding with no action, or whose action is still open."""
    return _audit_finding_reason(finding) is not None


def audit_findings(rows: Sequence[FindingRow], *, limit: int = AUDIT_FINDING_LIMIT,
                   cap: int = SHORTLIST) -> Shortlist[FindingRow] | None:
    """The major and minor audit findings not yet answered (no action, then an action still open; majors and the
    latest audits first), or None when the findings are few enough to list in full."""
    if len(rows) <= limit:
        return None
    return _shortlist(rows, _audit_finding_reason, cap)


def _objective_reason(today: dt.date) -> Callable[[ObjectiveRow], Reason | None]:
    def reason(objective: ObjectiveRow) -> Reason | None:
        if objective.latest_on is None:
            return 0, (0, natural(objective.id)), "never measured"
        if objective.met is False:
            return 1, (0, natural(objective.id)), "target not met"
        days = (today - objective.latest_on).days
        if days > STALE_DAYS:
            return 2, (-days, natural(objective.id)), f"last measured {days} days ago"
        return None

    return reason


def objectives(rows: Sequence[ObjectiveRow], today: dt.date, *, limit: int = OBJECTIVE_LIMIT) -> Shortlist[ObjectiveRow] | None:
    """The objectives to chart (never measured, target not met, then not measured for longest), at most ``limit``;
    None when every objective can be charted."""
    if len(rows) <= limit:
        return None
    return _shortlist(rows, _objective_reason(today), limit)


@dataclass(frozen=True)
class Reviews:
    """A long series of management reviews: the latest printed as minutes, the earlier ones one line each."""

    latest: tuple[ReviewRow, ...]
    earlier: tuple[ReviewRow, ...]


def reviews(rows: Sequence[ReviewRow], *, limit: int = REVIEW_LIMIT) -> Reviews | None:
    """The reviews (newest first) split after the first ``limit``, or None when there are no more than that."""
    if len(rows) <= limit:
        return None
    return Reviews(tuple(rows[:limit]), tuple(rows[limit:]))


@dataclass(frozen=True)
class Digest:
    """What the PDF and the Markdown summarise; each part None when its section is listed in full."""

    findings: tuple[RuleGroup, ...] | None
    actions: Shortlist[ActionRow] | None
    documents: Shortlist[DocumentEntry] | None
    since: dt.date  # the start of the period "changed in the period" means
    audit_findings: Shortlist[FindingRow] | None = None
    reviews: Reviews | None = None
    objectives: Shortlist[ObjectiveRow] | None = None
    revisions: int = REVISIONS  # revisions printed for each shortlisted document


def digest(living: Sequence[Finding], action_rows: Sequence[ActionRow], document_rows: Sequence[DocumentEntry],
           today: dt.date, *, finding_rows: Sequence[FindingRow] = (), review_rows: Sequence[ReviewRow] = (),
           objective_rows: Sequence[ObjectiveRow] = ()) -> Digest:
    """The summaries of a report's long sections."""
    return Digest(group_findings(living), actions(action_rows), documents(document_rows, today),
                  today - dt.timedelta(days=PERIOD_DAYS), audit_findings(finding_rows), reviews(review_rows),
                  objectives(objective_rows, today))
