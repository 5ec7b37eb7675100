"""Finding one action by id and listing the action log, parsing only the files that hold actions.

The scan (:mod:`isoctl.actions.ids`) says which files to open; each is
parsed with the same fast reader ``check`` uses and each action record is
validated with the :class:`~isoctl.model.records.Action` model. Filters and
ordering are pure functions of the records and ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isoctl.actions.ids import Scan
from isoctl.errors import InvalidAction, Location, UsageError
from isoctl.files import yamlio
from isoctl.files.located import describe
from isoctl.model.records import Action
from isoctl.workspace import files as workspace_files
from isoctl.workspace.read import NotRecords, RawFile, read

OPEN = ("open", "in-progress")


@dataclass
class FoundAction:
    """A valid action record, where it is, and the file it came from (for edits)."""

    model: Action
    relative: str
    line: int
    raw: RawFile
    index: int | None  # position in a sequence file, else None

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def data(self) -> dict[str, Any]:
        """The record as written in the file (before validation)."""
        item: dict[str, Any] = self.raw.records[self.index or 0]
        return item


def is_overdue(action: Action, today: dt.date) -> bool:
    """Open or in progress and past its due date (the ``overdue-action`` rule's definition)."""
    return action.status in OPEN and action.due is not None and action.due < today


def days_overdue(action: Action, today: dt.date) -> int:
    return (today - action.due).days if action.due is not None and is_overdue(action, today) else 0



def _parse(root: Path, relative: str) -> RawFile | str:
    """The records of one file, or why it cannot be read (located: ``path:line:col: problem``)."""
    try:
        raw = read(relative, yamlio.read_text(root / workspace_files.on_disk(relative)))
    except yamlio.YamlProblem as exc:
        return f"{Location(relative, exc.line, exc.column)}: {exc.message}"
    except NotRecords as exc:
        return f"{relative}: {exc}"
    return raw if raw is not None else f"{relative}: holds no records"


def _records(raw: RawFile) -> Iterable[tuple[int | None, dict[str, Any]]]:
    for index, item in enumerate(raw.records):
        if isinstance(item, dict):
            yield (index if raw.sequence else None), item


def _validate(raw: RawFile, item: dict[str, Any], relative: str, line: int) -> Action:
    data = {**item, "body": raw.body} if raw.body is not None and "body" not in item else item
    try:
        return Action.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(describe(dict(e)) for e in exc.errors(include_url=False))
        raise InvalidAction(
            f"{item.get('id')} at {relative}:{line} is not a valid action record: {problems}",
            hint="fix it first ('isoctl check' shows every problem with its place)",
        ) from None


def _line(scan: Scan, action_id: str, relative: str, fallback: int = 1) -> int:
    lines = [p.line for p in scan.ids.get(action_id, []) if p.relative == relative]
    return lines[0] if lines else fallback


def find(scan: Scan, wanted: str) -> FoundAction:
    """The action with id ``wanted`` (or ``42`` for ``ACT-0042``); UsageError with the closest ids if none."""
    action_id = scan.resolve(wanted)
    hits: list[tuple[str, RawFile, int | None, dict[str, Any]]] = []
    unreadable: list[str] = []
    if action_id is not None:
        for relative in dict.fromkeys(p.relative for p in scan.ids[action_id]):
            raw = _parse(scan.root, relative)
            if isinstance(raw, str):
                unreadable.append(raw)
                continue
            hits += [(relative, raw, index, item) for index, item in _records(raw) if item.get("id") == action_id]
    if not hits and unreadable:
        # the id is written in a file that cannot be read: "no action" would send people looking elsewhere
        raise UsageError(
            f"{action_id} is in a file that does not parse: {'; '.join(unreadable)}",
            hint="fix the file first ('isoctl check' lists every problem with its place)",
        )
    if not hits:
        close = [i for i in scan.closest(wanted) if i != wanted]
        hints = [f"closest: {', '.join(close)}"] if close else []
        if scan.refused:
            links = ", ".join(sorted(scan.refused)[:3]) + (", ..." if len(scan.refused) > 3 else "")
            hints.append(f"not read, as symlinks leading outside the workspace: {links}")
        if scan.unread:
            files = ", ".join(f"{relative} ({why})" for relative, why in sorted(scan.unread.items())[:3])
            hints.append(f"files that could not be read may hold it: {files}")
        hint = "; ".join(hints) or "run 'isoctl action list --status all' to see the ids"
        raise UsageError(f"no action '{wanted}' in this workspace", hint=hint)
    assert action_id is not None
    if len(hits) > 1:
        places = ", ".join(sorted(f"{relative}:{_line(scan, action_id, relative)}" for relative, *_ in hits))
        raise UsageError(f"{action_id} is defined {len(hits)} times ({places})", hint="give each record its own id first")
    relative, raw, index, item = hits[0]
    line = _line(scan, action_id, relative)
    if item.get("kind") != "action":
        raise UsageError(f"{action_id} at {relative}:{line} is a {item.get('kind') or 'record without kind'}, not an action")
    return FoundAction(_validate(raw, item, relative, line), relative, line, raw, index)


def in_text(relative: str, text: str, action_id: str, line: int = 1) -> FoundAction:
    """The action ``action_id`` in a file's text (re-read under a lock, or checked after an edit)."""
    try:
        raw = read(relative, text)
    except yamlio.YamlProblem as exc:
        raise UsageError(f"{relative} does not parse: {Location(relative, exc.line, exc.column)}: {exc.message}",
                         hint="'isoctl check' lists every problem with its place") from None
    except NotRecords as exc:
        raise UsageError(f"{relative}: {exc}", hint="'isoctl check' lists every problem with its place") from None
    hits = [(index, item) for index, item in _records(raw)] if raw is not None else []
    hits = [(index, item) for index, item in hits if item.get("id") == action_id and item.get("kind") == "action"]
    if len(hits) != 1:
        raise UsageError(f"{relative}: expected one action {action_id}, found {len(hits)} (was the file changed meanwhile?)")
    index, item = hits[0]
    assert raw is not None
    return FoundAction(_validate(raw, item, relative, line), relative, line, raw, index)


def load_all(scan: Scan) -> tuple[list[FoundAction], list[str]]:
    """Every valid action of the workspace, and a message for each action record that is not valid."""
    found: list[FoundAction] = []
    problems = [f"{relative}: {why} (any actions in it are not listed)"
                for relative, why in sorted({**scan.unread, **scan.refused}.items())]
    for relative in sorted(scan.actions_per_file):
        raw = _parse(scan.root, relative)
        if isinstance(raw, str):
            problems.append(f"{raw} (its actions are not listed)")
            continue
        for index, item in _records(raw):
            if item.get("kind") != "action":
                continue
            action_id = str(item.get("id"))
            line = _line(scan, action_id, relative)
            try:
                found.append(FoundAction(_validate(raw, item, relative, line), relative, line, raw, index))
            except InvalidAction as exc:
                problems.append(exc.message)
    return found, problems


@dataclass(frozen=True)
class Filters:
    """What ``action list`` selects; empty means no restriction."""

    statuses: Sequence[str] = OPEN
    types: Sequence[str] = ()
    owners: Sequence[str] = ()
    overdue: bool = False
    clause: Callable[[Action], bool] | None = None


def select(actions: Iterable[FoundAction], filters: Filters, today: dt.date) -> list[FoundAction]:
    """The actions passing every filter, by due date (undated last), then id."""
    chosen = [
        a
        for a in actions
        if (not filters.statuses or a.model.status in filters.statuses)
        and (not filters.types or a.model.type in filters.types)
        and (not filters.owners or a.model.owner in filters.owners)
        and (not filters.overdue or is_overdue(a.model, today))
        and (filters.clause is None or filters.clause(a.model))
    ]
    return sorted(chosen, key=lambda a: (a.model.due is None, a.model.due or dt.date.min, a.id))
