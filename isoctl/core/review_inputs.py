"""The inputs of a management review, gathered from what the repository says about the period (9.3.2).

Each input key of design §3.2 has a function here that turns the records of
a :class:`~isoctl.core.review_period.Period` into plain sentences, one fact
a line: what was raised, closed, measured, audited, evaluated or changed
since the previous review. An input with nothing to go on says so
(:data:`~isoctl.core.review_period.NO_DATA`), so that the gap is discussed
in the meeting rather than hidden. Records tagged with an input's key
(``tags: [communications]``) are listed under that input as well: the way
to bring in minutes, surveys or reports isoctl has no kind for.
Pure functions: no files, no git, no clock.
"""

from __future__ import annotations

from collections.abc import Callable

from isoctl.core import review_standards as standard
from isoctl.core.review_period import (
    OPEN,
    Period,
    action_summary,
    actions_of,
    finding_ref,
    findings_summary,
    listed,
    objective_line,
    objective_trend,
    record_changes,
)
from isoctl.history.record_changes import plural
from isoctl.model.records import Action, Audit, Competence, Objective, Risk

#: Audit types a certification body carries out (supplier audits are about external providers).
EXTERNAL = ("certification", "surveillance", "recertification", "transition", "special")



def _recurrence(period: Period, actions: list[Action]) -> list[str]:
    """Nonconformities of the period on a clause or record an earlier one was already about."""
    lines = []
    for action in actions:
        if not period.within(action.raised_on):
            continue
        about = set(action.clauses) | set(action.related)
        earlier = [a for a in actions if a.raised_on < action.raised_on and about & (set(a.clauses) | set(a.related))]
        if earlier:
            shared = sorted(about & {x for a in earlier for x in (*a.clauses, *a.related)})
            lines.append(f"Recurrence: {action.id} on {listed(shared, 3)} again after {listed(a.id for a in earlier)}")
    return lines


def previous_actions(period: Period) -> list[str]:
    review = period.previous
    known = {a.id: a for a in period.of(Action)}
    lines = []
    if review is not None:
        if not review.actions:
            lines.append(f"{review.id} ({review.date.isoformat()}) recorded no actions")
        else:
            states = [f"{i} {period.action_state(known[i])}" if i in known else f"{i} (no such action in the repository)"
                      for i in review.actions]
            lines.append(f"{review.id} ({review.date.isoformat()}) raised {plural(len(review.actions), 'action')}: "
                         + "; ".join(states))
        for name in ("decisions", "changes", "resources", "improvements"):
            items = getattr(review.outputs, name) if review.outputs is not None else []
            if items:
                lines.append(f"{name.capitalize()} of {review.id}: " + "; ".join(i.strip().rstrip(".") for i in items))
    listed_ids = set(review.actions) if review is not None else set()
    others = [a for a in period.of(Action) if a.source == "management-review" and a.id not in listed_ids
              and (a.status in OPEN or period.within(a.raised_on))]
    if others:
        lines.append("Other actions from management reviews: " + "; ".join(f"{a.id} {period.action_state(a)}" for a in others))
    return lines


def nonconformities(period: Period) -> list[str]:
    actions = actions_of(period, "nonconformity", "incident")
    return action_summary(period, actions, "nonconformity or incident", "nonconformities and incidents") + \
        _recurrence(period, actions)


def monitoring_results(period: Period) -> list[str]:
    objectives = period.of(Objective)
    if not objectives:
        return []
    measured = [(o, [m for m in o.measurements if period.within(m.date)]) for o in objectives]
    count = sum(len(found) for _, found in measured)
    lines = [f"{plural(count, 'measurement')} of {plural(sum(1 for _, f in measured if f), 'objective')} {period.since}"]
    silent = [o.id for o, found in measured if not found]
    if silent:
        lines.append(f"Not measured {period.since}: {listed(silent)}")
    return lines


def objectives(period: Period) -> list[str]:
    return [objective_line(objective_trend(o, period)) for o in period.of(Objective)]


def audit_results(period: Period) -> list[str]:
    audits = [a for a in period.of(Audit) if a.type != "supplier"]
    lines = []
    for label, group in (("Internal audits", [a for a in audits if a.type == "internal"]),
                         ("External audits", [a for a in audits if a.type in EXTERNAL])):
        held = sorted((a for a in group if a.status == "done" and period.within(a.date)), key=lambda a: a.date)
        if group:
            lines.append(f"{label} held {period.since}: {len(held)}" + ("".join(
                f"; {a.id} on {a.date.isoformat()} ({findings_summary(a)})" for a in held)))
    open_actions = {a.id for a in period.of(Action) if a.status in OPEN}
    unresolved = [finding_ref(a, f) for a in audits for f in a.findings if f.action in open_actions]
    if unresolved:
        lines.append(f"Findings whose action is still open: {listed(unresolved)}")
    planned = sorted((a for a in audits if a.status == "planned" and a.date >= period.today), key=lambda a: a.date)
    if planned:
        lines.append("Planned next: " + "; ".join(f"{a.id} ({a.type}) on {a.date.isoformat()}" for a in planned[:4]))
    return lines


def resources(period: Period) -> list[str]:
    lines = []
    competence = period.of(Competence)
    if competence:
        done = [c for c in competence if period.within(c.completed_on)]
        expired = [c for c in competence if c.expires_on is not None and c.expires_on < period.today]
        soon = [c for c in competence if c.expires_on is not None and 0 <= (c.expires_on - period.today).days <= 90]
        lines.append(f"Competence: {plural(len(done), 'course')} completed {period.since}; "
                     f"{len(expired)} expired" + (f" ({listed(c.id for c in expired)})" if expired else "")
                     + f"; {len(soon)} expiring within 90 days" + (f" ({listed(c.id for c in soon)})" if soon else ""))
    review = period.previous
    if review is not None and review.outputs is not None and review.outputs.resources:
        lines.append(f"Resources decided at {review.id}: " + "; ".join(r.strip().rstrip(".") for r in review.outputs.resources))
    return lines


def risks_and_opportunities(period: Period) -> list[str]:
    risks = period.of(Risk)
    if not risks:
        return []
    threats = [r for r in risks if r.type == "risk"]
    lines = [f"{plural(len(threats), 'risk')} and {plural(len(risks) - len(threats), 'opportunity', 'opportunities')} "
             f"recorded; {sum(1 for r in risks if period.within(r.reviewed_on))} reviewed {period.since}"]
    scored = sorted(((r.likelihood * r.impact, r.id) for r in threats if r.likelihood and r.impact), key=lambda s: (-s[0], s[1]))
    if scored:
        lines.append("Highest rated: " + ", ".join(f"{i} ({score})" for score, i in scored[:3]))
    return lines + record_changes(period, "risk", "risk or opportunity", "risks and opportunities")


def improvement_opportunities(period: Period) -> list[str]:
    raised = [a for a in actions_of(period, "improvement", "ofi") if period.within(a.raised_on) or a.status in OPEN]
    lines = [f"Improvement actions raised {period.since} or still open: " + "; ".join(
        f"{a.id} {a.title} ({a.status})" for a in raised)] if raised else []
    ofis = [finding_ref(a, f) for a in period.of(Audit) if period.within(a.date) for f in a.findings if f.type == "ofi"]
    if ofis:
        lines.append(f"Opportunities for improvement from audits {period.since}: {listed(ofis)}")
    chances = [r.id for r in period.of(Risk) if r.type == "opportunity"]
    if chances:
        lines.append(f"Opportunities in the risk register: {listed(chances)}")
    return lines


GATHER: dict[str, Callable[[Period], list[str]]] = {
    "previous_actions": previous_actions,
    "context_changes": lambda p: record_changes(p, "issue", "issue", "issues"),
    "interested_party_changes": lambda p: record_changes(p, "party", "interested party", "interested parties"),
    "nonconformities": nonconformities,
    "monitoring_results": monitoring_results,
    "audit_results": audit_results,
    "objectives": objectives,
    "resources": resources,
    "risks_and_opportunities": risks_and_opportunities,
    "improvement_opportunities": improvement_opportunities,
    "customer_satisfaction": standard.customer_satisfaction,
    "process_performance": standard.process_performance,
    "external_providers": standard.external_providers,
    "compliance_obligations": standard.compliance_obligations,
    "significant_aspects": standard.significant_aspects,
    "communications": standard.titled("communications"),
    "worker_participation": standard.titled("worker_participation"),
    "incidents": standard.incidents,
    "interested_party_feedback": standard.interested_party_feedback,
    "risk_treatment": standard.risk_treatment,
    "bia_and_risk_assessment": standard.bia_and_risk_assessment,
    "exercise_results": standard.exercise_results,
    "supplier_performance": standard.external_providers,
}


def gather(period: Period, key: str) -> tuple[str, ...]:
    """The facts of one input, records tagged with its key last; empty when the repository has none."""
    lines = list(GATHER[key](period))
    seen = {line.split(" ", 1)[0] for line in lines}
    lines += [f"Tagged {key}: {m.id} {m.title}" for m in period.tagged(key) if m.id not in seen]
    return tuple(lines)
