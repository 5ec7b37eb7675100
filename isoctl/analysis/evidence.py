"""Which records evidence which clauses: explicit references and the catalogs' expectations.

A record evidences a clause when it references it (directly, through a parent
clause, or through ``hs:``), or when it matches one of the clause's
``expects`` entries. Everything here is computed once per analysis and is a
pure function of the records, the catalogs in scope and ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.refs import ClauseRef, parse_ref
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.model.manifest import Settings
from isoctl.workspace.records import LoadedRecord

ClauseKey = tuple[str, str]  # (edition id, clause id)


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
    """Per clause of every edition in scope: the records that reference it or match its expectations."""

    explicit: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    soa: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    bad_refs: list[BadRef] = field(default_factory=list)
    _expect_cache: dict[str, list[LoadedRecord]] = field(default_factory=dict)
    _expect_ids: dict[str, frozenset[str]] = field(default_factory=dict)


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
        return f"{ref.edition_id} is not in scope; the edition in scope is {', '.join(e.id for e in in_scope)}"
    edition = next(e for e in in_scope if ref.edition_id in (None, e.id))
    return f"{edition.id} has no clause {ref.clause}"


def resolve_text(
    text: str, catalogs: Catalogs, scope: list[Edition]
) -> tuple[list[tuple[Edition, Clause]], str | None]:
    """Resolve one written reference: the clauses it addresses, or why it addresses none."""
    ref = parse_ref(text) if isinstance(text, str) else None
    if ref is None:
        return [], f"'{text}' is not a clause reference (write family:clause, e.g. iso9001:8.5.1 or hs:9.2)"
    found = catalogs.resolve(ref, scope)
    return (found, None) if found else ([], explain_unresolved(ref, catalogs, scope))


def collect(records: Iterable[LoadedRecord], catalogs: Catalogs, scope: list[Edition]) -> Evidence:
    """Explicit references of every record, SoA rows per Annex A control, and unresolvable references."""
    evidence = Evidence()
    memo: dict[str, tuple[list[tuple[Edition, Clause]], str | None]] = {}

    def resolve_text(text: str, catalogs: Catalogs, scope: list[Edition]) -> tuple[list[tuple[Edition, Clause]], str | None]:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = _resolve_with_descendants(text, catalogs, scope)
        return hit

    for record in records:
        model: Any = record.model
        for index, text in enumerate(model.clauses):
            found, problem = resolve_text(text, catalogs, scope)
            if problem:
                evidence.bad_refs.append(BadRef(record, ("clauses", index), text, problem))
            for edition, clause in found:
                evidence.explicit[(edition.id, clause.id)].append(record)
        if model.kind == "control":
            found, problem = resolve_text(model.control, catalogs, scope)
            if problem:
                evidence.bad_refs.append(BadRef(record, ("control",), model.control, problem))
            for edition, clause in found:
                if not clause.is_annex:
                    evidence.bad_refs.append(
                        BadRef(record, ("control",), model.control, f"{edition.id} {clause.id} is not an Annex A control")
                    )
                    continue
                evidence.soa[(edition.id, clause.id)].append(record)
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


def matching(
    evidence: Evidence, by_kind: dict[str, list[LoadedRecord]], expect: Expect, settings: Settings, today: dt.date
) -> list[LoadedRecord]:
    """Records satisfying an expectation (memoised: many clauses share the same expectation)."""
    key = expect_key(expect)
    hit = evidence._expect_cache.get(key)
    if hit is None:
        hit = [r for r in by_kind.get(expect.kind, []) if matches(r.model, expect, settings, today)]
        evidence._expect_cache[key] = hit
        evidence._expect_ids[key] = frozenset(r.id for r in hit)
    return hit


def matching_ids(evidence: Evidence, expect: Expect) -> frozenset[str]:
    """The ids of :func:`matching`'s records (call it first)."""
    return evidence._expect_ids[expect_key(expect)]
