"""The history policy every evaluation applies: which commits the rules that read history see, and which run.

The commits up to the evaluated one are read, once, only when a rule that
needs them is on (:func:`history_rules`), and cut to those made by the
evaluation date (:func:`as_of`). On a shallow clone, when git refuses to
read a repository another user owns, or when git is not installed, those
rules are skipped and the result's notes say so; commits whose dates git
could not give, or dated after the evaluation date among commits before
it, are not counted as activity, and the notes say that too.
:func:`analyse_workspace` applies all of it around the analysis; the
evaluation (:mod:`isoctl.core.evaluate`) and the timelines
(:mod:`isoctl.core.timeline`) call it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from isoctl.core import keys
from isoctl.errors import IsoctlError
from isoctl.model.result import Result, chosen

if TYPE_CHECKING:
    from isoctl.history.revisions import CommitInfo
    from isoctl.workspace.load import Workspace

SHALLOW_NOTE = ("this is a shallow clone, so the rules that read git history ({rules}) were skipped; "
                "run 'git fetch --unshallow' for the full history")
REFUSED_NOTE = "{reason}{skipped}; {hint}"
CLAMPED_NOTE = ("{count} a date git cannot give (missing, before 1970, after 2999 or with an offset "
                "of a day or more); the rules that read git history do not count {them} as activity")
SKEWED_NOTE = ("{count} dated after {today} though later commits are dated on or before it (a clock set wrong); "
               "the rules that read git history do not count {them} as activity")


def analyse_workspace(workspace: Workspace, today: dt.date, options: keys.Options, *, commit: str | None,
                      dirty: bool = False, commits: Callable[[], Sequence[CommitInfo] | None],
                      shallow: Callable[[], bool], positions: bool = True, refused: IsoctlError | None = None
                      ) -> Result:
    """Coverage and every enabled rule on a loaded workspace, with the history policy applied.

    ``commits`` and ``shallow`` are asked only when a rule that reads
    history is enabled (so an evaluation that needs no history runs no git).
    ``refused`` is why git would not read the repository, if it would not:
    said once, in the notes. Timelines call this for each point with the
    commits they already have.
    """
    from isoctl.core.analyse import analyse
    from isoctl.workspace.record_files import no_cyclic_gc

    wanted = history_rules(workspace, options)
    history: Sequence[CommitInfo] | None = None
    notes: list[str] = []
    cut = False
    if refused is not None:
        skipped = f", and the rules that read it ({', '.join(wanted)}) were skipped" if wanted else ""
        notes.append(REFUSED_NOTE.format(reason=refused.message, skipped=skipped, hint=refused.hint or ""))
    elif wanted:
        every = commits()
        history, skewed = as_of(every, today)
        cut = history is not None and shallow()
        if cut:
            notes.append(SHALLOW_NOTE.format(rules=", ".join(wanted)))
        clamped = sum(1 for c in every or () if c.clamped)
        if clamped and not cut:
            count = "1 commit carries" if clamped == 1 else f"{clamped} commits carry"
            notes.append(CLAMPED_NOTE.format(count=count, them="it" if clamped == 1 else "them"))
        if skewed and not cut:
            count = "1 commit is" if skewed == 1 else f"{skewed} commits are"
            notes.append(SKEWED_NOTE.format(count=count, today=today.isoformat(), them="it" if skewed == 1 else "them"))
    # As loading does (see no_cyclic_gc): the analysis builds many acyclic objects, and the cycle collector would
    # walk the loaded workspace again and again (evaluating 5,000 records from Python took twice as long; the
    # command line's collector is off anyway); a caller's collector is back as it was afterwards.
    with no_cyclic_gc():
        result = analyse(workspace, today, select=options.select, ignore=options.ignore, commit=commit, dirty=dirty,
                         history=history, shallow=cut, positions=positions)
    result.notes = notes
    return result


def as_of(history: Sequence[CommitInfo] | None, today: dt.date) -> tuple[Sequence[CommitInfo] | None, int]:
    """The commits made by ``today``: the history as it stood on the evaluation date, not after it; and how many
    commits of it are dated after ``today`` all the same (clock skew).

    ``--today`` may name a day before the last commits (``check --today
    2026-11-21`` of a tree committed later); the rules that read history then
    judge the system as of that day, as they judge its records. The history
    is a prefix, so every rule sees one consistent history: it ends at the
    last commit dated on or before ``today`` (with the commits without a
    usable date after it, up to the next dated one). A commit inside it dated
    after ``today`` was made on a machine whose clock was wrong, since a
    later commit is dated before it: it stays, marked ``clamped`` like a
    commit whose date git cannot give, so that the rules do not count its
    date, rather than hiding every later commit. The timelines
    (:mod:`isoctl.core.timeline`, ``history`` and the report) evaluate each
    point through :func:`analyse_workspace`, so they follow this too.
    """
    if history is None:
        return None, 0
    after = [not c.clamped and c.committed.date() > today for c in history]
    last = max((i for i, c in enumerate(history) if not c.clamped and not after[i]), default=-1)
    end = next((i for i in range(last + 1, len(history)) if after[i]), len(history))
    skewed = [i for i in range(last) if after[i]]
    if not skewed:
        return history[:end], 0
    kept = list(history[:end])
    for index in skewed:
        kept[index] = dataclasses.replace(kept[index], clamped=True)
    return kept, len(skewed)


def history_rules(workspace: Workspace, options: keys.Options) -> list[str]:
    """The rules that read git history and are on for this workspace and these options."""
    if not options.history:
        return []
    from isoctl.rules import all_rules

    overrides = workspace.manifest.rules
    return [
        rule_id for rule_id, rule in all_rules().items()
        if rule.category == "history"
        and overrides.get(rule_id, rule.severity) != "off"
        and chosen(rule_id, options.select, options.ignore)
    ]
