"""Which records evidence which clauses: explicit references and the catalogs' expectations.

A record evidences a clause when it references it (directly, through a parent
clause, or through ``hs:``), or when it matches one of the clause's
``expects`` entries. Everything here is computed once per analysis and is a
pure function of the records, the catalogs in scope and ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from isoctl.analysis.resolve import ClauseKey, descendants, resolve_text
from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.refs import parse_ref
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.model.manifest import Settings
from isoctl.workspace.records import LoadedRecord


def record_date(record: Any) -> dt.date | None:
    """The date that says how recent a record is (the one ``within`` windows are measured on)."""
    kind = record.kind
    if kind == "objective":
        dates = [m.date for m in record.measurements]
        return max(dates) if dates else None
    attribute = {
        "review": "date",
        "audit": "date",
        "exercise": "date",
        "competence": "completed_on",
        "obligation": "evaluated_on",
        "supplier": "evaluated_on",
        "risk": "reviewed_on",
        "document": "approved_on",
        "action": "raised_on",
    }.get(kind)
    return getattr(record, attribute, None) if attribute else None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if type(value) is str:  # the common case, first
        return value != ""
    if isinstance(value, str | list | dict):
        return bool(value)
    if hasattr(value, "model_dump"):
        return any(_present(v) for v in value.model_dump().values())
    return True


#: Kinds that evidence a clause only where they name it. A document can be about
#: anything, so "some approved policy exists" must not make every policy evidence
#: of every clause that expects one; a review, an audit or a risk is what it is.
NAMED_ONLY = frozenset({"document"})


def matches(record: Any, expect: Expect, settings: Settings, today: dt.date) -> bool:
    """Whether one record satisfies one expectation of a clause (wherever it is referenced)."""
    if record.kind != expect.kind:
        return False
    if record.kind == "document" and record.status == "obsolete":
        return False
    if record.kind == "review" and record.status == "draft":  # prepared for a meeting not held yet
        return False
    for name, wanted in expect.where.items():
        value = getattr(record, name, None)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if value not in allowed:
            return False
    if expect.has is not None and not _present(getattr(record, expect.has, None)):
        return False
    if expect.within is not None:
        when = record_date(record)
        days = getattr(settings, expect.within)
        if when is None or when > today or (today - when).days > days:
            return False
    return True


@dataclass
class BadRef:
    """A clause reference that resolves to nothing in scope, and why."""

    record: LoadedRecord | None
    loc: tuple[str | int, ...]
    text: str
    reason: str


@dataclass
class Evidence:
    """Per clause of every edition in scope: the records that reference it or match its expectations.

    Sets of records are kept as sets of *ranks*: a record's rank is the position
    of its id among all ids in sorted order. A clause lists its records sorted by
    id, and sorting and merging small integers per clause costs a fraction of
    doing it with the records' id strings.
    """

    explicit: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    soa: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    #: the Annex A controls each SoA row is for, by the id() of its model (the inverse of ``soa``)
    soa_keys: dict[int, list[ClauseKey]] = field(default_factory=dict)
    #: the risks whose ``controls`` name a control: by the clause a reference names itself (not its
    #: sub-clauses), and by the text of every other entry (a control record's id)
    treated_by: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    treated_by_id: dict[str, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    bad_refs: list[BadRef] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # every record id, sorted: a rank is a position in it
    rank: dict[str, int] = field(default_factory=dict)
    named: dict[ClauseKey, list[int]] = field(default_factory=lambda: defaultdict(list))  # ranks of ``explicit``
    #: the records of ``explicit`` whose kind is NAMED_ONLY (the only ones those expectations can match)
    named_only: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    unique_ids: bool = True  # no two records share an id (then a rank stands for exactly one record)
    by_kind: dict[str, list[tuple[Any, int]]] = field(default_factory=lambda: defaultdict(list))  # (model, rank)s
    _reads: dict[str, _Reads] = field(default_factory=dict)  # per kind, what the expectations in scope read
    _groups: dict[str, tuple[_Reads, list[tuple[Any, list[int]]]]] = field(default_factory=dict)
    _satisfied: dict[str, frozenset[int]] = field(default_factory=dict)
    #: per (today, evidence_max_age_days): the newest evidence of each record resting on stale evidence only, by
    #: the id() of its model (see :func:`isoctl.analysis.coverage.stale_newest`)
    stale_memo: dict[tuple[dt.date, int], dict[int, Any]] = field(default_factory=dict)

    def sorted_ids(self, ranks: Iterable[int]) -> list[str]:
        """The ids of these ranks, in id order, each once."""
        ordered = sorted(ranks if isinstance(ranks, set | frozenset) else set(ranks))
        if len(ordered) < 2:
            return [self.ids[n] for n in ordered]
        return list(itemgetter(*ordered)(self.ids))

    def satisfied(self, expect: Expect, settings: Settings, today: dt.date) -> frozenset[int]:
        """Ranks of the records that satisfy an expectation, wherever they are referenced (memoised: many
        clauses share an expectation).

        The records of a kind are grouped by everything :func:`matches` reads of
        them, and each group is judged once, by one of its records: thousands
        of actions make a few dozen groups.
        """
        key = expect_key(expect)
        hit = self._satisfied.get(key)
        if hit is None:
            hit = self._satisfied[key] = frozenset(chain.from_iterable(
                ranks for model, ranks in self._grouped(expect) if matches(model, expect, settings, today)
            ))
        return hit

    def _grouped(self, expect: Expect) -> list[tuple[Any, list[int]]]:
        kind = expect.kind
        reads = _Reads.of(expect).union(self._reads.get(kind))
        known = self._groups.get(kind)
        if known is None or known[0] != reads:  # (an expectation from outside the scope reads more)
            known = self._groups[kind] = (reads, _group(self.by_kind.get(kind, []), reads))
            self._reads[kind] = reads
        return known[1]


@dataclass(frozen=True)
class _Reads:
    """What :func:`matches` reads of the records of one kind for some expectations."""

    where: frozenset[str] = frozenset()
    has: frozenset[str] = frozenset()
    dated: bool = False

    @classmethod
    def of(cls, expect: Expect) -> _Reads:
        where = set(expect.where)
        if expect.kind in ("document", "review"):
            where.add("status")  # obsolete documents and draft reviews match nothing
        return cls(frozenset(where), frozenset({expect.has} if expect.has is not None else ()), expect.within is not None)

    def union(self, other: _Reads | None) -> _Reads:
        if other is None:
            return self
        return _Reads(self.where | other.where, self.has | other.has, self.dated or other.dated)


def _group(records: list[tuple[Any, int]], reads: _Reads) -> list[tuple[Any, list[int]]]:
    """Records that look the same to :func:`matches` for these reads: (one of their models, their ranks)."""
    where = sorted(reads.where)
    has = sorted(reads.has)
    groups: dict[Any, tuple[Any, list[int]]] = {}
    for model, rank in records:
        values = tuple([getattr(model, name, None) for name in where])
        key: Any = (
            values, tuple(map(type, values)),  # types too: True == 1, but only one of them is a bool
            tuple([_present(getattr(model, name, None)) for name in has]),
            record_date(model) if reads.dated else None,
        )
        try:
            group = groups.get(key)
        except TypeError:  # an unhashable value (a list where a scalar is expected): a group of its own
            key = object()
            group = None
        if group is None:
            groups[key] = (model, [rank])
        else:
            group[1].append(rank)
    return list(groups.values())


def collect(records: Iterable[LoadedRecord], catalogs: Catalogs, scope: list[Edition]) -> Evidence:
    """Explicit references of every record, SoA rows per Annex A control, and unresolvable references."""
    records = list(records)
    ids = [record.id for record in records]
    evidence = Evidence(ids=sorted(dict.fromkeys(ids)))  # kept in file order, runs of ids in order sort fast
    evidence.rank = {record_id: rank for rank, record_id in enumerate(evidence.ids)}
    evidence.unique_ids = len(evidence.ids) == len(records)
    for edition in scope:
        for clause in edition.clauses:
            for expect in clause.expects:
                evidence._reads[expect.kind] = _Reads.of(expect).union(evidence._reads.get(expect.kind))
    memo: dict[str, tuple[list[tuple[Edition, Clause]], str | None]] = {}
    # per reference text, the (explicit, named, named_only) lists of every clause it addresses: a text is
    # resolved once, however many records carry it
    targets: dict[str, list[tuple[list[LoadedRecord], list[int], list[LoadedRecord]]]] = {}

    def resolved(text: str, catalogs: Catalogs, scope: list[Edition]) -> tuple[list[tuple[Edition, Clause]], str | None]:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = _resolve_with_descendants(text, catalogs, scope)
        return hit

    for record, rank in zip(records, map(evidence.rank.__getitem__, ids), strict=True):
        model: Any = record.model
        evidence.by_kind[record.kind].append((model, rank))
        named_only = record.kind in NAMED_ONLY
        for index, text in enumerate(model.clauses):
            into = targets.get(text)
            if into is None:
                found, problem = resolved(text, catalogs, scope)
                if problem:
                    evidence.bad_refs.append(BadRef(record, ("clauses", index), text, problem))
                    continue
                keys = [(edition.id, clause.id) for edition, clause in found]
                into = targets[text] = [(evidence.explicit[k], evidence.named[k], evidence.named_only[k]) for k in keys]
            for explicit, named, only in into:
                explicit.append(record)
                named.append(rank)
                if named_only:
                    only.append(record)
        if model.kind == "risk":
            for text in model.controls:
                ref = parse_ref(text) if isinstance(text, str) else None
                if ref is None:
                    evidence.treated_by_id[text].append(record)
                    continue
                for edition, clause in resolved(text, catalogs, scope)[0]:
                    if clause.id == ref.clause:  # the control itself, not every control of a theme it names
                        evidence.treated_by[(edition.id, clause.id)].append(record)
        if model.kind == "control":
            found, problem = resolved(model.control, catalogs, scope)
            if problem:
                evidence.bad_refs.append(BadRef(record, ("control",), model.control, problem))
            for edition, clause in found:
                if not clause.is_annex:
                    evidence.bad_refs.append(
                        BadRef(record, ("control",), model.control, f"{edition.id} {clause.id} is not an Annex A control")
                    )
                    continue
                evidence.soa[(edition.id, clause.id)].append(record)
                evidence.soa_keys.setdefault(id(model), []).append((edition.id, clause.id))
    return evidence


def _resolve_with_descendants(
    text: str, catalogs: Catalogs, scope: list[Edition]
) -> tuple[list[tuple[Edition, Clause]], str | None]:
    """A reference resolved, with every sub-clause of what it names (a parent addresses its children)."""
    found, problem = resolve_text(text, catalogs, scope)
    out = list(found)
    for edition, clause in found:
        out += [(edition, child) for child in descendants(edition, clause)]
    unique = {(e.id, c.id): (e, c) for e, c in out}
    return list(unique.values()), problem


def expect_key(expect: Expect) -> str:
    return repr((expect.kind, sorted(expect.where.items()), expect.has, expect.within))
