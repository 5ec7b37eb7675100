"""The Statement of Applicability through a migration: row ids, rows for new controls, rows that now coincide.

**Record ids.** A row's id stays as it is, because other records, commits and
people refer to it, with one exception: an id that is plainly the old control
number (``SOA-A.9.2.1``, ``SOA-9.2.1``, ``soa-a-9-2-1``) of a control that
moves to exactly one new control, which no other row describes, becomes the
new number (``SOA-A.5.16``), and so does every reference to it (a risk's
``controls``, an action's ``related``, an audit's ``scope``, an exercise's
``plans``). Rows whose controls merged keep their ids: they are listed as
rows to consolidate, and renaming them would give two records one id.

**New controls** (and the further successors of a split control that no row
describes yet) get rows in one new file beside the existing rows, with ids
in the workspace's own pattern. Each row is ``applicable: true`` with no
justification and no status, and a comment marks it undecided: the
conservative presumption, since a control wrongly presumed out of scope
would hide a gap, while one presumed in shows up as ``partial-clause``
("no justification", "status not set") in ``check`` and ``gap`` until
someone assesses it, and is counted as not yet covered in readiness. A
workspace without any SoA row gets no rows (93 rows are missing anyway);
the new controls are still listed as decisions.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from isoctl.actions.migrate.report import Decision, FileChange, Place
from isoctl.actions.migrate.table import Destination
from isoctl.actions.migrate.transaction import FileWrite
from isoctl.actions.yaml_text import inline_scalar
from isoctl.catalog.refs import parse_ref
from isoctl.catalog.schema import Edition
from isoctl.errors import EditError

if TYPE_CHECKING:
    from isoctl.actions.migrate.plan import Planner
    from isoctl.actions.migrate.sources import SourceRecord

SCHEMA_FILE = ".isoctl/schema/record.json"
UNDECIDED = "undecided: assess this control"


@dataclass
class Row:
    """A ``kind: control`` record of the migrated standard."""

    record: SourceRecord
    destination: Destination | None  # None: written for the new edition already
    control: str | None  # the control of the new edition it describes after the migration


Rows = list[Row]


@dataclass(frozen=True)
class NewRow:
    id: str
    clause: str
    title: str
    split_from: str | None = None  # "A.18.2.3 (row SOA-A.18.2.3)"


@dataclass
class NewRows:
    rows: list[NewRow] = field(default_factory=list)
    relative: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # row id -> line in the new file


def is_control(edition: Edition, clause: str) -> bool:
    """Whether ``clause`` is an Annex A control (a leaf) of ``edition``."""
    found = edition.by_id.get(clause)
    return found is not None and found.is_annex and edition.is_leaf(found)


def rows_of(records: list[SourceRecord], planner: Planner) -> Rows:
    rows: Rows = []
    for record in records:
        text = record.data.get("control")
        if record.kind != "control" or not isinstance(text, str):
            continue
        found = planner.destination(text)
        if found is not None:
            destination = found[0]
            control = destination.targets[0] if destination.targets else None
            rows.append(Row(record, destination, control))
            continue
        ref = parse_ref(text)
        if ref is not None and ref.family == planner.family and ref.edition_id == planner.target.id:
            rows.append(Row(record, None, ref.clause))
    return rows


def _by_control(rows: Rows) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if row.control is not None:
            grouped.setdefault(row.control, []).append(row)
    return grouped


def _forms(clause: str) -> list[tuple[bool, str]]:
    """The ways an id may spell a control number: ``A.9.2.1`` and ``9.2.1``, with ``.``, ``-`` or ``_``."""
    spellings = [(False, clause)] + ([(True, clause[2:])] if clause.startswith("A.") else [])
    return [(strip, text.replace(".", sep)) for strip, text in spellings for sep in ".-_"]


def _pattern(record_id: str, clause: str) -> tuple[str, bool, str] | None:
    """(what comes before the number, whether ``A.`` is left out, the separator) when the id is derived from it."""
    for strip, form in _forms(clause):
        if record_id.endswith(form):
            head = record_id[: -len(form)]
            sep = "." if form.count(".") else "-" if form.count("-") else "_" if form.count("_") else "."
            if not head or not head[-1].isalnum():
                return head, strip, sep
    return None


def _spell(pattern: tuple[str, bool, str], clause: str) -> str:
    head, strip, sep = pattern
    number = clause[2:] if strip and clause.startswith("A.") else clause
    return head + number.replace(".", sep)


def renames(rows: Rows, records: list[SourceRecord], planner: Planner) -> dict[str, str]:
    """Old id -> new id for the rows whose id is plainly derived from a number that moves one-to-one."""
    counts = Counter(r.id for r in records if r.id is not None)
    taken = set(counts)
    grouped = _by_control(rows)
    found: dict[str, str] = {}
    for row in rows:
        destination, record_id = row.destination, row.record.id
        if destination is None or destination.unchanged or len(destination.targets) != 1 or row.control is None:
            continue
        if record_id is None or counts[record_id] != 1 or len(grouped[row.control]) != 1:
            continue
        pattern = _pattern(record_id, destination.clause)
        if pattern is None:
            continue
        new = _spell(pattern, row.control)
        if new != record_id and new not in taken:
            found[record_id] = new
            taken.add(new)
    return found


def new_rows(rows: Rows, records: list[SourceRecord], planner: Planner) -> NewRows | None:
    """Rows for controls no row describes after the migration: new ones, and further successors of a split."""
    if not rows:
        return None
    target = planner.target
    described = {row.control for row in rows if row.control is not None}
    wanted: list[tuple[str, str | None]] = []
    for transition_row in planner.table.new_rows:
        for clause in transition_row.to:
            if is_control(target, clause) and clause not in described:
                wanted.append((clause, None))
                described.add(clause)
    for row in rows:
        destination = row.destination
        if destination is not None and destination.change == "split" and len(destination.targets) > 1:
            for clause in destination.targets[1:]:
                if is_control(target, clause) and clause not in described:
                    wanted.append((clause, f"{destination.clause} (row {row.record.id})"))
                    described.add(clause)
    if not wanted:
        return None
    order = {c.id: n for n, c in enumerate(target.clauses)}
    wanted.sort(key=lambda item: order.get(item[0], len(order)))
    patterns = Counter(p for row in rows if row.destination is not None and row.record.id is not None
                       for p in [_pattern(row.record.id, row.destination.clause)] if p is not None)
    pattern = patterns.most_common(1)[0][0] if patterns else ("SOA-", False, ".")
    taken = {r.id for r in records if r.id is not None} | set(planner.renames.values())
    made = NewRows()
    for clause, split_from in wanted:
        base = _spell(pattern, clause)
        new_id, number = base, 2
        while new_id in taken:
            new_id, number = f"{base}-{number}", number + 1
        taken.add(new_id)
        found = target.by_id[clause]
        made.rows.append(NewRow(new_id, clause, found.label, split_from))
    return made


def new_file(made: NewRows, rows: Rows, planner: Planner) -> tuple[FileWrite, FileChange]:
    """The file of new rows, beside most of the existing ones (never over an existing file)."""
    from isoctl.actions.writes import inside_workspace

    folders = Counter(posixpath.dirname(row.record.file.relative) for row in rows)
    folder = sorted(folders.items(), key=lambda item: (-item[1], item[0]))[0][0]
    stem = f"{planner.target.id}-new-controls"
    relative, number = posixpath.join(folder, f"{stem}.yaml"), 2
    while os.path.lexists(planner.root / relative):
        relative, number = posixpath.join(folder, f"{stem}-{number}.yaml"), number + 1
    path = inside_workspace(planner.root, relative)
    if path is None:
        raise EditError(f"{relative} would be written outside the workspace; nothing was changed")
    made.relative = relative
    text, made.lines = _text(made, planner, folder)
    change = FileChange(relative, created=True, added_records=[row.id for row in made.rows])
    return FileWrite(relative, path, None, text.encode("utf-8")), change


def _text(made: NewRows, planner: Planner, folder: str) -> tuple[str, dict[str, int]]:
    lines: list[str] = []
    if (planner.root / SCHEMA_FILE).is_file():
        up = "../" * (len(folder.split("/")) if folder else 0)
        lines.append(f"# yaml-language-server: $schema={up}{SCHEMA_FILE}")
    lines += [
        f"# Annex A controls of {planner.target.display} that no row described before the migration from",
        f"# {planner.source.display} ('isoctl migrate'). Each row is presumed applicable until someone",
        "# assesses the control: decide, write the justification (or set applicable: false and say",
        "# why), the owner and the status, then delete the 'undecided' comment.",
    ]
    at: dict[str, int] = {}
    for row in made.rows:
        lines.append("")
        if row.split_from:
            lines.append(f"# split from {row.split_from}")
        at[row.id] = len(lines) + 1
        lines += [
            f"- id: {inline_scalar(row.id, flow=False)}",
            "  kind: control",
            f"  title: {inline_scalar(row.title, flow=False)}",
            f"  control: {planner.family}:{row.clause}",
            f"  applicable: true  # {UNDECIDED}",
        ]
    return "\n".join(lines) + "\n", at


def decisions(rows: Rows, made: NewRows | None, planner: Planner) -> list[Decision]:
    """New controls to assess, rows that now share a control, rows whose text names old control numbers."""
    found: list[Decision] = []
    created = {row.clause: row for row in made.rows} if made is not None else {}
    listed: set[str] = set()
    for transition_row in planner.table.new_rows:
        for clause in transition_row.to:
            if not is_control(planner.target, clause):
                continue
            listed.add(clause)
            new = created.get(clause)
            if new is not None and made is not None:
                place = Place(made.relative, made.lines[new.id], new.id)
                found.append(Decision("new-control", planner.ref(clause),
                                      f"{planner.title(clause)} is new in {planner.target.display}: row {new.id} was "
                                      "added, presumed applicable and undecided; assess it and write the "
                                      "justification", (place,)))
            elif not rows:
                found.append(Decision("new-control", planner.ref(clause),
                                      f"{planner.title(clause)} is new in {planner.target.display}: this workspace has "
                                      "no SoA rows yet; assess it when you write them"))
    for clause, new in created.items():
        if clause not in listed and made is not None:
            place = Place(made.relative, made.lines[new.id], new.id)
            found.append(Decision("new-control", planner.ref(clause),
                                  f"{planner.title(clause)}: split from {new.split_from}; row {new.id} was added, "
                                  "presumed applicable and undecided; assess it and write the justification", (place,)))
    for clause, sharing in sorted(_by_control(rows).items(), key=lambda item: _order(planner.target, item[0])):
        if len(sharing) > 1:
            ids = [planner.renames.get(r.record.id or "", r.record.id or "?") for r in sharing]
            places = tuple(r.record.place("control") for r in sharing)
            found.append(Decision("soa-rows", planner.ref(clause),
                                  f"{len(sharing)} rows now describe {planner.title(clause)} ({', '.join(ids)}; their "
                                  f"ids were kept): keep one (the SoA counts the first, {ids[0]}), fold the others' "
                                  "justification, implementation and evidence into it, and delete them", places))
    for row in rows:
        texts = [row.record.data.get(name) for name in ("justification", "implementation")]
        mentioned = planner.mentions(" ".join(t for t in texts if isinstance(t, str)))
        if mentioned:
            record_id = row.record.id or "?"
            found.append(Decision("justification", planner.renames.get(record_id, record_id),
                                  f"the justification or implementation mentions {', '.join(mentioned)}",
                                  (row.record.place("justification"),)))
    return found


def _order(edition: Edition, clause: str) -> int:
    ids = [c.id for c in edition.clauses]
    return ids.index(clause) if clause in ids else len(ids)
