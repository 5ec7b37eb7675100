"""The typed shape of a catalog file and a transition table (see docs/catalog-format.md)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ClauseId = Annotated[str, StringConstraints(pattern=r"^(A\.)?\d+(\.\d+)*$")]
EditionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)?$")]

#: Manifest settings an expectation may use as its time window.
Window = Literal["document_review_days", "management_review_days", "audit_cycle_days", "objective_measure_days"]
WINDOW_SETTINGS: tuple[str, ...] = get_args(Window)

DocumentedInformation = Literal["none", "maintain", "retain", "both"]
Applicability = Literal["required", "excludable", "soa"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(_Strict):
    """One kind of record that evidences a clause, with optional conditions."""

    kind: str
    where: dict[str, Any] = {}
    has: str | None = None
    within: Window | None = None
    note: str | None = None

    def describe(self) -> str:
        """A short human phrase: ``review (within management_review_days)``."""
        parts = [self.kind]
        conditions = [f"{k}={'|'.join(map(_plain, v)) if isinstance(v, list) else _plain(v)}" for k, v in self.where.items()]
        if self.has:
            conditions.append(f"has {self.has}")
        if self.within:
            conditions.append(f"within {self.within}")
        if conditions:
            parts.append("(" + ", ".join(conditions) + ")")
        return " ".join(parts)


def _plain(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class Clause(_Strict):
    """A clause, numbered paragraph or Annex A control of one edition."""

    id: ClauseId
    title: str | None
    untitled: bool = False
    parent: str | None = None
    hs: str | None = None
    theme: Literal["organizational", "people", "physical", "technological"] | None = None
    summary: Annotated[str, StringConstraints(min_length=10)]
    documented_information: DocumentedInformation
    applicability: Applicability
    expects: list[Expect] = []
    expects_note: str | None = None
    confidence: Literal["medium"] | None = None
    title_2015: str | None = None
    alt_title: str | None = None

    @property
    def label(self) -> str:
        """Title for display; untitled paragraphs say so."""
        return self.title if self.title is not None else "(untitled paragraph)"

    @property
    def is_annex(self) -> bool:
        return self.id.startswith("A.")

    @property
    def depth(self) -> int:
        """1 for top-level clauses (``8``), 2 for ``8.5``; Annex A controls count from their letter."""
        return self.id.count(".") + (0 if self.is_annex else 1)


class Amendment(_Strict):
    id: str
    date: dt.date
    summary: str


class Edition(_Strict):
    """One edition of a standard and all its clauses."""

    model_config = ConfigDict(extra="forbid", ignored_types=(cached_property,))

    id: EditionId
    family: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*$")]
    title: str
    edition: int
    hs_version: Literal[2012, 2021] | None = None
    status: Literal["current", "superseded", "draft"]
    superseded_by: str | None = None
    published: dt.date | None = None
    transition_ends: dt.date | None = None
    transition_confirmed: bool = False
    amendments: list[Amendment] = []
    exclusions: str
    clauses: list[Clause]

    @cached_property
    def by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}

    @cached_property
    def children(self) -> dict[str | None, list[Clause]]:
        """Clauses by parent id (``None`` for the roots), in document order."""
        tree: dict[str | None, list[Clause]] = {}
        for clause in self.clauses:
            tree.setdefault(clause.parent, []).append(clause)
        return tree

    @cached_property
    def controls(self) -> list[Clause]:
        """Annex A controls (leaf entries whose id starts with ``A.``)."""
        return [c for c in self.clauses if c.is_annex and c.id not in self.children]

    @cached_property
    def requirement_clauses(self) -> list[Clause]:
        """Clauses of the body (4-10), headings included."""
        return [c for c in self.clauses if not c.is_annex]

    def is_leaf(self, clause: Clause) -> bool:
        return clause.id not in self.children

    @property
    def display(self) -> str:
        """``iso9001:2015`` - the form the manifest uses."""
        return f"{self.family}:{self.edition}" if self.id != self.family else self.family


class TransitionRow(_Strict):
    from_: Annotated[list[str], Field(alias="from")]
    to: list[str]
    change: Literal["same", "retitled", "renumbered", "merged", "split", "new", "removed"]
    note: str | None = None
    confidence: Literal["medium"] | None = None


class Transition(_Strict):
    """A correspondence table from one edition to its successor."""

    from_: Annotated[str, Field(alias="from")]
    to: str
    rows: list[TransitionRow]
