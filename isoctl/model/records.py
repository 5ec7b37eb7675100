"""Record kinds of workspace format 1 (design §3.2) as pydantic models.

Every model forbids unknown fields, so a typo such as ``stauts:`` is an error
rather than a silently ignored key. The schema says what a field may hold; the
rules decide what a sound management system must have (a missing SoA
justification is a rule finding, not a schema error).
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from isoctl.model.fields import Day, Days, Number, Score, Text, TextList, empty


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Evidence(_Strict):
    """A pointer to evidence: a path inside the repository or a URL."""

    # exactly one of path and url (the validator below), said to editors as well
    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["path"]}, {"required": ["url"]}]})

    path: str | None = None
    url: str | None = None
    date: Day | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Evidence:
        if (self.path is None) == (self.url is None):
            raise ValueError("evidence needs exactly one of 'path' or 'url'")
        return self


class RecordBase(_Strict):
    """Fields every record has."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
    title: str
    owner: str | None = None
    clauses: TextList = empty(list)
    evidence: list[Evidence] = empty(list)
    tags: TextList = empty(list)
    body: str | None = Field(default=None, description="Markdown body of a .md record (filled from the file).")


class Issue(RecordBase):
    kind: Literal["issue"]
    type: Literal["internal", "external"]
    description: str | None = None
    climate: Literal["relevant", "not-relevant"] | None = None


class Party(RecordBase):
    kind: Literal["party"]
    needs: TextList = empty(list)
    requirements: TextList = empty(list)
    climate_requirements: TextList = empty(list)


class Document(RecordBase):
    kind: Literal["document"]
    type: Literal["policy", "procedure", "manual", "plan", "instruction", "form", "record", "other"]
    status: Literal["draft", "approved", "obsolete"]
    version: Text | None = None
    approved_by: str | None = None
    approved_on: Day | None = None
    review_every_days: Days | None = None
    next_review: Day | None = None
    path: str | None = None


class Process(RecordBase):
    kind: Literal["process"]
    inputs: TextList = empty(list)
    outputs: TextList = empty(list)
    kpis: TextList = empty(list)
    risks: TextList = empty(list)


class Risk(RecordBase):
    kind: Literal["risk"]
    type: Literal["risk", "opportunity"] = "risk"
    description: str | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    treatment: Literal["accept", "mitigate", "transfer", "avoid", "exploit"] | None = None
    controls: TextList = empty(list)
    residual: Annotated[StrictInt, Field(ge=1, le=25)] | None = None
    reviewed_on: Day | None = None


class Aspect(RecordBase):
    kind: Literal["aspect"]
    activity: str
    aspect: str
    impact: str
    condition: Literal["normal", "abnormal", "emergency"] = "normal"
    significant: StrictBool = False
    criteria: str | None = None
    reviewed_on: Day | None = Field(default=None, description="When the aspect and its significance were last reviewed.")


class HazardControl(_Strict):
    """One control of a hazard, placed in the hierarchy of controls (ISO 45001 8.1.2)."""

    control: str
    level: Literal["elimination", "substitution", "engineering", "administrative", "ppe"]


class Hazard(RecordBase):
    kind: Literal["hazard"]
    activity: str
    hazard: str
    controls: list[HazardControl] = empty(list)
    rating: Annotated[StrictInt, Field(ge=1, le=25)] | None = None
    reviewed_on: Day | None = Field(default=None, description="When the hazard and its controls were last reviewed.")


class Obligation(RecordBase):
    kind: Literal["obligation"]
    source: str
    applies_to: TextList = empty(list)
    evaluated_on: Day | None = None
    compliant: StrictBool | None = None


class Control(RecordBase):
    kind: Literal["control"]
    control: str
    applicable: StrictBool
    justification: str | None = None
    status: Literal["not-started", "planned", "partial", "implemented"] | None = None
    implementation: str | None = None
    risks: TextList = empty(list)


class Measurement(_Strict):
    date: Day
    value: Number
    note: str | None = None


class Objective(RecordBase):
    kind: Literal["objective"]
    target: Number
    unit: str | None = None
    direction: Literal["increase", "decrease", "maintain"]
    baseline: Number | None = None
    due: Day | None = None
    plan: str | None = None
    measurements: list[Measurement] = empty(list)


class Verification(_Strict):
    """The effectiveness check of a closed action."""

    on: Day
    by: str
    effective: StrictBool
    note: str | None = None


class Action(RecordBase):
    kind: Literal["action"]
    type: Literal["nonconformity", "incident", "complaint", "improvement", "ofi"]
    severity: Literal["major", "minor", "none"] = "none"
    source: (
        Literal[
            "internal-audit", "external-audit", "management-review", "complaint", "incident", "monitoring", "suggestion"
        ]
        | None
    ) = None
    raised_on: Day
    raised_by: str | None = None
    description: str | None = None
    correction: str | None = None
    root_cause: str | None = None
    corrective_action: str | None = None
    due: Day | None = None
    related: TextList = empty(list, "Ids of the records this action is about: a process, an obligation, "
                                    "a risk, a hazard, a supplier...")
    status: Literal["open", "in-progress", "closed", "cancelled"] = "open"
    closed_on: Day | None = None
    verification: Verification | None = None


class Finding(_Strict):
    """A finding raised by an audit."""

    id: str
    type: Literal["major", "minor", "observation", "ofi", "positive"]
    clause: str | None = None
    description: str | None = None
    action: str | None = None


class Audit(RecordBase):
    kind: Literal["audit"]
    type: Literal["internal", "certification", "surveillance", "recertification", "transition", "special", "supplier"]
    status: Literal["planned", "done"]
    date: Day
    auditor: str | None = None
    scope: TextList = empty(list)
    findings: list[Finding] = empty(list)


ReviewInput = Literal[
    "previous_actions",
    "context_changes",
    "interested_party_changes",
    "nonconformities",
    "monitoring_results",
    "audit_results",
    "objectives",
    "resources",
    "risks_and_opportunities",
    "improvement_opportunities",
    "customer_satisfaction",
    "process_performance",
    "external_providers",
    "compliance_obligations",
    "significant_aspects",
    "communications",
    "worker_participation",
    "incidents",
    "interested_party_feedback",
    "risk_treatment",
    "bia_and_risk_assessment",
    "exercise_results",
    "supplier_performance",
]


class ReviewOutputs(_Strict):
    decisions: TextList = empty(list)
    changes: TextList = empty(list)
    resources: TextList = empty(list)
    improvements: TextList = empty(list)


class Review(RecordBase):
    kind: Literal["review"]
    status: Literal["draft", "held"] | None = Field(
        default=None, description="draft: prepared for a meeting not held yet (isoctl review prepare); held, or "
                                  "no status: held on its date once that date has come.")
    date: Day
    chair: str | None = Field(default=None, description="Person id of who chaired the review (top management, normally).")
    attendees: TextList = empty(list)
    inputs: dict[ReviewInput, str] = empty(dict)
    outputs: ReviewOutputs | None = None
    actions: TextList = empty(list)

    def held_by(self, day: dt.date) -> bool:
        """Whether the review has been held by ``day``: its date has come and it is no draft prepared for it."""
        return self.status != "draft" and self.date <= day


class Competence(RecordBase):
    kind: Literal["competence"]
    person: str
    role: str | None = None
    course: str | None = None
    completed_on: Day | None = None
    expires_on: Day | None = None


class Supplier(RecordBase):
    kind: Literal["supplier"]
    service: str
    evaluated_on: Day | None = None
    rating: Score | None = None
    approved: StrictBool | None = None


class Asset(RecordBase):
    kind: Literal["asset"]
    type: str | None = None
    classification: str | None = None
    location: str | None = None
    reviewed_on: Day | None = Field(default=None, description="When the inventory entry (owner, classification) was last reviewed.")


class Activity(RecordBase):
    kind: Literal["activity"]
    mtpd: Text | None = None
    rto: Text | None = None
    rpo: Text | None = None
    dependencies: TextList = empty(list)
    reviewed_on: Day | None = Field(default=None, description="When this part of the business impact analysis was last reviewed.")


class Exercise(RecordBase):
    kind: Literal["exercise"]
    date: Day
    scenario: str
    plans: TextList = empty(list)
    outcome: str | None = None
    actions: TextList = empty(list)


KINDS: dict[str, type[RecordBase]] = {
    "issue": Issue,
    "party": Party,
    "document": Document,
    "process": Process,
    "risk": Risk,
    "aspect": Aspect,
    "hazard": Hazard,
    "obligation": Obligation,
    "control": Control,
    "objective": Objective,
    "action": Action,
    "audit": Audit,
    "review": Review,
    "competence": Competence,
    "supplier": Supplier,
    "asset": Asset,
    "activity": Activity,
    "exercise": Exercise,
}

Record = Annotated[
    Issue
    | Party
    | Document
    | Process
    | Risk
    | Aspect
    | Hazard
    | Obligation
    | Control
    | Objective
    | Action
    | Audit
    | Review
    | Competence
    | Supplier
    | Asset
    | Activity
    | Exercise,
    Field(discriminator="kind"),
]


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """The allowed values of a (possibly optional) Literal annotation, else None."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    values: list[Any] = []
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is Literal:
            values.extend(typing.get_args(arg))
        elif arg is bool:
            values.extend((True, False))
    return tuple(values) or ((True, False) if annotation is bool else None)


def kind_fields(kind: str) -> dict[str, tuple[Any, ...] | None]:
    """Field names of a kind mapped to their closed vocabulary (None where any value goes)."""
    model = KINDS[kind]
    return {
        name: _literal_values(info.annotation)
        for name, info in model.model_fields.items()
        if name not in ("kind", "body")
    }
