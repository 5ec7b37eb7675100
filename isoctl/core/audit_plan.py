"""An internal audit programme over a certification cycle, planned from what the workspace holds.

A pure function of (workspace, coverage, history, today, options): no clock,
no randomness, every tie broken by order and id, so the same workspace gives
the same plan. The steps (explained for users in docs/audit-programme.md):

1. **Areas** (:mod:`isoctl.core.audit_areas`): every process, every body
   clause at its second level, Annex A controls in groups; each with its
   owners and a priority score.
2. **Frequency**: once per ``audit_cycle_days``; twice with a score of 2 or
   3; three times (yearly in a three-year cycle) from 4.
3. **Quarters**: each area's visits are evenly spaced; the first falls in
   the quarter, among those allowed (before its previous audit falls due,
   and within the first year for an area never audited or overdue), that
   has the least planned so far. Internal audits already planned in the
   period count as visits of the areas they cover and fix their quarters.
4. **Auditors**: each visit goes to the least loaded auditor who owns
   nothing in the area (``auditor-not-independent``), did not audit it last
   time, and did not audit any of it in the previous audit cycle as
   ``auditor-rotation`` counts cycles; when nobody qualifies, an external
   auditor to be appointed.
5. **Audits**: per quarter, one audit per auditor holding all their visits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from isoctl.analysis.resolve import ClauseKey
from isoctl.core.audit_areas import (
    Area,
    Resolver,
    assign_owners,
    build,
    covers,
    last_audits,
    prioritise,
    process_clauses,
)
from isoctl.errors import UsageError
from isoctl.history.revisions import CommitInfo
from isoctl.model.records import Audit, Process
from isoctl.model.result import ClauseCoverage
from isoctl.workspace.load import Workspace

#: How many visits more an auditor already auditing in a quarter may carry before another auditor is preferred.
GROUPING = 3
#: The auditor written when no auditor of the pool is independent of an area and free to rotate onto it.
EXTERNAL = "external auditor to be appointed"


@dataclass
class Visit:
    """One area audited in one quarter by one auditor."""

    area: Area
    quarter: int
    auditor: str = ""
    fixed: str | None = None  # the id of an audit already planned that holds this visit
    date: dt.date | None = None  # that audit's date


@dataclass
class PlannedAudit:
    """One audit of the programme: an auditor, a date, the areas in its scope."""

    id: str
    date: dt.date
    quarter: int
    auditor: str
    areas: list[Area]
    existing: bool = False  # an audit already in the workspace, shown for completeness, never written

    @property
    def scope(self) -> list[str]:
        return [entry for area in self.areas for entry in area.entries]

    @property
    def title(self) -> str:
        names = [a.key for a in self.areas]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return f"Internal audit: {shown}"


@dataclass
class Programme:
    """The plan: its period, areas with their frequency, audits, and the loads that show its balance."""

    start: dt.date
    end: dt.date  # the day after the last day of the period
    cycle_days: int
    auditors: list[str]
    areas: list[Area]
    frequency: dict[str, int]
    audits: list[PlannedAudit]
    owner: str | None
    folder: str | None = None  # where the internal audits are kept (new ones are written there)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> list[PlannedAudit]:
        """The audits this plan adds (not those already in the workspace)."""
        return [a for a in self.audits if not a.existing]

    def quarter_start(self, quarter: int) -> dt.date:
        return add_months(self.start, 3 * quarter)

    def load_per_auditor(self) -> dict[str, int]:
        counts: Counter[str] = Counter(dict.fromkeys(self.auditors, 0))
        for audit in self.audits:
            counts[audit.auditor] += len(audit.areas)
        return dict(sorted(counts.items()))

    def load_per_quarter(self) -> list[int]:
        loads = [0] * quarters(self.start, self.end)
        for audit in self.audits:
            loads[audit.quarter] += len(audit.areas)
        return loads


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover - every month has 28 days


def quarters(start: dt.date, end: dt.date) -> int:
    count = 0
    while add_months(start, 3 * count) < end:
        count += 1
    return count


def frequency(score: int) -> int:
    """Audits per cycle for a priority score."""
    return 1 if score < 2 else 2 if score < 4 else 3


def plan(workspace: Workspace, coverage: Sequence[ClauseCoverage], today: dt.date, *, start: dt.date, years: int,
         auditors: Sequence[str], commits: Sequence[CommitInfo] | None = None,
         taken: Iterable[str] = ()) -> Programme:
    """The internal audit programme from ``start`` for ``years`` years, by ``auditors`` (person ids or names).

    ``commits`` is the history (for how often records changed); ``taken`` are ids new audits must not take
    beyond those of the loaded records (ids in files that did not load, say).
    """
    if not 1 <= years <= 10:
        raise UsageError(f"--years {years}: plan for 1 to 10 years")
    if not auditors:
        raise UsageError("no auditors to plan with", hint="name them with --auditor PERSON (repeatable), or add people "
                                                           "who are not top management to isoctl.yaml")
    settings = workspace.manifest.settings
    resolve = Resolver(workspace)
    processes = {m.id: m for m in (r.model for r in workspace.records) if isinstance(m, Process)}
    audits = [m for m in (r.model for r in workspace.records) if isinstance(m, Audit)]
    areas = build(workspace, coverage)
    process_clauses(areas, processes, resolve)
    assign_owners(areas, workspace, resolve)
    prioritise(areas, workspace, coverage, today, resolve, commits)
    last_audits(areas, audits, resolve, processes, today)
    end = add_months(start, 12 * years)
    total = quarters(start, end)
    cycle_quarters = max(1, round(settings.audit_cycle_days * 4 / 365.25))
    freq = {a.key: frequency(a.score) for a in areas}
    fixed = _fixed_visits(areas, audits, resolve, processes, start, end)
    visits = _schedule(areas, freq, fixed, total, cycle_quarters, start)
    history = _history(audits, resolve, processes, today)
    programme = Programme(start, end, settings.audit_cycle_days, sorted(dict.fromkeys(auditors)), areas, freq, [],
                          _owner(audits), _folder(workspace))
    _assign(programme, visits, history, settings.audit_cycle_days)
    programme.audits = _group(programme, visits, audits, workspace, set(taken))
    external = sum(len(a.areas) for a in programme.new if a.auditor.startswith(EXTERNAL))
    if external:
        programme.notes.append(f"{external} area visits have no independent auditor free to audit them "
                               f"('{EXTERNAL}'): add auditors with --auditor")
    return programme


def _fixed_visits(areas: Sequence[Area], audits: Sequence[Audit], resolve: Resolver, processes: dict[str, Process],
                  start: dt.date, end: dt.date) -> dict[str, list[tuple[int, Audit]]]:
    """Internal audits already planned in the period, as visits of the areas they cover: by area, (quarter, audit)."""
    found: dict[str, list[tuple[int, Audit]]] = defaultdict(list)
    for audit in sorted(audits, key=lambda a: (a.date, a.id)):
        if audit.type != "internal" or audit.status != "planned" or not start <= audit.date < end:
            continue
        quarter = 0
        while add_months(start, 3 * (quarter + 1)) <= audit.date:
            quarter += 1
        keys, named = resolve.scope(audit, processes)
        for area in areas:
            if covers(area, keys, named):
                found[area.key].append((quarter, audit))
    return found


def _schedule(areas: Sequence[Area], freq: dict[str, int], fixed: dict[str, list[tuple[int, Audit]]], total: int,
              cycle_quarters: int, start: dt.date) -> list[Visit]:
    """Every visit of the period in its quarter, spread so each quarter carries about the same number."""
    load = [0] * total
    visits: list[Visit] = []
    for _key, held in fixed.items():
        for quarter, _ in held:
            load[quarter] += 1

    def window(area: Area, interval: int) -> int:
        """How many quarters from the start the first visit may fall in.

        Never audited: anywhere in its interval, or the first year when its
        score is 2 or more. Audited: in a quarter that ends before it falls
        due again (its last audit plus its interval); already overdue, or due
        within the first quarter: the first year, so the load stays spread.
        """
        base = min(interval, total)
        if area.last_audited is None:
            return max(1, min(base, 4) if area.score >= 2 else base)
        due = area.last_audited + dt.timedelta(days=round(interval * 365.25 / 4))
        ended = 0  # quarters that end on or before the day it falls due
        while ended < base and add_months(start, 3 * (ended + 1)) <= due:
            ended += 1
        return max(1, ended if ended else min(base, 4))

    pending = []
    for area in areas:
        interval = max(1, cycle_quarters // freq[area.key])
        pending.append((window(area, interval), -area.score, area.order, area, interval))
    for allowed, _, _, area, interval in sorted(pending, key=lambda p: p[:3]):
        held = fixed.get(area.key, [])
        if held:
            offset = held[0][0] % interval
        else:
            offset = min(range(allowed), key=lambda q: (sum(load[q::interval]), q))
        visits += [Visit(area, quarter, (audit.auditor or "").strip(), audit.id, audit.date) for quarter, audit in held]
        taken = {quarter for quarter, _ in held}
        for quarter in range(offset, total, interval):
            if quarter not in taken:
                visits.append(Visit(area, quarter))
                load[quarter] += 1
    return sorted(visits, key=lambda v: (v.quarter, v.area.order))


@dataclass
class _Seen:
    """Who audited what, and when: from the audits held and those already planned, then from the plan itself."""

    #: (date, auditor, what the audit covered, whether it was held)
    dated: list[tuple[dt.date, str, frozenset[tuple[str, object]], bool]] = field(default_factory=list)


def _history(audits: Sequence[Audit], resolve: Resolver, processes: dict[str, Process], today: dt.date) -> _Seen:
    seen = _Seen()
    for audit in audits:
        auditor = _who(audit.auditor or "")
        if audit.type != "internal" or not auditor or (audit.status == "done" and audit.date > today):
            continue
        keys, named = resolve.scope(audit, processes)
        areas = frozenset([("clause", k) for k in keys] + [("record", n) for n in named])
        seen.dated.append((audit.date, auditor, areas, audit.status == "done"))
    return seen


def _who(auditor: str) -> str:
    """One auditor however the name is spaced or capitalised, as auditor-rotation compares them."""
    return " ".join(auditor.split()).casefold()


def _visit_date(programme: Programme, quarter: int, slot: int) -> dt.date:
    """The ``slot``-th audit of a quarter: a fortnight in, a week apart, kept inside the quarter."""
    first, nxt = programme.quarter_start(quarter), programme.quarter_start(quarter + 1)
    span = max(1, (nxt - first).days - 14)
    return first + dt.timedelta(days=14 + (7 * slot) % span)


def _assign(programme: Programme, visits: list[Visit], seen: _Seen, cycle_days: int) -> None:
    """Give every visit not already planned an auditor: independent, rotated, least loaded.

    Audit cycles are counted as ``auditor-rotation`` counts them: windows of
    ``cycle_days`` from the first internal audit held (or, with none held yet,
    from the first audit of this programme). A quarter may straddle two
    cycles, so a visit is kept clear of the cycles on either side of both.
    """
    held = [d for d, _, _, done in seen.dated if done]
    first = [programme.quarter_start(visits[0].quarter) + dt.timedelta(days=14)] if visits else [programme.start]
    origin = min(held) if held else min([d for d, _, _, _ in seen.dated] + first)
    load: Counter[str] = Counter(dict.fromkeys(programme.auditors, 0))
    last: dict[str, str] = {}
    for _date, who, keys, _ in sorted(seen.dated, key=lambda item: (item[0], item[1])):
        for area in programme.areas:
            if area.scope_keys & keys:
                last[area.key] = who
    by_cycle: dict[tuple[str, int], set[tuple[str, object]]] = defaultdict(set)
    for date, who, keys, _ in seen.dated:
        by_cycle[(who, (date - origin).days // cycle_days)] |= keys

    owned: dict[str, list[str]] = defaultdict(list)
    repeated: dict[str, list[str]] = defaultdict(list)

    def clashes(person: str, cycles: set[int], area: Area) -> bool:
        return any(by_cycle.get((_who(person), c + step), set()) & area.scope_keys for c in cycles for step in (-1, 1))

    for visit in visits:
        area = visit.area
        begin, after = programme.quarter_start(visit.quarter), programme.quarter_start(visit.quarter + 1)
        if visit.date is not None:
            cycles = {(visit.date - origin).days // cycle_days}
        else:
            cycles = {(begin - origin).days // cycle_days, (after - dt.timedelta(days=1) - origin).days // cycle_days}
        if visit.fixed is None:
            free = [p for p in programme.auditors if p not in area.owners and not clashes(p, cycles, area)]
            fresh = [p for p in free if _who(p) != last.get(area.key)] or free
            if fresh:
                # the least loaded, counting an auditor already busy that quarter as GROUPING visits lighter,
                # so areas of one quarter gather into a few audits rather than one audit each
                busy = {v.auditor for v in visits if v.quarter == visit.quarter and v.fixed is None and v.auditor}
                visit.auditor = min(fresh, key=lambda p: (load[p] - (GROUPING if p in busy else 0), p))
                load[visit.auditor] += 1
            else:
                visit.auditor = f"{EXTERNAL} (cycle {max(cycles) + 1})"
        else:  # an audit planned already: kept as it is, but say what the audit rules will make of it
            if visit.auditor in area.owners:
                owned[visit.fixed].append(area.key)
            if visit.auditor and clashes(visit.auditor, cycles, area):
                repeated[visit.fixed].append(area.key)
        who = _who(visit.auditor)
        last[area.key] = who
        for cycle in cycles:
            by_cycle[(who, cycle)] |= area.scope_keys
    for audit_id, names in sorted(owned.items()):
        programme.notes.append(f"{audit_id} (planned already): its auditor owns part of what it covers "
                               f"({_listed(names)}); auditor-not-independent reports it")
    for audit_id, names in sorted(repeated.items()):
        programme.notes.append(f"{audit_id} (planned already): its auditor audits {_listed(names)} in the audit cycle "
                               "next to one where they audited it too; auditor-rotation will report it once both are held")


def _listed(keys: Sequence[str]) -> str:
    return ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")


def _owner(audits: Sequence[Audit]) -> str | None:
    """Who owns the programme: the usual owner of the internal audits, if they have one."""
    owners = Counter(a.owner for a in audits if a.type == "internal" and a.owner)
    return min(owners, key=lambda o: (-owners[o], o)) if owners else None


def _folder(workspace: Workspace) -> str | None:
    """The folder holding most internal audits (the first in order on a tie), None when there are none."""
    import posixpath

    counts = Counter(posixpath.dirname(r.file.relative) for r in workspace.records
                     if isinstance(r.model, Audit) and r.model.type == "internal")
    return min(counts, key=lambda f: (-counts[f], f)) if counts else None


def _group(programme: Programme, visits: list[Visit], audits: Sequence[Audit], workspace: Workspace,
           taken: set[str]) -> list[PlannedAudit]:
    """Per quarter, one audit per auditor; audits already planned keep their id and date."""
    taken = taken | {r.id for r in workspace.records}
    held = {a.id: a for a in audits}
    grouped: dict[tuple[int, str], list[Area]] = defaultdict(list)
    existing: dict[str, list[Area]] = defaultdict(list)
    for visit in visits:
        if visit.fixed is not None:
            existing[visit.fixed].append(visit.area)
        else:
            grouped[(visit.quarter, visit.auditor)].append(visit.area)
    out: list[PlannedAudit] = []
    for audit_id, areas in existing.items():
        audit = held[audit_id]
        quarter = next(v.quarter for v in visits if v.fixed == audit_id)
        out.append(PlannedAudit(audit_id, audit.date, quarter, (audit.auditor or "").strip(), areas, existing=True))
    slots: Counter[int] = Counter()
    numbers: Counter[int] = Counter()
    for (quarter, auditor), areas in sorted(grouped.items(), key=lambda item: (item[0][0], min(a.order for a in item[1]))):
        date = _visit_date(programme, quarter, slots[quarter])
        slots[quarter] += 1
        while True:
            numbers[date.year] += 1
            audit_id = f"AUD-{date.year}-{numbers[date.year]:02d}"
            if audit_id not in taken:
                break
        taken.add(audit_id)
        out.append(PlannedAudit(audit_id, date, quarter, auditor, sorted(areas, key=lambda a: a.order)))
    return sorted(out, key=lambda a: (a.date, a.id))


def covered_keys(programme: Programme) -> set[ClauseKey]:
    """Every clause the programme's audits cover (for tests and the summary)."""
    keys: set[ClauseKey] = set()
    for audit in programme.audits:
        for area in audit.areas:
            if area.kind != "process":
                keys |= area.clauses
    return keys
