"""The workspace manifest ``isoctl.yaml`` (design §3.1)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from isoctl.model.records import TextList


def _off(value: object) -> object:
    """YAML 1.1 reads an unquoted ``off`` as false; in a severity it means the rule is off."""
    return "off" if value is False else value


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
    date: dt.date
    status: Literal["planned", "done"] | None = None


class Certification(_Strict):
    body: str | None = None
    certificate: str | None = None
    issued: dt.date | None = None
    expires: dt.date | None = None
    audits: list[ExternalAudit] = []


class Exclusion(_Strict):
    clause: str
    justification: str | None = None


class Person(_Strict):
    id: PersonId
    name: str
    role: str | None = None
    email: str | None = None
    top_management: bool = False


class Settings(_Strict):
    """Thresholds of the time-aware rules, in days."""

    document_review_days: Annotated[int, Field(gt=0)] = 365
    management_review_days: Annotated[int, Field(gt=0)] = 365
    audit_cycle_days: Annotated[int, Field(gt=0)] = 1095
    objective_measure_days: Annotated[int, Field(gt=0)] = 120
    scramble_weeks: Annotated[int, Field(gt=0)] = 4
    single_contributor_share: Annotated[float, Field(gt=0, le=1)] = 0.9


class Manifest(_Strict):
    """The root of a workspace: what is in scope and who is who."""

    isoctl: Literal[1]
    organization: Organization
    scope: str | None = None
    standards: Annotated[list[str], Field(min_length=1)]
    certification: dict[str, Certification] = {}
    exclusions: list[Exclusion] = []
    people: list[Person] = []
    settings: Settings = Settings()
    rules: dict[str, RuleSeverity] = {}
    catalogs: TextList = []
    ignore: TextList = []
