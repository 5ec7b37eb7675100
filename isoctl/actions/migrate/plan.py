"""Deciding every change of a migration from the files as they are, without writing anything.

From every record file and the manifest (as :mod:`.sources` reads them) the
plan works out for each the edits of :mod:`.rewrite` (clause references through
the transition table, SoA row ids through :mod:`.soa`), the file of new SoA
rows, and the decisions left to people. Its result is the new bytes of every
file that changes; :mod:`.transaction` writes them, or nothing.

Fields holding clause references are those the ``unknown-clause`` rule
checks: every record's ``clauses``, a control's ``control``, an audit's
``scope`` and its findings' ``clause``, a risk's ``controls``, and the
manifest's ``standards`` and ``exclusions``. ``hs:`` references, other
standards and references already written for another edition stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isoctl.actions.migrate import soa
from isoctl.actions.migrate.report import DECISION_GROUPS, Change, Decision, DecisionKind, FileChange, Migration, Place
from isoctl.actions.migrate.rewrite import Edit, ListEdit, ScalarEdit, apply
from isoctl.actions.migrate.sources import SourceFile, SourceRecord, records_of
from isoctl.actions.migrate.table import Destination, Table
from isoctl.actions.migrate.transaction import FileWrite
from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.refs import parse_ref
from isoctl.errors import UsageError
from isoctl.workspace.discover import shown_root

#: An Annex A control number as people write it in prose: ``A.9.2.1`` (not part of a longer number or word).
_CONTROL_NUMBER = re.compile(r"(?<![\w.])A\.\d{1,2}(?:\.\d{1,2}){1,2}(?!\.?\d)(?!\w)")


@dataclass
class Plan:
    """Everything a migration would write, and its report (readiness still to be added)."""

    migration: Migration
    writes: list[FileWrite]


def _key(text: str) -> str:
    """What two references have to share to be the same: the parsed reference (case and spaces aside)."""
    ref = parse_ref(text)
    return str(ref) if ref is not None else text


class Planner:
    """Works out the edits of every file and the decisions, for one transition table."""

    def __init__(self, root: Path, table: Table, catalogs: Catalogs, today: str, dry_run: bool) -> None:
        self.root = root
        self.table = table
        self.catalogs = catalogs
        self.source = table.source
        self.target = table.target
        self.family = table.source.family
        self.migration = Migration(self.source.id, self.target.id, self.source.display, self.target.display,
                                   shown_root(root), today, dry_run)
        self.renames: dict[str, str] = {}
        #: where each old clause was referenced (for the decisions), by old clause id
        self.hits: dict[str, list[Place]] = {}
        self.unresolved: dict[str, list[Place]] = {}
        self.decisions: list[Decision] = []

    def plan(self, files: list[SourceFile], manifest: SourceFile) -> Plan:
        records = records_of(files)
        rows = soa.rows_of(records, self)
        self.renames = soa.renames(rows, records, self)
        new_rows = soa.new_rows(rows, records, self)
        writes: list[FileWrite] = []
        for file in [manifest, *files]:
            change = FileChange(file.relative)
            if file is manifest:
                edits = self._manifest_edits(file, change)
            else:
                edits = {}
                for record in records:
                    if record.file is file:
                        found = list(self._record_edits(record, change))
                        if found:
                            edits[record.index] = found
            if not edits:
                continue
            change.changes.sort(key=lambda c: c.place.line)
            text = apply(file.text, file.relative, edits)
            if text != file.text:
                self.migration.files.append(change)
                writes.append(FileWrite(file.relative, file.path, file.data, file.bom + text.encode("utf-8")))
        if new_rows is not None:
            created = soa.new_file(new_rows, rows, self)
            writes.append(created[0])
            self.migration.files.append(created[1])
        self._decide(rows, new_rows)
        self.migration.decisions = self.decisions
        return Plan(self.migration, writes)

    # references -------------------------------------------------------------------------------

    def destination(self, text: object) -> tuple[Destination, str] | None:
        """Where a reference of the migrated standard goes, with the prefix to write; None for any other text."""
        if not isinstance(text, str):
            return None
        ref = parse_ref(text)
        if ref is None or ref.family != self.family:
            return None
        if ref.edition is not None and ref.edition_id != self.source.id:
            return None  # written for another edition on purpose: not ours to change
        prefix = self.family if ref.edition is None else self.target.id
        return self.table.destination(ref.clause), prefix

    def _map(self, text: object, place: Place, *, refs: bool = True, ids: bool = False, scalar: bool = False
             ) -> tuple[tuple[str, ...], str] | None:
        """(the new texts, the kind of change) of one value; None when it stays as written."""
        if not isinstance(text, str):
            return None
        if ids and text in self.renames:
            return (self.renames[text],), "renamed"
        found = self.destination(text) if refs else None
        if found is None:
            return None
        destination, prefix = found
        if destination.change == "unknown":
            self.unresolved.setdefault(text, []).append(place)
            return None
        if destination.targets or not scalar:  # a single value without successor is left, and said so, by _scalar
            self.hits.setdefault(destination.clause, []).append(place)
        ref = parse_ref(text)
        if destination.unchanged and ref is not None and ref.edition is None:
            return None
        return tuple(f"{prefix}:{t}" for t in destination.targets), destination.change

    def _list(self, record: SourceRecord, name: str, change: FileChange, *, refs: bool = True, ids: bool = False
              ) -> Edit | None:
        """The edit of a list field (a single string where a list is allowed counts as a list of one)."""
        values = record.data.get(name)
        if isinstance(values, str):
            mapped = self._map(values, record.place(name), refs=refs, ids=ids)
            if mapped is None:
                return None
            new, kind = mapped
            change.changes.append(Change(record.place(name), name, values, new, (), kind))
            return ScalarEdit((name,), new[0] if len(new) == 1 else new)
        if not isinstance(values, list):
            return None
        mapped_items = [self._map(v, record.place(name, n), refs=refs, ids=ids) for n, v in enumerate(values)]
        seen = {_key(v) for v, m in zip(values, mapped_items, strict=True) if m is None and isinstance(v, str)}
        items: list[tuple[str, ...] | None] = []
        for n, (value, mapped) in enumerate(zip(values, mapped_items, strict=True)):
            if mapped is None:
                items.append(None)
                continue
            new, kind = mapped
            kept = tuple(dict.fromkeys(t for t in new if _key(t) not in seen))
            seen.update(_key(t) for t in kept)
            items.append(kept)
            dropped = tuple(t for t in new if t not in kept)
            change.changes.append(Change(record.place(name, n), name, value, kept, dropped, kind))
        if all(item is None for item in items):
            return None
        return ListEdit((name,), tuple(items))

    def _scalar(self, record: SourceRecord, path: tuple[str | int, ...], change: FileChange, label: str
                ) -> tuple[Edit, tuple[str, ...]] | None:
        """The edit of a field holding one reference (the first successor), and every successor."""
        container: Any = record.data
        for step in path:
            try:
                container = container[step]
            except (KeyError, IndexError, TypeError):
                return None
        place = record.place(*path)
        mapped = self._map(container, place, scalar=True)
        if mapped is None:
            return None
        new, kind = mapped
        if not new:
            self._decision("removed", container, f"{label} of {place} names {container}, which has no successor in "
                           f"{self.target.display}; it was left as it was: replace or remove it", (place,))
            return None
        change.changes.append(Change(place, label, str(container), new[:1], (), kind))
        return ScalarEdit(path, new[0]), new

    def _record_edits(self, record: SourceRecord, change: FileChange) -> Iterator[Edit]:
        kind = record.kind
        edit = self._list(record, "clauses", change)
        if edit is not None:
            yield edit
        if kind == "control":
            found = self._scalar(record, ("control",), change, "control")
            if found is not None:
                yield found[0]
                destination = self.destination(record.data["control"])
                if destination is not None and destination[0].change != "split":  # a split's others get rows
                    self._first_only(record.place("control"), f"SoA row {record.id}", found[1])
            if record.id in self.renames and record.id is not None:
                place = record.place("id")
                change.changes.append(Change(place, "id", record.id, (self.renames[record.id],), (), "renamed"))
                yield ScalarEdit(("id",), self.renames[record.id])
        elif kind == "audit":
            edit = self._list(record, "scope", change, ids=True)
            if edit is not None:
                yield edit
            findings = record.data.get("findings")
            for n, item in enumerate(findings if isinstance(findings, list) else []):
                if isinstance(item, dict):
                    found = self._scalar(record, ("findings", n, "clause"), change, f"findings[{n}].clause")
                    if found is not None:
                        yield found[0]
                        self._first_only(record.place("findings", n, "clause"), f"finding {item.get('id', n + 1)}",
                                         found[1])
        elif kind == "risk":
            edit = self._list(record, "controls", change, ids=True)
            if edit is not None:
                yield edit
        elif kind == "action":
            edit = self._list(record, "related", change, refs=False, ids=True)
            if edit is not None:
                yield edit
        elif kind == "exercise":
            edit = self._list(record, "plans", change, refs=False, ids=True)
            if edit is not None:
                yield edit

    def _manifest_edits(self, manifest: SourceFile, change: FileChange) -> dict[int | None, list[Edit]]:
        record = SourceRecord(manifest, None, manifest.raw.records[0])
        edits: list[Edit] = []
        standards = record.data.get("standards")
        if isinstance(standards, list):
            items: list[tuple[str, ...] | None] = []
            for n, text in enumerate(standards):
                new = self._edition_text(text)
                items.append(None if new is None else (new,))
                if new is not None:
                    change.changes.append(Change(record.place("standards", n), "standards", str(text), (new,), (),
                                                 "edition"))
            if any(item is not None for item in items):
                edits.append(ListEdit(("standards",), tuple(items)))
        exclusions = record.data.get("exclusions")
        for n, item in enumerate(exclusions if isinstance(exclusions, list) else []):
            if isinstance(item, dict):
                found = self._scalar(record, ("exclusions", n, "clause"), change, f"exclusions[{n}].clause")
                if found is not None:
                    edits.append(found[0])
                    self._first_only(record.place("exclusions", n, "clause"), "the exclusion", found[1])
        return {None: edits} if edits else {}

    def _edition_text(self, text: object) -> str | None:
        """The manifest's entry for the new edition, written the way the old one was (``iso27001:2013`` → ``:2022``)."""
        if not isinstance(text, str) or (":" not in text and "-" not in text):
            return None
        try:
            edition = self.catalogs.edition(text)
        except UsageError:
            return None
        if edition.id != self.source.id:
            return None
        stripped = text.rstrip()
        old, new = str(self.source.edition), str(self.target.edition)
        if stripped.endswith(old):
            return stripped[: -len(old)] + new + text[len(stripped):]
        return self.target.display

    # decisions --------------------------------------------------------------------------------

    def _decision(self, kind: DecisionKind, subject: str, message: str, places: tuple[Place, ...] = ()) -> None:
        self.decisions.append(Decision(kind, subject, message, places))

    def _first_only(self, place: Place, what: str, successors: tuple[str, ...]) -> None:
        if len(successors) > 1:
            self._decision("first-only", successors[0], f"{what} names one clause, and its old clause became "
                           f"{', '.join(successors)}: it now names {successors[0]}; change it if another one fits better",
                           (place,))

    def ref(self, clause: str) -> str:
        return f"{self.family}:{clause}"

    def title(self, clause: str, *, old: bool = False) -> str:
        edition = self.source if old else self.target
        found = edition.by_id.get(clause)
        return f"{clause} {found.label}" if found is not None else clause

    def _decide(self, rows: soa.Rows, new_rows: soa.NewRows | None) -> None:
        decisions: list[Decision] = []
        for row in self.table.new_rows:
            for clause in row.to:
                if soa.is_control(self.target, clause):
                    continue  # with the SoA rows, below
                note = f" ({row.note})" if row.note else ""
                decisions.append(Decision("new-clause", self.ref(clause),
                                          f"{self.title(clause)} is new in {self.target.display}{note}: decide which "
                                          "records address it and add it to their clauses"))
        decisions += soa.decisions(rows, new_rows, self)
        merged: dict[str, list[str]] = {}  # new clause -> the old clauses that went (wholly or partly) into it
        for row in self.table.transition.rows:
            for clause in row.to:
                merged.setdefault(clause, []).extend(c for c in row.from_ if c not in merged.get(clause, []))
        for clause, olds in merged.items():
            concerned = _places(self.hits, olds)
            if len(olds) > 1 and concerned:
                decisions.append(Decision("merged", self.ref(clause),
                                          f"{self.title(clause)} merges {self.source.display} {', '.join(olds)}: "
                                          "reread these records against it", concerned))
        for old, hits in sorted(self.hits.items(), key=lambda item: self._source_order(item[0])):
            destination = self.table.destination(old)
            unique = _sorted(hits)
            if destination.change == "split":
                split_to = [t for row in destination.rows for t in row.to]
                written = ", ".join(destination.targets)
                decisions.append(Decision("split", self.ref(old),
                                          f"{self.title(old, old=True)} became {', '.join(split_to)} (references now "
                                          f"name {written}): reread these records and keep what each addresses",
                                          unique))
            elif destination.change == "heading":
                decisions.append(Decision("domain", self.ref(old),
                                          f"{self.title(old, old=True)} is not in {self.target.display}; references "
                                          f"now name what its clauses became ({', '.join(destination.targets)}): "
                                          "keep only those each record addresses", unique))
            elif destination.change == "removed":
                decisions.append(Decision("removed", self.ref(old),
                                          f"{self.title(old, old=True)} is not in {self.target.display} and has no "
                                          "successor: the references in these lists were removed", unique))
            elif any(row.change == "retitled" for row in destination.rows):
                before, after = self.title(old, old=True), self.title(destination.targets[0])
                if before != after:
                    decisions.append(Decision("retitled", self.ref(old),
                                              f"{before} is now {after}: text that quotes the old title may need "
                                              "updating", unique))
        decisions += [d for d in self.decisions if d.kind in ("removed", "first-only")]
        for text, where in sorted(self.unresolved.items()):
            decisions.append(Decision("unresolved", text,
                                      f"{text} is in neither {self.source.display} nor {self.target.display}: left as "
                                      "it was ('isoctl check' reports it)", _sorted(where)))
        order = list(DECISION_GROUPS)
        self.decisions = sorted(decisions, key=lambda d: order.index(d.kind))

    def _source_order(self, clause: str) -> int:
        ids = [c.id for c in self.source.clauses]
        return ids.index(clause) if clause in ids else len(ids)

    def mentions(self, text: str) -> list[str]:
        """Old control numbers that changed, as ``text`` mentions them: ``A.9.2.1 (now A.5.16)``."""
        found: dict[str, str] = {}
        for match in _CONTROL_NUMBER.finditer(text):
            number = match.group()
            if number not in self.source.by_id:
                continue
            destination = self.table.destination(number)
            if destination.unchanged:
                continue
            now = " and ".join(destination.targets) if destination.targets else "no successor"
            found.setdefault(number, f"{number} (now {now})")
        return list(found.values())


def _places(hits: dict[str, list[Place]], clauses: list[str]) -> tuple[Place, ...]:
    """The places that referenced any of ``clauses``, each once, in file and line order."""
    return _sorted(p for clause in clauses for p in hits.get(clause, []))


def _sorted(places: Iterable[Place]) -> tuple[Place, ...]:
    return tuple(sorted(set(places), key=lambda p: (p.path, p.line, p.record or "")))
