"""The workspace manifest ``isoctl.yaml`` (design §3.1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from isoctl.model.fields import Day, Days, Text, TextList, Weeks


def _off(value: object) -> object:
    """YAML 1.1 reads an unquoted ``off`` as false; in a severity it means the rule is off."""
    return "off" if value is False else value


def _format_version(value: object) -> object:
    """The format version is the whole number 1: YAML ``true`` and ``1.0`` equal 1 in Python but are not it."""
    if type(value) is not int:
        raise ValueError(f"expected the whole number 1; got {value!r}")
    return value


RuleSeverity = Annotated[Literal["error", "warning", "info", "off"], BeforeValidator(_off)]

PersonId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Severity = Literal["error", "warning", "info", "off"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organization(_Strict):
    name: str
    sites: TextList = []


class ExternalAudit(_Strict):
    """An external (certification body) audit, planned or held."""

    type: Literal["certification", "surveillance", "recertification", "transition", "special"]
    date: Day
    status: Literal["planned", "done"] | None = None


class Certification(_Strict):
    body: str | None = None
    certificate: str | None = None
    issued: Day | None = None
    expires: Day | None = None
    audits: list[ExternalAudit] = []


class Exclusion(_Strict):
    clause: str
    justification: str | None = None


class Person(_Strict):
    id: PersonId
    name: str
    role: str | None = None
    email: str | None = None
    top_management: StrictBool = False
    coordinator: StrictBool = Field(default=False, description="Runs the management system day to day (the quality, "
                              "environment, safety or information security manager): narrow-participation asks "
                              "whether improvement comes from anyone else.")
    git: TextList = Field(default=[], description="The names and e-mail addresses this person commits with, so that "
                          "the rules reading the git history count their commits as theirs.")


#: The registers ``stale-record`` keeps fresh, and the date field each is judged by.
REVIEWED_KINDS = ("risk", "aspect", "hazard", "obligation", "supplier", "activity", "asset")
ReviewedKind = Literal["risk", "aspect", "hazard", "obligation", "supplier", "activity", "asset"]


class ReviewDays(_Strict):
    """How often each register is reviewed (days): risks, aspects and hazards, the compliance evaluation of
    obligations (14001/45001 9.1.2), supplier evaluations, the business impact analysis, the asset inventory."""

    risk: Days = 365
    aspect: Days = 365
    hazard: Days = 365
    obligation: Days = 365
    supplier: Days = 365
    activity: Days = 365
    asset: Days = 365


class Settings(_Strict):
    """Thresholds of the time-aware rules: periods of 1 to 36,500 days (100 years), or 1 to 520 weeks."""

    # Rules add these periods to record dates; the bounds keep every such sum a real date (fields.MAX_DAYS).

    document_review_days: Days = 365
    management_review_days: Days = 365
    audit_cycle_days: Days = 1095
    objective_measure_days: Days = 120
    scramble_weeks: Weeks = 4
    single_contributor_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.9
    review_days: ReviewDays = ReviewDays()
    #: kinds whose records may have no review date at all (``stale-record`` then judges only dated ones)
    review_date_optional: list[ReviewedKind] = []
    evidence_max_age_days: Days = 365
    hazard_high_rating: Annotated[int, Field(ge=1, le=25)] = 15
    independent_approval: StrictBool = False
    verification_min_days: Days = 30
    recurrence_days: Days = 365
    #: auditor-rotation: this many consecutive audit cycles (``audit_cycle_days``) of one auditor on one area is reported
    rotation_cycles: Annotated[int, Field(ge=2, le=20)] = 2
    #: late-recording: a median delay above this between an event and the commit recording it is reported
    late_recording_days: Days = 14
    #: silent-period: this many days without a change to any record while a certificate is valid is reported
    silent_days: Days = 90
    #: static-objectives: an overdue objective whose target and due date stayed the same this long is reported
    objective_static_days: Days = 730


class SoaDocument(_Strict):
    """The Statement of Applicability as a controlled document (ISO/IEC 27001 6.1.3 d): its version and approval.

    The SoA's rows are ``control`` records, one per Annex A control; what makes
    the whole of them a document (which version this is, who approved it and
    when) is written once here. Every SoA output shows it, with the commit the
    SoA was rendered from.
    """

    version: Text | None = Field(default=None, description="The SoA's version as the organization numbers it "
                                 "(e.g. \"2026-2\").")
    approved_by: str | None = Field(default=None, description="Who approved this version: a person id of the "
                                    "manifest, or a name as written (e.g. a board).")
    approved_on: Day | None = Field(default=None, description="When this version was approved.")


class Manifest(_Strict):
    """The root of a workspace: what is in scope and who is who."""

    isoctl: Annotated[Literal[1], BeforeValidator(_format_version)]
    organization: Organization
    scope: str | None = None
    # the edition, as loading requires it (iso9001:2015, ISO/IEC 27001:2022, iso9001-2015): said to editors too
    standards: Annotated[list[Annotated[str, Field(json_schema_extra={"pattern": "[:-]"})]], Field(min_length=1)]
    certification: dict[str, Certification] = {}
    exclusions: list[Exclusion] = []
    soa: SoaDocument | None = None
    people: list[Person] = []
    settings: Settings = Settings()
    rules: dict[str, RuleSeverity] = {}
    catalogs: TextList = []
    ignore: TextList = []
