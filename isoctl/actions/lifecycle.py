"""The life of an action: raise it, update it, close it (or find that the fix did not work).

Each operation checks everything it can before touching a file (people are
in the manifest, clause references resolve, dates are dates and in order,
the result validates as an :class:`~isoctl.model.records.Action`), then
writes once, atomically. Edits of an existing file hold that file's lock
from reading it to replacing it, so concurrent edits of one log all land.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isoctl.actions import query
from isoctl.actions.context import ActionContext
from isoctl.actions.ids import format_id, highest
from isoctl.errors import EditError, UsageError, WorkspaceError, reason
from isoctl.files import yamlio
from isoctl.files.located import describe
from isoctl.model.records import Action

#: Action types whose closure needs a root cause and a corrective action (10.2), as the
#: ``closed-without-root-cause`` rule judges them.
NEEDS_ROOT_CAUSE = ("nonconformity", "incident")

#: Field order of a new record: identity first, then what happened, then the plan.
NEW_ORDER = ("id", "kind", "title", "owner", "type", "severity", "source", "raised_on", "raised_by", "clauses",
             "description", "due", "status")

SCHEMA_FILE = Path(".isoctl/schema/record.json")


@dataclass(frozen=True)
class Written:
    """What an operation did: the action, its file, and the fields it changed (none: nothing to do)."""

    id: str
    relative: str
    path: Path
    changed: tuple[str, ...]
    action: Action | None = None  # the action as written, when an edit changed it


def _validate(record: Mapping[str, Any], what: str) -> Action:
    try:
        return Action.model_validate(dict(record))
    except ValidationError as exc:
        problems = "; ".join(describe(dict(e)) for e in exc.errors(include_url=False))
        raise UsageError(f"{what} would not be a valid action: {problems}") from None


def _dates_in_order(action: Action) -> None:
    """Refuse dates that contradict each other (a plan due before the problem was raised)."""
    for name in ("due", "closed_on"):
        value = getattr(action, name)
        if value is not None and value < action.raised_on:
            raise UsageError(f"{action.id}: {name} {value} is before raised_on {action.raised_on}")
    if action.verification is not None and action.verification.on < action.raised_on:
        raise UsageError(f"{action.id}: verification on {action.verification.on} is before raised_on {action.raised_on}")


def new_action(ctx: ActionContext, fields: Mapping[str, Any]) -> Written:
    """Write a new action with the next free ``ACT-n`` id as a file of its own in the actions folder.

    ``fields`` are the record's fields without ``id``/``kind``; ``raised_on``
    is required. Nothing is written when anything is invalid. The file is
    created exclusively: a concurrent ``new`` that picked the same id gets
    the next one instead.
    """
    from isoctl.actions.writes import create_exclusively, inside_workspace
    from isoctl.actions.yaml_text import record_text

    given = {k: v for k, v in fields.items() if v is not None and v != []}
    record: dict[str, Any] = {"id": "ACT-0000", "kind": "action", **given, "status": given.get("status", "open")}
    for key, option in (("owner", "--owner"), ("raised_by", "--raised-by")):
        if record.get(key) is not None:
            ctx.person(record[key], option)
    for text in record.get("clauses") or []:
        ctx.clauses_of(text, "--clause")
    _dates_in_order(_validate(record, "the new record"))
    ordered = {key: record[key] for key in NEW_ORDER if key in record}
    ordered.update((k, v) for k, v in record.items() if k not in ordered)

    scan = ctx.scan()
    folder = scan.actions_folder()
    directory = _inside(ctx, folder or ".", "the actions folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the actions folder {folder}/: {reason(exc)}") from None
    header = ""
    if (ctx.root / SCHEMA_FILE).is_file():
        up = "../" * len(Path(folder).parts)
        header = f"# yaml-language-server: $schema={up}{SCHEMA_FILE.as_posix()}"
    number, width = highest(scan.ids)
    while True:
        action_id = format_id(number, width)
        number += 1
        target = directory / f"{action_id}.yaml"
        if action_id in scan.ids or os.path.lexists(target):
            continue
        relative = posixpath.join(folder, target.name)
        if inside_workspace(ctx.root, relative) is None:  # a dangling link of that name, or a folder swapped meanwhile
            raise EditError(f"{relative} would be written outside the workspace; nothing was written")
        ordered["id"] = action_id
        try:
            create_exclusively(target, record_text(ordered, header).encode("utf-8"))
        except FileExistsError:
            continue  # another isoctl published this id a moment ago: take the next one
        except OSError as exc:
            raise WorkspaceError(f"cannot write {relative}: {reason(exc)}; nothing was written") from None
        return Written(action_id, relative, target, tuple(ordered))


def update_action(ctx: ActionContext, wanted: str, changes: Mapping[str, Any]) -> Written:
    """Set fields of an action; reopening a closed one (``status: open``/``in-progress``) drops ``closed_on``."""
    from isoctl.actions.edit import REMOVE

    if changes.get("status") == "closed":
        raise UsageError(
            "--status closed: close an action with 'isoctl action close', which records who verified it and whether it worked",
            hint=f"isoctl action close {wanted} --verified-by PERSON --effective",
        )
    if changes.get("owner") is not None:
        ctx.person(changes["owner"], "--owner")
    if not changes:
        raise UsageError("nothing to update: give at least one field to change (see --help)")

    def decide(action: Action) -> dict[str, Any]:
        planned = dict(changes)
        if planned.get("status") in query.OPEN and action.status == "closed":
            planned["closed_on"] = REMOVE
        return planned

    return _edit(ctx, wanted, decide)


def close_action(
    ctx: ActionContext, wanted: str, *, verified_by: str, effective: bool, on: dt.date, note: str | None = None,
    force: bool = False, closed_on: dt.date | None = None,
) -> Written:
    """Record the effectiveness check; effective closes the action, not effective keeps it open (in progress).

    A nonconformity or incident without ``root_cause`` and
    ``corrective_action`` is not closed unless ``force``; neither is one
    already closed and verified effective. ``closed_on`` is when the action
    was closed (its corrective action completed), when that was before the
    check: by default, the day of the check, or the closure already recorded.
    """
    from isoctl.actions.edit import REMOVE

    ctx.person(verified_by, "--verified-by")
    if closed_on is not None and not effective:
        raise UsageError("--closed-on goes with --effective: an action found not effective stays open")
    if closed_on is not None and closed_on > on:
        raise UsageError(f"--closed-on {closed_on} is after the check (--on {on}): an action is checked once closed")

    def decide(action: Action) -> dict[str, Any]:
        if action.status == "cancelled":
            raise UsageError(f"{action.id} is cancelled", hint=f"reopen it first: isoctl action update {action.id} --status open")
        verification = {"on": on, "by": verified_by, "effective": effective, "note": note}
        if not effective:
            return {"status": "in-progress", "closed_on": REMOVE, "verification": verification}
        if action.status == "closed" and action.verification is not None and action.verification.effective and not force:
            raise UsageError(
                f"{action.id} is already closed and was verified effective on {action.verification.on}",
                hint="--force records a new verification",
            )
        missing = [f for f in ("root_cause", "corrective_action") if not getattr(action, f)]
        if action.type in NEEDS_ROOT_CAUSE and missing and not force:
            fields = " and ".join(missing)
            options = " ".join(f"--{f.replace('_', '-')} TEXT" for f in missing)
            raise UsageError(
                f"cannot close {action.id}: {'an' if action.type[0] in 'aeiou' else 'a'} {action.type} needs {fields} "
                "before it is closed",
                hint=f"isoctl action update {action.id} {options}; or close anyway with --force",
            )
        if action.closed_on is not None and action.status == "closed" and closed_on is None:
            if on < action.closed_on:
                raise UsageError(f"--on {on}: {action.id} was closed on {action.closed_on}; verify on or after that")
            return {"verification": verification}  # closed before, verified now: keep when it was closed
        return {"status": "closed", "closed_on": closed_on or on, "verification": verification}

    return _edit(ctx, wanted, decide)


def _edit(ctx: ActionContext, wanted: str, decide: Callable[[Action], dict[str, Any]]) -> Written:
    """Find the action, then under the file's lock: re-read it, decide the changes, edit, validate, replace."""
    from isoctl.actions.edit import REMOVE, plain, set_fields
    from isoctl.actions.writes import locked, replace_atomically

    found = query.find(ctx.scan(), wanted)
    path = _inside(ctx, found.relative, "the file holding " + found.id)
    with locked(path, label=found.relative):
        try:
            data = yamlio.read_bytes(path)
            text = yamlio.decode(data)
        except yamlio.YamlProblem as exc:
            raise UsageError(f"{found.relative}: {exc.message}") from None
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
        current = query.in_text(found.relative, text, found.id, found.line)
        changes = {
            key: value
            for key, value in decide(current.model).items()
            if ((key in current.data) if value is REMOVE else current.data.get(key) != plain(value))
        }
        if not changes:
            return Written(found.id, found.relative, path, ())
        edited = set_fields(text, found.relative, found.id, changes)
        after = query.in_text(found.relative, edited, found.id, found.line)
        _dates_in_order(after.model)
        try:
            replace_atomically(path, bom + edited.encode("utf-8"))
        except OSError as exc:
            raise WorkspaceError(f"cannot write {found.relative}: {reason(exc)}; it was left as it was") from None
    return Written(found.id, found.relative, path, tuple(changes), after.model)


def _inside(ctx: ActionContext, relative: str, what: str) -> Path:
    """The real path of ``relative``; EditError when it (or a folder above it) leads outside the workspace.

    ``check`` reports such a symlink as ``path-outside-workspace``; writing
    through it would change a file outside the repository that nobody reviews.
    """
    from isoctl.actions.writes import inside_workspace
    from isoctl.workspace.files import on_disk

    path = inside_workspace(ctx.root, on_disk(relative))
    if path is None:
        try:
            where = f" (it resolves to {os.path.realpath(ctx.root / relative)})"
        except OSError:  # pragma: no cover - realpath is not strict
            where = ""
        raise EditError(
            f"{what}, {relative}, leads outside the workspace{where}; isoctl writes only inside it, "
            "nothing was written",
            hint="replace the symlink with a real folder or file inside the workspace ('isoctl check' lists such links)",
        )
    return path
