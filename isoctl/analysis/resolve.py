"""Clause references resolved to the clauses of the editions in scope.

:func:`resolve_text` turns one written reference (``iso9001:8.5.1``,
``iso27001:A.5``, ``hs:9.2``) into the clauses it addresses, or into the
reason it addresses none in words a finding can quote: an unknown standard,
one not in scope, or a clause only another edition has, with where the
transition tables put it and how ``isoctl migrate`` moves the workspace's
references. :class:`ClauseResolver` resolves each text once for the rules and
reports that ask about the same references many times, with or without every
sub-clause of what they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.refs import ClauseRef, parse_ref
from isoctl.catalog.schema import Clause, Edition

ClauseKey = tuple[str, str]  # (edition id, clause id)


def descendants(edition: Edition, clause: Clause) -> Iterator[Clause]:
    for child in edition.children.get(clause.id, []):
        yield child
        yield from descendants(edition, child)


def explain_unresolved(ref: ClauseRef, catalogs: Catalogs, scope: list[Edition]) -> str:
    """Why a parsed reference resolves to nothing in scope."""
    if ref.family == "hs":
        hs = catalogs.editions.get("hs")
        if hs is None or ref.clause not in hs.by_id:
            return f"the harmonized structure has no clause {ref.clause}"
        return f"no standard in scope has a clause linked to hs:{ref.clause}"
    in_scope = [e for e in scope if e.family == ref.family]
    if not in_scope:
        known = ref.family in catalogs.families()
        return f"{ref.family} is not in scope (isoctl.yaml standards)" if known else f"unknown standard '{ref.family}'"
    if ref.edition is not None and all(e.id != ref.edition_id for e in in_scope):
        edition = in_scope[0]
        problem = f"{ref.edition_id} is not in scope; the edition in scope is {edition.id}"
    else:
        edition = next(e for e in in_scope if ref.edition_id in (None, e.id))
        problem = f"{edition.id} has no clause {ref.clause}"
    return problem + _where_it_went(ref, catalogs, edition)


def _where_it_went(ref: ClauseRef, catalogs: Catalogs, edition: Edition) -> str:
    """For a clause of another edition of the family: where it is in the edition in scope, from the transition
    tables, and how ``isoctl migrate`` moves the workspace's references (empty when no other edition has it)."""
    moved = catalogs.moves(ref.family, ref.clause, edition, sources=[ref.edition_id] if ref.edition_id else [])
    if not moved:
        return ""
    move = moved[0]
    said = f"; {move.describe()}"
    if move.forward and move.to:
        # migrate reads the edition to move from in isoctl.yaml: a manifest switched by hand has nothing to move
        return (f"{said} — 'isoctl migrate --to {edition.display}' rewrites such references while isoctl.yaml "
                f"still names {move.source.display}")
    if not move.forward and edition.status == "superseded":
        return f"{said} — to use the {move.source.edition} numbering, move to it with 'isoctl migrate --to {move.source.display}'"
    return said


def resolve_text(
    text: str, catalogs: Catalogs, scope: list[Edition]
) -> tuple[list[tuple[Edition, Clause]], str | None]:
    """Resolve one written reference: the clauses it addresses, or why it addresses none."""
    ref = parse_ref(text) if isinstance(text, str) else None
    if ref is None:
        return [], f"'{text}' is not a clause reference (write family:clause, e.g. iso9001:8.5.1 or hs:9.2)"
    found = catalogs.resolve(ref, scope)
    return (found, None) if found else ([], explain_unresolved(ref, catalogs, scope))


class ClauseResolver:
    """Clause references resolved once each: to the clauses they name, optionally with every sub-clause."""

    def __init__(self, catalogs: Catalogs, editions: list[Edition]) -> None:
        self.catalogs = catalogs
        self.editions = editions
        self._memo: dict[tuple[str, bool], frozenset[ClauseKey]] = {}

    def __call__(self, text: str, *, below: bool) -> frozenset[ClauseKey]:
        hit = self._memo.get((text, below))
        if hit is None:
            found, _ = resolve_text(text, self.catalogs, self.editions)
            keys = {(e.id, c.id) for e, c in found}
            if below:
                keys |= {(e.id, d.id) for e, c in found for d in descendants(e, c)}
            hit = self._memo[(text, below)] = frozenset(keys)
        return hit

    def parent(self, edition: str, clause: str) -> str | None:
        """The clause id a clause sits under in its edition (None for a top-level clause)."""
        found = self.catalogs.editions.get(edition)
        item = found.by_id.get(clause) if found is not None else None
        return item.parent if item is not None else None

    def audited(self, scope: Iterable[str], by_id: dict[str, Any]) -> set[ClauseKey]:
        """Every clause an audit's ``scope`` covers: the clauses it names with their sub-clauses, and those the
        records it names (processes) address, from ``by_id`` (record id to its model)."""
        keys: set[ClauseKey] = set()
        for entry in scope:
            if parse_ref(entry) is not None:
                keys |= self(entry, below=True)
            elif entry in by_id:
                for text in by_id[entry].clauses:
                    keys |= self(text, below=True)
        return keys
