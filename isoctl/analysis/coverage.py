"""Coverage: a status for every clause of every standard in scope (design §4.1).

Leaf clauses get a status from their evidence; parents roll up from their
sub-clauses; readiness counts leaves. ISO/IEC 27001 Annex A controls are
judged by their SoA row (a ``control`` record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from isoctl.analysis.evidence import NAMED_ONLY, Evidence, matches, resolve_text
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.model.records import Document
from isoctl.model.result import ClauseCoverage, StandardCoverage, Status
from isoctl.workspace.load import Workspace
from isoctl.workspace.records import LoadedRecord


@dataclass
class ExclusionVerdict:
    """How the manifest's exclusions apply: valid ones by clause, and the problems with the rest."""

    valid: dict[tuple[str, str], str] = field(default_factory=dict)  # (edition, clause) -> justification
    problems: list[tuple[int, str, str | None]] = field(default_factory=list)  # (index in manifest, message, clause)


def judge_exclusions(workspace: Workspace) -> ExclusionVerdict:
    """Check each manifest exclusion against what the catalogs allow."""
    verdict = ExclusionVerdict()
    for index, exclusion in enumerate(workspace.manifest.exclusions):
        found, problem = resolve_text(exclusion.clause, workspace.catalogs, workspace.editions)
        if problem:
            continue  # reported by unknown-clause
        for edition, clause in found:
            name = f"{edition.id} {clause.id}"
            if clause.applicability == "soa":
                verdict.problems.append((index, f"{name} is an Annex A control: exclude it in its SoA row (applicable: false), not in the manifest", f"{edition.family}:{clause.id}"))
            elif clause.applicability != "excludable":
                verdict.problems.append((index, f"{name} cannot be excluded: {edition.exclusions}", f"{edition.family}:{clause.id}"))
            elif not (exclusion.justification or "").strip():
                verdict.problems.append((index, f"exclusion of {name} needs a justification", f"{edition.family}:{clause.id}"))
            else:
                for target in [clause, *_descendants(edition, clause)]:
                    verdict.valid[(edition.id, target.id)] = exclusion.justification or ""
    return verdict


def _descendants(edition: Edition, clause: Clause) -> list[Clause]:
    out: list[Clause] = []
    for child in edition.children.get(clause.id, []):
        out += [child, *_descendants(edition, child)]
    return out


def _named_documents(evidence: Evidence, key: tuple[str, str], named: set[int]) -> tuple[list[LoadedRecord], bool]:
    """The documents that name a clause (one record per id), and whether nothing else does (``named``: all that do)."""
    if not evidence.unique_ids:  # the last record of an id stands for it, whatever its kind
        last = list({r.id: r for r in evidence.explicit.get(key, [])}.values())
        documents = [r for r in last if r.kind == "document"]
        return documents, len(documents) == len(last)
    documents = list({r.id: r for r in evidence.named_only.get(key, []) if r.kind == "document"}.values())
    return documents, len(documents) == len(named)


def _document_state(documents: list[LoadedRecord], only_documents: bool, overdue: dict[int, str]) -> list[str]:
    """Reasons a clause's documents do not make it covered: only drafts, or past their review date."""
    reasons = []
    if documents and only_documents and all(isinstance(r.model, Document) and r.model.status == "draft"
                                            for r in documents):
        reasons.append("only draft documents: " + ", ".join(sorted({r.id for r in documents})))
    reasons += [overdue[id(r.model)] for r in documents if id(r.model) in overdue]
    return reasons


def _overdue(evidence: Evidence, today: dt.date, review_days: int) -> dict[int, str]:
    """Every approved document past its review date (by the id() of its model): the reason it gives.

    Worked out once per document, not once per clause the document names.
    """
    out = {}
    for document, _ in evidence.by_kind.get("document", []):
        due = review_due(document, review_days)
        if document.status == "approved" and due is not None and due < today:
            out[id(document)] = f"{document.id} was due for review on {due.isoformat()}"
    return out


def review_due(document: Document, default_days: int) -> dt.date | None:
    """When an approved document is next due for review."""
    if document.next_review is not None:
        return document.next_review
    if document.approved_on is None:
        return None
    days = document.review_every_days or default_days
    return document.approved_on + dt.timedelta(days=days)


def _soa_status(rows: list[LoadedRecord]) -> tuple[Status, list[str]]:
    if not rows:
        return "missing", ["no SoA row (control record) for this control"]
    row: Any = rows[0].model
    if not row.applicable:
        return "excluded", [] if (row.justification or "").strip() else ["excluded in the SoA without a justification"]
    reasons = []
    if row.status != "implemented":
        reasons.append(f"SoA row {rows[0].id}: status {row.status or 'not set'}")
    if not (row.justification or "").strip():
        reasons.append(f"SoA row {rows[0].id}: no justification for including the control")
    return ("partial" if reasons else "covered"), reasons


def compute(workspace: Workspace, evidence: Evidence, today: dt.date, exclusions: ExclusionVerdict) -> tuple[list[ClauseCoverage], list[StandardCoverage]]:
    """Status of every clause in scope, and the roll-up per standard."""
    clauses: list[ClauseCoverage] = []
    summaries: list[StandardCoverage] = []
    overdue = _overdue(evidence, today, workspace.manifest.settings.document_review_days)
    for edition in workspace.editions:
        statuses: dict[str, ClauseCoverage] = {}
        for clause in reversed(edition.clauses):  # children before parents
            key = (edition.id, clause.id)
            item = ClauseCoverage(edition.id, edition.family, clause.id, clause.title, "missing",
                                  leaf=edition.is_leaf(clause), depth=clause.depth, parent=clause.parent)
            if not item.leaf:
                children = [statuses[c.id] for c in edition.children[clause.id]]
                item.status = _roll_up([c.status for c in children])
                item.records = evidence.sorted_ids(evidence.named.get(key, ()))
            else:
                _judge_leaf(item, edition, clause, workspace, evidence, today, exclusions, overdue)
            statuses[clause.id] = item
        ordered = [statuses[c.id] for c in edition.clauses]
        clauses += ordered
        leaves = [c for c in ordered if c.leaf]
        counts = {s: sum(1 for c in leaves if c.status == s) for s in ("covered", "partial", "missing", "excluded")}
        summaries.append(StandardCoverage(edition.id, edition.title, len(leaves), **counts))
    return clauses, summaries


def _judge_leaf(item: ClauseCoverage, edition: Edition, clause: Clause, workspace: Workspace, evidence: Evidence,
                today: dt.date, exclusions: ExclusionVerdict, overdue: dict[int, str]) -> None:
    key = (edition.id, clause.id)
    settings = workspace.manifest.settings
    named = set(evidence.named.get(key, ()))
    if clause.is_annex:
        rows = evidence.soa.get(key, [])
        item.status, item.reasons = _soa_status(rows)
        item.records = evidence.sorted_ids(named.union(evidence.rank[r.id] for r in rows))
        if item.status == "covered":
            _apply_expectations(item, clause, evidence, settings, today)
        return
    if key in exclusions.valid:
        item.status = "excluded"
        item.reasons = [f"excluded: {exclusions.valid[key]}"]
        return
    found = set(named)
    unmet = [e for e in clause.expects if not _met(e, key, evidence, settings, today, found)]
    if not found:
        item.status = "missing"
        item.reasons = ["no record addresses this clause"]
        if clause.expects:
            item.reasons.append("expected: " + "; ".join(e.describe() for e in clause.expects))
        return
    item.records = evidence.sorted_ids(found)
    reasons = [f"no {e.describe()}" + (f" ({e.note})" if e.note else "") for e in unmet]
    # drafts and overdue reviews count against a clause only for the documents that name it
    reasons += _document_state(*_named_documents(evidence, key, named), overdue)
    item.status = "partial" if reasons else "covered"
    item.reasons = reasons


def _met(expect: Expect, key: tuple[str, str], evidence: Evidence, settings: Any, today: dt.date,
         found: set[int] | None = None) -> bool:
    """Whether some record meets an expectation of a clause; the records that do join ``found`` (as ranks)."""
    if expect.kind in NAMED_ONLY:  # these name the clause, so they are in ``found`` already
        return any(matches(r.model, expect, settings, today) for r in evidence.named_only.get(key, []))
    hits = evidence.satisfied(expect, settings, today)
    if found is not None:
        found |= hits
    return bool(hits)


def _apply_expectations(item: ClauseCoverage, clause: Clause, evidence: Evidence, settings: Any, today: dt.date) -> None:
    key = (item.standard, item.clause)
    unmet = [e for e in clause.expects if not _met(e, key, evidence, settings, today)]
    if unmet:
        item.status = "partial"
        item.reasons = [f"no {e.describe()}" + (f" ({e.note})" if e.note else "") for e in unmet]


def _roll_up(children: list[Status]) -> Status:
    """A parent's status from its sub-clauses."""
    relevant = [s for s in children if s != "excluded"]
    if not relevant:
        return "excluded"
    if all(s == "covered" for s in relevant):
        return "covered"
    if all(s == "missing" for s in relevant):
        return "missing"
    return "partial"

