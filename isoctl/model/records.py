"""Record kinds of workspace format 1 (design §3.2) as pydantic models.

Every model forbids unknown fields, so a typo such as ``stauts:`` is an error
rather than a silently ignored key. The schema says what a field may hold; the
rules decide what a sound management system must have (a missing SoA
justification is a rule finding, not a schema error).
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: The calendar a record's dates must fall in. Rules add and subtract windows of up to
#: MAX_DAYS days (plus a year or MAX_WEEKS weeks) to these dates; inside this span no
#: such sum can leave the years 1..9999 that Python's dates hold, so no rule can crash
#: on ``due: 9999-12-31``. Real management-system records sit well inside it.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
#: Longest period a setting or a record may give in days (100 years) or weeks (10 years).
MAX_DAYS = 36_500
MAX_WEEKS = 520
#: Largest magnitude a measured or target value may have: room for any real KPI (money,
#: grams, kWh), small enough that charts and spreadsheets never overflow computing a scale.
MAX_MAGNITUDE = 1e15


def _as_list(value: Any) -> Any:
    """Accept a single string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value


def _as_text(value: Any) -> Any:
    """Accept numbers for free-text identifiers such as versions (``version: 1.2``)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _in_calendar(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"expected a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}; got {value.isoformat()}")
    return value


def _days(value: int) -> int:
    if not 1 <= value <= MAX_DAYS:
        raise ValueError(f"expected a whole number of days from 1 to {MAX_DAYS} (100 years); got {_shown(value)}")
    return value


def _weeks(value: int) -> int:
    if not 1 <= value <= MAX_WEEKS:
        raise ValueError(f"expected a whole number of weeks from 1 to {MAX_WEEKS} (10 years); got {_shown(value)}")
    return value


def _finite(value: Any) -> Any:
    """Refuse ``.inf``, ``.nan`` and numbers beyond MAX_MAGNITUDE (before a huge integer becomes a float).

    YAML ``true`` is not the number 1.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number; got {str(value).lower()}")
    if isinstance(value, int | float) and not -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # also false for NaN
        raise ValueError(f"expected a finite number between -1e15 and 1e15; got {_shown(value)}")
    return value


def _shown(value: float) -> str:
    """A number as YAML spells it (``.inf``, ``.nan``), a huge one by its size rather than all its digits."""
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"a number of {len(str(abs(value)))} digits"
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)


# The bounds are checked by validators with messages of our own; json_schema_extra
# repeats them in the JSON Schema so editors flag them as people type. StrictInt:
# YAML ``true`` or ``30.5`` is not a number of days.
def _day_text(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (or a date) is a date: pydantic would also take a number as a Unix time (``0`` is
    1970-01-01) and a datetime of midnight; the schema editors check against says so too."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    if value.__class__ is dt.date:
        return value
    raise PydanticCustomError("date_type", "Input should be a valid date")


#: A date in the span FIRST_DAY..LAST_DAY, written YYYY-MM-DD.
Day = Annotated[dt.date, BeforeValidator(_day_text), AfterValidator(_in_calendar)]
#: A period in days, 1..MAX_DAYS.
Days = Annotated[StrictInt, AfterValidator(_days), Field(json_schema_extra={"minimum": 1, "maximum": MAX_DAYS})]
#: A period in weeks, 1..MAX_WEEKS.
Weeks = Annotated[StrictInt, AfterValidator(_weeks), Field(json_schema_extra={"minimum": 1, "maximum": MAX_WEEKS})]
#: A finite number no larger than MAX_MAGNITUDE either way (no ``.inf``, no ``.nan``).
Number = Annotated[float, BeforeValidator(_finite), AfterValidator(_finite),
                   Field(json_schema_extra={"minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE})]


def _new_list() -> list[Any]:
    return []


def _new_dict() -> dict[Any, Any]:
    return {}


def _empty(kind: type[list[Any]] | type[dict[Any, Any]], description: str | None = None) -> Any:
    """The default of a list or table field: a new empty one for each record, made by a call rather than by
    deep-copying a shared ``[]`` (a third of the cost of building small records), shown as such in the schema.

    The factory is a function of ours, not ``list`` itself: building the
    validators asks each factory for its signature, which for a built-in
    means parsing its text signature (a quarter of the time to build them).
    """
    return Field(default_factory=_new_list if kind is list else _new_dict, json_schema_extra={"default": kind()},
                 description=description)


TextList = Annotated[list[str], BeforeValidator(_as_list)]
Text = Annotated[str, BeforeValidator(_as_text)]
#: A score from 1 to 5 (StrictInt: YAML ``true`` or ``"2"`` is not a score).
Score = Annotated[StrictInt, Field(ge=1, le=5)]


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
    clauses: TextList = _empty(list)
    evidence: list[Evidence] = _empty(list)
    tags: TextList = _empty(list)
    body: str | None = Field(default=None, description="Markdown body of a .md record (filled from the file).")


class Issue(RecordBase):
    kind: Literal["issue"]
    type: Literal["internal", "external"]
    description: str | None = None
    climate: Literal["relevant", "not-relevant"] | None = None


class Party(RecordBase):
    kind: Literal["party"]
    needs: TextList = _empty(list)
    requirements: TextList = _empty(list)
    climate_requirements: TextList = _empty(list)


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
    inputs: TextList = _empty(list)
    outputs: TextList = _empty(list)
    kpis: TextList = _empty(list)
    risks: TextList = _empty(list)


class Risk(RecordBase):
    kind: Literal["risk"]
    type: Literal["risk", "opportunity"] = "risk"
    description: str | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    treatment: Literal["accept", "mitigate", "transfer", "avoid", "exploit"] | None = None
    controls: TextList = _empty(list)
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
    controls: list[HazardControl] = _empty(list)
    rating: Annotated[StrictInt, Field(ge=1, le=25)] | None = None
    reviewed_on: Day | None = Field(default=None, description="When the hazard and its controls were last reviewed.")


class Obligation(RecordBase):
    kind: Literal["obligation"]
    source: str
    applies_to: TextList = _empty(list)
    evaluated_on: Day | None = None
    compliant: StrictBool | None = None


class Control(RecordBase):
    kind: Literal["control"]
    control: str
    applicable: StrictBool
    justification: str | None = None
    status: Literal["not-started", "planned", "partial", "implemented"] | None = None
    implementation: str | None = None
    risks: TextList = _empty(list)


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
    measurements: list[Measurement] = _empty(list)


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
    related: TextList = _empty(list, "Ids of the records this action is about: a process, an obligation, "
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
    scope: TextList = _empty(list)
    findings: list[Finding] = _empty(list)


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
    decisions: TextList = _empty(list)
    changes: TextList = _empty(list)
    resources: TextList = _empty(list)
    improvements: TextList = _empty(list)


class Review(RecordBase):
    kind: Literal["review"]
    status: Literal["draft", "held"] | None = Field(
        default=None, description="draft: prepared for a meeting not held yet (isoctl review prepare); held, or "
                                  "no status: held on its date once that date has come.")
    date: Day
    chair: str | None = Field(default=None, description="Person id of who chaired the review (top management, normally).")
    attendees: TextList = _empty(list)
    inputs: dict[ReviewInput, str] = _empty(dict)
    outputs: ReviewOutputs | None = None
    actions: TextList = _empty(list)

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
    dependencies: TextList = _empty(list)
    reviewed_on: Day | None = Field(default=None, description="When this part of the business impact analysis was last reviewed.")


class Exercise(RecordBase):
    kind: Literal["exercise"]
    date: Day
    scenario: str
    plans: TextList = _empty(list)
    outcome: str | None = None
    actions: TextList = _empty(list)


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
