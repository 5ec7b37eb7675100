"""The auditor's checklist for one audit: what to look at, what to sample, what to ask, clause by clause.

A pure function of (evaluation result, workspace, audit id): for every
process and clause in the audit's ``scope``, our own summary of the clause
(the catalog's ``summary``, never ISO text), the records that evidence it
here and the evidence paths to sample, open and recent actions and earlier
findings on it, and questions derived from what the clause ``expects`` and
from what ``isoctl check`` reports about it; plus the findings of the
previous audit of the same area, to follow up.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from isoctl.analysis.resolve import ClauseKey, descendants
from isoctl.catalog.refs import parse_ref
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.core.audit_areas import Resolver
from isoctl.errors import UsageError
from isoctl.model.records import Action, Audit, Document, Objective, Process, RecordBase, Risk
from isoctl.model.result import ClauseCoverage, Result
from isoctl.workspace.load import Workspace

#: How far back closed actions and earlier findings count as recent.
RECENT_DAYS = 365
#: Records and evidence paths listed per clause: enough to choose a sample from.
SAMPLE = 8
#: Rules about the audit programme itself: questions for whoever plans audits, not for the auditee.
PROGRAMME_RULES = ("audit-programme-gap", "auditor-not-independent", "auditor-rotation")
#: Verdicts an auditor may write down for each item.
VERDICTS = ("conforming", "observation", "opportunity for improvement", "minor nonconformity", "major nonconformity")


@dataclass
class ActionLine:
    id: str
    title: str
    type: str
    status: str
    due: str | None


@dataclass
class FindingLine:
    audit: str
    date: str
    id: str
    type: str
    clause: str | None
    description: str
    action: str | None
    action_status: str | None = None


@dataclass
class ClauseItem:
    """One clause of the scope."""

    ref: str
    standard: str
    clause: str
    title: str
    summary: str
    status: str
    reasons: list[str]
    records: list[str]  # "ID title (owner)"
    evidence: list[str]  # "path (from ID)"
    actions: list[ActionLine]
    findings: list[FindingLine]
    questions: list[str]


@dataclass
class ProcessItem:
    """One process of the scope."""

    id: str
    title: str
    owner: str | None
    inputs: list[str]
    outputs: list[str]
    kpis: list[str]
    risks: list[str]
    clauses: list[str]
    evidence: list[str]
    actions: list[ActionLine]
    questions: list[str]


@dataclass
class Checklist:
    audit: Audit
    organization: str
    today: dt.date
    processes: list[ProcessItem] = field(default_factory=list)
    clauses: list[ClauseItem] = field(default_factory=list)
    previous: Audit | None = None
    follow_up: list[FindingLine] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # scope entries that name nothing here
    verdicts: tuple[str, ...] = VERDICTS


def find_audit(workspace: Workspace, wanted: str) -> Audit:
    """The audit record with this id; UsageError naming the closest audit ids otherwise."""
    audits = [r.model for r in workspace.records if isinstance(r.model, Audit)]
    for audit in audits:
        if audit.id == wanted.strip():
            return audit
    ids = [a.id for a in audits]
    close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else (
        f"audits in this workspace: {', '.join(ids[:8])}{' ...' if len(ids) > 8 else ''}" if ids else "this workspace has no audit records")
    raise UsageError(f"no audit '{wanted}' in this workspace", hint=hint)


def build(workspace: Workspace, result: Result, audit_id: str) -> Checklist:
    """The checklist of audit ``audit_id`` as of the result's day."""
    today = result.workspace.today
    audit = find_audit(workspace, audit_id)
    resolve = Resolver(workspace)
    models = [r.model for r in workspace.records]
    by_id = {m.id: m for m in models}
    processes = {m.id: m for m in models if isinstance(m, Process)}
    coverage = {(c.standard, c.clause): c for c in result.clauses}
    editions = {e.id: e for e in workspace.editions}
    out = Checklist(audit, workspace.manifest.organization.name, today)
    keys: list[ClauseKey] = []
    for entry in audit.scope:
        if parse_ref(entry) is not None:
            found = resolve(entry, below=False)
            if not found:
                out.unknown.append(entry)
            for edition_id, clause_id in sorted(found, key=lambda k: _order(editions, k)):
                edition = editions[edition_id]
                for leaf in _leaves(edition, edition.by_id[clause_id]):
                    if (edition.id, leaf.id) not in keys:
                        keys.append((edition.id, leaf.id))
        elif entry in processes:
            out.processes.append(_process(processes[entry], models, by_id, resolve, today))
        else:
            out.unknown.append(entry)
    actions = [m for m in models if isinstance(m, Action)]
    audits = [m for m in models if isinstance(m, Audit)]
    for key in keys:
        edition = editions[key[0]]
        clause = edition.by_id[key[1]]
        covered = coverage.get(key)
        if covered is None or covered.status == "excluded":
            continue
        out.clauses.append(_clause(edition, clause, covered, by_id, actions, audits, audit, result, resolve, today,
                                   workspace.manifest.settings.model_dump()))
    out.previous, out.follow_up = _previous(audit, audits, resolve, processes, by_id, set(keys))
    return out


def _order(editions: dict[str, Edition], key: ClauseKey) -> tuple[int, int]:
    edition = editions[key[0]]
    return list(editions).index(key[0]), edition.clauses.index(edition.by_id[key[1]])


def _leaves(edition: Edition, clause: Clause) -> list[Clause]:
    below = [c for c in descendants(edition, clause) if edition.is_leaf(c)]
    return below or [clause]


def _action(action: Action) -> ActionLine:
    return ActionLine(action.id, action.title, action.type, action.status, action.due.isoformat() if action.due else None)


def _relevant(action: Action, today: dt.date) -> bool:
    """Open, or closed (or cancelled) within RECENT_DAYS."""
    if action.status in ("open", "in-progress"):
        return True
    ended = action.closed_on or action.raised_on
    return (today - ended).days <= RECENT_DAYS


def _evidence(records: Sequence[RecordBase]) -> list[str]:
    paths: list[str] = []
    for record in records:
        if isinstance(record, Document) and record.path:
            paths.append(f"{record.path} ({record.id})")
        for item in record.evidence:
            target = item.path or item.url or ""
            dated = f", {item.date.isoformat()}" if item.date else ""
            paths.append(f"{target} ({record.id}{dated})")
    return list(dict.fromkeys(paths))[:SAMPLE]


def _phrase(value: object) -> str:
    if isinstance(value, list):
        return " or ".join(map(_phrase, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def questions_for(expect: Expect, settings: dict[str, object]) -> str:
    """One question an auditor can ask from an ``expects`` entry (our wording, from the catalog's data)."""
    where = " and ".join(f"{key.replace('_', ' ')} {_phrase(value)}" for key, value in expect.where.items())
    text = f"Show me the {expect.kind} records" + (f" with {where}" if where else "") + " that meet this; sample one."
    if expect.has:
        text += f" Does it record its {expect.has.replace('_', ' ')}?"
    if expect.within:
        text += f" Is it dated within the last {settings.get(expect.within)} days ({expect.within})?"
    if expect.note:
        text += f" Look for: {expect.note}."
    return text


def _clause(edition: Edition, clause: Clause, covered: ClauseCoverage, by_id: dict[str, RecordBase],
            actions: Sequence[Action], audits: Sequence[Audit], audit: Audit, result: Result, resolve: Resolver,
            today: dt.date, settings: dict[str, object]) -> ClauseItem:
    key = (edition.id, clause.id)
    records = [by_id[i] for i in covered.records if i in by_id]
    listed = [f"{r.id} {r.title}" + (f" ({r.owner})" if r.owner else "") for r in records[:SAMPLE]]
    if len(records) > SAMPLE:
        listed.append(f"and {len(records) - SAMPLE} more")
    on_it = [a for a in actions if _relevant(a, today) and any(key in resolve(t, below=True) for t in a.clauses)]
    earlier: list[FindingLine] = []
    for other in audits:
        if other.id == audit.id or other.status != "done" or (today - other.date).days > 3 * RECENT_DAYS:
            continue
        for finding in other.findings:
            if finding.clause and key in resolve(finding.clause, below=True) | resolve(finding.clause, below=False):
                earlier.append(_finding(other, finding, by_id))
    questions = [questions_for(e, settings) for e in clause.expects]
    if clause.documented_information in ("maintain", "both"):
        questions.append("Is the documented information it needs kept current, approved and available where it is used?")
    if clause.documented_information in ("retain", "both"):
        questions.append("Which retained records show it was done? Check dates and who signed them off.")
    if not questions:
        questions.append("How is this done here, by whom, and how would you know if it stopped working?")
    questions += [f"isoctl finds: {reason}. What is being done about it?" for reason in covered.reasons]
    own = {r.id for r in records}
    for said in result.findings:
        # coverage findings restate the reasons above, and the programme's own gaps are not the auditee's to answer
        info = result.rules.get(said.rule)
        if said.rule in PROGRAMME_RULES or (info is not None and info.category == "coverage"):
            continue
        if any(reason in said.message for reason in covered.reasons):
            continue
        if said.clause in (covered.ref, f"{edition.id}:{clause.id}") or (said.record in own and said.clause is None):
            questions.append(f"isoctl {said.rule} ({said.record or said.path}): {said.message}. Why, and what is planned?")
    questions += [f"Is {a.id} ({a.title}) on track" + (f" for {a.due.isoformat()}" if a.due else "") + "?"
                  for a in on_it if a.status in ("open", "in-progress")]
    title = clause.title
    if title is None:  # a numbered paragraph without a title of its own: say what it belongs to
        parent = edition.by_id.get(clause.parent or "")
        title = f"(paragraph of {parent.id} {parent.label})" if parent is not None else clause.label
    return ClauseItem(covered.ref, edition.id, clause.id, title, clause.summary, covered.status,
                      list(covered.reasons), listed, _evidence(records), [_action(a) for a in on_it],
                      sorted(earlier, key=lambda f: (f.date, f.audit, f.id)), list(dict.fromkeys(questions)))


def _process(process: Process, models: Sequence[RecordBase], by_id: dict[str, RecordBase], resolve: Resolver,
             today: dt.date) -> ProcessItem:
    kpis = []
    for kpi in process.kpis:
        objective = by_id.get(kpi)
        if isinstance(objective, Objective):
            latest = max(objective.measurements, key=lambda m: m.date, default=None)
            shown = f"{latest.value:g} on {latest.date.isoformat()}" if latest else "not measured"
            unit = "" if not objective.unit else objective.unit if objective.unit.startswith("%") else f" {objective.unit}"
            kpis.append(f"{objective.id} {objective.title}: target {objective.target:g}{unit}, latest {shown}")
        else:
            kpis.append(kpi)
    risks = []
    for risk_id in process.risks:
        risk = by_id.get(risk_id)
        if isinstance(risk, Risk):
            rating = f", rated {risk.likelihood * risk.impact}" if risk.likelihood and risk.impact else ""
            risks.append(f"{risk.id} {risk.title}{rating}")
        else:
            risks.append(risk_id)
    actions = [m for m in models if isinstance(m, Action) and process.id in m.related and _relevant(m, today)]
    questions = ["Walk me through the process from its inputs to its outputs: who does what, with which documents?",
                 "How do you know the process achieves what it should? Show the latest figures against target."]
    if process.risks:
        questions.append("Which risks of this process changed since the last review, and are their controls working?")
    questions += [f"Is {a.id} ({a.title}) on track" + (f" for {a.due.isoformat()}" if a.due else "") + "?"
                  for a in actions if a.status in ("open", "in-progress")]
    return ProcessItem(process.id, process.title, process.owner, list(process.inputs), list(process.outputs), kpis,
                       risks, list(process.clauses), _evidence([process]), [_action(a) for a in actions], questions)


def _finding(audit: Audit, finding: object, by_id: dict[str, RecordBase]) -> FindingLine:
    from isoctl.model.records import Finding

    assert isinstance(finding, Finding)
    linked = by_id.get(finding.action or "")
    status = linked.status if isinstance(linked, Action) else None
    return FindingLine(audit.id, audit.date.isoformat(), finding.id, finding.type, finding.clause,
                       finding.description or "", finding.action, status)


def _previous(audit: Audit, audits: Sequence[Audit], resolve: Resolver, processes: dict[str, Process],
              by_id: dict[str, RecordBase], keys: set[ClauseKey]) -> tuple[Audit | None, list[FindingLine]]:
    """The latest audit held before this one that covered part of its scope, and its findings on that part."""
    scope_keys, named = resolve.scope(audit, processes)
    candidates = [a for a in audits if a.id != audit.id and a.status == "done" and a.date < audit.date
                  and ((a.type == "internal") == (audit.type == "internal"))]
    for other in sorted(candidates, key=lambda a: (a.date, a.id), reverse=True):
        other_keys, other_named = resolve.scope(other, processes)
        if not (other_keys & scope_keys or other_named & named):
            continue
        lines = [_finding(other, f, by_id) for f in other.findings if f.type != "positive"
                 and (not f.clause or resolve(f.clause, below=False) & scope_keys)]
        return other, lines
    return None, []
