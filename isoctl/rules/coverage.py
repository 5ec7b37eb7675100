"""Rules about coverage: clauses in scope that nothing evidences, or evidences only in part.

Each leaf clause that is not covered gets exactly one finding, from the rule
:func:`reporting_rule` names; formats that show the coverage matrix use the
same function to tell those findings from the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from isoctl.model.result import ClauseCoverage
from isoctl.rules import Context, Hit, rule


def reporting_rule(item: ClauseCoverage) -> str | None:
    """The rule whose finding reports this clause's status; None when it is not a problem or not a leaf clause."""
    if not item.leaf:
        return None
    if item.status == "partial":
        return "partial-clause"
    if item.status == "missing":
        return "missing-soa-entry" if item.clause.startswith("A.") else "unmapped-clause"
    return None


def _standard_entry(ctx: Context, item: ClauseCoverage) -> tuple[str | int, ...]:
    """Where in isoctl.yaml the standard of a clause is put in scope (findings about scope point there)."""
    for index, name in enumerate(ctx.workspace.manifest.standards):
        try:
            if ctx.workspace.catalogs.edition(name).id == item.standard:
                return ("standards", index)
        except Exception:
            continue
    return ("standards",)


def _label(item: ClauseCoverage) -> str:
    return f"{item.standard} {item.clause} {item.title or '(untitled paragraph)'}"


@rule("unmapped-clause", "error", category="coverage")
def unmapped_clause(ctx: Context) -> Iterator[Hit]:
    """A clause in scope that no record addresses (status ``missing``).

    A record addresses a clause by naming it in ``clauses`` (directly, through
    a parent clause or through ``hs:``) or by being the kind of evidence the
    catalog expects for it (``isoctl standards show iso9001:9.3`` lists
    that). Reported once per leaf clause, at the standard's entry in
    isoctl.yaml. Annex A controls without an SoA row are reported by
    ``missing-soa-entry`` instead.

    Fails:  ISO 9001 in scope and no record for 7.1.6 Organizational knowledge
    Passes: a procedure with ``clauses: [iso9001:7.1.6]``
    """
    for item in ctx.clauses:
        if reporting_rule(item) == "unmapped-clause":
            yield ctx.at_manifest(*_standard_entry(ctx, item), message=f"{_label(item)}: no record addresses this clause",
                                  clause=item.ref)


@rule("partial-clause", "warning", category="coverage")
def partial_clause(ctx: Context) -> Iterator[Hit]:
    """A clause that records address, but not effectively (status ``partial``).

    The reasons are listed: an expectation of the catalog is not met (no
    record of the expected kind, or none recent enough), the only documents
    are drafts, a document is past its review date, every record behind the
    clause rests on evidence older than ``evidence_max_age_days`` (default
    365), or an Annex A control's SoA row is not implemented, is marked
    implemented with no implementation text, evidence or other record
    naming the control, or has no justification.

    Fails:  9.3 Management review evidenced only by a review held two years ago
    Passes: a review within ``management_review_days``
    """
    for item in ctx.clauses:
        if reporting_rule(item) == "partial-clause":
            yield ctx.at_manifest(*_standard_entry(ctx, item), message=f"{_label(item)}: {'; '.join(item.reasons)}",
                                  clause=item.ref)


@rule("missing-soa-entry", "error", category="coverage")
def missing_soa_entry(ctx: Context) -> Iterator[Hit]:
    """An ISO/IEC 27001 Annex A control with no SoA row.

    The Statement of Applicability must say, for every one of the 93 Annex A
    controls, whether it applies and why. Each control needs a ``control``
    record (``control: iso27001:A.5.15``, ``applicable``, ``justification``,
    and a ``status`` when applicable). ``isoctl init`` writes all 93 rows.

    Fails:  no record with ``control: iso27001:A.8.12``
    Passes: ``{kind: control, control: iso27001:A.8.12, applicable: true, justification: ..., status: implemented}``
    """
    for item in ctx.clauses:
        if reporting_rule(item) == "missing-soa-entry":
            yield ctx.at_manifest(*_standard_entry(ctx, item), message=f"{_label(item)}: no SoA row (control record)",
                                  clause=item.ref)


@rule("duplicate-soa-row", "warning", category="coverage")
def duplicate_soa_row(ctx: Context) -> Iterator[Hit]:
    """An Annex A control with more than one SoA row.

    The Statement of Applicability says once, for each control, whether it
    applies and why. A second ``control`` record for the same control is
    ignored (the first one, in workspace order, counts): an auditor reading
    the files sees two answers. Rows that disagree on ``applicable`` are an
    error (the control is both in and out); otherwise a warning. Keep one row
    per control.

    Fails:  ``SOA-6.1`` and ``SOA-6.1-B``, both with ``control: iso27001:A.6.1``
    Passes: one record with ``control: iso27001:A.6.1``
    """
    from isoctl.model.records import Control  # not at the top: the formats import reporting_rule, not the models

    for (edition, clause), rows in ctx.evidence.soa.items():
        if len(rows) < 2:
            continue
        first = rows[0]
        first_model = first.model
        assert isinstance(first_model, Control)  # evidence.collect puts only control records in .soa
        seen = {id(first)}
        for row in rows[1:]:
            if id(row) in seen:  # a record listed twice for one control is one row
                continue
            seen.add(id(row))
            model = row.model
            assert isinstance(model, Control)
            disagree = model.applicable != first_model.applicable
            said = ("applicable" if first_model.applicable else "not applicable",
                    "applicable" if model.applicable else "not applicable")
            message = (f"{edition} {clause}: a second SoA row; {first.id} counts"
                       + (f", and says {said[0]} where this one says {said[1]}" if disagree else "")
                       + "; keep one row per control")
            hit = ctx.at(model, "control", message=message, clause=f"{edition}:{clause}")
            yield replace(hit, severity="error") if disagree else hit
