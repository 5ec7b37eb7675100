"""``isoctl people rename OLD NEW``: change a person's id everywhere, byte for byte, all files or none.

A person id is how every record names its owner, approver, raiser,
verifier, auditor, review chair and attendees and competence holder (the fields
``unknown-reference`` checks). Changing it by hand in ``isoctl.yaml`` leaves
each of those references pointing at nobody. This rewrites the manifest's
``people[].id`` and every reference with the machinery of ``migrate``: the
files' nodes are composed for the exact span of each scalar, only those
spans are replaced (quoted as they were), each file is re-read to prove it
holds exactly the intended change, and every file is written or none
(:mod:`.migrate.transaction`). Comments, layout and Markdown bodies stay
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isoctl.actions.context import person_hint
from isoctl.actions.migrate.rewrite import Edit, ScalarEdit, apply
from isoctl.actions.migrate.sources import SourceFile, SourceRecord, read_files, read_manifest, records_of
from isoctl.actions.migrate.transaction import FileWrite
from isoctl.errors import UsageError
from isoctl.workspace.discover import MANIFEST, shown_root

COMMAND = "rename"  # as the shared reading messages say it: "cannot rename: ...", "run rename again"
#: References listed per file in the text report; the JSON report lists every one.
SHOWN_PER_FILE = 10

#: The fields that hold person ids, by kind ("*": every kind), as ``unknown-reference`` checks them;
#: a tuple is a path into the record. ``auditor`` is a person only when it is written as an id.
PERSON_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "*": (("owner",),),
    "document": (("approved_by",),),
    "action": (("raised_by",), ("verification", "by")),
    "audit": (("auditor",),),
    "review": (("chair",), ("attendees",)),
    "competence": (("person",),),
}


@dataclass(frozen=True)
class Reference:
    """One rewritten reference: where it is, in which record and field."""

    path: str
    line: int
    record: str | None  # None for the manifest
    field: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record, "field": self.field}


@dataclass
class PersonRename:
    """What ``people rename`` changed, or would change (``dry_run``)."""

    old: str
    new: str
    root: str
    dry_run: bool
    references: list[Reference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def files(self) -> list[str]:
        """The files changed, in path order (the manifest first)."""
        seen = dict.fromkeys(r.path for r in self.references)
        return sorted(seen, key=lambda p: (p != MANIFEST, p))


def rename_person(path: Path | str | None, old: str, new: str, *, dry_run: bool = False,
                  allow_dirty: bool = False) -> PersonRename:
    """Rename the person ``old`` to ``new`` in the workspace at or above ``path``; the report of it.

    Raises UsageError (exit 2) for an ``old`` that is neither a person nor
    referenced, a ``new`` that is not a valid id or is a person already
    (two people would become one); WorkspaceError/EditError when a file
    cannot be read or written, every file then left as it was. When ``old``
    is no longer in the manifest but ``new`` is (the manifest was edited by
    hand), only the references are rewritten, which is how such a rename is
    finished. In a git repository with uncommitted changes the rename is
    refused (UsageError) unless ``allow_dirty``: it touches many files and
    should be one reviewable change of its own.
    """
    from isoctl.actions.context import ActionContext

    ctx = ActionContext.open(Path(path) if path is not None else None)
    root = ctx.root
    if not dry_run and not allow_dirty:
        _refuse_dirty(root)
    people = [p.id for p in ctx.manifest.people]
    _check_id(new)
    if new == old:
        raise UsageError(f"'{old}' and '{new}' are the same id: nothing to rename")
    manifest = read_manifest(root, COMMAND)
    files = read_files(root, ctx.ignore, COMMAND)
    result = PersonRename(old, new, shown_root(root), dry_run)
    references: dict[str, list[tuple[int | None, ScalarEdit, Reference]]] = {}
    for source in [SourceRecord(manifest, None, manifest.raw.records[0])]:
        for index, entry in enumerate(source.data.get("people") or []):
            if isinstance(entry, dict) and entry.get("id") == old:
                _add(references, source, ("people", index, "id"), new, f"people[{index}].id")
    in_manifest = bool(references)
    for record in records_of(files):
        for loc, label in _person_refs(record.data, old):
            _add(references, record, loc, new, label)
    if old in people and new in people:
        raise UsageError(f"'{new}' is a person in {MANIFEST} already: renaming '{old}' to it would make two people one",
                         hint="choose another id; to merge two people, edit isoctl.yaml and run this again "
                              "to move the references")
    if old not in people:
        if not references:
            raise _unknown(old, people)
        if new not in people:
            raise UsageError(f"'{old}' is not a person in {MANIFEST}, and neither is '{new}'",
                             hint=f"add '{new}' to people in {MANIFEST}, then run this again to point "
                                  f"the references to '{old}' at it")
        result.notes.append(f"'{old}' is not in {MANIFEST} any more: its references now name '{new}'")
    elif not in_manifest:  # a person of the salvaged manifest whose entry could not be found in the text
        raise UsageError(f"cannot find the people entry of '{old}' in {MANIFEST}", hint="run 'isoctl check'")
    writes = _writes({f.relative: f for f in [manifest, *files]}, references)
    baseline = _baseline_write(root, old, new)
    if baseline is not None:
        writes.append(baseline)
        result.notes.append(f"{baseline.relative}: the findings that name '{old}' now name '{new}', so a gate on "
                            "--baseline sees the same findings")
    result.references = sorted((ref for edits in references.values() for _, _, ref in edits),
                               key=lambda r: (r.path != MANIFEST, r.path, r.line, r.field))
    if dry_run or not writes:
        return result
    from isoctl.actions.migrate.transaction import write_all_or_nothing

    write_all_or_nothing(writes)
    result.written = True
    return result


def _check_id(new: str) -> None:
    from pydantic import TypeAdapter, ValidationError

    from isoctl.model.manifest import PersonId

    try:
        TypeAdapter(PersonId).validate_python(new)
    except ValidationError:
        raise UsageError(f"'{new}' is not a valid person id",
                         hint="start with a letter or digit, then letters, digits, '.', '_' or '-' (e.g. jsmith)") from None


def _unknown(old: str, people: list[str]) -> UsageError:
    return UsageError(f"'{old}' is not a person in {MANIFEST}, and no record names it", hint=person_hint(old, people))


def _person_refs(data: dict[str, Any], old: str) -> list[tuple[tuple[str | int, ...], str]]:
    """Where a raw record names ``old``: (path into the record, the field as the report names it)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    kind = data.get("kind")
    paths = PERSON_FIELDS["*"] + (PERSON_FIELDS.get(kind, ()) if isinstance(kind, str) else ())
    for path in paths:
        value: Any = data
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        label = ".".join(path)
        if value == old:
            found.append((path, label))
        elif isinstance(value, list):  # attendees: [a, b]
            found += [((*path, n), f"{label}[{n}]") for n, item in enumerate(value) if item == old]
    return found


def _add(references: dict[str, list[tuple[int | None, ScalarEdit, Reference]]], record: SourceRecord,
         loc: tuple[str | int, ...], new: str, label: str) -> None:
    place = record.place(*loc)
    reference = Reference(place.path, place.line, record.id if record.file.relative != MANIFEST else None, label)
    references.setdefault(record.file.relative, []).append((record.index, ScalarEdit(loc, new), reference))


def _baseline_write(root: Path, old: str, new: str) -> FileWrite | None:
    """The workspace's baseline file (``isoctl baseline write``) with the person renamed in its findings, if it has
    any that name them."""
    from isoctl.core.baseline import DEFAULT_PATH, renamed_file

    path = root / DEFAULT_PATH
    if path.is_symlink() or not path.is_file():
        return None
    change = renamed_file(path, old, new)
    return None if change is None else FileWrite(DEFAULT_PATH, path, change[0], change[1])


def _writes(files: dict[str, SourceFile], references: dict[str, list[tuple[int | None, ScalarEdit, Reference]]]
            ) -> list[FileWrite]:
    """The new bytes of every file with a reference (EditError, nothing written, when one cannot be edited exactly)."""
    writes = []
    for relative, edits in sorted(references.items()):
        file = files[relative]
        by_record: dict[int | None, list[Edit]] = {}
        for index, edit, _ in edits:
            by_record.setdefault(index, []).append(edit)
        text = apply(file.text, relative, by_record)
        if text != file.text:
            writes.append(FileWrite(relative, file.path, file.data, file.bom + text.encode("utf-8")))
    return writes


def render_text(rename: PersonRename) -> str:
    """The report: what changed (or would), file by file, each reference with its line, record and field."""
    count, files = len(rename.references), len(rename.files)
    said = f"{count} reference{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if rename.dry_run:
        lines = [f"Would rename '{rename.old}' to '{rename.new}': {said} (dry run: nothing was written)."]
    elif rename.written:
        lines = [f"Renamed '{rename.old}' to '{rename.new}': {said}."]
    else:
        lines = [f"Nothing to rename: no file names '{rename.old}'."]
    lines += [f"note: {note}" for note in rename.notes]
    for path in rename.files:
        refs = [r for r in rename.references if r.path == path]
        lines.append(f"  {path} ({len(refs)})")
        shown = refs if len(refs) <= SHOWN_PER_FILE + 1 else refs[:SHOWN_PER_FILE]
        for ref in shown:
            where = f"{ref.record} {ref.field}" if ref.record else ref.field
            lines.append(f"    {ref.line:>5}  {where}")
        if len(shown) < len(refs):
            lines.append(f"           and {len(refs) - len(shown)} more (--json lists every one)")
    return "\n".join(lines) + "\n"


def render_json(rename: PersonRename) -> str:
    """The report as JSON: every reference with its file, line, record and field."""
    import json

    return json.dumps({
        "old": rename.old, "new": rename.new, "workspace": rename.root, "dry_run": rename.dry_run,
        "written": rename.written, "notes": rename.notes, "files": rename.files,
        "references": [ref.as_dict() for ref in rename.references],
    }, indent=2, ensure_ascii=False) + "\n"


def _refuse_dirty(root: Path) -> None:
    """A rename rewrites many files: refuse to mix it with uncommitted work that git could not tell apart from it."""
    from isoctl.history.git import head_state, inside_repository

    if not inside_repository(root):
        return
    _, dirty = head_state(root)
    if dirty:
        raise UsageError("the working tree has uncommitted changes: commit or stash them first, so that the rename "
                         "is one change of its own", hint="see 'git status'; --dry-run shows the changes; "
                                                          "--allow-dirty renames anyway")
