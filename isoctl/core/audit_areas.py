"""The areas an internal audit programme has to reach, who owns each, and how much attention each deserves.

An area is what one line of an audit's ``scope`` names: a process (its
record id), a clause of a standard's body (sections 4 to 10, at its second
level: ``iso9001:8.5``, or a section without sub-clauses), or a group of
Annex A controls of one theme (at most :data:`CONTROLS_PER_GROUP`, in
catalog order, applicable ones only). Every leaf clause in scope that is not
excluded lies in exactly one clause area, so a programme that audits every
area audits every clause (``audit-programme-gap``).

The priority of an area adds up the reasons to audit it more often than
once a cycle (see docs/audit-programme.md): the risk linked to it, the
nonconformities found there in the last cycle, how much its records changed
in the last year, and clauses in it that are ``partial`` or ``missing``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from isoctl.analysis.resolve import ClauseKey, ClauseResolver, descendants
from isoctl.catalog.refs import parse_ref
from isoctl.catalog.schema import Clause, Edition
from isoctl.history.revisions import CommitInfo
from isoctl.model.records import Action, Audit, Control, Process, Risk
from isoctl.model.result import ClauseCoverage
from isoctl.workspace.load import Workspace

#: Annex A controls per area: a theme of 37 controls is more than one audit can sample well.
CONTROLS_PER_GROUP = 8
#: Risk ratings (likelihood x impact, 1-25) from which an area counts as medium and high risk.
MEDIUM_RISK, HIGH_RISK = 9, 15
#: Action types that are nonconformities of the system (10.2) when they count for an area.
NONCONFORMING = ("nonconformity", "incident", "complaint")


@dataclass
class Area:
    """One thing the programme audits, with why it is audited as often as it is."""

    key: str  # the process id, the clause reference, or the first control of an Annex A group
    kind: str  # "process" | "clause" | "controls"
    title: str
    entries: tuple[str, ...]  # what the audit's scope says for it
    clauses: frozenset[ClauseKey]  # every clause it covers, sub-clauses included
    owners: frozenset[str] = frozenset()  # people who own something in it: they may not audit it
    order: int = 0  # processes first, then clauses in catalog order
    reasons: list[str] = field(default_factory=list)  # why it is audited more often, in words
    score: int = 0
    last_audited: dt.date | None = None

    @property
    def scope_keys(self) -> frozenset[tuple[str, object]]:
        """What the rules compare audits by: the record for a process, each clause for clauses."""
        if self.kind == "process":
            return frozenset({("record", self.key)})
        return frozenset(("clause", key) for key in self.clauses)


class Resolver(ClauseResolver):
    """Clause references of a workspace resolved once each, with or without sub-clauses."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace.catalogs, workspace.editions)
        self.workspace = workspace

    def scope(self, audit: Audit, processes: dict[str, Process]) -> tuple[frozenset[ClauseKey], frozenset[str]]:
        """The clauses (sub-clauses included) and the process ids an audit's scope names."""
        keys: set[ClauseKey] = set()
        named: set[str] = set()
        for entry in audit.scope:
            if parse_ref(entry) is not None:
                keys |= self(entry, below=True)
            elif entry in processes:
                named.add(entry)
        return frozenset(keys), frozenset(named)


def _leaves(edition: Edition, clause: Clause) -> list[Clause]:
    below = [c for c in descendants(edition, clause) if edition.is_leaf(c)]
    return below or [clause]


def build(workspace: Workspace, coverage: Sequence[ClauseCoverage]) -> list[Area]:
    """Every area of the workspace: processes, then each edition's body clauses and Annex A groups."""
    status = {(c.standard, c.clause): c.status for c in coverage}
    areas: list[Area] = []
    for record in workspace.records:
        model = record.model
        if isinstance(model, Process):
            areas.append(Area(model.id, "process", model.title, (model.id,), frozenset(), order=len(areas)))
    for edition in workspace.editions:
        for top in edition.children.get(None, []):
            if top.is_annex:
                continue
            for clause in edition.children.get(top.id, []) or [top]:
                wanted = [c for c in _leaves(edition, clause) if status.get((edition.id, c.id)) != "excluded"]
                if not wanted:
                    continue
                keys = frozenset({(edition.id, clause.id)} | {(edition.id, c.id) for c in descendants(edition, clause)})
                areas.append(Area(f"{edition.family}:{clause.id}", "clause", f"{edition.id} {clause.id} {clause.label}",
                                  (f"{edition.family}:{clause.id}",), keys, order=len(areas)))
        by_theme: dict[str, list[Clause]] = defaultdict(list)
        for control in edition.controls:
            if status.get((edition.id, control.id)) != "excluded":
                by_theme[control.id.rsplit(".", 1)[0]].append(control)
        for theme, controls in by_theme.items():
            for start in range(0, len(controls), CONTROLS_PER_GROUP):
                group = controls[start:start + CONTROLS_PER_GROUP]
                name = controls[0].theme or "Annex A"
                title = f"{edition.id} {group[0].id}–{group[-1].id} ({name} controls of {theme})"
                areas.append(Area(f"{edition.family}:{group[0].id}", "controls", title,
                                  tuple(f"{edition.family}:{c.id}" for c in group),
                                  frozenset((edition.id, c.id) for c in group), order=len(areas)))
    return areas


def process_clauses(areas: Iterable[Area], processes: dict[str, Process], resolve: Resolver) -> None:
    """Give each process area the clauses its record addresses (for findings, risk and coverage on it)."""
    for area in areas:
        if area.kind == "process":
            keys: set[ClauseKey] = set()
            for text in processes[area.key].clauses:
                keys |= resolve(text, below=True)
            area.clauses = frozenset(keys)


def assign_owners(areas: Sequence[Area], workspace: Workspace, resolve: Resolver) -> None:
    """Who owns something in each area, as ``auditor-not-independent`` judges it.

    A process area is owned by the process's owner; a clause area by the owner
    of every record (audits aside) addressing a clause in it.
    """
    people = {p.id for p in workspace.manifest.people}
    by_clause: dict[ClauseKey, set[str]] = defaultdict(set)
    by_record: dict[str, str] = {}
    for record in workspace.records:
        model = record.model
        if model.owner is None or model.owner not in people or isinstance(model, Audit):
            continue
        by_record[model.id] = model.owner
        for text in model.clauses:
            for key in resolve(text, below=False):
                by_clause[key].add(model.owner)
    for area in areas:
        if area.kind == "process":
            owner = by_record.get(area.key)
            area.owners = frozenset({owner} if owner else ())
        else:
            area.owners = frozenset(person for key in area.clauses for person in by_clause.get(key, ()))


def _risk_links(workspace: Workspace, resolve: Resolver) -> list[tuple[int, frozenset[ClauseKey], frozenset[str]]]:
    """Each rated risk: its rating, the clauses it bears on (not the risk-planning clauses every risk names),
    and the processes that list it."""
    controls = {m.id: m for m in (r.model for r in workspace.records) if isinstance(m, Control)}
    processes = [m for m in (r.model for r in workspace.records) if isinstance(m, Process)]
    links = []
    for record in workspace.records:
        risk = record.model
        if not isinstance(risk, Risk) or risk.type != "risk" or risk.likelihood is None or risk.impact is None:
            continue
        keys: set[ClauseKey] = set()
        for text in risk.clauses:
            ref = parse_ref(text)
            if ref is not None and not ref.clause.startswith("6.1"):
                keys |= resolve(text, below=False)
        for control_id in risk.controls:
            control = controls.get(control_id)
            if control is not None:
                keys |= resolve(control.control, below=False)
        for control in controls.values():
            if risk.id in control.risks:
                keys |= resolve(control.control, below=False)
        owners = frozenset(p.id for p in processes if risk.id in p.risks)
        links.append((risk.likelihood * risk.impact, frozenset(keys), owners))
    return links


def prioritise(areas: Sequence[Area], workspace: Workspace, coverage: Sequence[ClauseCoverage], today: dt.date,
               resolve: Resolver, commits: Sequence[CommitInfo] | None) -> None:
    """Score each area (0 and up) and say why: risk, nonconformities, change, partial coverage."""
    settings = workspace.manifest.settings
    since = today - dt.timedelta(days=settings.audit_cycle_days)
    risks = _risk_links(workspace, resolve)
    weak = {(c.standard, c.clause): c.status for c in coverage if c.leaf and c.status in ("partial", "missing")}
    processes = {m.id: m for m in (r.model for r in workspace.records) if isinstance(m, Process)}
    found: list[tuple[str, ClauseKey | None, str | None]] = []  # (severity, clause, process id)
    # an action raised for an audit finding is that finding, not a second nonconformity
    linked = {f.action for r in workspace.records if isinstance(r.model, Audit) for f in r.model.findings if f.action}
    for record in workspace.records:
        model = record.model
        if isinstance(model, Audit) and model.status == "done" and since <= model.date <= today:
            _, named = resolve.scope(model, processes)
            for finding in model.findings:
                if finding.type in ("major", "minor"):
                    keys = resolve(finding.clause, below=False) if finding.clause else frozenset()
                    for key in keys or {None}:
                        found.append((finding.type, key, None))
                    found.extend((finding.type, None, name) for name in named if not keys)
        elif (isinstance(model, Action) and model.type in NONCONFORMING and model.id not in linked
              and since <= model.raised_on <= today):
            severity = "major" if model.severity == "major" else "minor"
            for text in model.clauses:
                found.extend((severity, key, None) for key in resolve(text, below=False))
            found.extend((severity, None, rid) for rid in model.related if rid in processes)
    changed = _changes(workspace, resolve, today, commits)
    counts = {area.key: _area_changes(area, changed) for area in areas}
    ranked = sorted(v for v in counts.values() if v > 0)
    busy = ranked[(3 * len(ranked)) // 4] if ranked else None  # the top quarter of areas that changed at all
    for area in areas:
        rating = max((r for r, keys, procs in risks if area.key in procs or keys & area.clauses), default=0)
        if rating >= HIGH_RISK:
            area.score += 2
            area.reasons.append(f"high risk (rated {rating})")
        elif rating >= MEDIUM_RISK:
            area.score += 1
            area.reasons.append(f"medium risk (rated {rating})")
        hits = Counter(sev for sev, key, proc in found if proc == area.key or (key is not None and key in area.clauses))
        if hits:
            area.score += min(2, 2 * hits["major"] + hits["minor"])
            said = [f"{n} {sev}" for sev, n in sorted(hits.items())]
            area.reasons.append(f"nonconformities in the last cycle ({', '.join(said)})")
        if busy is not None and counts[area.key] >= busy:
            area.score += 1
            area.reasons.append(f"records changed often ({counts[area.key]} changes in the last year)")
        gaps = sorted((k[1] for k in area.clauses if k in weak), key=_numbered)
        if gaps:
            area.score += 1
            area.reasons.append(f"clauses not yet effective ({', '.join(gaps[:3])}{' ...' if len(gaps) > 3 else ''})")


def _numbered(clause: str) -> tuple[int, ...]:
    """A clause id in document order (``4.4.1`` before ``10.2``; Annex A controls after the body)."""
    return tuple(int(part) if part.isdigit() else 99 for part in clause.split("."))


def _changes(workspace: Workspace, resolve: Resolver, today: dt.date,
             commits: Sequence[CommitInfo] | None) -> dict[str, tuple[frozenset[ClauseKey], int]]:
    """Per record id: the clauses it addresses and how many commits of the last year changed its file."""
    if not commits:
        return {}
    year_ago = today - dt.timedelta(days=365)
    per_file: Counter[str] = Counter()
    for commit in commits:
        if commit.clamped or not year_ago < commit.committed.date() <= today:
            continue
        for path in {change.path for change in commit.changes if change.status in ("M", "T")}:  # edits, not additions
            per_file[path] += 1
    out: dict[str, tuple[frozenset[ClauseKey], int]] = {}
    for record in workspace.records:
        count = per_file.get(record.file.relative, 0)
        if count:
            keys: set[ClauseKey] = set()
            for text in record.model.clauses:
                keys |= resolve(text, below=False)
            out[record.id] = (frozenset(keys), count)
    return out


def _area_changes(area: Area, changed: dict[str, tuple[frozenset[ClauseKey], int]]) -> int:
    if area.kind == "process":
        return changed.get(area.key, (frozenset(), 0))[1]
    return sum(count for keys, count in changed.values() if keys & area.clauses)


def last_audits(areas: Sequence[Area], audits: Sequence[Audit], resolve: Resolver, processes: dict[str, Process],
                today: dt.date) -> None:
    """When each area was last fully covered by an internal audit held (done, on or before today)."""
    for audit in sorted(audits, key=lambda a: a.date):
        if audit.type != "internal" or audit.status != "done" or audit.date > today:
            continue
        keys, named = resolve.scope(audit, processes)
        for area in areas:
            if covers(area, keys, named):
                area.last_audited = audit.date


def covers(area: Area, keys: frozenset[ClauseKey], named: frozenset[str]) -> bool:
    """Whether an audit scope (its clauses and named processes) covers the whole area."""
    if area.kind == "process":
        return area.key in named
    return bool(area.clauses) and area.clauses <= keys

