"""The Statement of Applicability for ISO/IEC 27001:2022 (design §5, §6).

The SoA is the document an auditor reads first: for every Annex A control,
whether it applies, why, how far it is implemented, who owns it, which risks
it treats and where the evidence is. It is built here as plain data from a
loaded workspace; every output format (text, Markdown, HTML, JSON, XLSX) is
a pure function of the :class:`Soa` in ``isoctl.render``.

The SoA is a controlled document (27001 6.1.3 d): every output carries its
:class:`SoaDocument` — the version, approver and approval date written under
``soa:`` in ``isoctl.yaml``, and the commit it was rendered from — so a
printed or exported SoA always says which approved state it shows.

Every one of the catalog's controls gets a row, in catalog order. A control
with no ``control`` record is kept as a gap row ("no SoA entry") and counted,
never dropped: an SoA that silently skips a control is exactly what an audit
must not be handed. SoA rows are found the same way coverage finds them
(:func:`isoctl.analysis.evidence.collect`), so ``isoctl soa`` and
``isoctl gap`` always agree on which control has a row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from isoctl import __version__
from isoctl.analysis.evidence import collect
from isoctl.analysis.resolve import resolve_text
from isoctl.catalog.schema import Clause, Edition
from isoctl.errors import UsageError
from isoctl.model.records import Control, Risk
from isoctl.workspace.load import Workspace
from isoctl.workspace.records import LoadedRecord

#: The edition an SoA is written for; Annex A of ISO/IEC 27001:2013 is a migration matter.
EDITION = "iso27001-2022"
NO_ENTRY = "no SoA entry"


@dataclass(frozen=True)
class EvidenceLink:
    """One piece of evidence a SoA row points to: a path in the repository or a URL."""

    path: str | None
    url: str | None
    date: dt.date | None
    note: str | None

    @property
    def target(self) -> str:
        return self.path if self.path is not None else self.url or ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path} if self.path is not None else {"url": self.url}
        out["date"] = self.date.isoformat() if self.date else None
        out["note"] = self.note
        return out


@dataclass(frozen=True)
class SoaRow:
    """One Annex A control and what the workspace says about it (``record`` is None for a gap)."""

    control: str  # "A.5.15"
    ref: str  # "iso27001:A.5.15"
    title: str
    theme: str  # organizational | people | physical | technological
    section: str  # "A.5 Organizational controls", for grouping
    record: str | None
    path: str | None
    applicable: bool | None
    justification: str | None
    status: str | None
    implementation: str | None
    owner: str | None  # the person's name from the manifest, else the id as written
    owner_id: str | None
    risks: tuple[str, ...]
    evidence: tuple[EvidenceLink, ...]
    duplicates: tuple[str, ...]  # further control records for the same control (the first one counts)

    @property
    def missing(self) -> bool:
        return self.record is None

    @property
    def applicable_label(self) -> str:
        """``yes``, ``no`` or ``no SoA entry``: the cell people scan first."""
        if self.applicable is None:
            return NO_ENTRY
        return "yes" if self.applicable else "no"

    @property
    def status_label(self) -> str:
        """The implementation status as shown: ``n/a`` for an excluded control, ``not set`` when it is missing."""
        if self.applicable is None:
            return ""
        if not self.applicable:
            return "n/a"
        return self.status or "not set"

    def as_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "ref": self.ref,
            "title": self.title,
            "theme": self.theme,
            "missing": self.missing,
            "record": self.record,
            "path": self.path,
            "applicable": self.applicable,
            "justification": self.justification,
            "status": self.status,
            "implementation": self.implementation,
            "owner": self.owner,
            "owner_id": self.owner_id,
            "risks": list(self.risks),
            "evidence": [e.as_dict() for e in self.evidence],
            "duplicates": list(self.duplicates),
        }


@dataclass(frozen=True)
class SoaSummary:
    """The counts an auditor asks for first."""

    controls: int
    applicable: int
    excluded: int
    implemented: int
    missing: int

    def as_dict(self) -> dict[str, int]:
        return {
            "controls": self.controls,
            "applicable": self.applicable,
            "excluded": self.excluded,
            "implemented": self.implemented,
            "missing": self.missing,
        }

    def sentence(self) -> str:
        """``93 controls: 89 applicable (85 implemented), 4 excluded, 0 without an SoA entry``."""
        return (
            f"{self.controls} controls: {self.applicable} applicable ({self.implemented} implemented), "
            f"{self.excluded} excluded, {self.missing} without an SoA entry"
        )


#: What an SoA rendered outside git says instead of a commit.
UNVERSIONED = "not under version control"


@dataclass(frozen=True)
class SoaDocument:
    """The SoA as a controlled document: its version and approval (from the manifest) and the commit rendered."""

    version: str | None
    approved_by: str | None  # the person's name from the manifest, else as written
    approved_by_id: str | None
    approved_on: dt.date | None
    commit: str | None  # the evaluated commit; None outside git
    dirty: bool  # the working tree had uncommitted changes (never with --at)

    @property
    def short_commit(self) -> str | None:
        return self.commit[:8] if self.commit else None

    @property
    def revision(self) -> str:
        """``1a2b3c4d``, ``1a2b3c4d + uncommitted changes`` or ``not under version control``."""
        if self.commit is None:
            return UNVERSIONED
        return f"{self.commit[:8]} + uncommitted changes" if self.dirty else self.commit[:8]

    @property
    def approval(self) -> str:
        """``version 2026-2, approved by Dr. Miriam Krause on 2026-10-20``; ``not approved`` parts say so."""
        version = f"version {self.version}" if self.version else "no version"
        if self.approved_by and self.approved_on:
            return f"{version}, approved by {self.approved_by} on {self.approved_on.isoformat()}"
        if self.approved_by:
            return f"{version}, approved by {self.approved_by} (no approval date)"
        if self.approved_on:
            return f"{version}, approved on {self.approved_on.isoformat()} (approver not named)"
        return f"{version}, approval not recorded"

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The document-control lines every format prints, as (label, value)."""
        return (
            ("Version", self.version or "not set"),
            ("Approved by", self.approved_by or "not recorded"),
            ("Approved on", self.approved_on.isoformat() if self.approved_on else "not recorded"),
            ("Commit", self.revision),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "approved_by": self.approved_by,
            "approved_by_id": self.approved_by_id,
            "approved_on": self.approved_on.isoformat() if self.approved_on else None,
            "commit": self.commit,
            "dirty": self.dirty,
        }


NO_DOCUMENT = SoaDocument(None, None, None, None, None, False)


@dataclass(frozen=True)
class Soa:
    """The whole Statement of Applicability: what every renderer starts from."""

    version: str
    standard: str  # edition id
    standard_title: str
    organization: str
    date: dt.date
    summary: SoaSummary
    rows: tuple[SoaRow, ...]
    document: SoaDocument = NO_DOCUMENT

    @property
    def standard_name(self) -> str:
        """``ISO/IEC 27001:2022``: the catalog title up to its year."""
        match = re.match(r"^(.*?:\d{4})\b", self.standard_title)
        return match.group(1) if match else self.standard_title

    @property
    def gaps(self) -> list[SoaRow]:
        return [row for row in self.rows if row.missing]

    @property
    def duplicated(self) -> list[SoaRow]:
        return [row for row in self.rows if row.duplicates]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (format 1); key order is part of the format."""
        return {
            "isoctl": self.version,
            "format": 1,
            "standard": self.standard,
            "organization": self.organization,
            "date": self.date.isoformat(),
            "document": self.document.as_dict(),
            "summary": self.summary.as_dict(),
            "controls": [row.as_dict() for row in self.rows],
        }


def edition_in_scope(workspace: Workspace) -> Edition:
    """ISO/IEC 27001:2022 from the workspace's scope; UsageError (exit 2) when it is not there."""
    for edition in workspace.editions:
        if edition.id == EDITION:
            return edition
    in_scope = ", ".join(e.display for e in workspace.editions) or "nothing"
    hint = "add iso27001:2022 to 'standards' in isoctl.yaml"
    if any(e.family == "iso27001" for e in workspace.editions):
        hint = "the SoA is written against the 2022 edition; move the workspace to iso27001:2022 first"
    raise UsageError(f"the Statement of Applicability needs iso27001:2022 in scope; in scope: {in_scope}", hint=hint)


def build_soa(workspace: Workspace, today: dt.date, *, commit: str | None = None, dirty: bool = False) -> Soa:
    """The SoA of ``workspace`` as of ``today``: one row per Annex A control, in catalog order.

    ``commit`` is the commit the workspace was read from (None outside git) and
    ``dirty`` whether the working tree had changes on top of it.
    """
    edition = edition_in_scope(workspace)
    found = collect(workspace.records, workspace.catalogs, [edition])
    names = {person.id: person.name for person in workspace.manifest.people}
    risk_links = _risk_links(workspace, edition)
    rows = tuple(
        _row(edition, clause, found.soa.get((edition.id, clause.id), []), names, risk_links)
        for clause in edition.controls
    )
    summary = SoaSummary(
        controls=len(rows),
        applicable=sum(1 for r in rows if r.applicable is True),
        excluded=sum(1 for r in rows if r.applicable is False),
        implemented=sum(1 for r in rows if r.applicable is True and r.status == "implemented"),
        missing=sum(1 for r in rows if r.missing),
    )
    declared = workspace.manifest.soa
    document = SoaDocument(
        version=declared.version.strip() or None if declared and declared.version else None,
        approved_by=names.get(declared.approved_by, declared.approved_by) if declared and declared.approved_by else None,
        approved_by_id=declared.approved_by if declared else None,
        approved_on=declared.approved_on if declared else None,
        commit=commit,
        dirty=dirty and commit is not None,
    )
    return Soa(__version__, edition.id, edition.title, workspace.manifest.organization.name, today, summary, rows,
               document)


def _risk_links(workspace: Workspace, edition: Edition) -> dict[str, set[str]]:
    """Risk ids by what their ``controls`` name: a record id, or ``A.x.y`` for a clause reference.

    A risk may name the SoA row (``SOA-5.15``) or the control itself
    (``iso27001:A.5.15``, or a theme such as ``iso27001:A.8``); either links it.
    """
    links: dict[str, set[str]] = defaultdict(set)
    for record in workspace.records:
        if not isinstance(record.model, Risk):
            continue
        for name in record.model.controls:
            clauses, problem = resolve_text(name, workspace.catalogs, [edition])
            if problem is None:
                for _, clause in clauses:
                    links[clause.id].add(record.id)
            else:
                links[name].add(record.id)
    return links


def _section(edition: Edition, clause: Clause) -> str:
    """``A.5 Organizational controls``: the catalog's heading for the theme if it has one, else built from it."""
    prefix = clause.id.rsplit(".", 1)[0]
    heading = edition.by_id.get(clause.parent or prefix)
    if heading is not None and heading.title:
        return f"{heading.id} {heading.title}"
    return f"{prefix} {clause.theme.capitalize()} controls" if clause.theme else prefix


def _row(edition: Edition, clause: Clause, rows: list[LoadedRecord], names: dict[str, str],
         risk_links: dict[str, set[str]]) -> SoaRow:
    ref = f"{edition.family}:{clause.id}"
    title, theme, section = clause.label, clause.theme or "", _section(edition, clause)
    if not rows:
        linked = tuple(sorted(risk_links.get(clause.id, set())))
        return SoaRow(clause.id, ref, title, theme, section, None, None, None, None, None, None, None, None,
                      linked, (), ())
    first = rows[0]
    model = first.model
    assert isinstance(model, Control)  # evidence.collect puts only control records in .soa
    risks = set(model.risks) | risk_links.get(clause.id, set())
    for row in rows:
        risks |= risk_links.get(row.id, set())
    evidence = tuple(EvidenceLink(e.path, e.url, e.date, e.note) for e in model.evidence)
    owner = names.get(model.owner, model.owner) if model.owner else None
    return SoaRow(
        control=clause.id,
        ref=ref,
        title=title,
        theme=theme,
        section=section,
        record=first.id,
        path=first.file.relative,
        applicable=model.applicable,
        justification=_text(model.justification),
        status=model.status,
        implementation=_text(model.implementation),
        owner=owner,
        owner_id=model.owner,
        risks=tuple(sorted(risks)),
        evidence=evidence,
        duplicates=tuple(dict.fromkeys(r.id for r in rows[1:])),
    )


def _text(value: str | None) -> str | None:
    """Free text as written, without the trailing newline a YAML block scalar leaves."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
