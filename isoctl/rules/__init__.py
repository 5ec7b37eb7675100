"""The rules: small units with a stable id, a default severity, and a docstring that is their documentation.

A rule is a generator function decorated with :func:`rule`, which also says
what the rule is about (its category); it receives the analysis
:class:`Context` and yields :class:`Hit` objects (a message and a place).
Rules read records as their typed models (``ctx.records(Action)``), so a
misspelt field is a type error, and place hits with ``ctx.at(model, field)``.
The engine applies severities (defaults, manifest overrides,
``--select``/``--ignore``) and turns hits into findings.

Importing this module costs no pydantic: formats ask it what the rules are.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

from isoctl.catalog.refs import parse_ref
from isoctl.model.result import RuleCategory, Severity

if TYPE_CHECKING:
    from isoctl.analysis.coverage import ExclusionVerdict
    from isoctl.analysis.evidence import Evidence
    from isoctl.history.revisions import CommitInfo
    from isoctl.history.versions import RecordVersions
    from isoctl.model.records import RecordBase
    from isoctl.model.result import ClauseCoverage, Finding
    from isoctl.workspace.load import Workspace
    from isoctl.workspace.records import LoadedRecord

R = TypeVar("R", bound="RecordBase")


@dataclass(frozen=True)
class Hit:
    """What a rule found, and where: a path with 1-based line and column.

    ``severity`` is for a graded rule whose findings grow more serious with
    time (``superseded-edition``): it replaces the rule's default, unless the
    manifest sets the rule's severity, which then holds for every finding.
    """

    message: str
    path: str
    line: int = 1
    column: int = 1
    clause: str | None = None
    record: str | None = None
    severity: Severity | None = None


@dataclass
class Context:
    """Everything a rule may look at; rules never read files or the clock themselves."""

    workspace: Workspace
    today: dt.date
    evidence: Evidence
    exclusions: ExclusionVerdict
    clauses: list[ClauseCoverage]
    loading: list[Finding] = field(default_factory=list)  # parse/schema problems found while loading
    history: Sequence[CommitInfo] | None = None  # commits up to the evaluated one, oldest first; None without git
    shallow: bool = False  # the history is cut short (a shallow clone)
    positions: bool = True  # False when only counts matter (timelines): locating means re-reading files
    # built on first use, once per analysis: the models by class, and the loaded record of each model
    _by_class: dict[type[RecordBase], list[RecordBase]] | None = field(default=None, init=False, repr=False)
    _loaded: dict[int, LoadedRecord] | None = field(default=None, init=False, repr=False)
    _by_id: dict[str, LoadedRecord] | None = field(default=None, init=False, repr=False)

    def records(self, kind: type[R]) -> list[R]:
        """The valid records of one kind as their typed models, in workspace order: ``ctx.records(Action)``."""
        if self._by_class is None:
            self._by_class = {}
            for record in self.workspace.records:
                self._by_class.setdefault(type(record.model), []).append(record.model)
        # keyed by each model's own class, so every model under ``kind`` is one: a copy, not a filtered list
        return cast("list[R]", list(self._by_class.get(kind, ())))

    def loaded(self, model: RecordBase) -> LoadedRecord:
        """The loaded record (file and place in it) that a model of this workspace came from."""
        if self._loaded is None:
            # by identity: models are not hashable, and two equal records may sit in two places
            self._loaded = {id(record.model): record for record in self.workspace.records}
        return self._loaded[id(model)]

    def by_id(self) -> dict[str, LoadedRecord]:
        """Every record by its id (of two with one id, the later in workspace order), for rules that follow references."""
        if self._by_id is None:
            self._by_id = {record.id: record for record in self.workspace.records}
        return self._by_id

    def versions(self) -> RecordVersions | None:
        """Every record's versions along the history (:mod:`isoctl.history.versions`); None without a full history."""
        if self.history is None or self.shallow:
            return None
        from isoctl.history.versions import along

        return along(self.history, self.workspace.manifest.ignore, self.workspace.root)

    def at(self, model: RecordBase, *loc: str | int, key: bool = False, message: str, clause: str | None = None) -> Hit:
        """A hit located at a field of a record (only the file, when positions are not wanted)."""
        record = self.loaded(model)
        if not self.positions:
            return Hit(message, record.file.relative, 1, 1, clause, record.id)
        path, line, column = record.locate(*loc, key=key)
        return Hit(message, path, line, column, clause, record.id)

    def at_manifest(self, *loc: str | int, key: bool = False, message: str, clause: str | None = None) -> Hit:
        path, line, column = self.workspace.manifest_location(*loc, key=key)
        return Hit(message, path, line, column, clause)


Check = Callable[[Context], Iterator[Hit]]


@functools.lru_cache(maxsize=1 << 16)  # the same few scope entries and controls, thousands of times
def is_clause_ref(text: str) -> bool:
    """Whether a text is written as a clause reference (``family:clause``), rather than as a record id."""
    return parse_ref(text) is not None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    check: Check
    doc: str
    category: RuleCategory

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.id


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, *, category: RuleCategory) -> Callable[[Check], Check]:
    """Register a rule; its docstring is its user documentation (shown by ``isoctl rules``).

    ``category`` says what the rule is about, and so where the formats put
    its findings: ``loading`` (reading the workspace: files, schemas, ids,
    references), ``coverage`` (the clause matrix and its exclusions),
    ``living`` (a system kept up over time: actions, reviews, audits,
    documents, competence) or ``history`` (read from the git history).
    """

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, severity, check, inspect.cleandoc(check.__doc__ or ""), category)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, importing the rule modules on first use."""
    from isoctl.rules import (  # noqa: F401 - registration
        actions,
        activity,
        audits,
        clauses,
        closure,
        coverage,
        documents,
        editions,
        evidence_age,
        files,
        history,
        people,
        recording,
        references,
        registers,
        reviews,
        substance,
    )

    return dict(sorted(REGISTRY.items()))


