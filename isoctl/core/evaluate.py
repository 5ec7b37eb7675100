"""The one way to evaluate a workspace: now, or as committed at a revision.

Every command that shows findings or coverage (``check``, ``gap``, ``soa``,
``diff``, ``history``, ``report``) and the library (:func:`isoctl.evaluate`)
go through here, so one question always gets one answer. This module owns:

* **loading**: the working tree, or a commit's tree (``at``), read from git;
* **the evaluation date**: given, else the commit's date with ``at``, else the
  real date (the only clock read; the analysis itself never reads one). It
  must lie in :data:`FIRST_DAY`..:data:`LAST_DAY`, the span record dates may
  take, so that date arithmetic in any rule stays within Python's calendar;
* **the history policy**: the commits up to the evaluated one are read, once,
  when a rule that needs them is on, and cut to those made by the evaluation
  date (:func:`isoctl.core.history_policy.as_of`); on a shallow clone, when git refuses to read a
  repository another user owns, or when git is not installed, those rules
  are skipped and the result says so (commits whose dates git could not
  give, or dated after the evaluation date among commits before it, are not
  counted as activity, and the result says that too);
* **the cache**: results are stored under :func:`isoctl.core.keys.key`, which
  covers everything an answer depends on; a miss or an unusable entry simply
  evaluates again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from isoctl.core import keys, results
from isoctl.core.history_policy import analyse_workspace
from isoctl.errors import IsoctlError, UsageError
from isoctl.model.fields import FIRST_DAY, LAST_DAY
from isoctl.model.result import Result

if TYPE_CHECKING:
    from isoctl.history.revisions import CommitInfo
    from isoctl.history.trees import Snapshot
    from isoctl.workspace.load import Workspace

UNDATED_NOTE = "commit {sha} carries no usable date, so it is evaluated as of today; give --today to choose the day"
AT_DIRTY_NOTE = "uncommitted changes are ignored with --at"

# The span of evaluation dates is the span of dates a record may hold (FIRST_DAY..LAST_DAY), far enough
# from Python's calendar limits for every rule's arithmetic (a year back, a hundred years ahead).


class Evaluation:
    """A workspace opened for evaluation; everything is computed once, on first use.

    ``commit`` is the evaluated commit (HEAD for the working tree, None
    outside git, before the first commit, or when git refuses the directory,
    :attr:`refused` then saying why); ``dirty`` is True when the
    working tree differs from it; ``notes`` are what the user should be told
    on stderr (never part of a machine-readable output).
    """

    def __init__(self, root: Path, *, at: str | None, commit: str | None, dirty: bool, today: dt.date,
                 options: keys.Options, committed: dt.datetime | None = None, refused: IsoctlError | None = None
                 ) -> None:
        self.root = root
        self.refused = refused  # why git cannot be read here (another user's repository, no git), if it cannot
        self.at = at
        self.commit = commit
        self.dirty = dirty
        self.today = today
        self.options = options
        self.committed = committed
        self.notes: list[str] = []
        self._stack = contextlib.ExitStack()
        self._workspace: Workspace | None = None
        self._result: Result | None = None
        self._commits: list[CommitInfo] | None = None
        self._shallow: bool | None = None
        self.files: str | None = None  # see result()

    @property
    def shallow(self) -> bool:
        """Whether the repository is a shallow clone (older history missing); False outside git."""
        if self._shallow is None:
            from isoctl.history import revisions

            self._shallow = self.commit is not None and revisions.is_shallow(self.root)
        return self._shallow

    def workspace(self) -> Workspace:
        """The loaded workspace (from the commit's tree with ``at``)."""
        if self._workspace is None:
            from isoctl.workspace.load import load_workspace

            snapshot = self._snapshot() if self.at is not None else None
            # the record cache is written once, when the evaluation closes (after findings are located)
            self._workspace = load_workspace(self.root, snapshot=snapshot, save=False)
        return self._workspace

    def _snapshot(self) -> Snapshot:
        from isoctl.history import trees

        assert self.commit is not None
        return self._stack.enter_context(trees.snapshot(self.root, self.commit))

    def commits(self) -> list[CommitInfo] | None:
        """Every commit up to the evaluated one, oldest first (first-parent line); None without git."""
        if self.commit is None:
            return None
        if self._commits is None:
            from isoctl.history import ahead, revisions

            self._commits = ahead.commits_ahead(self.root, self.commit) or revisions.log(self.root, until=self.commit)
        return self._commits

    def _read_ahead(self) -> None:
        """Have the history's blobs read in a helper while the workspace loads, when the history will be read."""
        if (self.commit is None or self.at is not None or not self.options.history or self.refused is not None
                or self._workspace is not None):
            return
        from isoctl.errors import IsoctlError
        from isoctl.history import ahead as history_ahead
        from isoctl.history import versions
        from isoctl.rules import all_rules
        from isoctl.workspace.load import load_manifest

        reading = versions.reading(self.options.select, self.options.ignore)
        try:
            manifest = load_manifest(self.root)[0]
        except IsoctlError:
            return  # the load reports it
        if not any(manifest.rules.get(r, all_rules()[r].severity) != "off" for r in reading):
            history_ahead.stop_ahead(self.root)
        else:
            versions.read_ahead(self.root, self.commit, manifest.ignore)
            from isoctl.workspace import ahead

            ahead.make_way()  # the parse helper gives way to the history's: what is left of the parse, this process does

    def key(self, files: str | None) -> str | None:
        """The cache key of this evaluation's result (``files``: the working tree's fingerprint, None if unreadable)."""
        if self.at is not None:
            assert self.commit is not None
            return keys.key("result", keys.commit_state(self.root, self.commit, self.shallow), self.options)
        if files is None:
            return None
        head = self.commit or ("refused" if self.refused is not None else None)
        state = keys.tree_state(self.root, files, head, self.dirty, self.shallow if self.commit else False)
        return keys.key("result", state, self.options)

    def result(self) -> Result:
        """The Result: from the cache when this exact question was answered before, else evaluated.

        For the working tree, :attr:`files` is then the fingerprint of the
        files the answer is about (None when they changed while it was
        being computed, or could not be read).
        """
        if self._result is None:
            from isoctl.workspace.discover import shown_root

            # the walk the replay check made at the start of the run, if it made one: the tree is
            # fingerprinted again below, and an answer is kept only if nothing changed since then
            files = keys.fingerprint(self.root, reuse=True) if self.at is None else None
            key = self.key(files)
            result = results.load(key)
            if result is None:
                from isoctl.workspace.record_files import no_cyclic_gc  # (not before: it imports the models)

                with no_cyclic_gc():  # see analyse_workspace
                    self._read_ahead()
                    workspace = self.workspace()
                    result = analyse_workspace(workspace, self.today, self.options, commit=self.commit,
                                               dirty=self.dirty, commits=self.commits, shallow=lambda: self.shallow,
                                               refused=self.refused)
                    # a working tree edited while it was being evaluated keeps no answer under its old key
                    if self.at is None and keys.fingerprint(self.root) != files:
                        files = key = None
                    results.store(key, result)
            self.files = files
            result.workspace.root = shown_root(self.root)
            self._result = result
        return self._result

    def close(self) -> None:
        """Keep what the run learnt (records, where findings are) and close the commit's blob reader."""
        try:
            from isoctl.workspace import ahead

            ahead.stop_all()  # a helper parsing ahead for a load that was answered from the cache
            if self._workspace is not None:
                self._workspace.save_cache()
            from isoctl.history import ahead as history_ahead
            from isoctl.history import versions

            if self.commit is not None:  # what the record versions learnt, if the history was read
                versions.save_all()
            else:  # a history the command line began reading ahead of a workspace that has none to read
                history_ahead.cancel_ahead()
        finally:
            self._stack.close()


def as_date(value: dt.date | str | None) -> dt.date | None:
    """An evaluation date given as a date or as ``YYYY-MM-DD``; UsageError for anything else (see :func:`check_day`)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise UsageError(f"'{value}' is not a date; write YYYY-MM-DD") from None
    return check_day(value)


def check_day(day: dt.date) -> dt.date:
    """``day`` if it can be an evaluation date (FIRST_DAY..LAST_DAY); a UsageError otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{day.isoformat()} is outside the dates isoctl evaluates on "
                         f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})")
    return day


def _revision(at: str | dt.date | None) -> str | None:
    """``at`` as git is asked for it: a revision as given, a date (or datetime) as its day YYYY-MM-DD."""
    if at is None or isinstance(at, str):
        return at
    if isinstance(at, dt.date):
        return (at.date() if isinstance(at, dt.datetime) else at).isoformat()
    raise UsageError(f"at: expected a revision or a date; got {at!r}")


def _rule_names(names: str | Sequence[str], option: str) -> tuple[str, ...]:
    """Rule names as a tuple: one name may be given alone (``select="stale-record"``), not split into letters."""
    found = (names,) if isinstance(names, str) else tuple(names)
    for name in found:
        if not isinstance(name, str):
            raise UsageError(f"{option}: expected rule names; got {name!r}", hint="run 'isoctl rules' to list them")
    return found


@contextlib.contextmanager
def open_evaluation(
    path: Path | str | None = None,
    *,
    at: str | dt.date | None = None,
    today: dt.date | str | None = None,
    select: str | Sequence[str] = (),
    ignore: str | Sequence[str] = (),
    history: bool = True,
) -> Iterator[Evaluation]:
    """Open the workspace at or above ``path`` for evaluation (see :class:`Evaluation`).

    With ``at`` (a commit, tag, branch, ``HEAD~3`` or a day YYYY-MM-DD: the
    last commit on or before it) the workspace is read as committed there,
    uncommitted changes play no part (a note says so when there are some),
    and ``today`` defaults to that commit's date. Unknown rule names in
    ``select``/``ignore``, an unknown revision or a missing workspace raise
    :class:`~isoctl.errors.IsoctlError` subclasses.
    """
    from isoctl.history import git, guard, revisions
    from isoctl.workspace.discover import find_workspace

    # Rule names in select/ignore are checked when the analysis runs: a cached answer
    # exists only for names that were valid for this very code, and checking them
    # here would import every rule (and pydantic) on the path that needs neither.
    root = find_workspace(Path(path) if path is not None else None)
    at = _revision(at)
    select, ignore = _rule_names(select, "select"), _rule_names(ignore, "ignore")
    explicit = as_date(today)  # a bad date is refused before git is asked anything
    refused: IsoctlError | None = None
    guard.forget()  # a long-running caller's next evaluation looks the repository over again
    try:
        commit, dirty = git.head_state(root)
    except git.UnsafeRepository as exc:
        if at is not None:  # reading a commit needs git: nothing to fall back on
            raise
        commit, dirty, refused = None, False, exc  # the working tree can be checked without git
    committed = None
    exact = True
    if at is not None:
        commit = revisions.commit_of(root, at)
        committed, exact = revisions.commit_date(root, commit)
    day = explicit or check_day(committed.date() if committed is not None and exact else dt.date.today())
    options = keys.Options(day.isoformat(), select, ignore, history)
    evaluation = Evaluation(root, at=at, commit=commit, dirty=dirty and at is None, today=day, options=options,
                            committed=committed, refused=refused)
    if at is not None and dirty:
        evaluation.notes.append(AT_DIRTY_NOTE)
    if commit is not None and not exact and explicit is None:
        evaluation.notes.append(UNDATED_NOTE.format(sha=commit[:12]))
    try:
        yield evaluation
    finally:
        evaluation.close()


def evaluate(
    path: Path | str | None = None,
    *,
    at: str | dt.date | None = None,
    today: dt.date | str | None = None,
    select: str | Sequence[str] = (),
    ignore: str | Sequence[str] = (),
    history: bool = True,
) -> Result:
    """Evaluate the workspace at or above ``path`` and return its :class:`~isoctl.model.result.Result`.

    The same answer ``isoctl check`` gives for the same options (see
    :func:`open_evaluation` for ``at`` and ``today``; ``history=False`` skips
    the rules that read git history). An unknown rule name in ``select`` or
    ``ignore`` raises :class:`~isoctl.errors.UsageError`.
    """
    from isoctl.workspace.record_files import no_cyclic_gc

    with no_cyclic_gc():
        with open_evaluation(path, at=at, today=today, select=select, ignore=ignore, history=history) as evaluation:
            result = evaluation.result()
        del evaluation  # the loaded workspace goes before the collector is back, which would walk all of it once
    return result
