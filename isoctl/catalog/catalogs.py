"""The loaded set of catalogs and the questions asked of it.

Finding an edition from the many ways people write one, resolving clause
references (``iso9001:8.5.1``, ``iso9001-2015:8.5.1``, ``hs:9.2``) against the
editions in scope, and following a clause into the other editions through the
harmonized structure and the transition tables.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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

    def edition(self, text: str) -> Edition:
        """The edition named by ``text`` (``iso9001-2015``, ``iso9001:2015``, ``ISO 9001:2015`` or a family).

        Raises UsageError naming the closest editions when nothing matches.
        """
        wanted = normalise_edition(text)
        if wanted in self.editions:
            return self.editions[wanted]
        family = self.latest(wanted)
        if family is not None:
            return family
        if not wanted.startswith("iso") and f"iso{wanted}" != wanted:
            retry = normalise_edition("iso" + wanted)
            if retry in self.editions or self.latest(retry) is not None:
                return self.edition(retry)
        names = sorted(self.editions) + sorted(self.families())
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else "run 'isoctl standards list' to see them"
        raise UsageError(f"unknown edition '{text}'", hint=hint)

    def clause(self, edition: Edition, clause_id: str) -> Clause:
        """A clause of ``edition``; UsageError with the nearest clauses when it is not there."""
        normalised = clause_id.strip()
        if normalised[:2].lower() == "a.":
            normalised = "A." + normalised[2:]
        found = edition.by_id.get(normalised)
        if found is not None:
            return found
        raise UsageError(
            f"{edition.id} has no clause '{clause_id}'",
            hint=_suggest(clause_id, edition.clauses) or f"run 'isoctl standards show {edition.id}' to see its clauses",
        )

    def lookup(self, text: str, edition_text: str | None = None) -> tuple[Edition, Clause]:
        """Resolve what a user typed: ``iso9001:8.5.1``, ``iso9001-2015:8.5.1``, or ``8.5.1`` with an edition."""
        ref = parse_ref(text)
        if ref is not None:
            edition = self.editions.get(ref.edition_id or "") if ref.edition is not None else self.latest(ref.family)
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
        edition = self.edition(edition_text)
        return edition, self.clause(edition, text)

    def resolve(self, ref: ClauseRef, scope: Iterable[Edition]) -> list[tuple[Edition, Clause]]:
        """The clauses a reference addresses among the editions in ``scope`` (empty when none)."""
        scope = list(scope)
        if ref.family == "hs":
            return [(e, c) for e in scope for c in e.clauses if c.hs == ref.clause]
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


def _order(edition: Edition, clause: Clause) -> int:
    return edition.clauses.index(clause)


def _suggest(text: str, clauses: Sequence[Clause]) -> str | None:
    """'did you mean ...' for a clause id or a fragment of a title."""
    ids = [c.id for c in clauses]
    close = difflib.get_close_matches(text, ids, n=3, cutoff=0.6)
    lowered = text.lower()
    by_title = [c.id for c in clauses if c.title and len(lowered) > 3 and lowered in c.title.lower()]
    picks = list(dict.fromkeys(by_title[:3] + close))[:4]
    if not picks:
        return None
    labels = [f"{cid} ({next(c.label for c in clauses if c.id == cid)})" for cid in picks]
    return "did you mean " + ", ".join(labels) + "?"
