"""Rules about clause references and exclusions."""

from __future__ import annotations

from collections.abc import Iterator

from isoctl.analysis.resolve import resolve_text
from isoctl.model.records import Audit, Control, Risk
from isoctl.rules import Context, Hit, is_clause_ref, rule


@rule("unknown-clause", "error", category="loading")
def unknown_clause(ctx: Context) -> Iterator[Hit]:
    """A clause reference that no catalog in scope has.

    Checked wherever a record or the manifest names a clause: ``clauses``,
    a control's ``control``, an audit's ``scope`` and its findings'
    ``clause``, a risk's ``controls``, and the manifest's ``exclusions``.
    A reference to a standard that is not in scope counts too: add the
    standard to ``standards:`` in isoctl.yaml, or drop the reference.

    Fails:  ``clauses: [iso9001:8.5.9]`` (ISO 9001 has no 8.5.9)
    Passes: ``clauses: [iso9001:8.5.1, hs:9.2]``
    """
    for bad in ctx.evidence.bad_refs:
        assert bad.record is not None
        yield ctx.at(bad.record.model, *bad.loc, message=f"unknown clause '{bad.text}': {bad.reason}")
    workspace = ctx.workspace
    problems: dict[str, str | None] = {}  # per distinct text: why it resolves to nothing (None when it resolves)
    for record in workspace.records:
        if record.kind not in ("audit", "risk"):  # the only records with references besides clauses and control
            continue
        model = record.model
        places: list[tuple[tuple[str | int, ...], str]] = []
        if isinstance(model, Audit):
            places += [(("scope", i), s) for i, s in enumerate(model.scope) if is_clause_ref(s)]
            places += [(("findings", i, "clause"), f.clause) for i, f in enumerate(model.findings) if f.clause]
        elif isinstance(model, Risk):
            places += [(("controls", i), c) for i, c in enumerate(model.controls) if is_clause_ref(c)]
        for loc, text in places:
            if text not in problems:
                problems[text] = resolve_text(text, workspace.catalogs, workspace.editions)[1]
            problem = problems[text]
            if problem:
                yield ctx.at(model, *loc, message=f"unknown clause '{text}': {problem}")
    for index, exclusion in enumerate(workspace.manifest.exclusions):
        _, problem = resolve_text(exclusion.clause, workspace.catalogs, workspace.editions)
        if problem:
            yield ctx.at_manifest("exclusions", index, "clause", message=f"unknown clause '{exclusion.clause}': {problem}")


@rule("unjustified-exclusion", "error", category="coverage")
def unjustified_exclusion(ctx: Context) -> Iterator[Hit]:
    """An exclusion without a justification, or of a clause that cannot be excluded.

    ISO 9001 lets a requirement be declared not applicable (4.3), with a
    justification, where the catalog marks it excludable; ISO 14001, ISO 45001,
    ISO 22301 and clauses 4–10 of ISO/IEC 27001 allow no exclusions. Annex A
    controls are excluded in their SoA row (``applicable: false``), and every
    excluded control needs its justification there.

    Fails:  ``exclusions: [{clause: iso9001:9.2}]``
    Passes: ``exclusions: [{clause: iso9001:8.3, justification: "No design work: we build to customer drawings."}]``
    """
    for index, message, clause in ctx.exclusions.problems:
        yield ctx.at_manifest("exclusions", index, message=message, clause=clause)
    for (edition_id, clause_id), rows in ctx.evidence.soa.items():
        family = ctx.workspace.catalogs.editions[edition_id].family
        for row in rows:
            control = row.model
            if isinstance(control, Control) and not control.applicable and not (control.justification or "").strip():
                yield ctx.at(control, "applicable", message=f"SoA row excludes {family}:{clause_id} without a justification",
                             clause=f"{family}:{clause_id}")
