"""How the records of two revisions differ: which were added, removed or changed, and how.

Records are matched by ``id``; a record that moved to another file (or whose
file was renamed) is a :class:`RecordChange` with ``moved_from`` set, not a
removal plus an addition. A changed record lists its fields one by one,
nested mappings dotted; every value is kept short enough to read on one line.
Records come in natural id order (``ACT-2`` before ``ACT-10``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from isoctl.workspace.records import LoadedRecord

#: Scalar values are shown old → new, strings cut to about this many characters.
SHORT = 60

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class RecordRef:
    """A record added or removed: enough to find it."""

    id: str
    kind: str
    title: str
    path: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "path": self.path}


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed record (nested mappings are dotted: ``verification.effective``).

    Scalars carry ``old`` and ``new`` (None when the field was absent), long
    strings cut to :data:`SHORT` characters. Multi-line text, lists and values
    that would read the same once cut carry ``detail`` instead, a short
    description such as ``+2 −1 lines`` or ``+iso9001:8.5.1, −iso9001:8.5``.
    """

    field: str
    old: Scalar
    new: Scalar
    detail: str | None = None

    @property
    def text(self) -> str:
        """``open → closed``, ``(none) → 2026-03-01`` or the detail."""
        return self.detail if self.detail is not None else f"{show(self.old)} → {show(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "detail": self.detail}


@dataclass(frozen=True)
class RecordChange:
    """A record present on both sides that changed its fields, its file, or both."""

    id: str
    kind: str
    title: str
    path: str
    moved_from: str | None
    fields: tuple[FieldChange, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "path": self.path, "moved_from": self.moved_from,
                "fields": [f.as_dict() for f in self.fields]}


def _by_id(records: Iterable[LoadedRecord]) -> dict[str, LoadedRecord]:
    """Records by id; with a duplicated id the first wins (``duplicate-id`` reports the others)."""
    out: dict[str, LoadedRecord] = {}
    for record in records:
        out.setdefault(record.id, record)
    return out


def natural(record_id: str) -> tuple[tuple[int, int | str], ...]:
    """``ACT-2`` before ``ACT-10``: runs of digits compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", record_id) if part)


def _ref(record: LoadedRecord) -> RecordRef:
    return RecordRef(record.id, record.kind, record.model.title, record.file.relative)


def compare_records(old: Sequence[LoadedRecord], new: Sequence[LoadedRecord]
                    ) -> tuple[tuple[RecordRef, ...], tuple[RecordRef, ...], tuple[RecordChange, ...]]:
    """Records only in ``new``, only in ``old``, and on both sides but changed; each in natural id order."""
    before, after = _by_id(old), _by_id(new)
    added = tuple(_ref(after[i]) for i in sorted(after.keys() - before.keys(), key=natural))
    removed = tuple(_ref(before[i]) for i in sorted(before.keys() - after.keys(), key=natural))
    changed = []
    for record_id in sorted(before.keys() & after.keys(), key=natural):
        was, now = before[record_id], after[record_id]
        fields = tuple(field_changes(_values(was), _values(now)))
        moved = was.file.relative if was.file.relative != now.file.relative else None
        if fields or moved:
            changed.append(RecordChange(record_id, now.kind, now.model.title, now.file.relative, moved, fields))
    return added, removed, tuple(changed)


def _values(record: LoadedRecord) -> dict[str, Any]:
    """The record's fields as plain JSON data, defaults included: writing out a default is no change."""
    values: dict[str, Any] = record.model.model_dump(mode="json")
    values.pop("id", None)
    return values


def _flatten(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[FieldChange]:
    """The fields that differ, in the new record's field order, then fields only the old one had."""
    before, after = dict(_flatten(old)), dict(_flatten(new))
    for name in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(name), after.get(name)
        if was != now and not (_blank(was) and _blank(now)):
            yield _change(name, was, now)


def _blank(value: Any) -> bool:
    """Absent, null, an empty list or mapping: a record reads the same either way."""
    return value is None or value == [] or value == {}


def _change(name: str, was: Any, now: Any) -> FieldChange:
    if isinstance(was, list) or isinstance(now, list):
        return FieldChange(name, None, None, _list_detail(was or [], now or []))
    if _multiline(was) or _multiline(now):
        return FieldChange(name, None, None, _text_detail(was, now))
    old, new = shorten(was), shorten(now)
    if old == new:  # differing only past the cut
        return FieldChange(name, None, None, "changed")
    return FieldChange(name, old, new)


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip()


def shorten(value: Any, limit: int = SHORT) -> Scalar:
    """A scalar as is; a string on one line and cut to ``limit`` characters with an ellipsis."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return shorten(str(value), limit)


def show(value: Scalar) -> str:
    """A scalar as a person reads it: ``(none)`` for absent, YAML's ``true``/``false``."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def plural(count: int, word: str, words: str | None = None) -> str:
    """A count with its noun, plural unless the count is one: ``1 line``, ``3 lines``; ``words`` when the plural is
    not just an ``s`` (``3 opportunities``)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def _text_detail(was: Any, now: Any) -> str:
    old_lines = str(was).splitlines() if was is not None else []
    new_lines = str(now).splitlines() if now is not None else []
    if was is None:
        return f"added ({plural(len(new_lines), 'line')})"
    if now is None:
        return f"removed ({plural(len(old_lines), 'line')})"
    plus = minus = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "equal":
            minus += i2 - i1
            plus += j2 - j1
    return f"changed (+{plus} −{minus} lines)" if plus or minus else "changed (whitespace)"


def _list_detail(was: list[Any], now: list[Any]) -> str:
    if all(isinstance(v, str | int | float | bool) for v in (*was, *now)):
        gone = [f"−{v}" for v in was if v not in now]
        came = [f"+{v}" for v in now if v not in was]
        text = ", ".join(str(v) for v in (*came, *gone))
        return str(shorten(text)) if text else "reordered"
    if len(was) != len(now):
        return f"changed ({len(was)} → {len(now)} items)"
    return "changed"

