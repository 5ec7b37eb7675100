"""A record file's records, validated and located, and the problems that kept any out, as findings.

Each record is a :class:`LoadedRecord`: its model and where it came from.
:func:`parse_file` makes them of a file's text: all are validated in one
call, and only a file that fails is validated again record by record, so
that every problem is a located ``schema-error`` and the other records
still load; a clean file's records go into the record cache as JSON.
Records validated from that JSON, or from what another process parsed, are
located lazily: their file's text is composed only to place a finding whose
position no earlier run and no other process sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from isoctl.files import yamlio
from isoctl.files.located import field_names, problems_from
from isoctl.model.records import KINDS, Record, RecordBase
from isoctl.model.result import Finding
from isoctl.workspace.read import NotRecords, RawFile, read, with_body
from isoctl.workspace.record_cache import RecordCache

Loc = tuple[str | int, ...]

#: The validator of a file's records, as a list (a single record is a list of one).
RECORDS = TypeAdapter(list[Record])


@functools.cache
def _one_record() -> TypeAdapter[Any]:
    """The validator of a single record, built when a file's records fail to validate together (~15 ms a run
    otherwise spent on every check)."""
    return TypeAdapter(Record)


@dataclass
class LoadedRecord:
    """A valid record and where it came from."""

    model: RecordBase
    file: RawFile
    index: int | None  # position in a sequence file, else None
    # copied from the model: the analysis reads them hundreds of thousands of times
    id: str = field(init=False)
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.model.id
        self.kind = str(getattr(self.model, "kind"))  # noqa: B009 - RecordBase has no kind; each concrete model its own literal

    def locate(self, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        """(path, line, column) of a field of this record (the record itself with no ``loc``)."""
        prefix: Loc = (self.index,) if self.index is not None else ()
        line, column = self.file.locate((*prefix, *loc), key=key)
        return self.file.relative, line, column


def finding(rule: str, message: str, path: str, line: int = 1, column: int = 1, **extra: Any) -> Finding:
    """A loading problem; its severity is settled later, with the rule's configuration."""
    return Finding(rule, "error", message, path, line, column, extra.get("clause"), extra.get("record"))


Outcome = tuple[list[LoadedRecord] | None, list[Finding]]  # (records, or None for a non-record file; findings)


def from_json(relative: str, text: str | Callable[[], str], sequence: bool, records_json: str,
              known: dict[str, list[int]] | None = None, index: str | None = None) -> list[LoadedRecord] | None:
    """The records of a file from their JSON (the record cache's, or a child's), located lazily; None when the
    JSON no longer validates."""
    try:
        models = RECORDS.validate_json(records_json)
    except ValidationError:
        return None
    return lazily_located(relative, text, sequence, models, known, index)


def lazily_located(relative: str, text: str | Callable[[], str], sequence: bool, models: Sequence[RecordBase],
                   known: dict[str, list[int]] | None, index: str | None = None) -> list[LoadedRecord]:
    """Records validated without this process parsing their file: its text is composed (if ever) only to locate
    a finding that neither ``known`` (positions found in earlier runs) nor ``index`` (sent by the process that
    parsed it) holds."""
    raw = RawFile.lazy(relative, text, sequence=sequence)
    raw.known = known
    raw.packed_index = index
    return [LoadedRecord(m, raw, i if sequence else None) for i, m in enumerate(models)]


def parse_file(relative: str, text: str, blob: str, store: RecordCache) -> Outcome:
    """A file's records and the findings of its problems; a clean file's records are put in ``store``."""
    try:
        raw = read(relative, text)
    except yamlio.YamlProblem as exc:
        return [], [finding("parse-error", exc.message, relative, exc.line, exc.column)]
    except NotRecords as exc:
        return [], [finding("schema-error", str(exc), relative)]
    if raw is None:
        return None, []
    items = with_body(raw)
    try:
        models = RECORDS.validate_python(items)
    except ValidationError:
        pass
    else:
        store.put(blob, raw.sequence, RECORDS.dump_json(models, exclude_unset=True).decode())
        raw.known = store.positions(blob)
        return [LoadedRecord(m, raw, i if raw.sequence else None) for i, m in enumerate(models)], []
    loaded: list[LoadedRecord] = []
    findings: list[Finding] = []
    for index, item in enumerate(items):
        position = index if raw.sequence else None
        try:
            loaded.append(LoadedRecord(_one_record().validate_python(item), raw, position))
        except ValidationError as exc:
            findings += _schema_findings(exc, raw, item, position)
    return loaded, findings


def _schema_findings(exc: ValidationError, raw: RawFile, item: Any, position: int | None) -> list[Finding]:
    prefix: Loc = (position,) if position is not None else ()
    kind = item.get("kind") if isinstance(item, dict) else None
    record_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
    known = field_names(KINDS[kind]) if isinstance(kind, str) and kind in KINDS else None
    findings = []
    for problem, error in zip(problems_from(exc, path=raw.relative, root=None, strip=1 if kind in KINDS else 0, known_fields=known),
                              exc.errors(include_url=False), strict=True):
        loc = tuple(error["loc"])[1:] if kind in KINDS else tuple(error["loc"])
        if error["type"] == "union_tag_invalid":
            loc = ("kind",)
        line, column = raw.locate((*prefix, *loc), key=error["type"] == "extra_forbidden")
        findings.append(finding("schema-error", problem.message, raw.relative, line, column, record=record_id))
    return findings
