"""Coverage: a status for every clause of every standard in scope (design §4.1).

Leaf clauses get a status from their evidence; parents roll up from their
sub-clauses; readiness counts leaves. ISO/IEC 27001 Annex A controls are
judged by their SoA row (a ``control`` record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from isoctl.analysis.evidence import NAMED_ONLY, Evidence, matches
from isoctl.analysis.resolve import descendants, resolve_text
from isoctl.catalog.refs import parse_ref
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.model.records import Control, Document
from isoctl.model.records import Evidence as EvidenceLink
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
                for target in [clause, *descendants(edition, clause)]:
                    verdict.valid[(edition.id, target.id)] = exclusion.justification or ""
    return verdict


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


#: Kinds that record an event: their evidence is as old as the event, and that is no sign of neglect
#: (how recent the event must be is the business of the catalogs' ``within`` and the time-aware rules).
EVENT_KINDS = frozenset({"action", "audit", "review", "exercise", "competence"})


def stale_evidence(record: Any, today: dt.date, max_age: int) -> EvidenceLink | None:
    """The newest piece of a record's evidence when every piece is dated and older than ``max_age`` days.

    None when the record has no evidence, when a piece carries no date (a file
    kept up to date in place), when one is recent enough, and for the records
    of an event (:data:`EVENT_KINDS`). Exactly ``max_age`` days old is still
    recent enough.
    """
    if record.kind in EVENT_KINDS or not record.evidence:
        return None
    newest: EvidenceLink | None = None
    for item in record.evidence:
        if item.date is None:
            return None
        if newest is None or newest.date is None or item.date > newest.date:
            newest = item
    assert newest is not None and newest.date is not None
    return newest if (today - newest.date).days > max_age else None


def stale_newest(evidence: Evidence, today: dt.date, max_age: int) -> dict[int, EvidenceLink]:
    """The newest evidence of every record whose evidence is all stale (:func:`stale_evidence`), by the id() of its
    model. Worked out once per analysis: coverage and the rule ``stale-evidence`` both ask."""
    key = (today, max_age)
    known = evidence.stale_memo.get(key)
    if known is None:
        known = evidence.stale_memo[key] = {}
        for kind, models in evidence.by_kind.items():
            if kind in EVENT_KINDS:
                continue
            for model, _ in models:
                newest = stale_evidence(model, today, max_age)
                if newest is not None:
                    known[id(model)] = newest
    return known


def _stale(evidence: Evidence, today: dt.date, max_age: int) -> dict[int, str]:
    """The records that rest on stale evidence only, by rank: the reason each gives (``RSK-7 (2024-01-10)``).

    A rank that two records share (a duplicate id) is stale only when both are.
    """
    newest_of = stale_newest(evidence, today, max_age)
    out: dict[int, str] = {}
    fresh: set[int] = set()
    for kind, models in evidence.by_kind.items():
        if kind in EVENT_KINDS:
            continue
        for model, rank in models:
            newest = newest_of.get(id(model))
            if newest is None or newest.date is None:
                fresh.add(rank)
            else:
                out[rank] = f"{model.id} ({newest.date.isoformat()})"
    return {rank: reason for rank, reason in out.items() if rank not in fresh}


def _stale_reason(reasons: list[str], max_age: int) -> str:
    return f"evidence older than {max_age:,} days: " + ", ".join(sorted(reasons))


def linked_records(control: Control, evidence: Evidence) -> list[LoadedRecord]:
    """The other records that show a control at work: those naming it in ``clauses`` (a procedure, a plan, a
    register), and the risks whose ``controls`` name it (by its clause or its SoA row id).

    Only a reference to the control itself counts: naming a whole theme
    (``iso27001:A.8``) says nothing about how any one of its controls is done,
    and neither does a catch-all record that names more than
    :data:`CATCH_ALL` controls one by one. Documents count once approved (a
    draft shows an intention, not a practice).
    """
    out: dict[int, LoadedRecord] = {}
    for key in evidence.soa_keys.get(id(control), ()):
        for record in evidence.explicit.get(key, ()):
            model = record.model
            if model is control or (isinstance(model, Document) and model.status != "approved"):
                continue
            if _controls_named(model.clauses) > CATCH_ALL:
                continue
            if any(_names(text, key[1]) for text in model.clauses):
                out[id(record)] = record
        out.update((id(record), record) for record in evidence.treated_by.get(key, ()))
    out.update((id(record), record) for record in evidence.treated_by_id.get(control.id, ()))
    return list(out.values())


#: A record naming more Annex A controls than this, one by one, is a catch-all ("the ISMS manual covers
#: everything"): it shows how no single control is implemented.
CATCH_ALL = 20


def _controls_named(clauses: list[str]) -> int:
    refs = (parse_ref(text) if isinstance(text, str) else None for text in clauses)
    return len({ref.clause for ref in refs if ref is not None and ref.clause.startswith("A.")})


def _names(text: str, clause: str) -> bool:
    """Whether a clause reference names this clause itself (rather than a parent of it)."""
    ref = parse_ref(text) if isinstance(text, str) else None
    return ref is not None and ref.clause == clause


def is_supported(control: Control, evidence: Evidence) -> bool:
    """Whether an SoA row shows how its control is implemented: ``implementation`` text, evidence, or another record
    that names the control (:func:`linked_records`).

    A control marked ``implemented`` without any of them is a claim on paper:
    coverage counts its clause ``partial``, and the rule
    ``unsupported-implementation`` reports the row. Evidence counts here
    however old it is (its age is the business of ``stale-evidence``).
    """
    if (control.implementation or "").strip() or control.evidence:
        return True
    return bool(linked_records(control, evidence))


def _soa_status(rows: list[LoadedRecord], evidence: Evidence, stale: dict[int, str],
                max_age: int) -> tuple[Status, list[str]]:
    if not rows:
        return "missing", ["no SoA row (control record) for this control"]
    row: Any = rows[0].model
    if not row.applicable:
        return "excluded", [] if (row.justification or "").strip() else ["excluded in the SoA without a justification"]
    reasons = []
    if row.status != "implemented":
        reasons.append(f"SoA row {rows[0].id}: status {row.status or 'not set'}")
    elif not is_supported(row, evidence):
        reasons.append(f"SoA row {rows[0].id}: implemented without implementation text or evidence")
    elif not (row.implementation or "").strip():
        # then the row's own evidence and the records that name the control are all that show it at work
        support = ([rows[0]] if row.evidence else []) + linked_records(row, evidence)
        old = [stale.get(evidence.rank[r.id]) for r in support]
        if all(old):
            reasons.append(_stale_reason([r for r in old if r], max_age))
    if not (row.justification or "").strip():
        reasons.append(f"SoA row {rows[0].id}: no justification for including the control")
    return ("partial" if reasons else "covered"), reasons


def compute(workspace: Workspace, evidence: Evidence, today: dt.date, exclusions: ExclusionVerdict) -> tuple[list[ClauseCoverage], list[StandardCoverage]]:
    """Status of every clause in scope, and the roll-up per standard."""
    clauses: list[ClauseCoverage] = []
    summaries: list[StandardCoverage] = []
    overdue = _overdue(evidence, today, workspace.manifest.settings.document_review_days)
    stale = _stale(evidence, today, workspace.manifest.settings.evidence_max_age_days)
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
                _judge_leaf(item, edition, clause, workspace, evidence, today, exclusions, overdue, stale)
            statuses[clause.id] = item
        ordered = [statuses[c.id] for c in edition.clauses]
        clauses += ordered
        leaves = [c for c in ordered if c.leaf]
        counts = {s: sum(1 for c in leaves if c.status == s) for s in ("covered", "partial", "missing", "excluded")}
        summaries.append(StandardCoverage(edition.id, edition.title, len(leaves), **counts))
    return clauses, summaries


def _judge_leaf(item: ClauseCoverage, edition: Edition, clause: Clause, workspace: Workspace, evidence: Evidence,
                today: dt.date, exclusions: ExclusionVerdict, overdue: dict[int, str], stale: dict[int, str]) -> None:
    key = (edition.id, clause.id)
    settings = workspace.manifest.settings
    named = set(evidence.named.get(key, ()))
    if clause.is_annex:
        rows = evidence.soa.get(key, [])
        item.status, item.reasons = _soa_status(rows, evidence, stale, settings.evidence_max_age_days)
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
    if all(rank in stale for rank in found):  # every record behind the clause rests on evidence too old to count
        reasons.append(_stale_reason([stale[rank] for rank in found], settings.evidence_max_age_days))
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

