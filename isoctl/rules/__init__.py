"""The rules: small units with a stable id, a default severity, and a docstring that is their documentation.

A rule is a generator function decorated with :func:`rule`; it receives the
analysis :class:`Context` and yields :class:`Hit` objects (a message and a
place). The engine applies severities (defaults, manifest overrides,
``--select``/``--ignore``) and turns hits into findings.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from isoctl.model.result import Severity

if TYPE_CHECKING:
    from isoctl.analysis.coverage import ExclusionVerdict
    from isoctl.analysis.evidence import Evidence
    from isoctl.history.git import CommitInfo
    from isoctl.model.result import ClauseCoverage, Finding
    from isoctl.workspace.load import Workspace
from isoctl.workspace.records import LoadedRecord


@dataclass(frozen=True)
class Hit:
    """What a rule found, and where: a path with 1-based line and column."""

    message: str
    path: str
    line: int = 1
    column: int = 1
    clause: str | None = None
    record: str | None = None


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

    def at(self, record: LoadedRecord, *loc: str | int, key: bool = False, message: str, clause: str | None = None) -> Hit:
        """A hit located at a field of a record (only the file, when positions are not wanted)."""
        if not self.positions:
            return Hit(message, record.file.relative, 1, 1, clause, record.id)
        path, line, column = record.locate(*loc, key=key)
        return Hit(message, path, line, column, clause, record.id)

    def at_manifest(self, *loc: str | int, key: bool = False, message: str, clause: str | None = None) -> Hit:
        path, line, column = self.workspace.manifest_location(*loc, key=key)
        return Hit(message, path, line, column, clause)


Check = Callable[[Context], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    check: Check
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.id


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity) -> Callable[[Check], Check]:
    """Register a rule; its docstring is its user documentation (shown by ``isoctl rules``)."""

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, severity, check, inspect.cleandoc(check.__doc__ or ""))
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, importing the rule modules on first use."""
    from isoctl.rules import (  # noqa: F401 - registration
        actions,
        audits,
        clauses,
        coverage,
        documents,
        files,
        history,
        people,
        references,
        reviews,
    )

    return dict(sorted(REGISTRY.items()))


