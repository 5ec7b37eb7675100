"""Rules about identities: unique record ids, and references that point at something real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from isoctl.catalog.refs import parse_ref
from isoctl.rules import Context, Hit, rule
from isoctl.workspace.records import LoadedRecord


@rule("duplicate-id", "error")
def duplicate_id(ctx: Context) -> Iterator[Hit]:
    """Two records with one id.

    Ids are how records refer to each other (a review's actions, a process's
    KPIs, an audit finding's action), so each must be unique across the
    workspace. Every record after the first with the same id is reported,
    naming where the first one is.

    Fails:  ``ACT-0042`` in ``actions/a.yaml`` and again in ``actions/b.yaml``
    Passes: ``ACT-0042`` and ``ACT-0043``
    """
    seen: dict[str, LoadedRecord] = {}
    for record in ctx.workspace.records:
        first = seen.setdefault(record.id, record)
        if first is not record:
            path, line, _ = first.locate("id")
            yield ctx.at(record, "id", message=f"duplicate id '{record.id}' (first used at {path}:{line})")


# fields holding person ids, per kind: (path below the record, is a list)
_PERSON_FIELDS: list[tuple[str | None, tuple[str, ...], bool]] = [
    (None, ("owner",), False),
    ("document", ("approved_by",), False),
    ("action", ("raised_by",), False),
    ("action", ("verification", "by"), False),
    ("review", ("attendees",), True),
    ("competence", ("person",), False),
]

# fields holding record ids: (kind, field, kinds the target may be, or None for any kind)
_RECORD_FIELDS: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("process", "kpis", ("objective",)),
    ("process", "risks", ("risk",)),
    ("control", "risks", ("risk",)),
    ("risk", "controls", None),
    ("review", "actions", ("action",)),
    ("exercise", "actions", ("action",)),
    ("exercise", "plans", None),
]


def _value(model: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        model = getattr(model, step, None)
        if model is None:
            return None
    return model


@rule("unknown-reference", "error")
def unknown_reference(ctx: Context) -> Iterator[Hit]:
    """An owner, person, record id or evidence file that does not exist.

    People are the ``people:`` of the manifest; owners, approvers, attendees,
    verifiers and competence holders must be among them. Record references
    must name an existing record of the right kind: a process's ``kpis`` are
    objectives, its ``risks`` risks; a review's and an exercise's ``actions``
    are actions; an audit finding's ``action`` is an action; an audit's
    ``scope`` holds clause references or record ids (processes). Evidence and
    document ``path`` values must name a file in the repository. An internal
    auditor written as a plain id (no spaces) must be a person too.

    Fails:  ``owner: jsmtih`` when the manifest lists ``jsmith``
    Passes: ``owner: jsmith``
    """
    people = {p.id for p in ctx.workspace.manifest.people}
    by_id = {r.id: r for r in ctx.workspace.records}
    for record in ctx.workspace.records:
        model: Any = record.model
        for kind, path, many in _PERSON_FIELDS:
            if kind is not None and model.kind != kind:
                continue
            value = _value(model, path)
            values = value if many and isinstance(value, list) else [value]
            for index, person in enumerate(values):
                if person is not None and person not in people:
                    loc: tuple[str | int, ...] = (*path, index) if many else path
                    yield ctx.at(record, *loc, message=f"{'.'.join(path)}: '{person}' is not a person in isoctl.yaml people")
        if model.kind == "audit" and model.auditor and " " not in model.auditor.strip() and model.auditor not in people:
            yield ctx.at(record, "auditor", message=f"auditor: '{model.auditor}' is not a person in isoctl.yaml people "
                         "(write an external auditor's full name)")
        for kind, name, targets in _RECORD_FIELDS:
            if model.kind != kind:
                continue
            for index, target in enumerate(getattr(model, name)):
                if name == "controls" and parse_ref(target) is not None:
                    continue  # a clause reference: checked by unknown-clause
                problem = _record_problem(by_id, target, targets)
                if problem:
                    yield ctx.at(record, name, index, message=f"{name}: {problem}")
        if model.kind == "audit":
            for index, finding in enumerate(model.findings):
                if finding.action is not None:
                    problem = _record_problem(by_id, finding.action, ("action",))
                    if problem:
                        yield ctx.at(record, "findings", index, "action", message=f"findings[{index}].action: {problem}")
            for index, item in enumerate(model.scope):
                if parse_ref(item) is None and item not in by_id:
                    yield ctx.at(record, "scope", index, message=f"scope: '{item}' is neither a clause reference nor a record id")
        yield from _files(ctx, record)


def _record_problem(by_id: dict[str, LoadedRecord], target: str, kinds: tuple[str, ...] | None) -> str | None:
    found = by_id.get(target)
    if found is None:
        return f"no record with id '{target}'"
    if kinds is not None and found.kind not in kinds:
        return f"'{target}' is a {found.kind}, not {' or '.join('an ' + k if k[0] in 'aeiou' else 'a ' + k for k in kinds)}"
    return None


def _files(ctx: Context, record: LoadedRecord) -> Iterator[Hit]:
    model: Any = record.model
    paths: list[tuple[tuple[str | int, ...], str]] = [
        (("evidence", i, "path"), e.path) for i, e in enumerate(model.evidence) if e.path is not None
    ]
    if model.kind == "document" and model.path:
        paths.append((("path",), model.path))
    for loc, path in paths:
        if ctx.workspace.path_status(path) == "missing":
            yield ctx.at(record, *loc, message=f"file '{path}' does not exist in the workspace")

