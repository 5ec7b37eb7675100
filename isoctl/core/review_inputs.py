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

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from isoctl.core.review_period import OPEN, Period, counted, listed
from isoctl.model.records import (
    Action,
    Activity,
    Aspect,
    Audit,
    Competence,
    Control,
    Exercise,
    Objective,
    Obligation,
    Process,
    Risk,
    Supplier,
)

#: Audit types a certification body carries out (supplier audits are about external providers).
EXTERNAL = ("certification", "surveillance", "recertification", "transition", "special")

#: What each input is about, as the meeting pack heads it.
TITLES: dict[str, str] = {
    "previous_actions": "Status of actions from previous management reviews",
    "context_changes": "Changes in external and internal issues",
    "interested_party_changes": "Changes in the needs and expectations of interested parties",
    "nonconformities": "Nonconformities and corrective actions",
    "monitoring_results": "Monitoring and measurement results",
    "audit_results": "Audit results",
    "objectives": "Extent to which objectives have been met",
    "resources": "Adequacy of resources",
    "risks_and_opportunities": "Effectiveness of actions on risks and opportunities",
    "improvement_opportunities": "Opportunities for improvement",
    "customer_satisfaction": "Customer satisfaction and feedback",
    "process_performance": "Process performance and conformity of products and services",
    "external_providers": "Performance of external providers",
    "compliance_obligations": "Fulfilment of compliance obligations",
    "significant_aspects": "Significant environmental aspects",
    "communications": "Communications from interested parties",
    "worker_participation": "Consultation and participation of workers",
    "incidents": "Incidents",
    "interested_party_feedback": "Feedback from interested parties",
    "risk_treatment": "Risk assessment and risk treatment plan",
    "bia_and_risk_assessment": "Business impact analysis and risk assessment",
    "exercise_results": "Exercises and tests",
    "supplier_performance": "Performance of suppliers and partners",
}

#: Words in a record's title that make it feed an input with no record kind of its own.
TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "customer_satisfaction": ("customer satisfaction", "satisfaction", "csat", "nps", "complaint"),
    "communications": ("communication",),
    "worker_participation": ("consultation", "participation", "committee"),
    "interested_party_feedback": ("feedback", "questionnaire"),
}


@dataclass(frozen=True)
class ObjectiveTrend:
    """One objective in the period: its measurements, the latest against the target, and which way it moved."""

    id: str
    title: str
    unit: str | None
    direction: str
    target: float
    points: tuple[tuple[dt.date, float], ...]  # every measurement on or before today, oldest first
    latest: tuple[dt.date, float] | None
    start: tuple[dt.date, float] | None  # the value the period started from
    met: bool | None
    trend: str  # improving | worsening | unchanged | no measurement in the period | first measurement...

    def show(self, value: float) -> str:
        """A value as people write it: ``12``, ``99.5``."""
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))

    @property
    def target_text(self) -> str:
        """``at least 98.5 %``: the target with its direction and unit."""
        sign = {"increase": "at least", "decrease": "at most", "maintain": "held at"}[self.direction]
        return f"{sign} {self.show(self.target)}" + (f" {self.unit}" if self.unit else "")

    @property
    def verdict(self) -> str:
        """``met``, ``not met``, or nothing (``maintain``, or not measured)."""
        return "" if self.met is None else ("met" if self.met else "not met")


def objective_trend(objective: Objective, period: Period) -> ObjectiveTrend:
    """The objective's latest value against its target and its movement since the period started."""
    points = tuple(sorted((m.date, m.value) for m in objective.measurements if m.date <= period.today))
    latest = points[-1] if points else None
    before = [p for p in points if period.start is not None and p[0] < period.start]
    inside = [p for p in points if period.within(p[0])]
    start = before[-1] if before else (inside[0] if inside else None)
    met: bool | None = None
    if latest is not None and objective.direction != "maintain":
        met = latest[1] >= objective.target if objective.direction == "increase" else latest[1] <= objective.target
    if not inside:
        trend = "no measurement in the period"
    elif start is None or start == latest or latest is None:
        trend = "one measurement so far"
    elif start[1] == latest[1]:
        trend = "unchanged"
    elif objective.direction == "maintain":
        trend = "changed"
    else:
        better = latest[1] > start[1] if objective.direction == "increase" else latest[1] < start[1]
        trend = "improving" if better else "worsening"
    return ObjectiveTrend(objective.id, objective.title, objective.unit, objective.direction, objective.target,
                          points, latest, start, met, trend)


def _objective_line(trend: ObjectiveTrend) -> str:
    """``OBJ-1 Title: 97.4 on 2026-10-31, target at least 98 %: not met; improving (from 96.1 on 2026-01-15)``."""
    if trend.latest is None:
        return f"{trend.id} {trend.title}: not measured yet (target {trend.target_text})"
    verdict = f": {trend.verdict}" if trend.verdict else ""
    moved = trend.trend
    if trend.start is not None and trend.latest != trend.start and trend.trend != "no measurement in the period":
        moved += f" (from {trend.show(trend.start[1])} on {trend.start[0].isoformat()})"
    return (f"{trend.id} {trend.title}: {trend.show(trend.latest[1])} on {trend.latest[0].isoformat()}, "
            f"target {trend.target_text}{verdict}; {moved}")


def _record_changes(period: Period, kind: str, noun: str, plural: str) -> list[str]:
    """What changed in the records of one kind, as git tells it, or how many there are when it cannot."""
    records = [r for r in period.records if r.kind == kind]
    if not records:
        return []
    found = period.kind_changes(kind)
    total = f"{counted(len(records), noun, plural)} recorded"
    if found is None:
        if period.start is None:
            return [f"{total}: {listed(sorted({r.id for r in records}))} (no earlier review to compare with)"]
        return [f"{total}; what changed {period.since} cannot be told: the git history does not reach back to then"]
    added, changed, removed = found
    lines = [f"Added {period.since}: " + "; ".join(f"{r.id} {r.title}" for r in added)] if added else []
    if changed:
        lines.append(f"Changed {period.since}: " + "; ".join(
            f"{c.id} ({listed((f.field for f in c.fields), 4) or 'moved'})" for c in changed))
    if removed:
        lines.append(f"Removed {period.since}: " + "; ".join(f"{r.id} {r.title}" for r in removed))
    return lines or [f"No {noun} added, changed or removed {period.since} ({total})"]


def _actions(period: Period, *types: str) -> list[Action]:
    return [a for a in period.of(Action) if a.type in types]


def _action_summary(period: Period, actions: list[Action], noun: str, plural: str) -> list[str]:
    """Raised, closed, effectiveness and overdue counts of a group of actions."""
    if not actions:
        return []
    raised = [a for a in actions if period.within(a.raised_on)]
    severity = ", ".join(f"{n} {s}" for s in ("major", "minor") if (n := sum(1 for a in raised if a.severity == s)))
    lines = [f"Raised {period.since}: {counted(len(raised), noun, plural)}" + (f" ({severity})" if severity else "")
             + (f": {listed(a.id for a in raised)}" if raised else "")]
    closed = [a for a in actions if a.status == "closed" and period.within(a.closed_on)]
    if closed:
        effective = sum(1 for a in closed if a.verification is not None and a.verification.effective)
        failed = sum(1 for a in closed if a.verification is not None and not a.verification.effective)
        unverified = [a.id for a in closed if a.verification is None]
        lines.append(f"Closed {period.since}: {len(closed)}; verified effective: {effective}; not effective: {failed}; "
                     f"effectiveness not verified: {len(unverified)}" + (f" ({listed(unverified)})" if unverified else ""))
    still = [a for a in actions if a.status in OPEN]
    late = [a for a in still if a.due is not None and a.due < period.today]
    lines.append(f"Open now: {len(still)}" + (f", {len(late)} overdue: " + "; ".join(
        f"{a.id} {period.action_state(a)}" for a in late) if late else ""))
    return lines


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
            lines.append(f"{review.id} ({review.date.isoformat()}) raised {counted(len(review.actions), 'action')}: "
                         + "; ".join(states))
        for name in ("decisions", "changes", "resources", "improvements"):
            items = getattr(review.outputs, name) if review.outputs is not None else []
            if items:
                lines.append(f"{name.capitalize()} of {review.id}: " + "; ".join(items))
    listed_ids = set(review.actions) if review is not None else set()
    others = [a for a in period.of(Action) if a.source == "management-review" and a.id not in listed_ids
              and (a.status in OPEN or period.within(a.raised_on))]
    if others:
        lines.append("Other actions from management reviews: " + "; ".join(f"{a.id} {period.action_state(a)}" for a in others))
    return lines


def nonconformities(period: Period) -> list[str]:
    actions = _actions(period, "nonconformity", "incident")
    return _action_summary(period, actions, "nonconformity or incident", "nonconformities and incidents") + \
        _recurrence(period, actions)


def incidents(period: Period) -> list[str]:
    return _action_summary(period, _actions(period, "incident"), "incident", "incidents")


def monitoring_results(period: Period) -> list[str]:
    objectives = period.of(Objective)
    if not objectives:
        return []
    measured = [(o, [m for m in o.measurements if period.within(m.date)]) for o in objectives]
    count = sum(len(found) for _, found in measured)
    lines = [f"{counted(count, 'measurement')} of {counted(sum(1 for _, f in measured if f), 'objective')} {period.since}"]
    silent = [o.id for o, found in measured if not found]
    if silent:
        lines.append(f"Not measured {period.since}: {listed(silent)}")
    return lines


def objectives(period: Period) -> list[str]:
    return [_objective_line(objective_trend(o, period)) for o in period.of(Objective)]


def audit_results(period: Period) -> list[str]:
    audits = [a for a in period.of(Audit) if a.type != "supplier"]
    lines = []
    for label, group in (("Internal audits", [a for a in audits if a.type == "internal"]),
                         ("External audits", [a for a in audits if a.type in EXTERNAL])):
        held = sorted((a for a in group if a.status == "done" and period.within(a.date)), key=lambda a: a.date)
        if group:
            lines.append(f"{label} held {period.since}: {len(held)}" + ("".join(
                f"; {a.id} on {a.date.isoformat()} ({_findings(a)})" for a in held)))
    open_actions = {a.id for a in period.of(Action) if a.status in OPEN}
    unresolved = [f"{a.id}/{f.id}" for a in audits for f in a.findings if f.action in open_actions]
    if unresolved:
        lines.append(f"Findings whose action is still open: {listed(unresolved)}")
    planned = sorted((a for a in audits if a.status == "planned" and a.date >= period.today), key=lambda a: a.date)
    if planned:
        lines.append("Planned next: " + "; ".join(f"{a.id} ({a.type}) on {a.date.isoformat()}" for a in planned[:4]))
    return lines


def _findings(audit: Audit) -> str:
    if not audit.findings:
        return "no findings"
    kinds = ("major", "minor", "observation", "ofi", "positive")
    return ", ".join(f"{n} {k}" for k in kinds if (n := sum(1 for f in audit.findings if f.type == k)))


def resources(period: Period) -> list[str]:
    lines = []
    competence = period.of(Competence)
    if competence:
        done = [c for c in competence if period.within(c.completed_on)]
        expired = [c for c in competence if c.expires_on is not None and c.expires_on < period.today]
        soon = [c for c in competence if c.expires_on is not None and 0 <= (c.expires_on - period.today).days <= 90]
        lines.append(f"Competence: {counted(len(done), 'course')} completed {period.since}; "
                     f"{len(expired)} expired" + (f" ({listed(c.id for c in expired)})" if expired else "")
                     + f"; {len(soon)} expiring within 90 days" + (f" ({listed(c.id for c in soon)})" if soon else ""))
    review = period.previous
    if review is not None and review.outputs is not None and review.outputs.resources:
        lines.append(f"Resources decided at {review.id}: " + "; ".join(review.outputs.resources))
    return lines


def risks_and_opportunities(period: Period) -> list[str]:
    risks = period.of(Risk)
    if not risks:
        return []
    threats = [r for r in risks if r.type == "risk"]
    lines = [f"{counted(len(threats), 'risk')} and {counted(len(risks) - len(threats), 'opportunity', 'opportunities')} "
             f"recorded; {sum(1 for r in risks if period.within(r.reviewed_on))} reviewed {period.since}"]
    scored = sorted(((r.likelihood * r.impact, r.id) for r in threats if r.likelihood and r.impact), key=lambda s: (-s[0], s[1]))
    if scored:
        lines.append("Highest rated: " + ", ".join(f"{i} ({score})" for score, i in scored[:3]))
    return lines + _record_changes(period, "risk", "risk or opportunity", "risks and opportunities")


def improvement_opportunities(period: Period) -> list[str]:
    raised = [a for a in _actions(period, "improvement", "ofi") if period.within(a.raised_on) or a.status in OPEN]
    lines = [f"Improvement actions raised {period.since} or still open: " + "; ".join(
        f"{a.id} {a.title} ({a.status})" for a in raised)] if raised else []
    ofis = [f"{a.id}/{f.id}" for a in period.of(Audit) if period.within(a.date) for f in a.findings if f.type == "ofi"]
    if ofis:
        lines.append(f"Opportunities for improvement from audits {period.since}: {listed(ofis)}")
    chances = [r.id for r in period.of(Risk) if r.type == "opportunity"]
    if chances:
        lines.append(f"Opportunities in the risk register: {listed(chances)}")
    return lines


def customer_satisfaction(period: Period) -> list[str]:
    complaints = [a for a in period.of(Action) if a.type == "complaint" or a.source == "complaint"]
    lines = _action_summary(period, complaints, "complaint", "complaints")
    return lines + _titled_objectives(period, "customer_satisfaction")


def _titled_objectives(period: Period, key: str) -> list[str]:
    words = TITLE_WORDS[key]
    return [_objective_line(objective_trend(o, period)) for o in period.of(Objective)
            if any(w in o.title.casefold() for w in words)]


def process_performance(period: Period) -> list[str]:
    objectives_by_id = {o.id: o for o in period.of(Objective)}
    nonconforming = _actions(period, "nonconformity", "incident", "complaint")
    lines = []
    for process in period.of(Process):
        trends = [objective_trend(objectives_by_id[k], period) for k in process.kpis if k in objectives_by_id]
        kpis = [f"{t.id} {t.verdict or 'measured'}, {t.trend}" if t.latest else f"{t.id} not measured yet" for t in trends]
        raised = [a.id for a in nonconforming if process.id in a.related and period.within(a.raised_on)]
        facts = kpis + ([f"{counted(len(raised), 'nonconformity', 'nonconformities')} {period.since} ({listed(raised)})"]
                        if raised else [])
        lines.append(f"{process.id} {process.title}: " + ("; ".join(facts) if facts else "no KPI or nonconformity recorded"))
    return lines


def external_providers(period: Period) -> list[str]:
    suppliers = period.of(Supplier)
    if not suppliers:
        return []
    rated = [s.rating for s in suppliers if s.rating is not None]
    lines = [f"{counted(len(suppliers), 'supplier')}; {sum(1 for s in suppliers if period.within(s.evaluated_on))} "
             f"evaluated {period.since}" + (f"; average rating {sum(rated) / len(rated):.1f} of 5" if rated else "")]
    low = [f"{s.id} ({s.rating})" for s in suppliers if s.rating is not None and s.rating <= 2]
    if low:
        lines.append(f"Rated 2 or lower: {listed(low)}")
    refused = [s.id for s in suppliers if s.approved is False]
    if refused:
        lines.append(f"Not approved: {listed(refused)}")
    never = [s.id for s in suppliers if s.evaluated_on is None]
    if never:
        lines.append(f"Never evaluated: {listed(never)}")
    audits = [a for a in period.of(Audit) if a.type == "supplier" and a.status == "done" and period.within(a.date)]
    if audits:
        lines.append("Supplier audits: " + "; ".join(f"{a.id} on {a.date.isoformat()} ({_findings(a)})" for a in audits))
    ids = {s.id for s in suppliers}
    about = [a for a in period.of(Action) if ids & set(a.related) and period.within(a.raised_on)]
    if about:
        lines.append(f"Actions about suppliers raised {period.since}: " + "; ".join(f"{a.id} ({a.status})" for a in about))
    return lines


def compliance_obligations(period: Period) -> list[str]:
    obligations = period.of(Obligation)
    if not obligations:
        return []
    evaluated = [o for o in obligations if period.within(o.evaluated_on)]
    lines = [f"{counted(len(obligations), 'obligation')}; {len(evaluated)} evaluated {period.since}, "
             f"{sum(1 for o in evaluated if o.compliant)} of them compliant"]
    failing = [o.id for o in obligations if o.compliant is False]
    if failing:
        lines.append(f"Evaluated not compliant: {listed(failing)}")
    never = [o.id for o in obligations if o.evaluated_on is None]
    if never:
        lines.append(f"Never evaluated: {listed(never)}")
    return lines


def significant_aspects(period: Period) -> list[str]:
    aspects = period.of(Aspect)
    if not aspects:
        return []
    significant = [a.id for a in aspects if a.significant]
    lines = [f"{counted(len(aspects), 'aspect')}, {len(significant)} significant" + (f": {listed(significant)}" if significant else "")
             + f"; {sum(1 for a in aspects if period.within(a.reviewed_on))} reviewed {period.since}"]
    return lines + _record_changes(period, "aspect", "aspect", "aspects")


def risk_treatment(period: Period) -> list[str]:
    controls = [c for c in period.of(Control) if c.applicable]
    lines = []
    if controls:
        states = ("implemented", "partial", "planned", "not-started")
        lines.append(f"{counted(len(controls), 'applicable control')}: " + ", ".join(
            f"{sum(1 for c in controls if c.status == s)} {s}" for s in states))
        behind = [c.id for c in controls if c.status in ("planned", "not-started")]
        if behind:
            lines.append(f"Not implemented yet: {listed(behind)}")
    treated = [r for r in period.of(Risk) if r.type == "risk" and r.treatment is not None]
    if treated:
        lines.append("Risk treatment: " + ", ".join(
            f"{n} {t}" for t in ("mitigate", "transfer", "avoid", "accept") if (n := sum(1 for r in treated if r.treatment == t))))
    return lines + (_record_changes(period, "control", "control", "controls") if controls else [])


def bia_and_risk_assessment(period: Period) -> list[str]:
    activities = period.of(Activity)
    if not activities:
        return []
    lines = [f"{counted(len(activities), 'activity', 'activities')} in the business impact analysis; "
             f"{sum(1 for a in activities if period.within(a.reviewed_on))} reviewed {period.since}"]
    missing = [a.id for a in activities if not a.rto]
    if missing:
        lines.append(f"Without a recovery time objective: {listed(missing)}")
    return lines + _record_changes(period, "activity", "activity", "activities")


def exercise_results(period: Period) -> list[str]:
    exercises = period.of(Exercise)
    if not exercises:
        return []
    held = sorted((e for e in exercises if period.within(e.date)), key=lambda e: e.date)
    lines = [f"Exercises held {period.since}: {len(held)}"]
    for exercise in held:
        outcome = (exercise.outcome or "no outcome recorded").strip().splitlines()[0]
        lines.append(f"{exercise.id} on {exercise.date.isoformat()} ({exercise.scenario}): {outcome}"
                     + (f"; actions {listed(exercise.actions)}" if exercise.actions else ""))
    return lines


def interested_party_feedback(period: Period) -> list[str]:
    complaints = [a for a in period.of(Action) if a.type == "complaint" or a.source == "complaint"]
    return _action_summary(period, complaints, "complaint", "complaints") + \
        _record_changes(period, "party", "interested party", "interested parties")


#: Kinds whose title says what they are about, not what they record (an audit of "communication").
_NOT_TITLED = frozenset({"audit", "objective", "control", "risk", "obligation"})


def _titled(key: str) -> Callable[[Period], list[str]]:
    """An input fed by the records titled for it (``communications``, ``worker_participation``) and the actions
    raised in the period about it."""
    def gather(period: Period) -> list[str]:
        words = TITLE_WORDS[key]
        found = [r.model for r in period.records if r.kind not in _NOT_TITLED
                 and any(w in r.model.title.casefold() for w in words)
                 and (not isinstance(r.model, Action) or period.within(r.model.raised_on) or r.model.status in OPEN)]
        return [f"{m.id} {m.title}" for m in sorted(found, key=lambda m: m.id)]
    return gather


GATHER: dict[str, Callable[[Period], list[str]]] = {
    "previous_actions": previous_actions,
    "context_changes": lambda p: _record_changes(p, "issue", "issue", "issues"),
    "interested_party_changes": lambda p: _record_changes(p, "party", "interested party", "interested parties"),
    "nonconformities": nonconformities,
    "monitoring_results": monitoring_results,
    "audit_results": audit_results,
    "objectives": objectives,
    "resources": resources,
    "risks_and_opportunities": risks_and_opportunities,
    "improvement_opportunities": improvement_opportunities,
    "customer_satisfaction": customer_satisfaction,
    "process_performance": process_performance,
    "external_providers": external_providers,
    "compliance_obligations": compliance_obligations,
    "significant_aspects": significant_aspects,
    "communications": _titled("communications"),
    "worker_participation": _titled("worker_participation"),
    "incidents": incidents,
    "interested_party_feedback": interested_party_feedback,
    "risk_treatment": risk_treatment,
    "bia_and_risk_assessment": bia_and_risk_assessment,
    "exercise_results": exercise_results,
    "supplier_performance": external_providers,
}


def gather(period: Period, key: str) -> tuple[str, ...]:
    """The facts of one input, records tagged with its key last; empty when the repository has none."""
    lines = list(GATHER[key](period))
    seen = {line.split(" ", 1)[0] for line in lines}
    lines += [f"Tagged {key}: {m.id} {m.title}" for m in period.tagged(key) if m.id not in seen]
    return tuple(lines)


def keys_in(groups: Iterable[tuple[str, ...]]) -> list[str]:
    """The input keys of several groups, once each, in order."""
    return list(dict.fromkeys(key for group in groups for key in group))
