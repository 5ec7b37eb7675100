"""Where each clause of one edition goes in its successor, read from a transition table.

A transition table (``standards/transitions/*.yaml``) has rows ``from → to``
with a kind of change. Looking a clause up answers: the clauses of the new
edition a reference to it must name, and how it got there.

* ``same``/``retitled``: the reference stays as written.
* ``renumbered``: one new number.
* ``merged``: several old clauses share one new one; records that named two
  of them end up naming it once.
* ``split``: every new clause the old one went to, except those below
  another target (``9.3 → 9.3, 9.3.1, 9.3.2, 9.3.3`` stays ``9.3``: a
  reference to a clause already addresses its sub-clauses).
* ``removed`` headings (the 2013 Annex A domains, ``A.9 Access control``):
  every clause the heading's own clauses went to, so a record that addressed
  the whole domain still addresses what became of it. A heading with no row
  of its own (a 2013 control objective such as ``A.9.2``) is found the same
  way, by the rows of the clauses numbered below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from isoctl.catalog.schema import Edition, Transition, TransitionRow


@dataclass(frozen=True)
class Destination:
    """What becomes of one old clause."""

    clause: str  # the old clause id
    targets: tuple[str, ...]  # new clause ids (empty: gone without successor)
    change: str  # same | retitled | renumbered | merged | split | removed | heading | unknown
    rows: tuple[TransitionRow, ...] = ()

    @property
    def unchanged(self) -> bool:
        """The reference keeps its number."""
        return self.targets == (self.clause,)


class Table:
    """A transition table indexed by old clause id."""

    def __init__(self, transition: Transition, source: Edition, target: Edition) -> None:
        self.transition = transition
        self.source = source
        self.target = target
        self._rows: dict[str, list[TransitionRow]] = {}
        for row in transition.rows:
            for clause in row.from_:
                self._rows.setdefault(clause, []).append(row)
        self._order = {c.id: n for n, c in enumerate(target.clauses)}
        self._memo: dict[str, Destination] = {}

    @property
    def new_rows(self) -> list[TransitionRow]:
        """Rows of clauses that did not exist before (``change: new``)."""
        return [row for row in self.transition.rows if row.change == "new"]

    @property
    def merged_rows(self) -> list[TransitionRow]:
        """Rows where several old clauses became one."""
        return [row for row in self.transition.rows if len(row.from_) > 1]

    def destination(self, clause: str) -> Destination:
        """Where ``clause`` (an id of the old edition) goes."""
        found = self._memo.get(clause)
        if found is None:
            found = self._memo[clause] = self._find(clause)
        return found

    def _find(self, clause: str) -> Destination:
        rows = self._rows.get(clause, [])
        targets = _unique(t for row in rows for t in row.to)
        if rows and targets:
            changes = {row.change for row in rows}
            change = "merged" if any(len(r.from_) > 1 for r in rows) else changes.pop() if len(changes) == 1 else "split"
            if len(targets) > 1:
                change = "split"
            return Destination(clause, self._prune(targets), change, tuple(rows))
        below = self._below(clause)
        if below:
            return Destination(clause, self._prune(self._ordered(below)), "heading", tuple(rows))
        if rows:
            return Destination(clause, (), "removed", tuple(rows))
        if clause in self.target.by_id and clause not in self.source.by_id:
            return Destination(clause, (clause,), "same")  # written for the new edition already
        return Destination(clause, (), "unknown")

    def _below(self, clause: str) -> list[str]:
        """The new clauses that the old clauses numbered below ``clause`` went to."""
        prefix = clause + "."
        return _unique(t for old, rows in self._rows.items() if old.startswith(prefix) for row in rows for t in row.to)

    def _ordered(self, ids: list[str]) -> list[str]:
        return sorted(ids, key=lambda c: self._order.get(c, len(self._order)))

    def _prune(self, targets: list[str]) -> tuple[str, ...]:
        """Drop targets that lie below another target (the parent reference addresses them already)."""
        kept = [t for t in targets if not any(t != other and t.startswith(other + ".") for other in targets)]
        return tuple(kept)


def _unique(items: Iterable[str]) -> list[str]:
    """``items`` in their first order, each once."""
    return list(dict.fromkeys(items))
