"""The loaded set of catalogs and the questions asked of it.

Finding an edition from the many ways people write one, resolving clause
references (``iso9001:8.5.1``, ``iso9001-2015:8.5.1``, ``hs:9.2``) against the
editions in scope, and following a clause into the other editions through the
harmonized structure and the transition tables: where a clause of one
edition went in another (:meth:`Catalogs.moves`), and how far an edition's
transition has run on a given day (:meth:`Catalogs.transition_state`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from isoctl.catalog.load import LoadedCatalogs, load_cached
from isoctl.catalog.refs import ClauseRef, normalise_edition, parse_ref
from isoctl.catalog.schema import Clause, Edition, Transition
from isoctl.errors import UsageError


@dataclass(frozen=True)
class Correspondence:
    """A clause of another edition related to a given clause, and how."""

    edition: Edition
    clause: Clause
    via: str  # "hs 9.2" or "transition (renumbered)"


@dataclass(frozen=True)
class Move:
    """Where a clause of one edition is in another edition of the same family, after the transition tables."""

    source: Edition = field(repr=False)  # the edition that has the clause
    clause: Clause = field(repr=False)
    target: Edition = field(repr=False)  # the edition asked about (the one in scope)
    to: tuple[Clause, ...] = field(repr=False)  # its counterparts in ``target``: none when it was removed, or is new in ``source``
    change: str  # the table's word for the row: same, retitled, renumbered, merged, split, removed, new
    note: str | None
    tabled: bool  # False when no transition table links the two editions

    @property
    def forward(self) -> bool:
        """The clause is of an older edition than the one asked about (the direction of a migration)."""
        return self.source.edition < self.target.edition

    def describe(self) -> str:
        """One phrase: ``10.3 is ISO 9001:2015 (Continual improvement), which in 2026 is merged into 10.1 (...)``."""
        said = f"{self.clause.id} is {designation(self.source)} ({self.clause.label})"
        year = self.target.edition
        if not self.tabled:
            return f"{said}, not {designation(self.target)}"
        if not self.to:
            if self.forward:
                return f"{said}, with no counterpart in {year}" + (f" ({_lower_first(self.note)})" if self.note else "")
            return f"{said}, new in that edition, with no counterpart in {year}"
        listed = _and(self.to)
        if not self.forward:
            return f"{said}, which corresponds to {listed} in {year}"
        verb = {"merged": "is merged into", "split": "is split into"}.get(self.change, "is")
        return f"{said}, which in {year} {verb} {listed}"


Phase = Literal["running", "final-year", "ended"]


@dataclass(frozen=True)
class TransitionState:
    """How far the transition away from a superseded edition has run on a given day."""

    edition: Edition = field(repr=False)
    successor: Edition | None = field(repr=False)  # the edition to move to, when the catalogs have it
    phase: Phase  # running; final-year (its last 12 months); ended (the day after ``ends``)
    ends: dt.date | None  # None when no end date is known yet
    confirmed: bool  # the end date is confirmed (not an expected date)
    days_left: int | None  # from the day asked about to ``ends`` (negative once ended)

    @property
    def moving_to(self) -> str:
        """What ``isoctl migrate --to`` takes for the successor (``iso9001:2026``), or a generic placeholder."""
        return self.successor.display if self.successor is not None else f"{self.edition.family}:EDITION"


class Catalogs:
    """Every loaded edition and transition table."""

    def __init__(self, loaded: LoadedCatalogs) -> None:
        self.editions = loaded.editions
        self.transitions = loaded.transitions
        self.sources = loaded.sources

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = (), *, base: Path | None = None) -> Catalogs:
        """Load built-in catalogs plus ``extra_dirs`` (validated; cached per process)."""
        return cls(load_cached(tuple(extra_dirs), base))

    def families(self) -> dict[str, list[Edition]]:
        """Editions by family, newest first."""
        grouped: dict[str, list[Edition]] = {}
        for edition in sorted(self.editions.values(), key=lambda e: (e.family, -e.edition)):
            grouped.setdefault(edition.family, []).append(edition)
        return grouped

    def latest(self, family: str) -> Edition | None:
        """The current edition of a family (the newest one if none is current)."""
        editions = self.families().get(family, [])
        current = [e for e in editions if e.status == "current"]
        return (current or editions)[0] if editions else None

    def edition(self, text: str, *, scope: Sequence[Edition] = ()) -> Edition:
        """The edition named by ``text`` (``iso9001-2015``, ``iso9001:2015``, ``ISO 9001:2015`` or a family).

        A family means its edition in ``scope`` (a workspace's standards) when
        there is one, else its current edition. Raises UsageError naming the
        closest editions when nothing matches.
        """
        wanted = normalise_edition(text)
        if wanted in self.editions:
            return self.editions[wanted]
        scoped = next((e for e in scope if e.family == wanted), None)
        if scoped is not None:
            return scoped
        family = self.latest(wanted)
        if family is not None:
            return family
        if not wanted.startswith("iso") and f"iso{wanted}" != wanted:
            retry = normalise_edition("iso" + wanted)
            if retry in self.editions or self.latest(retry) is not None:
                return self.edition(retry, scope=scope)
        names = sorted(self.editions) + sorted(self.families())
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else "run 'isoctl standards list' to see them"
        raise UsageError(f"unknown edition '{text}'", hint=hint)

    def clause(self, edition: Edition, clause_id: str) -> Clause:
        """A clause of ``edition``; UsageError with the nearest clauses when it is not there.

        A clause that only another edition of the family has is named with
        where it went (after the transition tables) and how to show it.
        """
        normalised = clause_id.strip()
        if normalised[:2].lower() == "a.":
            normalised = "A." + normalised[2:]
        found = edition.by_id.get(normalised)
        if found is not None:
            return found
        moved = self.moves(edition.family, normalised, edition)
        if moved:
            hint = f"{moved[0].describe()}; 'isoctl standards show {moved[0].source.id}:{normalised}' shows it"
        else:
            hint = _suggest(clause_id, edition.clauses) or f"run 'isoctl standards show {edition.id}' to see its clauses"
        raise UsageError(f"{edition.id} has no clause '{clause_id}'", hint=hint)

    def lookup(self, text: str, edition_text: str | None = None, *, scope: Sequence[Edition] = ()) -> tuple[Edition, Clause]:
        """Resolve what a user typed: ``iso9001:8.5.1``, ``iso9001-2015:8.5.1``, or ``8.5.1`` with an edition.

        A family (``iso9001:8.5.1``, or ``8.5.1`` with ``iso9001``) means its
        edition in ``scope`` when there is one, else its current edition.
        """
        ref = parse_ref(text)
        if ref is not None:
            if ref.edition is not None:
                edition = self.editions.get(ref.edition_id or "")
            else:
                edition = next((e for e in scope if e.family == ref.family), None) or self.latest(ref.family)
            if edition is None:
                edition = self.edition(ref.edition_id or ref.family)
            if edition_text is not None and self.edition(edition_text).family != edition.family:
                raise UsageError(f"clause '{text}' does not belong to {edition_text}")
            return edition, self.clause(edition, ref.clause)
        if edition_text is None:
            raise UsageError(
                f"'{text}' is not a clause reference",
                hint="write it as family:clause (iso9001:8.5.1), edition:clause (iso9001-2015:8.5.1), or give the edition",
            )
        edition = self.edition(edition_text, scope=scope)
        return edition, self.clause(edition, text)

    def resolve(self, ref: ClauseRef, scope: Iterable[Edition]) -> list[tuple[Edition, Clause]]:
        """The clauses a reference addresses among the editions in ``scope`` (empty when none)."""
        scope = list(scope)
        if ref.family == "hs":
            return [(e, c) for e in scope for c in _hs_clauses(e, ref.clause)]
        if ref.edition is not None:
            targets = [e for e in scope if e.id == ref.edition_id]
        else:
            targets = [e for e in scope if e.family == ref.family]
        found = [(e, e.by_id[ref.clause]) for e in targets if ref.clause in e.by_id]
        if not found and ref.clause.startswith("A.") and ref.clause.count(".") == 1:
            # an Annex A theme (A.5 = organizational controls) names all of its controls
            prefix = ref.clause + "."
            found = [(e, c) for e in targets for c in e.controls if c.id.startswith(prefix)]
        return found

    def correspondences(self, edition: Edition, clause: Clause) -> list[Correspondence]:
        """Clauses of other editions that correspond to ``clause``: same HS clause, or a transition row."""
        found: dict[tuple[str, str], Correspondence] = {}
        if edition.id == "hs":
            for other in self.editions.values():
                for candidate in other.clauses:
                    if other.id != "hs" and candidate.hs == clause.id:
                        found[(other.id, candidate.id)] = Correspondence(other, candidate, f"hs {clause.id}")
        elif clause.hs is not None:
            for other in self.editions.values():
                if other.id in (edition.id, "hs"):
                    continue
                for candidate in other.clauses:
                    if candidate.hs == clause.hs:
                        found.setdefault((other.id, candidate.id), Correspondence(other, candidate, f"hs {clause.hs}"))
        for transition in self.transitions:
            for forward, this, that in ((True, transition.from_, transition.to), (False, transition.to, transition.from_)):
                if this != edition.id or that not in self.editions:
                    continue
                other = self.editions[that]
                for row in transition.rows:
                    mine, theirs = (row.from_, row.to) if forward else (row.to, row.from_)
                    if clause.id in mine:
                        for target in theirs:
                            via = f"transition ({row.change})"
                            found[(other.id, target)] = Correspondence(other, other.by_id[target], via)
        return sorted(found.values(), key=lambda c: (c.edition.family, -c.edition.edition, _order(c.edition, c.clause)))

    def transitions_from(self, edition: Edition) -> list[Transition]:
        return [t for t in self.transitions if t.from_ == edition.id]

    def in_scope(self, names: Iterable[object]) -> list[Edition]:
        """The editions a manifest's ``standards`` entries name, leniently: what does not name one edition is skipped.

        For looking things up inside a workspace (``standards show``); ``check``
        is what reports the entries skipped here.
        """
        found: dict[str, Edition] = {}
        for name in names:
            if not isinstance(name, str) or (":" not in name and "-" not in name):
                continue  # a bare family names no edition
            wanted = normalise_edition(name)
            edition = self.editions.get(wanted)
            if edition is not None and edition.id != "hs":
                found.setdefault(edition.family, edition)
        return list(found.values())

    def moves(self, family: str, clause_id: str, target: Edition, *, sources: Iterable[str] = ()) -> list[Move]:
        """Where clause ``clause_id`` of the other editions of ``family`` is in ``target``, nearest edition first.

        ``sources`` keeps only those editions (ids); empty when no other edition
        has such a clause.
        """
        wanted = set(sources)
        found = []
        for source in self.families().get(family, []):
            if source.id == target.id or clause_id not in source.by_id or (wanted and source.id not in wanted):
                continue
            found.append(self._move(source, source.by_id[clause_id], target))
        return sorted(found, key=lambda m: (not m.tabled, abs(m.source.edition - m.target.edition)))

    def _move(self, source: Edition, clause: Clause, target: Edition) -> Move:
        rows = self._rows.get((source.id, target.id))
        if rows is None:
            return Move(source, clause, target, (), "", None, tabled=False)
        # the tables are validated to name every clause of both editions, so a clause has at least one row
        hits = [row for row in rows if clause.id in row.mine]
        ids = dict.fromkeys(cid for row in hits for cid in row.theirs if cid in target.by_id)
        to = tuple(sorted((target.by_id[cid] for cid in ids), key=target.clauses.index))
        if len(hits) == 1:
            change = hits[0].change
        elif not to:
            change = "removed" if source.edition < target.edition else "new"
        else:  # rows that disagree: say where it went, not how
            change = "split" if len(to) > 1 else "renumbered"
        note = hits[0].note if len(hits) == 1 else None
        return Move(source, clause, target, to, change, note, tabled=True)

    @cached_property
    def _rows(self) -> dict[tuple[str, str], list[_Row]]:
        """Every transition row, read in both directions, by (edition it starts from, edition it leads to)."""
        rows: dict[tuple[str, str], list[_Row]] = {}
        for table in self.transitions:
            forward = rows.setdefault((table.from_, table.to), [])
            backward = rows.setdefault((table.to, table.from_), [])
            for row in table.rows:
                forward.append(_Row(tuple(row.from_), tuple(row.to), row.change, row.note))
                backward.append(_Row(tuple(row.to), tuple(row.from_), row.change, row.note))
        return rows

    def transition_state(self, edition: Edition, today: dt.date) -> TransitionState | None:
        """The transition away from ``edition`` on ``today``; None when the edition is not superseded.

        The last 12 months before ``transition_ends`` are the final year; the
        transition has ended the day after ``transition_ends``.
        """
        if edition.status != "superseded":
            return None
        successor = self.editions.get(edition.superseded_by or "")
        if successor is None:
            newest = self.latest(edition.family)
            successor = newest if newest is not None and newest.id != edition.id else None
        ends = edition.transition_ends
        if ends is None:
            return TransitionState(edition, successor, "running", None, False, None)
        if today > ends:
            phase: Phase = "ended"
        elif today > _year_before(ends):
            phase = "final-year"
        else:
            phase = "running"
        return TransitionState(edition, successor, phase, ends, edition.transition_confirmed, (ends - today).days)


@dataclass(frozen=True)
class _Row:
    """A transition row read from one side: ``mine`` are clauses of the edition it starts from."""

    mine: tuple[str, ...]
    theirs: tuple[str, ...]
    change: str
    note: str | None


_DESIGNATION = re.compile(r"^(ISO(?:/IEC)?(?:/TS)? [0-9][0-9-]*:\d{4})(?=\s|$)")


def designation(edition: Edition) -> str:
    """How people name an edition: ``ISO 9001:2015``, ``ISO/IEC 27001:2013`` (from its title), else its id."""
    match = _DESIGNATION.match(edition.title)
    return match.group(1) if match else edition.display


def _year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _and(clauses: Sequence[Clause]) -> str:
    """``A.5.36 (...) and A.8.8 (...)``: titles for one or two clauses, bare numbers for more."""
    names = [f"{c.id} ({c.label})" for c in clauses] if len(clauses) <= 2 else [c.id for c in clauses]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lower_first(text: str) -> str:
    """A note as the middle of a sentence: ``Domain heading ...`` becomes ``domain heading ...`` (``ISMS`` stays)."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _hs_clauses(edition: Edition, hs_id: str) -> list[Clause]:
    """The clauses of ``edition`` linked to harmonized-structure clause ``hs_id``.

    An edition that does not divide a clause as the 2021 structure does (9.2
    and 9.3 of ISO 14001:2015, ISO 45001:2018 and ISO/IEC 27001:2013 are one
    clause each) is reached through the undivided clause: ``hs:9.3.3`` is 9.3
    there. Only a clause without sub-clauses stands in, so ``hs:6.3`` reaches
    nothing in an edition that has no 6.3.
    """
    found = [c for c in edition.clauses if c.hs == hs_id]
    while not found and "." in hs_id:
        hs_id = hs_id.rsplit(".", 1)[0]
        found = [c for c in edition.clauses if c.hs == hs_id and edition.is_leaf(c)]
    return found


def _order(edition: Edition, clause: Clause) -> int:
    return edition.clauses.index(clause)


def _suggest(text: str, clauses: Sequence[Clause]) -> str | None:
    """'did you mean ...' for a clause id or a fragment of a title."""
    ids = [c.id for c in clauses]
    close = difflib.get_close_matches(text, ids, n=3, cutoff=0.6)
    lowered = text.lower()
    by_title = [c.id for c in clauses if len(lowered) > 3
                and any(lowered in title.lower() for title in (c.title, c.alt_title) if title)]
    picks = list(dict.fromkeys(by_title[:3] + close))[:4]
    if not picks:
        return None
    labels = [f"{cid} ({next(c.label for c in clauses if c.id == cid)})" for cid in picks]
    return "did you mean " + ", ".join(labels) + "?"
