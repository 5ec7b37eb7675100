"""The needs analysis behind ``isoctl advise``: answers about an organisation in, recommended standards out.

Organisations often certify to the standard they have heard of rather than
the one their risks call for. The decision is data: the questions and the
rules that map answers to standards live in ``standards/advice/advice.yaml``
(see docs/advise.md), loaded and checked by :func:`load_table`; answers are
read and checked by :mod:`.advise_answers` (every problem located at
file:line:col). :func:`advise` turns valid answers into an
:class:`Advice`: each standard with its priority and the reasons (rules)
that drove it, the standards asked for that the answers do not support,
the certificates held whose edition is superseded, how the recommended
standards integrate on the harmonized structure, and a suggested scope
statement. Pure: the evaluation date is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from isoctl.core.advise_answers import AnswersError, coerce, read_answers, validate_answers
from isoctl.core.advise_table import Question, Table, Test, load_table
from isoctl.errors import UsageError

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.catalog.schema import Edition

__all__ = ["Advice", "AnswersError", "advise", "coerce", "load_table", "read_answers", "validate_answers"]

#: Priorities that make a standard part of the system to build (``init --answers`` scaffolds these).
CHOSEN = ("essential", "recommended")


@dataclass(frozen=True)
class Reason:
    """One rule that held: its priority, its reason in words, and the answers that made it hold."""

    rule: str
    priority: str | None  # None for the reasons of a mismatch
    text: str
    answers: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "reason": self.text, "answers": self.answers}
        if self.priority is not None:
            out = {"rule": self.rule, "priority": self.priority, "reason": self.text, "answers": self.answers}
        return out


@dataclass(frozen=True)
class Recommendation:
    """A standard the answers call for, at its current edition."""

    family: str
    edition: str  # edition id, e.g. iso27001-2022
    display: str  # what the manifest and --standard take, e.g. iso27001:2022
    designation: str  # how people name it, e.g. ISO/IEC 27001:2022
    topic: str
    priority: str
    wanted: bool
    reasons: list[Reason]

    def as_dict(self) -> dict[str, Any]:
        return {"standard": self.family, "edition": self.edition, "display": self.display, "title": self.designation,
                "topic": self.topic, "priority": self.priority, "wanted": self.wanted,
                "reasons": [r.as_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Mismatch:
    """A standard asked for that the answers do not support, why not, and what they point to instead."""

    family: str
    designation: str
    priority: str | None  # optional, or None when no rule recommends it at all
    reasons: list[Reason]
    instead: list[str]  # designations of the essential standards not asked for

    def as_dict(self) -> dict[str, Any]:
        return {"standard": self.family, "title": self.designation, "priority": self.priority,
                "reasons": [r.as_dict() for r in self.reasons], "instead": self.instead}


@dataclass(frozen=True)
class Certificate:
    """A certificate held: its edition and, when superseded, the transition it needs."""

    edition: str
    designation: str
    status: str  # current | transition | ended
    successor: str | None = None  # designation of the edition to move to
    transition_ends: dt.date | None = None
    confirmed: bool = False
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"edition": self.edition, "title": self.designation, "status": self.status, "successor": self.successor,
                "transition_ends": self.transition_ends.isoformat() if self.transition_ends else None,
                "transition_confirmed": self.confirmed, "message": self.message}


@dataclass(frozen=True)
class Integration:
    """How the chosen standards share the harmonized structure: the clauses one set of records serves."""

    standards: list[str]  # designations
    headings: list[tuple[str, str]]  # (hs clause, title) of clauses 4-10
    shared: list[tuple[str, str]]  # the lowest shared hs clauses, in order
    statement: str

    def as_dict(self) -> dict[str, Any]:
        return {"standards": self.standards, "statement": self.statement,
                "headings": [{"clause": c, "title": t} for c, t in self.headings],
                "shared_clauses": [{"clause": c, "title": t} for c, t in self.shared]}


@dataclass(frozen=True)
class Advice:
    """Everything ``isoctl advise`` says, as every output format shows it."""

    today: dt.date
    organization: str
    answers: list[tuple[Question, Any]]
    recommendations: list[Recommendation]
    mismatches: list[Mismatch]
    certificates: list[Certificate]
    integration: Integration | None
    scope: str
    not_indicated: list[str] = field(default_factory=list)  # designations of standards no rule calls for

    @property
    def chosen(self) -> list[Recommendation]:
        """The essential and recommended standards: the system to build."""
        return [r for r in self.recommendations if r.priority in CHOSEN]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (format 1), documented in docs/advise.md."""
        from isoctl import __version__

        return {
            "isoctl": __version__, "format": 1, "today": self.today.isoformat(), "organization": self.organization,
            "answers": {q.id: value for q, value in self.answers},
            "recommendations": [r.as_dict() for r in self.recommendations],
            "standards": [r.display for r in self.chosen],
            "mismatches": [m.as_dict() for m in self.mismatches],
            "certificates": [c.as_dict() for c in self.certificates],
            "integration": self.integration.as_dict() if self.integration else None,
            "scope": self.scope,
            "not_indicated": self.not_indicated,
        }


def advise(answers: Mapping[str, Any], table: Table, catalogs: Catalogs, today: dt.date) -> Advice:
    """The advice for valid ``answers`` (from :func:`validate_answers`) on ``today``."""
    from isoctl.catalog.catalogs import designation

    rank: dict[str, int] = {p: n for n, p in enumerate(table.priorities)}
    wanted = [w for w in answers.get("wanted", []) if w in table.standards]
    recommendations: list[Recommendation] = []
    for family, topic in table.standards.items():
        reasons = [Reason(rule.id, rule.priority, rule.reason, _drivers(rule.when, answers, table))
                   for rule in table.rules if rule.standard == family and _holds(rule.when, answers, table)]
        if not reasons:
            continue
        reasons.sort(key=lambda r: rank[r.priority or ""])
        if reasons[0].priority in CHOSEN:  # "nothing makes it pressing" would contradict a stronger reason
            reasons = [r for r in reasons if r.priority in CHOSEN]
        edition = _current(catalogs, family)
        recommendations.append(Recommendation(family, edition.id, edition.display, designation(edition), topic,
                                              reasons[0].priority or "", family in wanted, reasons))
    recommendations.sort(key=lambda r: rank[r.priority])
    priority = {r.family: r.priority for r in recommendations}
    chosen = [r for r in recommendations if r.priority in CHOSEN]
    mismatches = []
    for family in wanted:
        if priority.get(family) in CHOSEN:
            continue
        reasons = [Reason(m.id, None, m.reason, _drivers(m.when, answers, table)) for m in table.mismatches
                   if m.standard in (family, "any") and _holds(m.when, answers, table)]
        if not reasons:
            reasons = [Reason("no-reason", None, "None of the answers gives it a reason of its own.", {})]
        instead = [r.designation for r in chosen if r.priority == "essential" and r.family not in wanted]
        mismatches.append(Mismatch(family, designation(_current(catalogs, family)), priority.get(family),
                                   reasons, instead))
    certificates = [_certificate(catalogs, catalogs.editions[e], today) for e in answers.get("certificates", [])]
    not_indicated = [designation(_current(catalogs, f)) for f in table.standards if f not in priority]
    return Advice(
        today=today,
        organization=str(answers.get("organization", "")),
        answers=[(q, answers.get(q.id)) for q in table.questions],
        recommendations=recommendations,
        mismatches=mismatches,
        certificates=certificates,
        integration=integration([catalogs.editions[r.edition] for r in chosen], catalogs),
        scope=_scope(table.scope, answers, [r.designation for r in chosen]),
        not_indicated=not_indicated,
    )


def _current(catalogs: Catalogs, family: str) -> Edition:
    edition = catalogs.latest(family)
    if edition is None:  # the table is checked against the catalogs when loaded
        raise UsageError(f"no catalog of {family} is installed")
    return edition


def _holds(when: Mapping[str, Test], answers: Mapping[str, Any], table: Table) -> bool:
    return all(test.holds(answers.get(name), table.question(name)) for name, test in when.items())


def _drivers(when: Mapping[str, Test], answers: Mapping[str, Any], table: Table) -> dict[str, Any]:
    """The answers behind a rule: for a list, the values its test looked for, else the whole answer."""
    return {name: test.driver(answers.get(name), table.question(name)) for name, test in when.items()}


def _certificate(catalogs: Catalogs, edition: Edition, today: dt.date) -> Certificate:
    from isoctl.catalog.catalogs import designation

    name = designation(edition)
    state = catalogs.transition_state(edition, today)
    if state is None:
        return Certificate(edition.id, name, "current", message=f"{name} is the current edition: no transition needed.")
    successor = designation(state.successor) if state.successor is not None else "a newer edition"
    if state.ends is None:
        until = "no end of the transition is announced yet"
    elif state.phase == "ended":
        until = (f"the transition ended on {state.ends.isoformat()}: the certificate can no longer be maintained "
                 f"and certification to {successor} starts afresh")
    else:
        until = (f"transition needed before {state.ends.isoformat()}"
                 + ("" if state.confirmed else " (expected, not yet confirmed)")
                 + f"; 'isoctl migrate --to {state.moving_to}' moves a workspace to it")
    status = "ended" if state.phase == "ended" else "transition"
    return Certificate(edition.id, name, status, successor, state.ends, state.confirmed,
                       f"{name} is superseded by {successor}; {until}.")


def integration(editions: Sequence[Edition], catalogs: Catalogs) -> Integration | None:
    """How ``editions`` (two or more) integrate on the harmonized structure; None for fewer than two."""
    from isoctl.catalog.catalogs import designation

    if len(editions) < 2:
        return None
    hs = catalogs.editions["hs"]
    shared = set.intersection(*({c.hs for c in e.clauses if c.hs} for e in editions))
    ordered = [c for c in hs.clauses if c.id in shared]
    headings = [(c.id, c.title or "") for c in ordered if c.parent is None]
    parents = {c.parent for c in ordered}
    titles = {c.id: c.title or "" for c in ordered}
    # "7.5.1 General" says little on its own: such a clause carries its parent's title too
    lowest = [(c.id, f"{titles[c.id]} ({titles.get(c.parent or '', '')})" if titles[c.id] == "General" else titles[c.id])
              for c in ordered if c.id not in parents]
    names = [designation(e) for e in editions]
    statement = (f"{_and(names)} integrate on the harmonized structure: they share clauses "
                 f"{_and([f'{c} {t}' for c, t in headings])}. One set of records for the {len(lowest)} shared "
                 "clauses (context, scope, leadership and policy, risks and objectives, resources, competence, "
                 "documented information, internal audit, management review, improvement) serves them all: "
                 "write those records with hs: references and each standard counts them.")
    return Integration(names, headings, lowest, statement)


def _scope(template: str, answers: Mapping[str, Any], standards: list[str]) -> str:
    activities = str(answers.get("activities") or "The activities").strip().rstrip(".")
    sites = int(answers.get("sites", 1))
    values = {
        "activities": activities[:1].upper() + activities[1:],
        "organization": str(answers.get("organization", "")).strip(),
        "sites": ("working without a fixed site" if sites == 0 else "at its single site" if sites == 1
                  else f"at its {sites} sites"),
        "standards": _and(standards) if standards else "the standards it chooses",
    }
    return " ".join(template.format(**values).split())


def _and(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
