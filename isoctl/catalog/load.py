"""Loading catalogs and transition tables, and proving they are consistent.

Every catalog - built-in or from a workspace's ``catalogs:`` directory - goes
through the same checks: the schema of each file, then the cross-references
(unique clause ids, parents that exist, ``hs`` targets, expectations naming
real kinds, fields and values, transition rows naming real clauses). All
problems of all files are collected and reported together, each at its
file:line:col, as one :class:`CatalogError`.
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from isoctl import __version__
from isoctl.catalog import schema
from isoctl.catalog.schema import Edition, Transition
from isoctl.errors import CatalogError, Location, Problem
from isoctl.files import cache, positions, yamlio
from isoctl.files.located import field_names, problems_from
from isoctl.files.resources import built_dir, data_dir

Loc = tuple[str | int, ...]


@dataclass
class _Source:
    """A catalog file as read: where it lives, how to show its path, its text and data."""

    path: Path
    shown: str
    text: str
    data: Any
    problems: list[tuple[Loc, str, bool]] = field(default_factory=list)  # (loc, message, at key?)

    def add(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.problems.append((loc, message, key))


@dataclass
class LoadedCatalogs:
    """Editions and transitions as loaded, with the file each came from."""

    editions: dict[str, Edition]
    transitions: list[Transition]
    sources: dict[str, str]  # edition id or "from->to" -> shown path


def builtin_dir() -> Path:
    """The directory holding the shipped catalogs."""
    return data_dir("standards")


def _catalog_files(directory: Path) -> tuple[list[Path], list[Path]]:
    editions = sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    transitions_dir = directory / "transitions"
    transitions = sorted(transitions_dir.glob("*.y*ml")) if transitions_dir.is_dir() else []
    return editions, transitions


def _shown(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _read(path: Path, shown: str, problems: list[Problem]) -> _Source | None:
    try:
        text = yamlio.read_text(path)
        data = yamlio.parse(text)
    except yamlio.YamlProblem as exc:
        problems.append(Problem(Location(shown, exc.line, exc.column), exc.message))
        return None
    return _Source(path, shown, text, data)


def load(extra_dirs: Sequence[Path] = (), *, base: Path | None = None) -> LoadedCatalogs:
    """Load the built-in catalogs plus those in ``extra_dirs``; raise CatalogError on any problem.

    ``base`` is the directory paths of extra catalogs are shown relative to
    (the workspace root). Built-in catalogs are shown as ``standards/...``.
    A set of files that passed every check once is kept, validated, in the
    user cache keyed by the files' exact bytes, so later runs skip the YAML
    parse; any change to any file, or to isoctl, misses the cache.
    """
    builtin = builtin_dir()
    dirs: list[tuple[Path, Path | None]] = [(builtin, builtin.parent)]
    dirs += [(d, base) for d in extra_dirs]
    problems: list[Problem] = []
    files: list[tuple[Path, str, bool]] = []  # (path, shown, is transition)
    for directory, shown_base in dirs:
        if not directory.is_dir():
            problems.append(Problem(Location(_shown(directory, shown_base), 0, 0), "catalog directory not found"))
            continue
        edition_files, transition_files = _catalog_files(directory)
        files += [(p, _shown(p, shown_base), False) for p in edition_files]
        files += [(p, _shown(p, shown_base), True) for p in transition_files]
    if problems:
        raise CatalogError(problems)

    key = _key(files)
    if key is not None:
        hit = _from_cache(cache.read("catalogs", key)) or _from_cache(cache.read_entry(_packaged(), key))
        if hit is not None:
            return hit
    loaded = _load_files(files)
    if key is not None:
        cache.write("catalogs", key, _to_cache(loaded))
    return loaded


def _key(files: Sequence[tuple[Path, str, bool]]) -> str | None:
    """A digest of everything a load depends on: isoctl's version and catalog code, the files and their bytes."""
    try:
        # yamlio reads only regular files, without blocking: a named pipe in a catalog folder is reported, not waited on
        raw = [yamlio.read_bytes(path) for path, _, _ in files]
        code = [Path(module.__file__ or "").read_bytes() for module in (schema, cache, sys.modules[__name__])]
    except (OSError, yamlio.YamlProblem):
        return None
    return cache.digest([__version__, *code, *(f"{shown}|{t}" for _, shown, t in files), *raw])


def _packaged() -> Path:
    """Where the build keeps the pre-validated built-in catalogs (a wheel's, or an editable install's; see
    hatch_build.py)."""
    return built_dir() / "catalogs.json"


def compile_builtin(destination: Path) -> None:
    """Validate the built-in catalogs and write them as a cache entry a wheel can ship.

    At run time the entry is used only if its key matches the installed files
    and code exactly, so a wheel whose YAML was edited after build still works,
    just without the shortcut.
    """
    builtin = builtin_dir()
    edition_files, transition_files = _catalog_files(builtin)
    files = [(p, _shown(p, builtin.parent), False) for p in edition_files]
    files += [(p, _shown(p, builtin.parent), True) for p in transition_files]
    key = _key(files)
    assert key is not None
    cache.write_entry(destination, key, _to_cache(_load_files(files)))


def _from_cache(data: Any) -> LoadedCatalogs | None:
    if data is None:
        return None
    try:
        return LoadedCatalogs(
            editions={e["data"]["id"]: Edition.model_validate(e["data"]) for e in data["editions"]},
            transitions=[Transition.model_validate(t["data"]) for t in data["transitions"]],
            sources=dict(data["sources"]),
        )
    except (TypeError, KeyError, ValueError):  # absent or damaged: rebuild it
        return None


def _to_cache(loaded: LoadedCatalogs) -> dict[str, Any]:
    return {
        "editions": [{"data": e.model_dump(mode="json", by_alias=True, exclude_unset=True)} for e in loaded.editions.values()],
        "transitions": [{"data": t.model_dump(mode="json", by_alias=True, exclude_unset=True)} for t in loaded.transitions],
        "sources": loaded.sources,
    }


def _load_files(files: Sequence[tuple[Path, str, bool]]) -> LoadedCatalogs:
    problems: list[Problem] = []
    edition_sources: list[_Source] = []
    transition_sources: list[_Source] = []
    for path, shown, is_transition in files:
        source = _read(path, shown, problems)
        if source is not None:
            (transition_sources if is_transition else edition_sources).append(source)

    editions: dict[str, tuple[Edition, _Source]] = {}
    for source in edition_sources:
        edition = _validate(Edition, source, problems)
        if edition is None:
            continue
        if edition.id in editions:
            source.add(("id",), f"edition '{edition.id}' is already defined in {editions[edition.id][1].shown}")
            continue
        editions[edition.id] = (edition, source)
    for edition, source in editions.values():
        _check_edition(edition, source, {k: e for k, (e, _) in editions.items()})

    transitions: list[tuple[Transition, _Source]] = []
    for source in transition_sources:
        transition = _validate(Transition, source, problems)
        if transition is not None:
            _check_transition(transition, source, {k: e for k, (e, _) in editions.items()})
            transitions.append((transition, source))

    for source in edition_sources + transition_sources:
        problems.extend(_locate(source))
    if problems:
        raise CatalogError(problems)
    return LoadedCatalogs(
        editions={k: e for k, (e, _) in editions.items()},
        transitions=[t for t, _ in transitions],
        sources={**{k: s.shown for k, (_, s) in editions.items()}, **{f"{t.from_}->{t.to}": s.shown for t, s in transitions}},
    )


def load_cached(extra_dirs: tuple[Path, ...] = (), base: Path | None = None) -> LoadedCatalogs:
    """:func:`load`, memoised per process (catalogs do not change while isoctl runs).

    ``base`` only changes how extra catalogs are shown, so without them every
    workspace shares one entry: a process that evaluates many workspaces
    (``isoctl portfolio``, a script using the library) loads the built-in
    catalogs once.
    """
    return _load_memo(extra_dirs, base if extra_dirs else None)


@functools.lru_cache(maxsize=8)
def _load_memo(extra_dirs: tuple[Path, ...], base: Path | None) -> LoadedCatalogs:
    return load(extra_dirs, base=base)


def _validate(model: type[Edition] | type[Transition], source: _Source, problems: list[Problem]) -> Any:
    if not isinstance(source.data, dict):
        problems.append(Problem(Location(source.shown), f"expected a mapping with the keys of a {model.__name__.lower()}"))
        return None
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        root = positions.compose(source.text)
        problems.extend(problems_from(exc, path=source.shown, root=root, known_fields=field_names(model)))
        return None


def _locate(source: _Source) -> Iterator[Problem]:
    if not source.problems:
        return
    root = positions.compose(source.text)
    for loc, message, key in source.problems:
        line, column = positions.locate(root, loc, key=key)
        yield Problem(Location(source.shown, line, column), message)


def _check_edition(edition: Edition, source: _Source, editions: dict[str, Edition]) -> None:
    expected_id = edition.family if edition.family == "hs" else f"{edition.family}-{edition.edition}"
    if edition.id != expected_id:
        source.add(("id",), f"edition id '{edition.id}' should be '{expected_id}' (family-edition)")
    if edition.superseded_by is not None and edition.superseded_by not in editions:
        source.add(("superseded_by",), f"superseded_by names unknown edition '{edition.superseded_by}'")
    if edition.status == "superseded" and edition.superseded_by is None:
        source.add(("status",), "a superseded edition needs superseded_by")
    hs = editions.get("hs")
    seen: dict[str, int] = {}
    for index, clause in enumerate(edition.clauses):
        at: Loc = ("clauses", index)
        if clause.id in seen:
            source.add((*at, "id"), f"duplicate clause id '{clause.id}' (first at entry {seen[clause.id] + 1})")
        elif clause.parent is not None and clause.parent not in seen:
            where = "comes later" if clause.parent in edition.by_id else "does not exist"
            source.add((*at, "parent"), f"parent '{clause.parent}' of clause {clause.id} {where}")
        seen.setdefault(clause.id, index)
        if (clause.title is None) != clause.untitled:
            source.add((*at, "title"), "a clause without a title must say untitled: true, and only then")
        if clause.hs is not None and edition.id != "hs" and (hs is None or clause.hs not in hs.by_id):
            source.add((*at, "hs"), f"hs '{clause.hs}' is not a clause of the harmonized structure")
        if not clause.expects and clause.expects_note is None and not clause.is_annex:
            source.add((*at, "expects"), f"clause {clause.id} expects nothing; say why in expects_note")
        if clause.expects and clause.id in edition.children:
            # coverage judges a clause with sub-clauses by its sub-clauses alone: its own expectations would never count
            source.add((*at, "expects"), f"clause {clause.id} has sub-clauses, and gap analysis judges it by them alone: "
                       "put its expectations on the sub-clauses they belong to (expects: [] and an expects_note here)",
                       key=True)
        for number, expect in enumerate(clause.expects):
            for loc, message, key in _check_expect(expect.kind, expect.where, expect.has):
                source.add((*at, "expects", number, *loc), message, key=key)


def _check_expect(kind: str, where: dict[str, Any], has: str | None) -> Iterator[tuple[Loc, str, bool]]:
    """Problems of one expectation: (path below the entry, message, whether the key is at fault)."""
    from isoctl.model.records import KINDS, kind_fields  # only needed when validating, not on a cache hit

    if kind not in KINDS:
        yield ("kind",), f"unknown record kind '{kind}'; kinds are {', '.join(KINDS)}", False
        return
    fields = kind_fields(kind)
    if has is not None and has not in fields:
        yield ("has",), f"kind '{kind}' has no field '{has}'", False
    for name, wanted in where.items():
        if name not in fields:
            yield ("where", name), f"kind '{kind}' has no field '{name}'", True
            continue
        if _holds_several(KINDS[kind].model_fields[name].annotation):
            yield (("where", name), f"{kind}.{name} holds several values and where compares one, so this would never "
                   f"match: use has: {name}, or let the records name the clause", True)
            continue
        allowed = fields[name]
        values: Iterable[Any] = wanted if isinstance(wanted, list) else [wanted]
        if allowed is not None:
            for value in values:
                if value not in allowed:
                    shown = ", ".join(str(a).lower() if isinstance(a, bool) else str(a) for a in allowed)
                    yield ("where", name), f"{kind}.{name} is never {value!r}; it is one of {shown}", False


def _holds_several(annotation: Any) -> bool:
    """Whether a record field holds a list, a mapping or a structure (``tags``, ``inputs``, ``verification``)."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for arg in typing.get_args(annotation) if union else (annotation,):
        if typing.get_origin(arg) in (list, dict) or arg in (list, dict):
            return True
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return True
    return False


def _check_transition(transition: Transition, source: _Source, editions: dict[str, Edition]) -> None:
    ends = {"from": editions.get(transition.from_), "to": editions.get(transition.to)}
    for side, edition in ends.items():
        if edition is None:
            source.add((side,), f"unknown edition '{getattr(transition, side + '_' if side == 'from' else side)}'")
    if None in ends.values():
        return
    mentioned: dict[str, set[str]] = {"from": set(), "to": set()}
    for index, row in enumerate(transition.rows):
        for side, ids in (("from", row.from_), ("to", row.to)):
            edition = ends[side]
            assert edition is not None
            for number, clause_id in enumerate(ids):
                mentioned[side].add(clause_id)
                if clause_id not in edition.by_id:
                    source.add(("rows", index, side, number), f"clause '{clause_id}' is not in {edition.id}")
    for side, edition in ends.items():
        assert edition is not None
        missing = [c.id for c in edition.clauses if c.id not in _accounted(edition, mentioned[side])]
        if missing:
            shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
            source.add(("rows",), f"{len(missing)} clause(s) of {edition.id} appear in no row: {shown}")


def _accounted(edition: Edition, mentioned: set[str]) -> set[str]:
    """The clauses a transition table places: those its rows name, and each heading whose sub-clauses are all placed.

    A heading needs no row of its own: where it went follows from where its
    sub-clauses went (ISO/IEC 27001:2013's control objectives are such headings).
    """
    placed = set(mentioned)
    for clause in reversed(edition.clauses):  # sub-clauses before their headings
        children = edition.children.get(clause.id)
        if children and all(child.id in placed for child in children):
            placed.add(clause.id)
    return placed
