"""Which commit a revision names, and the workspace's history: its commits on the first-parent line.

:func:`commit_of` reads a sha, tag, branch, ``HEAD~3`` or a day, and says
why one cannot be found (no commit yet, an orphan branch, history a shallow
clone did not fetch); :func:`log` reads the commits that touched the
workspace, through the user cache (:mod:`isoctl.history.log_cache`). git runs
through :mod:`isoctl.history.git`; what it says of a commit is read as
:mod:`isoctl.history.decode` says.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from isoctl.errors import GitError, UnsafeRepository, UsageError
from isoctl.history import decode, git, log_cache
from isoctl.history.decode import CommitInfo as CommitInfo  # what log gives; callers import it from here

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _run(root: Path, *args: str) -> str:
    """``git ARGS`` at ``root`` for output that is ASCII by nature (shas, refs, true/false)."""
    return git.run(root, *args).decode("utf-8", "replace")


def _end_of_day(day: dt.date) -> int:
    """The last second of ``day`` in local time, as seconds since the epoch (days past decode.LATEST end there)."""
    day = min(day, decode.LATEST.date())
    moment = dt.datetime.combine(day, dt.time(23, 59, 59))
    try:
        return int(moment.astimezone().timestamp())
    except (OverflowError, OSError, ValueError):  # a platform whose local-time functions stop early
        return int(moment.replace(tzinfo=dt.UTC).timestamp())


def _head_commit(root: Path) -> str:
    """HEAD's commit; a GitError when the branch HEAD names has no commit yet (a new repository, an orphan branch)."""
    _run(root, "rev-parse", "--git-dir")  # outside a repository: say that, not "no commit yet"
    where = git.run_dir(root)
    head = git.call(where, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    sha = head.stdout.decode("ascii", "replace").strip()
    if head.returncode == 0 and sha:
        return sha
    branch = decode.text(git.call(where, "symbolic-ref", "--quiet", "--short", "HEAD").stdout)
    others = git.call(where, "for-each-ref", "--count=1", "--format=%(refname)", "refs/heads/").stdout.strip()
    if branch and others:  # an orphan branch (git checkout --orphan) in a repository that has commits elsewhere
        raise GitError(f"no commit on branch '{branch}' of {root} yet, so there is no "
                       "history to read", hint="commit the workspace (git add, git commit), or switch to a branch "
                                               "that has commits")
    raise GitError(f"no commit in {root} yet, so there is no history to read",
                   hint="commit the workspace (git add, git commit), then give a date or a revision")


def _last_commit_by(root: Path, end: int) -> str:
    """The newest commit reachable from HEAD committed at or before ``end`` (seconds since the epoch), or ``""``.

    git is given ``@<seconds> <offset>``, the one form it reads as a timestamp whatever the number of digits (a
    bare ``@<seconds>`` below 100000000, before 1973-03-03, is taken for something else and matches every
    commit); the date of the commit it names is checked again here, so a date git reads otherwise finds nothing
    rather than a later commit.
    """
    if end < 0:
        return ""
    out = _run(root, "log", "-1", "--format=%H %ct", f"--before=@{end} +0000", "HEAD", "--").split()
    if len(out) != 2 or not out[1].lstrip("-").isdigit() or int(out[1]) > end:
        return ""
    return out[0]


def is_day(rev: str) -> bool:
    """Whether a revision is written as a day (``YYYY-MM-DD``), which :func:`commit_of` reads as the last commit on
    or before it."""
    return _DAY.match(rev) is not None


def commit_of(root: Path, rev: str) -> str:
    """The commit sha ``rev`` names: a sha, tag, branch, ``HEAD~3``, or a day (the last commit on or before it).

    A day after the last commit is the last commit (HEAD).
    """
    if is_day(rev):
        try:
            day = dt.date.fromisoformat(rev)
        except ValueError:
            raise UsageError(f"'{rev}' is not a date") from None
        try:
            found = _last_commit_by(root, _end_of_day(day))
        except GitError:
            _head_commit(root)  # before the first commit (or on an orphan branch): say that, not git's own words
            raise
        if not found:
            if is_shallow(root):
                raise GitError(f"no commit on or before {rev} in this shallow clone: the history before its "
                               f"oldest commit{_oldest(root)} was not fetched", hint=FETCH_HISTORY)
            raise UsageError(f"no commit on or before {rev}")
        return found
    _run(root, "rev-parse", "--git-dir")  # outside a repository: say that, not "unknown revision"
    if rev.startswith("-"):  # never an option to git
        raise UsageError(f"unknown revision '{rev}'", hint="give a commit, tag, branch or a date YYYY-MM-DD")
    try:
        return _run(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except UnsafeRepository:
        raise
    except GitError:
        if is_shallow(root):
            raise _not_fetched(root, rev) from None
        if _FROM_HEAD.fullmatch(rev):
            _head_commit(root)  # HEAD itself has no commit yet: say that, not "unknown revision 'HEAD'"
        raise UsageError(f"unknown revision '{rev}'", hint="give a commit, tag, branch or a date YYYY-MM-DD") from None


def commit_date(root: Path, sha: str) -> tuple[dt.datetime, bool]:
    """When the commit ``sha`` was committed (its committer date, with its offset), and whether that is its real date.

    Not real (clamped) when git could not give it: see :mod:`isoctl.history.decode`.
    """
    raw = git.run(root, "log", "-1", "--no-walk", "--date=raw", "--format=%ad%n%cd", sha, "--").split(b"\n")
    _, committed, exact = decode.commit_dates(raw[0], raw[1] if len(raw) > 1 else b"")
    return committed, exact


def is_shallow(root: Path) -> bool:
    """Whether the repository is a shallow clone (CI checkouts usually are): older history is missing."""
    return _run(root, "rev-parse", "--is-shallow-repository").strip() == "true"


#: How to get the history a shallow clone lacks, wherever a command needs it and finds it missing.
FETCH_HISTORY = "fetch the full history with 'git fetch --unshallow' (in CI: fetch-depth: 0 on GitHub, GIT_DEPTH: 0 on GitLab)"

_ANCESTRY = re.compile(r"^(?P<base>[^~^]+)[~^]")
#: A revision counted from HEAD (``HEAD``, ``@``, ``HEAD~2``, ``@^``): none exists before the first commit.
_FROM_HEAD = re.compile(r"(HEAD|@)([~^][~^0-9]*)?")


def _not_fetched(root: Path, rev: str) -> GitError:
    """Why ``rev`` cannot be found in a shallow clone: before its oldest commit (``HEAD~1``), or perhaps not fetched."""
    ancestry = _ANCESTRY.match(rev)
    base_found = ancestry is not None and git.call(git.run_dir(root), "rev-parse", "--verify", "--quiet",
                                                   "--end-of-options", f"{ancestry['base']}^{{commit}}").returncode == 0
    if base_found:
        return GitError(f"'{rev}' is older than the oldest commit of this shallow clone{_oldest(root)}: the history "
                        "before it was not fetched", hint=FETCH_HISTORY)
    return GitError(f"unknown revision '{rev}' in a shallow clone: it may be a commit or branch that was not fetched "
                    f"(the oldest commit here is{_oldest(root) or ' unknown'})", hint=FETCH_HISTORY)


def _oldest(root: Path) -> str:
    """`` <sha> of <day>``: the oldest commit a shallow clone holds on HEAD's line, or ``""`` when git cannot say."""
    try:  # the commits whose parents were not fetched look parentless; git lists them newest first
        out = git.run(root, "log", "--format=%H %cs", "--max-parents=0", "HEAD")
    except GitError:
        return ""
    lines = out.decode("ascii", "replace").strip().splitlines()
    fields = lines[-1].split() if lines else []
    return f" {fields[0][:12]} of {fields[1]}" if len(fields) == 2 else ""


_LOG_FORMAT = "--format=" + decode.LOG_FORMAT


def log(root: Path, *, until: str = "HEAD", keep: bool = True) -> list[CommitInfo]:
    """Every commit on the first-parent line up to ``until`` that touched the workspace, oldest first.

    One ``git log --raw`` call; merges show their changes against the first
    parent, renames are a deletion plus an addition (records are matched by
    id, not by file name). Names, dates and file names are read as
    :mod:`isoctl.history.decode` says; a commit whose header git could not
    make out still counts, with what could be read. The history up to a sha
    is kept in the user cache (:mod:`isoctl.history.log_cache`) and read
    from there next time, and a history that continues the last one kept
    asks git only for its new commits (:func:`_continued`); ``keep=False``
    leaves keeping it to :func:`keep_log`.
    """
    top, common, prefix = git.layout(root)
    if until == "HEAD" and git.head_state(root)[0] is None:
        return []  # no commit yet
    keys = log_cache.Keys.of(top, common, prefix, _LOG_FORMAT)
    known = log_cache.load(keys.history(until))  # a history up to a sha is read once
    if known is not None:
        return known
    commits = _continued(root, keys, until, prefix)
    if commits is None:
        commits = _logged(root, until, prefix)
    if keep:
        log_cache.store(keys, until, commits)
    else:
        _unkept[:] = [(keys, until, commits)]
    return commits


def _logged(root: Path, revisions: str, prefix: bytes) -> list[CommitInfo]:
    """The commits ``revisions`` (a sha, or ``A..B``) name on the first-parent line, oldest first, read as
    :func:`log` says."""
    out = git.run(root, "log", "-z", "--raw", "--no-renames", "--no-abbrev", "--reverse", "--first-parent", "-m",
                  "--date=raw", _LOG_FORMAT, revisions, "--", git.pathspec(prefix))
    return decode.log_entries(out, prefix)


def _continued(root: Path, keys: log_cache.Keys, until: str, prefix: bytes) -> list[CommitInfo] | None:
    """The history up to ``until`` as the last history kept for the workspace and the commits after it, when
    that history ends on the first-parent line of ``until`` (after a new commit, git reads only that commit);
    None otherwise.

    ``git log --first-parent TIP..UNTIL`` then walks back from ``until``
    along first parents and stops at the kept history's last commit: what
    the whole walk would have found beyond it, in the same order, read the
    same way.
    """
    tip = log_cache.tip(keys.tip)
    if tip is None or tip == until or keys.history(until) is None:
        return None
    earlier = log_cache.load(keys.history(tip))
    if earlier is None:
        return None
    try:
        oldest = git.run(root, "rev-list", "--first-parent", "--parents", "--reverse", f"{tip}..{until}", "--")
        if oldest.split(b"\n", 1)[0].split()[1:2] != [tip.encode()]:
            return None  # not on the first-parent line of until (another branch, or an older commit)
        return earlier + _logged(root, f"{tip}..{until}", prefix)
    except GitError:
        return None  # the kept commit is gone (rewritten history, a shallow clone cut back): read it all


#: A history read with ``keep=False``, with what it is to be kept under, for :func:`keep_log`.
_unkept: list[tuple[log_cache.Keys, str, list[CommitInfo]]] = []


def keep_log() -> None:
    """Keep in the user cache the history last read with ``keep=False`` (a helper does it once it has answered)."""
    for keys, until, commits in _unkept:
        log_cache.store(keys, until, commits)
    _unkept.clear()
