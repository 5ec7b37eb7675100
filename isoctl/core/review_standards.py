"""The management review inputs that one standard adds to the common ones (design §3.2).

ISO 9001 asks about customers, processes and external providers; ISO 14001
about compliance obligations, significant aspects and communications; ISO
45001 about worker participation, incidents and obligations; ISO/IEC 27001
about feedback and risk treatment; ISO 22301 about the business impact
analysis, exercises and suppliers. Each function turns the records of a
:class:`~isoctl.core.review_period.Period` into sentences, one fact a line,
and returns nothing when the repository has nothing to say.
"""

from __future__ import annotations

from collections.abc import Callable

from isoctl.core.review_period import (
    OPEN,
    Period,
    action_summary,
    actions_of,
    findings_summary,
    listed,
    objective_line,
    objective_trend,
    record_changes,
)
from isoctl.history.record_changes import natural, plural
from isoctl.model.records import (
    Action,
    Activity,
    Aspect,
    Audit,
    Control,
    Exercise,
    Objective,
    Obligation,
    Process,
    Risk,
    Supplier,
)

#: Words in a record's title that make it feed an input with no record kind of its own.
TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "customer_satisfaction": ("customer satisfaction", "satisfaction", "csat", "nps", "complaint"),
    "communications": ("communication",),
    "worker_participation": ("consultation", "participation", "committee"),
    "interested_party_feedback": ("feedback", "questionnaire"),
}


def incidents(period: Period) -> list[str]:
    return action_summary(period, actions_of(period, "incident"), "incident", "incidents")


def customer_satisfaction(period: Period) -> list[str]:
    complaints = [a for a in period.of(Action) if a.type == "complaint" or a.source == "complaint"]
    lines = action_summary(period, complaints, "complaint", "complaints")
    return lines + titled_objectives(period, "customer_satisfaction") + titled("customer_satisfaction")(period)


def titled_objectives(period: Period, key: str) -> list[str]:
    words = TITLE_WORDS[key]
    return [objective_line(objective_trend(o, period)) for o in period.of(Objective)
            if any(w in o.title.casefold() for w in words)]


def process_performance(period: Period) -> list[str]:
    objectives_by_id = {o.id: o for o in period.of(Objective)}
    nonconforming = actions_of(period, "nonconformity", "incident", "complaint")
    lines = []
    for process in period.of(Process):
        trends = [objective_trend(objectives_by_id[k], period) for k in process.kpis if k in objectives_by_id]
        kpis = [f"{t.id} {t.verdict or 'measured'}, {t.trend}" if t.latest else f"{t.id} not measured yet" for t in trends]
        raised = [a.id for a in nonconforming if process.id in a.related and period.within(a.raised_on)]
        facts = kpis + ([f"{plural(len(raised), 'nonconformity', 'nonconformities')} {period.since} ({listed(raised)})"]
                        if raised else [])
        lines.append(f"{process.id} {process.title}: " + ("; ".join(facts) if facts else "no KPI or nonconformity recorded"))
    return lines


def external_providers(period: Period) -> list[str]:
    suppliers = period.of(Supplier)
    if not suppliers:
        return []
    rated = [s.rating for s in suppliers if s.rating is not None]
    lines = [f"{plural(len(suppliers), 'supplier')}; {sum(1 for s in suppliers if period.within(s.evaluated_on))} "
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
        lines.append("Supplier audits: " + "; ".join(f"{a.id} on {a.date.isoformat()} ({findings_summary(a)})" for a in audits))
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
    lines = [f"{plural(len(obligations), 'obligation')}; {len(evaluated)} evaluated {period.since}, "
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
    lines = [f"{plural(len(aspects), 'aspect')}, {len(significant)} significant" + (f": {listed(significant)}" if significant else "")
             + f"; {sum(1 for a in aspects if period.within(a.reviewed_on))} reviewed {period.since}"]
    return lines + record_changes(period, "aspect", "aspect", "aspects")


def risk_treatment(period: Period) -> list[str]:
    controls = [c for c in period.of(Control) if c.applicable]
    lines = []
    if controls:
        states = ("implemented", "partial", "planned", "not-started")
        lines.append(f"{plural(len(controls), 'applicable control')}: " + ", ".join(
            f"{sum(1 for c in controls if c.status == s)} {s}" for s in states))
        behind = [c.id for c in controls if c.status in ("planned", "not-started")]
        if behind:
            lines.append(f"Not implemented yet: {listed(behind)}")
    treated = [r for r in period.of(Risk) if r.type == "risk" and r.treatment is not None]
    if treated:
        lines.append("Risk treatment: " + ", ".join(
            f"{n} {t}" for t in ("mitigate", "transfer", "avoid", "accept") if (n := sum(1 for r in treated if r.treatment == t))))
    return lines + (record_changes(period, "control", "control", "controls") if controls else [])


def bia_and_risk_assessment(period: Period) -> list[str]:
    activities = period.of(Activity)
    if not activities:
        return []
    lines = [f"{plural(len(activities), 'activity', 'activities')} in the business impact analysis; "
             f"{sum(1 for a in activities if period.within(a.reviewed_on))} reviewed {period.since}"]
    missing = [a.id for a in activities if not a.rto]
    if missing:
        lines.append(f"Without a recovery time objective: {listed(missing)}")
    return lines + record_changes(period, "activity", "activity", "activities")


def exercise_results(period: Period) -> list[str]:
    exercises = period.of(Exercise)
    if not exercises:
        return []
    held = sorted((e for e in exercises if period.within(e.date)), key=lambda e: e.date)
    lines = [f"Exercises held {period.since}: {len(held)}"]
    for exercise in held:
        outcome = ((exercise.outcome or "").strip().splitlines() or ["no outcome recorded"])[0]
        lines.append(f"{exercise.id} on {exercise.date.isoformat()} ({exercise.scenario}): {outcome}"
                     + (f"; actions {listed(exercise.actions)}" if exercise.actions else ""))
    return lines


def interested_party_feedback(period: Period) -> list[str]:
    complaints = [a for a in period.of(Action) if a.type == "complaint" or a.source == "complaint"]
    return action_summary(period, complaints, "complaint", "complaints") + \
        record_changes(period, "party", "interested party", "interested parties") + \
        titled("interested_party_feedback")(period)


#: Kinds whose title says what they are about, not what they record (an audit of "communication"), and
#: complaints, which their inputs count already.
NOT_TITLED = frozenset({"audit", "objective", "control", "risk", "obligation"})


def titled(key: str) -> Callable[[Period], list[str]]:
    """An input fed by the records titled for it (``communications``, ``worker_participation``) and the actions
    raised in the period about it."""
    def gather(period: Period) -> list[str]:
        words = TITLE_WORDS[key]
        found = [r.model for r in period.records if r.kind not in NOT_TITLED
                 and any(w in r.model.title.casefold() for w in words)
                 and (not isinstance(r.model, Action) or (r.model.type != "complaint" and r.model.source != "complaint"
                                                          and (period.within(r.model.raised_on) or r.model.status in OPEN)))]
        return [f"{m.id} {m.title}" for m in sorted(found, key=lambda m: natural(m.id))]
    return gather
