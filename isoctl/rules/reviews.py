"""Rules about top management's own part (5, 6.2, 9.3): reviews held, complete and attended; objectives measured; climate decided.

These are the places where a "paper" system shows first: the review that is
held once and then copied forward, the objective set in January and never
looked at again, the Amd 1:2024 climate question nobody has answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher

from isoctl.model.records import Issue, Objective, Review
from isoctl.rules import Context, Hit, rule
from isoctl.rules.actions import days
from isoctl.rules.audits import standard_entries

#: Management review inputs each standard asks for, by family (docs/format.md, design §3.2).
#: ``common`` applies to every standard; a family not listed (a workspace's own catalog) needs only those.
REVIEW_INPUTS: dict[str, tuple[str, ...]] = {
    "common": ("previous_actions", "context_changes", "interested_party_changes", "nonconformities",
               "monitoring_results", "audit_results", "objectives", "resources", "risks_and_opportunities",
               "improvement_opportunities"),
    "iso9001": ("customer_satisfaction", "process_performance", "external_providers"),
    "iso14001": ("compliance_obligations", "significant_aspects", "communications"),
    "iso45001": ("worker_participation", "incidents", "compliance_obligations"),
    "iso27001": ("interested_party_feedback", "risk_treatment"),
    "iso22301": ("bia_and_risk_assessment", "exercise_results", "supplier_performance"),
}

#: What each input is about, in plain words: how the meeting pack, the minutes and the findings head it (never the key).
INPUT_TITLES: dict[str, str] = {
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
    "risk_treatment": "Risk assessment results and status of the risk treatment plan",
    "bia_and_risk_assessment": "Business impact analysis and risk assessment",
    "exercise_results": "Results of exercises and tests",
    "supplier_performance": "Performance of suppliers and partners",
}


#: How alike (difflib ratio over the words of inputs and outputs) a review may be to the one before it.
COPIED = 0.9


def _held_reviews(ctx: Context) -> list[Review]:
    """Reviews held on or before today, oldest first (a review dated in the future is only planned, and one with
    ``status: draft`` is being prepared: neither has been held)."""
    return sorted((r for r in ctx.records(Review) if r.held_by(ctx.today)), key=lambda r: r.date)


@rule("missing-management-review", "error", category="living")
def missing_management_review(ctx: Context) -> Iterator[Hit]:
    """No management review held within ``management_review_days``.

    Top management has to review the system at planned intervals (9.3); a
    system whose last review is older than the interval it promised is
    running without anyone steering it. A ``review`` record counts from its
    ``date`` once that date has come. The interval is ``management_review_days``
    in isoctl.yaml ``settings`` (default 365). Reported once, at isoctl.yaml,
    naming the last review held.

    Fails:  the last review, MR-2025, held on 2025-01-20 and today is 2026-11-21
    Passes: a review dated within the last 365 days
    """
    window = ctx.workspace.manifest.settings.management_review_days
    held = _held_reviews(ctx)
    if not held:
        yield ctx.at_manifest(message=f"no management review has been held; one is due at least every {days(window)} "
                              "(management_review_days)")
        return
    last = held[-1]
    when = last.date
    age = (ctx.today - when).days
    if age > window:
        yield ctx.at_manifest(message=f"no management review within {days(window)} (management_review_days): "
                              f"the last, {last.id}, was held on {when.isoformat()} ({days(age)} ago)")


def required_inputs(families: list[str]) -> dict[str, tuple[str, ...]]:
    """The review inputs the standards in scope require, grouped as messages name them (common first)."""
    needed = {"all standards": REVIEW_INPUTS["common"]}
    for family in families:
        if family in REVIEW_INPUTS:
            needed[family] = REVIEW_INPUTS[family]
    return needed


@rule("review-inputs-incomplete", "warning", category="living")
def review_inputs_incomplete(ctx: Context) -> Iterator[Hit]:
    """A management review that misses an input a standard in scope requires.

    Each standard lists what top management must consider in a review
    (9.3.2): the status of earlier actions, changes in context, performance
    and so on, plus its own topics (customer satisfaction for ISO 9001,
    compliance obligations for ISO 14001, worker participation for ISO
    45001, risk treatment for ISO/IEC 27001, exercise results for ISO 22301).
    A review that skips one is a rubber stamp on that topic. Each input is a
    key under ``inputs`` with what was reviewed; the keys are listed in the
    workspace format documentation. Checked on the latest review held and
    every review held within ``management_review_days``.

    Fails:  ISO 14001 in scope and ``inputs`` without ``significant_aspects``
    Passes: ``inputs: {significant_aspects: "Register reviewed: diesel use still the largest", ...}``
    """
    held = _held_reviews(ctx)
    if not held:
        return
    window = ctx.workspace.manifest.settings.management_review_days
    recent = [r for r in held if (ctx.today - r.date).days <= window]
    needed = required_inputs(list(dict.fromkeys(e.family for e in ctx.workspace.editions)))
    for review in recent or held[-1:]:
        given: set[str] = {key for key, text in review.inputs.items() if (text or "").strip()}
        gaps = [f"{group}: {', '.join(k for k in keys if k not in given)}"
                for group, keys in needed.items() if any(k not in given for k in keys)]
        if gaps:
            yield ctx.at(review, "inputs", key=True, message=f"{review.id} does not cover required inputs: {'; '.join(gaps)}")


@rule("top-management-absent", "warning", category="living")
def top_management_absent(ctx: Context) -> Iterator[Hit]:
    """A management review that no member of top management attended.

    The review is top management's own duty (9.3); one held by the quality
    coordinator alone decides nothing. ``attendees`` are person ids from
    isoctl.yaml ``people``; mark the directors there with
    ``top_management: true``. Checked on every review that has been held.

    Fails:  ``attendees: [akhan]`` where only ``jsmith`` has ``top_management: true``
    Passes: ``attendees: [jsmith, akhan]``
    """
    top = [p.id for p in ctx.workspace.manifest.people if p.top_management]
    who = f"top management in isoctl.yaml: {', '.join(top)}" if top else \
        "no person in isoctl.yaml people has top_management: true"
    for review in _held_reviews(ctx):
        if not set(review.attendees) & set(top):
            yield ctx.at(review, "attendees", key=True, message=f"{review.id}: no member of top management attended ({who})")


@rule("objective-not-measured", "warning", category="living")
def objective_not_measured(ctx: Context) -> Iterator[Hit]:
    """An objective with no measurement within ``objective_measure_days``.

    Objectives have to be monitored (6.2): an objective whose last value is
    months old is a wish, not a target anyone manages to. Add a
    ``measurements`` entry (``{date, value}``) at least every
    ``objective_measure_days`` (isoctl.yaml ``settings``, default 120).
    Measurements dated after today are not counted.

    Fails:  the last measurement on 2026-05-01 and today is 2026-11-21
    Passes: ``measurements: [{date: 2026-10-31, value: 97.4}]``
    """
    window = ctx.workspace.manifest.settings.objective_measure_days
    for objective in ctx.records(Objective):
        dates = [m.date for m in objective.measurements if m.date <= ctx.today]
        if not dates:
            none = "no measurements" if not objective.measurements else f"no measurement dated on or before {ctx.today.isoformat()}"
            yield ctx.at(objective, "measurements", key=True, message=f"{objective.id} has {none}")
            continue
        age = (ctx.today - max(dates)).days
        if age > window:
            yield ctx.at(objective, "measurements", key=True,
                         message=f"{objective.id} was last measured on {max(dates).isoformat()}, {days(age)} ago "
                         f"(objective_measure_days: {window})")


@rule("climate-undetermined", "warning", category="living")
def climate_undetermined(ctx: Context) -> Iterator[Hit]:
    """No ``issue`` records whether climate change is relevant (Amd 1:2024, 4.1).

    Since Amendment 1:2024 every harmonized-structure standard asks the
    organization to decide whether climate change is a relevant issue for
    its system, and the 2026 editions keep the question. Either answer is
    acceptable; not answering is not. Record it on an ``issue`` with
    ``climate: relevant`` or ``climate: not-relevant``. Reported once per
    standard in scope that asks, at its entry in isoctl.yaml.

    Fails:  ISO 9001:2015 in scope and no issue with ``climate:``
    Passes: ``{kind: issue, type: external, title: Heat waves, climate: relevant}``
    """
    if any(issue.climate is not None for issue in ctx.records(Issue)):
        return
    entries = standard_entries(ctx)
    for edition in ctx.workspace.editions:
        amended = any(a.id.startswith("Amd 1:2024") for a in edition.amendments)
        if amended or (edition.edition >= 2026 and edition.hs_version is not None):
            why = "Amd 1:2024" if amended else f"{edition.edition} edition"
            yield ctx.at_manifest(*entries.get(edition.id, ("standards",)), clause=f"{edition.family}:4.1",
                                  message=f"{edition.id} ({why}): no issue records whether climate change is relevant "
                                  "(climate: relevant or not-relevant)")


def _said(review: Review) -> list[str]:
    """The words of a review's inputs and outputs, in a fixed order, whitespace and case set aside."""
    parts = [f"{key}: {text}" for key, text in sorted(review.inputs.items()) if (text or "").strip()]
    if review.outputs is not None:
        for name in ("decisions", "changes", "resources", "improvements"):
            parts += [f"{name}: {item}" for item in getattr(review.outputs, name) if item.strip()]
    return " ".join(parts).casefold().split()


def copied(this: list[str], that: list[str], counts: tuple[Counter[str], Counter[str]] | None = None) -> float | None:
    """How alike two texts (as words) are, difflib's ratio, when it is ``COPIED`` or more; None when less.

    ``counts`` are the texts' word counts when the caller has them (each review is compared twice).
    """
    length = len(this) + len(that)
    # the cheap upper bounds first, difflib's real_quick_ratio and quick_ratio: most reviews are plainly not
    # copies, and ratio() is quadratic
    if length and 2.0 * min(len(this), len(that)) / length < COPIED:
        return None
    mine, theirs = counts if counts is not None else (Counter(this), Counter(that))
    if length and 2.0 * (mine & theirs).total() / length < COPIED:
        return None
    ratio = SequenceMatcher(None, this, that, autojunk=False).ratio()
    return ratio if ratio >= COPIED else None


@rule("rubber-stamp-review", "warning", category="living")
def rubber_stamp_review(ctx: Context) -> Iterator[Hit]:
    """A management review that decided nothing, or that copies the one before it.

    A review has outputs (9.3.3): decisions on improvement, on changes to
    the system and on resources, and the actions that carry them out. One
    with none of ``decisions``, ``changes``, ``resources`` or
    ``improvements`` under ``outputs`` and no ``actions`` is a meeting
    minuted, not a review. Nor is one whose ``inputs`` and ``outputs`` are
    (nearly) the text of the previous review held: the words of both,
    whitespace and case set aside, are compared with the previous review
    by date (difflib ratio), and 90% or more alike is a copy. Checked on
    every review that has been held; reported at ``outputs`` (or the date
    when there are none), saying what is missing or which review it copies.

    Fails:  ``outputs: {decisions: []}`` and no ``actions``; or MR-2026 whose inputs and outputs are MR-2025's with the year changed
    Passes: ``outputs: {decisions: ["Second shift for returns from March"]}, actions: [ACT-0231]``
    """
    previous: tuple[Review, list[str], Counter[str]] | None = None
    for review in _held_reviews(ctx):
        said = _said(review)
        words = Counter(said)
        problems: list[str] = []
        outputs = review.outputs
        given = [name for name in ("decisions", "changes", "resources", "improvements")
                 if outputs is not None and any(item.strip() for item in getattr(outputs, name))]
        if not given and not any(a.strip() for a in review.actions):
            problems.append("no decisions, changes, resources, improvements or actions among its outputs")
        if previous is not None and said and previous[1]:
            alike = copied(said, previous[1], (words, previous[2]))
            if alike is not None:
                before = previous[0]
                problems.append(f"its inputs and outputs are {int(alike * 100)}% the same text as {before.id}'s "
                                f"(held {before.date.isoformat()})")
        if problems:
            where = ("outputs",) if outputs is not None else ("date",)
            yield ctx.at(review, *where, key=True, message=f"{review.id} ({review.date.isoformat()}) is a rubber stamp: "
                         + "; ".join(problems))
        previous = (review, said, words)
