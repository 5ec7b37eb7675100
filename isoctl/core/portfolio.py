"""Every client workspace under some directories, one row each, ordered by what needs attention first.

A consultant keeps many client repositories side by side. :func:`gather`
finds each workspace below the directories given (:func:`find_workspaces`),
evaluates it through :func:`isoctl.core.evaluate.evaluate` (so each one uses
its own cache and gives the answer ``check`` gives), two at a time in forked
helpers where the machine allows, and sums it up as a :class:`Client`. It
only reads: nothing is written in a client's directory.

A client that cannot be evaluated (its ``isoctl.yaml`` does not parse, git
refuses the repository, a helper dies) is a row with its error, never the
end of the run. Rows are ordered by :func:`risk_key`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isoctl.errors import IsoctlError, WorkspaceError

MANIFEST = "isoctl.yaml"
#: How far below each directory given workspaces are looked for (``clients/<group>/<client>/`` is three).
MAX_DEPTH = 4
#: Directories never searched: tools' and dependencies' folders (dot-directories are skipped as well).
SKIPPED = frozenset({"node_modules", "__pycache__", "venv"})
#: The history rules whose findings are the decay signals a row shows.
SIGNALS = ("silent-period", "pre-audit-scramble", "single-contributor")
#: An external audit this close, with a standard below :data:`READY` readiness, puts a client ahead of others.
AUDIT_SOON_DAYS = 90
READY = 0.8
SHALLOW_NOTE = "shallow clone: history signals unavailable"


@dataclass(frozen=True)
class StandardState:
    """One standard in a client's scope: its edition, readiness, and the end of its transition if superseded."""

    standard: str  # edition id, e.g. iso9001-2015
    readiness: float
    superseded: bool = False
    transition_ends: dt.date | None = None


@dataclass
class Client:
    """One row of the portfolio; ``error`` set means the workspace could not be evaluated."""

    path: str  # as given (relative to the current directory where possible)
    organization: str | None = None
    standards: list[StandardState] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    overdue: int = 0
    next_audit: dt.date | None = None
    next_audit_type: str | None = None
    days_to_audit: int | None = None
    git: bool = False
    last_change: dt.date | None = None
    signals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def transition(self) -> dt.date | None:
        """The earliest end of a transition away from a superseded edition in scope, if any is known."""
        return min((s.transition_ends for s in self.standards if s.transition_ends is not None), default=None)

    @property
    def lowest_readiness(self) -> float | None:
        return min((s.readiness for s in self.standards), default=None)

    @property
    def audit_pressing(self) -> bool:
        """An external audit within :data:`AUDIT_SOON_DAYS` (or overdue) while a standard is not yet ready."""
        low = self.lowest_readiness
        return (self.days_to_audit is not None and self.days_to_audit <= AUDIT_SOON_DAYS
                and low is not None and low < READY)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "organization": self.organization,
            "error": self.error,
            "standards": [{"standard": s.standard, "readiness": s.readiness, "superseded": s.superseded,
                           "transition_ends": _iso(s.transition_ends)} for s in self.standards],
            "findings": {"error": self.errors, "warning": self.warnings, "info": self.infos},
            "overdue_actions": self.overdue,
            "next_audit": ({"date": _iso(self.next_audit), "type": self.next_audit_type, "days": self.days_to_audit}
                           if self.next_audit is not None else None),
            "git": self.git,
            "last_change": _iso(self.last_change),
            "signals": list(self.signals),
            "transition_ends": _iso(self.transition),
            "notes": list(self.notes),
        }


@dataclass
class Portfolio:
    """Every client found, riskiest first, as of ``today``."""

    today: dt.date
    clients: list[Client]

    @property
    def failing(self) -> bool:
        """Whether any client could not be evaluated or has findings at error."""
        return any(c.error is not None or c.errors for c in self.clients)

    def as_dict(self) -> dict[str, Any]:
        from isoctl import __version__

        return {"isoctl": __version__, "format": 1, "today": self.today.isoformat(),
                "clients": [c.as_dict() for c in self.clients]}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def risk_key(client: Client) -> tuple[Any, ...]:
    """The order of the rows: what needs the consultant first.

    1. clients that could not be evaluated at all;
    2. more findings at error;
    3. more overdue actions;
    4. an external audit within 90 days (or past and still planned) while a
       standard's readiness is below 80%, the nearest audit first;
    5. more decay signals from the history;
    6. the nearest external audit, then a transition deadline, then the path.
    """
    far = 10**6
    return (
        client.error is None,
        -client.errors,
        -client.overdue,
        not client.audit_pressing,
        client.days_to_audit if client.audit_pressing and client.days_to_audit is not None else far,
        -len(client.signals),
        client.days_to_audit if client.days_to_audit is not None else far,
        client.transition or dt.date.max,
        client.path,
    )


def find_workspaces(directories: Sequence[Path], *, depth: int = MAX_DEPTH) -> list[Path]:
    """The workspace roots at or below each of ``directories`` (resolved, each once, in path order).

    A workspace is a directory holding ``isoctl.yaml``; its own folders are
    not searched further. Dot-directories (``.git`` among them),
    ``node_modules`` and symbolic links are never entered, and the walk stops
    ``depth`` levels down. A directory that does not exist is a WorkspaceError.
    """
    found: dict[Path, None] = {}
    for directory in directories:
        if not directory.is_dir():
            what = "not a directory" if directory.exists() else "no such directory"
            raise WorkspaceError(f"{what}: {directory}", hint="give the directories that hold the client workspaces")
        for root in _walk(directory.resolve(), depth):
            found.setdefault(root)
    return sorted(found)


def _walk(directory: Path, depth: int) -> Iterator[Path]:
    if (directory / MANIFEST).is_file():
        yield directory
        return
    if depth <= 0:
        return
    try:
        with os.scandir(directory) as entries:
            children = sorted(e.name for e in entries
                              if e.is_dir(follow_symlinks=False) and not e.name.startswith(".") and e.name not in SKIPPED)
    except OSError:
        return  # an unreadable folder holds no workspace we could read
    for name in children:
        yield from _walk(directory / name, depth - 1)


def gather(directories: Sequence[Path], today: dt.date, *, parallel: bool = True, depth: int = MAX_DEPTH) -> Portfolio:
    """The portfolio of every workspace below ``directories`` as of ``today``; WorkspaceError when there is none."""
    roots = find_workspaces(directories, depth=depth)
    if not roots:
        shown = ", ".join(str(d) for d in directories)
        raise WorkspaceError(f"no workspace ({MANIFEST}) found in {shown} or up to {depth} levels below",
                             hint="give the directories that hold the client workspaces, or look deeper with "
                                  f"--depth {depth + 2}")
    with _read_only_git():
        clients = _evaluate_all(roots, today, parallel=parallel)
    return Portfolio(today, sorted(clients, key=risk_key))


@contextlib.contextmanager
def _read_only_git() -> Iterator[None]:
    """Keep ``git status`` from refreshing a client's index file (it may, to save later runs time): a portfolio
    only reads, and a consultant's clients must not change, not even in ``.git``."""
    saved = os.environ.get("GIT_OPTIONAL_LOCKS")
    os.environ["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["GIT_OPTIONAL_LOCKS"]
        else:
            os.environ["GIT_OPTIONAL_LOCKS"] = saved


def _evaluate_all(roots: list[Path], today: dt.date, *, parallel: bool) -> list[Client]:
    from isoctl.workspace.forks import can_fork

    if not parallel or len(roots) < 2 or not can_fork():
        return [client_of(root, today) for root in roots]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from isoctl.workspace.forks import forking, pool_worker

    clients: list[Client] = []
    executor = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"),
                                   initializer=pool_worker, initargs=(os.getpid(),))
    try:
        with forking():  # the helpers are forked on the first submit, with Ctrl-C held back
            futures = [executor.submit(client_of, root, today) for root in roots]
        for root, future in zip(roots, futures, strict=True):
            try:
                clients.append(future.result())
            except BrokenProcessPool:
                clients.append(Client(_shown(root), error="the helper process evaluating it ended without answering"))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return clients


def _shown(root: Path) -> str:
    from isoctl.workspace.discover import shown_root

    return shown_root(root)


def client_of(root: Path, today: dt.date) -> Client:
    """One workspace summed up; what stops its evaluation becomes the row's error instead of an exception."""
    from isoctl.core.evaluate import evaluate

    client = Client(_shown(root))
    try:
        result = evaluate(root, today=today)
    except IsoctlError as exc:
        client.error = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return client
    except Exception as exc:  # a bug in one client's evaluation must not hide every other client
        client.error = f"internal error: {type(exc).__name__}: {exc}"
        return client
    client.organization = result.workspace.organization
    counts = result.counts()
    client.errors, client.warnings, client.infos = counts["error"], counts["warning"], counts["info"]
    client.overdue = sum(1 for f in result.findings if f.rule == "overdue-action")
    client.signals = [s for s in SIGNALS if any(f.rule == s for f in result.findings)]
    superseded = {f.clause or "" for f in result.findings if f.rule == "superseded-edition"}
    client.standards = [_standard(c.standard, c.readiness, superseded) for c in result.coverage]
    _audit(client, root, today)
    _history(client, root, result.workspace.commit, result.notes)
    return client


def _standard(edition_id: str, readiness: float, flagged: set[str]) -> StandardState:
    from isoctl.catalog.load import load_cached

    edition = load_cached().editions.get(edition_id)
    superseded = (edition is not None and edition.status == "superseded") or any(edition_id in f for f in flagged)
    ends = edition.transition_ends if edition is not None and superseded else None
    return StandardState(edition_id, readiness, superseded, ends)


def _audit(client: Client, root: Path, today: dt.date) -> None:
    """The next external audit from the manifest: planned, or dated from today on and not marked done."""
    from isoctl.workspace.load import load_manifest

    try:
        manifest = load_manifest(root)[0]
    except IsoctlError:
        return  # the evaluation reported the manifest already
    upcoming = [(audit.date, audit.type) for certification in manifest.certification.values()
                for audit in certification.audits
                if audit.status == "planned" or (audit.status is None and audit.date >= today)]
    if upcoming:
        client.next_audit, client.next_audit_type = min(upcoming)
        client.days_to_audit = (client.next_audit - today).days


def _history(client: Client, root: Path, commit: str | None, notes: Sequence[str]) -> None:
    """The last commit touching the workspace, and a note when the history is cut short or cannot be read."""
    from isoctl.history import revisions

    if commit is None:
        client.notes += [n for n in notes if "git" in n]  # git refused the repository: the result says why
        return
    client.git = True
    try:
        if revisions.is_shallow(root):
            client.notes.append(SHALLOW_NOTE)
        commits = revisions.log(root, until=commit)
    except IsoctlError as exc:
        client.notes.append(f"history unreadable: {exc.message}")
        return
    dated = [c.committed.date() for c in commits if not c.clamped]
    client.last_change = max(dated, default=None)
