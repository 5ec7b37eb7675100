"""The executive summary: readiness per standard with its trend, and the certification risks ranked.

A lead auditor reads a pack starting with what would become a nonconformity:
the management review (missing, without top management, rubber-stamped),
corrective actions (overdue, closed without root cause, not verified or
found not effective), audit findings nobody acted on, clauses never audited
in the cycle, legal non-compliance, documents past review, and decay the
history shows. :func:`risks` turns the findings of those rules into one
plain sentence each, with its figures and the place to look, in that order;
every other finding stays in the living-system indicators. It is a pure
function of the findings and the registers, so every format ranks alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from isoctl.history.record_changes import plural
from isoctl.model.result import Finding
from isoctl.report.minutes import ReviewRow, input_label
from isoctl.report.registers import ActionRow, FindingRow
from isoctl.report.svg import Point

#: How many risks the summary ranks; the rest are in the living-system indicators.
MAX_RISKS = 12
#: How many ids a sentence names before it says how many more there are (and where they are listed).
NAMED = 8


@dataclass(frozen=True)
class Risk:
    """One certification risk: what an auditor would raise, in one sentence, and where the evidence is."""

    rank: int
    topic: str  # "Management review", "Corrective actions", ...
    rule: str  # the rule whose findings it summarises
    severity: str
    sentence: str
    section: str  # the report section that shows it in full
    where: str  # files (and lines) of the records concerned

    @property
    def anchor(self) -> str:
        """The id of the section in the HTML report."""
        return SECTIONS[self.section]


@dataclass(frozen=True)
class Facts:
    """The registers a risk sentence draws its figures from."""

    actions: Sequence[ActionRow]
    audit_findings: Sequence[FindingRow]
    documents: int
    review_due: dict[str, dt.date | None]  # document id -> its review date
    reviews: Sequence[ReviewRow] = ()
    names: Mapping[str, str] = field(default_factory=dict)  # person id -> name


def trend(points: Sequence[Point]) -> str:
    """``+12 points since December 2025``: the change of a readiness series from its first point to its last."""
    if len(points) < 2:
        return "no earlier month to compare with"
    first, last = points[0], points[-1]
    change = round(last.value * 100) - round(first.value * 100)
    since = f"{first.date:%B %Y}"
    if change == 0:
        return f"unchanged since {since}"
    return f"{change:+d} point{'s' if abs(change) != 1 else ''} since {since}"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _named(ids: Sequence[str]) -> str:
    """Ids joined for a sentence, at most :data:`NAMED` of them."""
    shown = ", ".join(ids[:NAMED])
    return shown + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


def _generic(found: Sequence[Finding], _facts: Facts) -> str:
    """The first finding's own sentence, then the records of the others that say the same."""
    first = _sentence(found[0].message)
    if len(found) == 1:
        return first
    others = list(dict.fromkeys(f.record or f"{f.path}:{f.line}" for f in found[1:]))
    return f"{first[:-1]}; the same for {_named(others)}."


def _overdue(found: Sequence[Finding], facts: Facts) -> str:
    rows = {a.id: a for a in facts.actions}
    late = [rows[f.record] for f in found if f.record in rows and rows[f.record].days_overdue is not None]
    if not late:
        return _generic(found, facts)
    late.sort(key=lambda a: -(a.days_overdue or 0))
    items = [f"{a.id} by {a.days_overdue} days" for a in late]
    verb = "is" if len(late) == 1 else "are"
    return f"{plural(len(late), 'action')} {verb} past due: {_named(items)}."


def _unverified(found: Sequence[Finding], facts: Facts) -> str:
    rows = {a.id: a for a in facts.actions}
    failed = [f.record for f in found if f.record in rows and rows[f.record].effective is False]
    unchecked = [f.record for f in found if f.record and f.record not in failed]
    parts = []
    if failed:
        parts.append(f"{_named([i for i in failed if i])} {'was' if len(failed) == 1 else 'were'} closed although "
                     f"the effectiveness check found {'it' if len(failed) == 1 else 'them'} not effective")
    if unchecked:
        parts.append(f"{_named(unchecked)} {'was' if len(unchecked) == 1 else 'were'} closed with no effectiveness check")
    return _sentence("; ".join(parts)) if parts else _generic(found, facts)


def _no_root_cause(found: Sequence[Finding], facts: Facts) -> str:
    ids = [f.record for f in found if f.record]
    if not ids:
        return _generic(found, facts)
    verb = "was" if len(ids) == 1 else "were"
    return f"{_named(ids)} {verb} closed without a root cause and corrective action on record."


def _without_action(found: Sequence[Finding], facts: Facts) -> str:
    rows = [f for f in facts.audit_findings
            if f.type in ("major", "minor") and (f.action is None or f.action_status == "unknown")]
    if not rows:
        return _generic(found, facts)
    items = [f"{f.audit} {f.id} ({f.type}{', ' + f.clause if f.clause else ''})" for f in rows]
    verb = "has" if len(rows) == 1 else "have"
    return f"{plural(len(rows), 'audit finding')} {verb} no action: {_named(items)}."


def _never_audited(found: Sequence[Finding], facts: Facts) -> str:
    clauses = list(dict.fromkeys(f.clause for f in found if f.clause))
    if not clauses:
        return _generic(found, facts)
    cycle = re.search(r"not audited within ([\d,]+) days", found[0].message)
    when = f"within {cycle.group(1)} days (the audit cycle)" if cycle else "in the audit cycle"
    verb = "was" if len(clauses) == 1 else "were"
    return f"{plural(len(clauses), 'clause')} in scope {verb} not audited {when}: {_named(clauses)}."


def _stale_documents(found: Sequence[Finding], facts: Facts) -> str:
    ids = [f.record for f in found if f.record]
    if not ids:
        return _generic(found, facts)
    items = []
    for doc in ids:
        due = facts.review_due.get(doc)
        items.append(f"{doc} (due {due.isoformat()})" if due else doc)
    count, total = len(ids), max(facts.documents, len(ids))
    verb, their = ("is", "its") if count == 1 else ("are", "their")
    return f"{count} of {plural(total, 'document')} {verb} past {their} review date: {_named(items)}."


#: The report sections a risk points to, with their ids in the HTML report.
SECTIONS = {"Management reviews": "reviews", "Action register": "actions", "Audit programme and findings": "audits",
            "Document register": "documents", "Objectives": "objectives", "Living-system indicators": "living"}

def _inputs_missing(found: Sequence[Finding], facts: Facts) -> str:
    rows = {r.id: r for r in facts.reviews}
    parts = []
    for finding in found:
        row = rows.get(finding.record or "")
        if row is None or not row.missing:
            return _generic(found, facts)
        labels = [input_label(key).lower() for key in row.missing]
        parts.append(f"{row.id} ({row.date.isoformat()}) did not cover {plural(len(labels), 'required input')}: "
                     f"{_named(labels)}")
    return _sentence("; ".join(parts))


_OWN_WORK = re.compile(r"^(?P<audit>\S+): auditor (?P<who>\S+) owns what this audit covers: (?P<what>.*)$")


def _own_work(found: Sequence[Finding], facts: Facts) -> str:
    by_auditor: dict[str, list[tuple[str, str]]] = {}
    for finding in found:
        match = _OWN_WORK.match(finding.message)
        if match is None:
            return _generic(found, facts)
        by_auditor.setdefault(match["who"], []).append((match["audit"], match["what"]))
    parts = []
    for who, audits in by_auditor.items():
        ids = [audit for audit, _ in audits]
        name = facts.names.get(who, who)
        parts.append(f"in {plural(len(ids), 'internal audit')} ({_named(ids)}) the auditor, {name}, "
                     f"audited records they own, such as {audits[0][1]}")
    return _sentence("; ".join(parts))


Compose = Callable[[Sequence[Finding], Facts], str]

#: The rules an auditor raises first, most likely nonconformity first: (rule, topic, report section, sentence).
RANKED: tuple[tuple[str, str, str, Compose], ...] = (
    ("missing-management-review", "Management review", "Management reviews", _generic),
    ("top-management-absent", "Management review", "Management reviews", _generic),
    ("rubber-stamp-review", "Management review", "Management reviews", _generic),
    ("overdue-action", "Corrective actions", "Action register", _overdue),
    ("closed-without-verification", "Corrective actions", "Action register", _unverified),
    ("closed-without-root-cause", "Corrective actions", "Action register", _no_root_cause),
    ("finding-without-action", "Audit findings", "Audit programme and findings", _without_action),
    ("audit-programme-gap", "Audit programme", "Audit programme and findings", _never_audited),
    ("auditor-not-independent", "Audit programme", "Audit programme and findings", _own_work),
    ("noncompliant-obligation", "Legal compliance", "Living-system indicators", _generic),
    ("stale-document", "Document control", "Document register", _stale_documents),
    ("changed-after-approval", "Document control", "Document register", _generic),
    ("review-inputs-incomplete", "Management review", "Management reviews", _inputs_missing),
    ("recurring-nonconformity", "Corrective actions", "Action register", _generic),
    ("rushed-closure", "Corrective actions", "Action register", _generic),
    ("silent-period", "Decay in the history", "Living-system indicators", _generic),
    ("post-certification-slump", "Decay in the history", "Living-system indicators", _generic),
    ("pre-audit-scramble", "Decay in the history", "Living-system indicators", _generic),
    ("single-contributor", "Decay in the history", "Living-system indicators", _generic),
    ("narrow-participation", "Decay in the history", "Living-system indicators", _generic),
    ("objective-not-measured", "Objectives", "Objectives", _generic),
    ("expired-competence", "Competence", "Living-system indicators", _generic),
    ("stale-record", "Registers", "Living-system indicators", _generic),
)


def _where(found: Sequence[Finding]) -> str:
    """The files of the findings, with the first line in each: ``actions/log.yaml:78, reviews/MR-2024.yaml:9``."""
    places: dict[str, int] = {}
    for finding in found:
        places.setdefault(finding.path, finding.line)
    shown = [f"{path}:{line}" for path, line in list(places.items())[:3]]
    return ", ".join(shown) + (f" and {len(places) - 3} more files" if len(places) > 3 else "")


def risks(findings: Sequence[Finding], facts: Facts, limit: int = MAX_RISKS) -> tuple[Risk, ...]:
    """The certification risks in the order an auditor would raise them, at most ``limit``."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    out: list[Risk] = []
    for rule, topic, section, compose in RANKED:
        found = by_rule.get(rule)
        if not found:
            continue
        out.append(Risk(len(out) + 1, topic, rule, found[0].severity, compose(found, facts), section, _where(found)))
        if len(out) == limit:
            break
    return tuple(out)
