"""Rules about identities: unique record ids, and references that point at something real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from isoctl.analysis.paths import check_path
from isoctl.model.records import Action, Audit, Competence, Control, Document, Exercise, Process, Review, Risk
from isoctl.rules import Context, Hit, is_clause_ref, rule

if TYPE_CHECKING:
    from isoctl.model.records import RecordBase
    from isoctl.workspace.records import LoadedRecord

Loc = tuple[str | int, ...]


@rule("duplicate-id", "error", category="loading")
def duplicate_id(ctx: Context) -> Iterator[Hit]:
    """Two records, or two people in the manifest, with one id.

    Ids are how records refer to each other (a review's actions, a process's
    KPIs, an audit finding's action), so each must be unique across the
    workspace. Every record after the first with the same id is reported,
    naming where the first one is. The same goes for the ``people:`` of the
    manifest: two entries for one person may disagree (a name, top
    management), so only the first counts and every later one is reported.

    Fails:  ``ACT-0042`` in ``actions/a.yaml`` and again in ``actions/b.yaml``
    Passes: ``ACT-0042`` and ``ACT-0043``
    """
    for found in ctx.loading:  # the manifest's people, found while loading it
        if found.rule == "duplicate-id":
            yield Hit(found.message, found.path, found.line, found.column, found.clause, found.record)
    seen: dict[str, LoadedRecord] = {}
    for record in ctx.workspace.records:
        first = seen.setdefault(record.id, record)
        if first is not record:
            path, line, _ = first.locate("id")
            yield ctx.at(record.model, "id", message=f"duplicate id '{record.id}' (first used at {path}:{line})")


#: The kinds of record that name people other than their ``owner`` (:func:`_people`), and record ids (:func:`_targets`).
_NAMING_PEOPLE = frozenset({"document", "action", "review", "competence"})
_NAMING_RECORDS = frozenset({"process", "control", "risk", "review", "exercise", "action"})


def _people(model: RecordBase) -> Iterator[tuple[str, Loc, str]]:
    """The person ids a record names besides its owner: (the field as messages name it, where it is, the id)."""
    if isinstance(model, Document):
        if model.approved_by is not None:
            yield "approved_by", ("approved_by",), model.approved_by
    elif isinstance(model, Action):
        if model.raised_by is not None:
            yield "raised_by", ("raised_by",), model.raised_by
        if model.verification is not None:
            yield "verification.by", ("verification", "by"), model.verification.by
    elif isinstance(model, Review):
        if model.chair is not None:
            yield "chair", ("chair",), model.chair
        for index, person in enumerate(model.attendees):
            yield "attendees", ("attendees", index), person
    elif isinstance(model, Competence):
        yield "person", ("person",), model.person


def _targets(model: RecordBase) -> Iterator[tuple[str, list[str], tuple[str, ...] | None]]:
    """The record ids a record names: (field, the ids, the kinds they may be or None for any kind)."""
    if isinstance(model, Process):
        yield "kpis", model.kpis, ("objective",)
        yield "risks", model.risks, ("risk",)
    elif isinstance(model, Control):
        yield "risks", model.risks, ("risk",)
    elif isinstance(model, Risk):
        yield "controls", model.controls, None
    elif isinstance(model, Review):
        yield "actions", model.actions, ("action",)
    elif isinstance(model, Exercise):
        yield "actions", model.actions, ("action",)
        yield "plans", model.plans, None
    elif isinstance(model, Action):
        yield "related", model.related, None


@rule("unknown-reference", "error", category="loading")
def unknown_reference(ctx: Context) -> Iterator[Hit]:
    """An owner, person, record id or evidence file that does not exist.

    People are the ``people:`` of the manifest; owners, approvers, review chairs and attendees,
    verifiers and competence holders must be among them. Record references
    must name an existing record of the right kind: a process's ``kpis`` are
    objectives, its ``risks`` risks; a review's and an exercise's ``actions``
    are actions; an audit finding's ``action`` is an action; an action's
    ``related`` names records of any kind; an audit's
    ``scope`` holds clause references or record ids (processes). Evidence and
    document ``path`` values must name a file in the repository. An internal
    auditor written as a plain id (no spaces) must be a person too.

    Fails:  ``owner: jsmtih`` when the manifest lists ``jsmith``
    Passes: ``owner: jsmith``
    """
    people = {p.id for p in ctx.workspace.manifest.people}
    by_id = ctx.by_id()
    missing: dict[str, bool] = {}  # per distinct evidence or document path: whether it names no file
    for record in ctx.workspace.records:
        model = record.model
        kind = record.kind
        if model.owner is not None and model.owner not in people:
            yield ctx.at(model, "owner", message=f"owner: '{model.owner}' is not a person in isoctl.yaml people")
        if kind in _NAMING_PEOPLE:
            for label, loc, person in _people(model):
                if person not in people:
                    yield ctx.at(model, *loc, message=f"{label}: '{person}' is not a person in isoctl.yaml people")
        if isinstance(model, Audit) and model.auditor and " " not in model.auditor.strip() and model.auditor not in people:
            yield ctx.at(model, "auditor", message=f"auditor: '{model.auditor}' is not a person in isoctl.yaml people "
                         "(write an external auditor's full name)")
        if kind in _NAMING_RECORDS:
            for name, targets, kinds in _targets(model):
                for index, target in enumerate(targets):
                    if name == "controls" and is_clause_ref(target):
                        continue  # a clause reference: checked by unknown-clause
                    problem = _record_problem(by_id, target, kinds)
                    if problem:
                        yield ctx.at(model, name, index, message=f"{name}: {problem}")
        if isinstance(model, Audit):
            for index, finding in enumerate(model.findings):
                if finding.action is not None:
                    problem = _record_problem(by_id, finding.action, ("action",))
                    if problem:
                        yield ctx.at(model, "findings", index, "action", message=f"findings[{index}].action: {problem}")
            for index, item in enumerate(model.scope):
                if not is_clause_ref(item) and item not in by_id:
                    yield ctx.at(model, "scope", index, message=f"scope: '{item}' is neither a clause reference nor a record id")
        for index, link in enumerate(model.evidence):
            if link.path is not None and _missing(ctx, link.path, missing):
                yield ctx.at(model, "evidence", index, "path", message=f"file '{link.path}' does not exist in the workspace")
        if isinstance(model, Document) and model.path and _missing(ctx, model.path, missing):
            yield ctx.at(model, "path", message=f"file '{model.path}' does not exist in the workspace")


def _record_problem(by_id: dict[str, LoadedRecord], target: str, kinds: tuple[str, ...] | None) -> str | None:
    found = by_id.get(target)
    if found is None:
        return f"no record with id '{target}'"
    if kinds is not None and found.kind not in kinds:
        return f"'{target}' is a {found.kind}, not {' or '.join('an ' + k if k[0] in 'aeiou' else 'a ' + k for k in kinds)}"
    return None


def _missing(ctx: Context, path: str, known: dict[str, bool]) -> bool:
    """Whether an evidence or document path names no file (``known``: the answer for each path asked before)."""
    if path not in known:
        known[path] = check_path(ctx.workspace, path).status == "missing"
    return known[path]
