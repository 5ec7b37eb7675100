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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _as_list(value: Any) -> Any:
    """Accept a single string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value


def _as_text(value: Any) -> Any:
    """Accept numbers for free-text identifiers such as versions (``version: 1.2``)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


TextList = Annotated[list[str], BeforeValidator(_as_list)]
Text = Annotated[str, BeforeValidator(_as_text)]
Score = Annotated[int, Field(ge=1, le=5)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Evidence(_Strict):
    """A pointer to evidence: a path inside the repository or a URL."""

    path: str | None = None
    url: str | None = None
    date: dt.date | None = None
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
    clauses: TextList = []
    evidence: list[Evidence] = []
    tags: TextList = []
    body: str | None = Field(default=None, description="Markdown body of a .md record (filled from the file).")


class Issue(RecordBase):
    kind: Literal["issue"]
    type: Literal["internal", "external"]
    description: str | None = None
    climate: Literal["relevant", "not-relevant"] | None = None


class Party(RecordBase):
    kind: Literal["party"]
    needs: TextList = []
    requirements: TextList = []
    climate_requirements: TextList = []


class Document(RecordBase):
    kind: Literal["document"]
    type: Literal["policy", "procedure", "manual", "plan", "instruction", "form", "record", "other"]
    status: Literal["draft", "approved", "obsolete"]
    version: Text | None = None
    approved_by: str | None = None
    approved_on: dt.date | None = None
    review_every_days: Annotated[int, Field(gt=0)] | None = None
    next_review: dt.date | None = None
    path: str | None = None


class Process(RecordBase):
    kind: Literal["process"]
    inputs: TextList = []
    outputs: TextList = []
    kpis: TextList = []
    risks: TextList = []


class Risk(RecordBase):
    kind: Literal["risk"]
    type: Literal["risk", "opportunity"] = "risk"
    description: str | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    treatment: Literal["accept", "mitigate", "transfer", "avoid", "exploit"] | None = None
    controls: TextList = []
    residual: Annotated[int, Field(ge=1, le=25)] | None = None
    reviewed_on: dt.date | None = None


class Aspect(RecordBase):
    kind: Literal["aspect"]
    activity: str
    aspect: str
    impact: str
    condition: Literal["normal", "abnormal", "emergency"] = "normal"
    significant: bool = False
    criteria: str | None = None


class HazardControl(_Strict):
    """One control of a hazard, placed in the hierarchy of controls (ISO 45001 8.1.2)."""

    control: str
    level: Literal["elimination", "substitution", "engineering", "administrative", "ppe"]


class Hazard(RecordBase):
    kind: Literal["hazard"]
    activity: str
    hazard: str
    controls: list[HazardControl] = []
    rating: Annotated[int, Field(ge=1, le=25)] | None = None


class Obligation(RecordBase):
    kind: Literal["obligation"]
    source: str
    applies_to: TextList = []
    evaluated_on: dt.date | None = None
    compliant: bool | None = None


class Control(RecordBase):
    kind: Literal["control"]
    control: str
    applicable: bool
    justification: str | None = None
    status: Literal["not-started", "planned", "partial", "implemented"] | None = None
    implementation: str | None = None
    risks: TextList = []


class Measurement(_Strict):
    date: dt.date
    value: float
    note: str | None = None


class Objective(RecordBase):
    kind: Literal["objective"]
    target: float
    unit: str | None = None
    direction: Literal["increase", "decrease", "maintain"]
    baseline: float | None = None
    due: dt.date | None = None
    plan: str | None = None
    measurements: list[Measurement] = []


class Verification(_Strict):
    """The effectiveness check of a closed action."""

    on: dt.date
    by: str
    effective: bool
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
    raised_on: dt.date
    raised_by: str | None = None
    description: str | None = None
    correction: str | None = None
    root_cause: str | None = None
    corrective_action: str | None = None
    due: dt.date | None = None
    status: Literal["open", "in-progress", "closed", "cancelled"] = "open"
    closed_on: dt.date | None = None
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
    date: dt.date
    auditor: str | None = None
    scope: TextList = []
    findings: list[Finding] = []


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
    decisions: TextList = []
    changes: TextList = []
    resources: TextList = []
    improvements: TextList = []


class Review(RecordBase):
    kind: Literal["review"]
    date: dt.date
    attendees: TextList = []
    inputs: dict[ReviewInput, str] = {}
    outputs: ReviewOutputs | None = None
    actions: TextList = []


class Competence(RecordBase):
    kind: Literal["competence"]
    person: str
    role: str | None = None
    course: str | None = None
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None


class Supplier(RecordBase):
    kind: Literal["supplier"]
    service: str
    evaluated_on: dt.date | None = None
    rating: Score | None = None
    approved: bool | None = None


class Asset(RecordBase):
    kind: Literal["asset"]
    type: str | None = None
    classification: str | None = None
    location: str | None = None


class Activity(RecordBase):
    kind: Literal["activity"]
    mtpd: Text | None = None
    rto: Text | None = None
    rpo: Text | None = None
    dependencies: TextList = []


class Exercise(RecordBase):
    kind: Literal["exercise"]
    date: dt.date
    scenario: str
    plans: TextList = []
    outcome: str | None = None
    actions: TextList = []


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
