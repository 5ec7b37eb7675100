"""Rules about audits (9.2): findings followed up, a programme that reaches every clause, auditors who are not auditing themselves or always the same thing.

Audit ``scope`` entries are clause references (``iso9001:8.5``, ``hs:9``,
``iso27001:A.5``) or record ids (processes, whose own ``clauses`` say what
they cover). A reference to a clause covers its sub-clauses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from isoctl.analysis.resolve import ClauseKey, ClauseResolver
from isoctl.catalog.refs import parse_ref
from isoctl.errors import UsageError
from isoctl.model.records import Audit
from isoctl.rules import Context, Hit, is_clause_ref, rule

#: Finding types that are nonconformities and so need an action (10.2); observations and OFIs may have one.
NONCONFORMITY = ("major", "minor")


def standard_entries(ctx: Context) -> dict[str, tuple[str | int, ...]]:
    """Where in isoctl.yaml each edition in scope is named (findings about a whole standard point there)."""
    entries: dict[str, tuple[str | int, ...]] = {}
    for index, name in enumerate(ctx.workspace.manifest.standards):
        try:
            entries.setdefault(ctx.workspace.catalogs.edition(name).id, ("standards", index))
        except UsageError:  # an unknown name is reported by schema-error
            continue
    return entries


def _clauses(ctx: Context) -> ClauseResolver:
    return ClauseResolver(ctx.workspace.catalogs, ctx.workspace.editions)


def _internal_audits(ctx: Context) -> list[Audit]:
    return [audit for audit in ctx.records(Audit) if audit.type == "internal"]


@rule("finding-without-action", "error", category="living")
def finding_without_action(ctx: Context) -> Iterator[Hit]:
    """A major or minor audit finding linked to no action.

    A nonconformity found by an audit, internal or external, has to be
    reacted to and its cause dealt with (10.2); the way to show that is an
    ``action`` record named in the finding's ``action``. Observations, OFIs
    and positive findings need none. Reported at the finding.

    Fails:  ``findings: [{id: F1, type: minor, clause: iso9001:7.1.5, description: ...}]``
    Passes: ``findings: [{id: F1, type: minor, clause: iso9001:7.1.5, description: ..., action: ACT-0230}]``
    """
    for audit in ctx.records(Audit):
        for index, finding in enumerate(audit.findings):
            if finding.type in NONCONFORMITY and not (finding.action or "").strip():
                about = f", {finding.clause}" if finding.clause else ""
                yield ctx.at(audit, "findings", index, clause=finding.clause,
                             message=f"{audit.id} finding {finding.id} ({finding.type}{about}) is linked to no action")


@rule("audit-programme-gap", "warning", category="living")
def audit_programme_gap(ctx: Context) -> Iterator[Hit]:
    """A clause in scope that no internal audit has covered within ``audit_cycle_days``.

    The audit programme has to reach the whole system (9.2); a clause that
    is never audited is where problems go unnoticed until the certification
    body finds them. Every leaf clause of every standard in scope that is
    not excluded (Annex A controls included) must be in the ``scope`` of an
    internal audit with ``status: done`` held within ``audit_cycle_days``
    (isoctl.yaml ``settings``, default 1095, one certification cycle). A
    scope entry covers a clause when it names the clause or a parent of it
    (``iso9001:8.5``, ``hs:9``, ``iso27001:A.5``), or names a record (a
    process) whose ``clauses`` do. Reported once per clause at the
    standard's entry in isoctl.yaml, with the last audit that covered it.

    Fails:  ISO 9001 in scope and no internal audit with 7.1.6 (or 7.1, 7) in scope since 2023-11-22
    Passes: ``{kind: audit, type: internal, status: done, date: 2026-04-14, scope: [hs:7.1]}``
    """
    window = ctx.workspace.manifest.settings.audit_cycle_days
    resolve = _clauses(ctx)
    records = ctx.by_id()
    # per scope entry, then per clause: the newest audit that covered it, the first held that day (by its order)
    newest: dict[str, tuple[dt.date, int, str]] = {}
    for order, audit in enumerate(_internal_audits(ctx)):
        if audit.status != "done" or audit.date > ctx.today:
            continue
        for entry in audit.scope:
            if entry not in newest or newest[entry][0] < audit.date:
                newest[entry] = (audit.date, order, audit.id)
    held: dict[ClauseKey, tuple[dt.date, int, str]] = {}
    for entry, (date, order, audit_id) in newest.items():
        named = {entry: records[entry].model} if entry in records else {}  # a record: the clauses it names
        for key in resolve.audited([entry], named):
            before = held.get(key)
            if before is None or before[0] < date or (before[0] == date and order < before[1]):
                held[key] = (date, order, audit_id)
    last = {key: (date, audit_id) for key, (date, _, audit_id) in held.items()}
    entries = standard_entries(ctx)
    for item in ctx.clauses:
        if not item.leaf or item.status == "excluded":
            continue
        seen = last.get((item.standard, item.clause))
        if seen is not None and (ctx.today - seen[0]).days <= window:
            continue
        since = f"last covered by {seen[1]} on {seen[0].isoformat()}" if seen else "no internal audit has covered it"
        yield ctx.at_manifest(*entries.get(item.standard, ("standards",)), clause=item.ref,
                              message=f"{item.standard} {item.clause} {item.title or '(untitled paragraph)'}: "
                              f"not audited within {window} days (audit_cycle_days); {since}")


@rule("auditor-not-independent", "warning", category="living")
def auditor_not_independent(ctx: Context) -> Iterator[Hit]:
    """An internal auditor who owns what the audit covers.

    Auditors must be objective and impartial (9.2.2): they do not audit
    their own work. When an internal audit's ``auditor`` is a person of
    isoctl.yaml and that person owns a process named in the audit's
    ``scope``, or owns a record whose ``clauses`` fall under a clause in
    the scope, the audit is reported at ``auditor``, naming those records.
    Audits by an external auditor (a name, not a person id) are not checked.

    Fails:  ``auditor: tbrennan`` on an audit with ``scope: [PRC-WAREHOUSE]`` owned by tbrennan
    Passes: ``auditor: rpatel``, who owns nothing in that scope
    """
    people = {p.id for p in ctx.workspace.manifest.people}
    audits = _internal_audits(ctx)
    auditors = {(audit.auditor or "").strip() for audit in audits} & people  # only what they own matters
    resolve = _clauses(ctx)
    # per auditor: the records they own, and by each clause text those records name (built once, not per audit; a
    # text is resolved once per auditor). Records are kept as the position of their id's first owned record.
    records = ctx.workspace.records
    first: dict[str, int] = {}
    owned: dict[str, set[str]] = defaultdict(set)
    owned_texts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position, record in enumerate(records):
        model = record.model
        owner = model.owner
        if owner not in auditors or isinstance(model, Audit):  # owning audit reports is the job itself
            continue
        at = first.setdefault(record.id, position)
        owned[owner].add(record.id)
        by_text = owned_texts[owner]
        for text in model.clauses:
            by_text[text].append(at)
    owned_clauses: dict[str, dict[ClauseKey, set[int]]] = defaultdict(lambda: defaultdict(set))
    for owner, by_text in owned_texts.items():
        by_clause = owned_clauses[owner]
        for text, positions in by_text.items():
            for key in resolve(text, below=False):
                by_clause[key].update(positions)
    covered: dict[tuple[str, str], set[int]] = {}  # per auditor and scope entry: what of theirs the entry covers

    def covers(auditor: str, entry: str) -> set[int]:
        found = covered.get((auditor, entry))
        if found is None:
            found = covered[(auditor, entry)] = {first[entry]} if entry in owned[auditor] else set()
            if is_clause_ref(entry):
                by_clause = owned_clauses[auditor]
                for key in resolve(entry, below=True):
                    found.update(by_clause.get(key, ()))
        return found

    for audit in audits:
        auditor = (audit.auditor or "").strip()
        if auditor not in owned:
            continue
        own: set[int] = set()
        for entry in audit.scope:
            own |= covers(auditor, entry)
        if own:
            ids = [records[position].id for position in sorted(own)[:5]]
            shown = ", ".join(ids) + (f" and {len(own) - 5} more" if len(own) > 5 else "")
            yield ctx.at(audit, "auditor", message=f"{audit.id}: auditor {auditor} owns what this audit covers: {shown}")


#: An area an audit covers: ``("clause", (edition id, clause id))`` or ``("record", id)`` (a process named in scope).
Area = tuple[str, ClauseKey | str]


def _areas(resolve: ClauseResolver, entry: str) -> frozenset[Area]:
    """The areas one scope entry covers: a clause with its sub-clauses, or the record it names."""
    if parse_ref(entry) is not None:
        return frozenset(("clause", key) for key in resolve(entry, below=True))
    return frozenset({("record", entry)})


def _auditor_key(auditor: str) -> str:
    """One auditor however the name is spaced or capitalised (``ehughes``, ``Martin  Shaw``)."""
    return " ".join(auditor.split()).casefold()


def _name_areas(audit: Audit, repeated: set[Area], resolve: ClauseResolver, families: dict[str, str]) -> str:
    """The repeated areas as the audit's scope names them; where an entry was only partly repeated, the clauses that were."""
    names: list[str] = []
    for entry in audit.scope:
        covered = _areas(resolve, entry)
        shared = covered & repeated
        if not shared:
            continue
        if shared == covered:
            names.append(entry)
            continue
        keys = {key for kind, key in shared if kind == "clause" and isinstance(key, tuple)}
        for edition, clause in sorted(keys):
            parent = resolve.parent(edition, clause)
            if parent is None or (edition, parent) not in keys:  # the top of the shared part only
                names.append(f"{families.get(edition, edition)}:{clause}")
    names = list(dict.fromkeys(names))
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


@rule("auditor-rotation", "info", category="living")
def auditor_rotation(ctx: Context) -> Iterator[Hit]:
    """The same auditor audited the same area in ``rotation_cycles`` consecutive audit cycles.

    Auditors must be objective (9.2.2, ISO 19011 5.4): one who audits the
    same process cycle after cycle stops seeing it, and the programme stops
    finding anything there. Cycles are windows of ``audit_cycle_days``
    counted from the first internal audit held (the programme's start);
    a cycle counts for an auditor and an area when an internal audit with
    ``status: done``, dated on or before today, by that auditor covered the
    area in it. An area is a record (a process) named in ``scope``, or a
    clause: a clause reference covers its sub-clauses, so ``hs:9`` one cycle
    and ``iso9001:9.2`` the next is the same area (9.2) twice. Auditors are
    compared by their ``auditor`` text, person id or name, ignoring case and
    spacing; audits with no ``auditor`` are not checked. A run of at least
    ``rotation_cycles`` (isoctl.yaml ``settings``, default 2) cycles is
    reported once, at ``auditor`` of its latest audit, naming the area and
    the audits. An organisation that audits every area every year and wants
    auditors rotated yearly sets ``audit_cycle_days: 365``.

    Fails:  ``auditor: ehughes`` on AUD-2022 (2022-06-14) and AUD-2025 (2025-06-17), both ``scope: [PRC-WAREHOUSE]``,
            with ``audit_cycle_days: 1095`` and the programme started 2022-06-14
    Passes: ``auditor: rpatel`` on AUD-2025: someone else audits the warehouse in the second cycle
    """
    settings = ctx.workspace.manifest.settings
    window, needed = settings.audit_cycle_days, settings.rotation_cycles
    audits = sorted((a for a in _internal_audits(ctx) if a.status == "done" and a.date <= ctx.today
                     and (a.auditor or "").strip()), key=lambda a: a.date)
    if not audits:
        return
    start = audits[0].date
    resolve = _clauses(ctx)
    families = {e.id: e.family for e in ctx.workspace.editions}
    # per auditor and area, the latest audit of each cycle (audits are in date order, so later ones replace)
    seen: dict[tuple[str, Area], dict[int, Audit]] = defaultdict(dict)
    for audit in audits:
        cycle = (audit.date - start).days // window
        who = _auditor_key(audit.auditor or "")
        for entry in audit.scope:
            for area in _areas(resolve, entry):
                seen[(who, area)][cycle] = audit
    # runs ending at the same audit and made of the same audits are one finding, whatever areas they share
    runs: dict[tuple[int, ...], tuple[list[Audit], set[Area]]] = {}
    for (_, area), cycles in seen.items():
        for cycle in cycles:
            if cycle + 1 in cycles or cycle - needed + 1 not in cycles:
                continue  # not the end of a run, or too short to be one (checked fully below)
            first = cycle
            while first - 1 in cycles:
                first -= 1
            if cycle - first + 1 < needed:
                continue
            run = [cycles[c] for c in range(first, cycle + 1)]
            runs.setdefault(tuple(id(a) for a in run), (run, set()))[1].add(area)
    for run, repeated in sorted(runs.values(), key=lambda item: (item[0][-1].date, item[0][-1].id)):
        last = run[-1]
        held = ", ".join(f"{a.id} ({a.date.isoformat()})" for a in run)
        yield ctx.at(last, "auditor", message=f"{last.id}: auditor {(last.auditor or '').strip()} has audited "
                     f"{_name_areas(last, repeated, resolve, families)} in {len(run)} consecutive audit cycles "
                     f"of {window} days (audit_cycle_days; rotation_cycles: {needed}): {held}")
