"""The git layer: the only module of isoctl that talks to gitpython.

Reads (status, log, trees, blobs) run ``git`` itself and read its output as
bytes; gitpython, which costs ~170 ms to import, is used only to write
(``init``, commits) and to ask for the user's identity, and is imported
inside those functions: ``import isoctl.history.git`` stays free, and
commands that only read never pay for it. Every failure a user can cause (no
git installed, a broken repository) becomes a
:class:`~isoctl.errors.GitError` with a clear message instead of a
traceback. Blob readers and repository handles are always closed, so no
``git cat-file`` process outlives a call.

Whatever a repository holds is untrusted: git's output is read as bytes and
every name, date and file name goes through :mod:`isoctl.history.decode`.
A repository git refuses to read because another user owns it is an
:class:`UnsafeRepository`, which ``check`` can work without.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO

from isoctl.errors import GitError, TooLarge, UsageError, WorkspaceError
from isoctl.errors import UnsafeRepository as UnsafeRepository  # raised here; callers catch git.UnsafeRepository
from isoctl.files import pipes
from isoctl.history import decode, guard, log_cache
from isoctl.history.decode import Change as Change
from isoctl.history.decode import CommitInfo as CommitInfo

#: Who commits when the user has no git identity configured at all: a scaffold
#: must still get its first commit, and git would otherwise invent
#: ``user@hostname`` or refuse outright.
FALLBACK_NAME = "isoctl"
FALLBACK_EMAIL = "isoctl@localhost"

_NO_GIT = "git is not installed or not on PATH"

#: Settings every read runs with, whatever the user's or the repository's configuration says: output in
#: UTF-8 and without colour or signature-check text, and no fsmonitor command (which a repository's own
#: configuration names) run by ``git status``.
_READ_CONFIG = ("-c", "i18n.logOutputEncoding=UTF-8", "-c", "color.ui=false", "-c", "log.showSignature=false",
                "-c", "core.fsmonitor=false")


def _refused(where: Path, stderr: str) -> UnsafeRepository | None:
    """The UnsafeRepository error git's ``stderr`` amounts to, if it is git's dubious-ownership refusal."""
    if "dubious ownership" not in stderr:
        return None
    allow = next((line.strip() for line in stderr.splitlines() if "safe.directory" in line), None)
    hint = f"if you trust this repository, allow it with: {allow}" if allow else \
        "if you trust this repository, add it to git's safe.directory setting"
    return UnsafeRepository(f"git refuses to read the repository at {where}: another user owns it "
                            "(\"dubious ownership\"), so its history is unavailable", hint=hint)


def _git_missing(where: Path) -> UnsafeRepository:
    """The error for a repository at ``where`` whose history cannot be read because there is no ``git`` to read it.

    An UnsafeRepository, as for a repository git refuses: ``check`` evaluates the working tree without the
    history and says so, ``--strict-history`` and ``--at`` fail.
    """
    return UnsafeRepository(f"{_NO_GIT}, so the history of the repository at {where} is unavailable",
                            hint="install git, or add the directory that holds it to PATH")


def _gitpython() -> ModuleType:
    """Import gitpython, turning a missing git binary into a GitError."""
    try:
        import git
    except ImportError as exc:  # gitpython refuses to import without a git executable
        raise GitError(_NO_GIT, hint="install git, or run without git (for example 'isoctl init --no-git')") from exc
    return git


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing ancestor: git must run somewhere that exists."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _at(path: Path, *, worktree: bool = False) -> Path:
    """Where git is to run for ``path`` (:func:`_existing`), once :mod:`isoctl.history.guard` found nothing there
    that git would wait on for ever (else UnsafeRepository); ``worktree`` for a command that reads the working
    tree's ignore and attribute files (status, add, commit)."""
    where = _existing(path)
    guard.check(where, worktree=worktree)
    return where


def inside_repository(path: Path) -> bool:
    """Whether ``path`` or a parent holds a ``.git`` entry: a work tree (so a failure to open means breakage, and
    ``--commit`` can commit there)."""
    here = _existing(path)
    return any((directory / ".git").exists() for directory in (here, *here.parents))


def user_identity(path: Path) -> tuple[str | None, str | None]:
    """The ``user.name`` and ``user.email`` git would use at ``path`` (None for each one unset).

    Read through ``git config`` run at ``path``, so repository, global and
    system configuration, ``includeIf`` and ``GIT_CONFIG_GLOBAL`` all count,
    exactly as they will for the commit.
    """
    git = _gitpython()
    runner = git.Git(str(_at(Path(path))))

    def get(key: str) -> str | None:
        try:
            value = runner.config("--get", key)
        except git.GitCommandNotFound as exc:
            raise GitError(_NO_GIT) from exc
        except git.GitCommandError:  # exit 1: the key is not set
            return None
        return str(value).strip() or None

    return get("user.name"), get("user.email")


def init_and_commit(path: Path, message: str, *, author_name: str | None = None, author_email: str | None = None) -> str:
    """``git init`` at ``path``, stage everything (honouring .gitignore) and make the first commit.

    The author is, in order: the arguments, the configured git user, then
    ``isoctl <isoctl@localhost>`` - the fallback only fills in what nothing
    else provides. Returns the sha of the new commit.
    """
    git = _gitpython()
    path = Path(path)
    configured_name, configured_email = user_identity(path)
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        name = author_name or os.environ.get(f"GIT_{role}_NAME") or configured_name or FALLBACK_NAME
        email = author_email or os.environ.get(f"GIT_{role}_EMAIL") or configured_email or FALLBACK_EMAIL
        env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = name, email
    try:
        with git.Repo.init(str(path)) as repo:
            repo.git.add("--all")
            repo.git.commit("--quiet", "--no-verify", "-m", message, env=env)
            return str(repo.head.commit.hexsha)
    except git.GitCommandNotFound as exc:
        raise GitError(_NO_GIT) from exc
    except git.GitCommandError as exc:
        detail = (exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n") or str(exc)
        raise GitError(f"git could not commit in {path}: {detail}") from exc


def commit_paths(root: Path, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (new or changed files) with ``message``; returns the new commit's sha.

    Whatever else is staged stays staged and out of this commit (``git commit
    --only``), so an ``isoctl action close --commit`` never sweeps up someone's
    half-done work. The author is the configured git user, with no fallback:
    a record of who closed an action must name a person. Hooks run as they do
    for any commit.
    """
    git = _gitpython()
    relative: list[str] = []
    try:
        with git.Repo(str(_at(Path(root), worktree=True)), search_parent_directories=True) as repo:
            top = Path(str(repo.working_tree_dir)).resolve()
            relative = [Path(p).resolve().relative_to(top).as_posix() for p in paths]
            repo.git.add("--", *relative)
            repo.git.commit("--quiet", "--only", "-m", message, "--", *relative)
            return str(repo.head.commit.hexsha)
    except git.GitCommandNotFound as exc:
        raise GitError(_NO_GIT) from exc
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise GitError(f"{root} is not in a git repository", hint="run 'git init' there, or leave out --commit") from exc
    except git.GitCommandError as exc:
        detail = (exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n") or str(exc)
        who = "tell me who you are" in detail.lower() or "identity" in detail.lower()
        hint = 'tell git who you are: git config user.name "Your Name"; git config user.email you@example.org' if who else None
        raise GitError(f"git could not commit {', '.join(relative) or root}: {detail}", hint=hint) from exc


#: The line of ``git status --porcelain=v2 --branch`` that names the HEAD commit.
_OID = b"# branch.oid "


def head_state(path: Path) -> tuple[str | None, bool]:
    """The HEAD commit of the repository holding ``path`` and whether ``path`` has uncommitted changes.

    The sha is None outside a repository (git installed or not: a check does
    not need git) and before the first commit. Dirty means a change to
    a tracked file or an untracked file git does not ignore, below ``path``
    only: a workspace inside a bigger repository is judged by its own files.
    A repository that exists but cannot be read is a GitError, never mistaken
    for "no repository": an :class:`UnsafeRepository` when git refuses it or
    when git is not installed (the working tree can still be checked).

    One plain ``git status`` rather than gitpython: ``check`` runs this every
    time, and importing gitpython would cost more than the call itself. Its
    ``--branch`` header names the HEAD commit, so no second call is needed
    unless there is no commit yet.
    """
    where = _at(Path(path), worktree=True)
    try:
        status = _call(where, "status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--untracked-files=normal", "--", ".")
    except FileNotFoundError:
        if inside_repository(where):  # a repository whose history cannot be read: not "no repository"
            raise _git_missing(where) from None
        return None, False
    if status.returncode != 0:
        stderr = status.stderr.decode("utf-8", "replace").strip()
        refused = _refused(where, stderr)
        if refused is not None:
            raise refused
        if "bad object" in stderr:
            raise GitError(f"{where}: HEAD is not a readable commit; the repository is damaged ({stderr})")
        if inside_repository(where):
            raise GitError(f"{where} is in a git repository that cannot be read: {stderr}")
        return None, False
    lines = status.stdout.splitlines()
    dirty = any(line and not line.startswith(b"# ") for line in lines)
    oid = next((line[len(_OID):].strip() for line in lines if line.startswith(_OID)), b"")
    if re.fullmatch(rb"[0-9a-f]{40}|[0-9a-f]{64}", oid):
        return oid.decode("ascii"), dirty
    head = _call(where, "rev-parse", "--verify", "--quiet", "HEAD")
    if head.returncode != 0:
        # Unborn (no commit yet) is normal; a branch ref naming a missing commit is breakage.
        ref = _call(where, "symbolic-ref", "--quiet", "HEAD").stdout.decode("utf-8", "replace").strip()
        if ref and _call(where, "show-ref", "--verify", "--quiet", ref).returncode == 0:
            raise GitError(f"{where}: HEAD ({ref}) is not a readable commit; the repository is damaged")
        return None, dirty
    return head.stdout.decode("ascii", "replace").strip() or None, dirty


def _call(where: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` at ``where`` with the read settings; bytes out, never a prompt (FileNotFoundError without git)."""
    return subprocess.run(["git", "-C", str(where), *_READ_CONFIG, *args], capture_output=True,
                          stdin=subprocess.DEVNULL, check=False)


@dataclass(frozen=True)
class TreeEntry:
    """One file of a committed tree: its mode (``120000`` is a symlink), blob id and size."""

    mode: str
    blob: str
    size: int


@dataclass
class Snapshot:
    """A workspace exactly as committed: its files (relative to the workspace root) and their blobs.

    Blobs are read through one persistent ``git cat-file`` process; call
    :meth:`close` (or use ``with``) so that process does not outlive the run.
    """

    commit: str
    committed: dt.datetime
    files: dict[str, TreeEntry]
    reader: BlobReader = field(repr=False)

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The bytes of a blob (see :meth:`BlobReader.read` for ``max_bytes``)."""
        return self.reader.read(blob, max_bytes)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _prefix(root: Path) -> bytes:
    """Where the workspace sits in its repository, as git names paths: ``b""`` at the top, else ``b"dir/"``."""
    return _layout(root)[2]


def _layout(root: Path) -> tuple[Path, Path, bytes]:
    """The top of the repository holding ``root``, its (common) git directory, and :func:`_prefix` (one call)."""
    out = _git(root, "rev-parse", "--show-toplevel", "--git-common-dir").split(b"\n")
    top = Path(os.fsdecode(out[0]))
    common = Path(os.fsdecode(out[1])) if len(out) > 1 and out[1] else top / ".git"
    common = common if common.is_absolute() else _existing(root) / common
    prefix = Path(root).resolve().relative_to(top.resolve()).as_posix()
    return top, common, b"" if prefix == "." else os.fsencode(prefix) + b"/"


def _pathspec(prefix: bytes) -> str:
    """The workspace as a pathspec: from the top of the repository, taken literally (a ``[`` in a folder name is no glob)."""
    return ":(top,literal)" + os.fsdecode(prefix)


def snapshot(root: Path, rev: str) -> Snapshot:
    """The workspace at ``root`` as it was at revision ``rev`` (one ``git ls-tree``, blobs read on demand)."""
    sha = commit_of(root, rev)
    prefix = _prefix(root)
    listing = _git(root, "ls-tree", "-r", "-z", "--long", "--full-tree", sha, "--", _pathspec(prefix))
    files: dict[str, TreeEntry] = {}
    for item in listing.split(b"\0"):
        meta, tab, raw = item.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4 or fields[1] != b"blob" or not raw.startswith(prefix) or not decode.safe_path(raw):
            continue
        mode, _, blob, size = (f.decode("ascii", "replace") for f in fields)
        files[decode.path(raw[len(prefix):])] = TreeEntry(mode, blob, int(size) if size.isdigit() else 0)
    if prefix and "isoctl.yaml" not in files:
        # a workspace in a folder of a bigger repository is often younger than the repository
        where = decode.path(prefix)
        state = "has no isoctl.yaml" if files else "does not exist"
        raise WorkspaceError(f"{where} {state} in commit {sha[:12]}: the workspace is younger than that revision",
                             hint=f"choose a later revision; 'git log --oneline -- {where}' lists the commits that "
                                  "changed the workspace")
    committed, _ = commit_date(root, sha)
    return Snapshot(sha, committed, files, BlobReader(root))


def _git(root: Path, *args: str) -> bytes:
    """``git ARGS`` run at ``root``: its output as bytes; a GitError (UnsafeRepository, not a repository) on failure."""
    where = _at(root)
    try:
        done = _call(where, *args)
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        refused = _refused(where, stderr)
        if refused is not None:
            raise refused
        if "not a git repository" in stderr:
            raise GitError(f"{root} is not in a git repository, so there is no history to read",
                           hint="--at, diff, history and report need the workspace to be a git repository")
        raise GitError(stderr.splitlines()[-1] if stderr else f"git {args[0]} failed")
    return done.stdout


def _run(root: Path, *args: str) -> str:
    """``git ARGS`` at ``root`` for output that is ASCII by nature (shas, refs, true/false)."""
    return _git(root, *args).decode("utf-8", "replace")


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
    where = _at(root)
    head = _call(where, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    sha = head.stdout.decode("ascii", "replace").strip()
    if head.returncode == 0 and sha:
        return sha
    branch = decode.text(_call(where, "symbolic-ref", "--quiet", "--short", "HEAD").stdout)
    others = _call(where, "for-each-ref", "--count=1", "--format=%(refname)", "refs/heads/").stdout.strip()
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


def commit_of(root: Path, rev: str) -> str:
    """The commit sha ``rev`` names: a sha, tag, branch, ``HEAD~3``, or a day (the last commit on or before it).

    A day after the last commit is the last commit (HEAD).
    """
    if _DAY.match(rev):
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
    raw = _git(root, "log", "-1", "--no-walk", "--date=raw", "--format=%ad%n%cd", sha, "--").split(b"\n")
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
    base_found = ancestry is not None and _call(_at(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                                                f"{ancestry['base']}^{{commit}}").returncode == 0
    if base_found:
        return GitError(f"'{rev}' is older than the oldest commit of this shallow clone{_oldest(root)}: the history "
                        "before it was not fetched", hint=FETCH_HISTORY)
    return GitError(f"unknown revision '{rev}' in a shallow clone: it may be a commit or branch that was not fetched "
                    f"(the oldest commit here is{_oldest(root) or ' unknown'})", hint=FETCH_HISTORY)


def _oldest(root: Path) -> str:
    """`` <sha> of <day>``: the oldest commit a shallow clone holds on HEAD's line, or ``""`` when git cannot say."""
    try:  # the commits whose parents were not fetched look parentless; git lists them newest first
        out = _git(root, "log", "--format=%H %cs", "--max-parents=0", "HEAD")
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
    top, common, prefix = _layout(root)
    if until == "HEAD" and head_state(root)[0] is None:
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
    out = _git(root, "log", "-z", "--raw", "--no-renames", "--no-abbrev", "--reverse", "--first-parent", "-m",
               "--date=raw", _LOG_FORMAT, revisions, "--", _pathspec(prefix))
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
        oldest = _git(root, "rev-list", "--first-parent", "--parents", "--reverse", f"{tip}..{until}", "--")
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


class BlobReader:
    """Blob bytes through one persistent ``git cat-file --batch`` process, asked one blob at a time; close it
    when done (or use ``with``).

    A plain process rather than gitpython's object database: reading blobs
    needs nothing more, and importing gitpython cost a report or a ``--at``
    check more than the reads themselves.
    """

    def __init__(self, root: Path | None = None) -> None:
        try:
            self._process = subprocess.Popen(["git", "-C", str(_at(root or Path.cwd())), *_READ_CONFIG, "cat-file",
                                              "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise GitError(_NO_GIT) from None

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The bytes of the object ``blob`` (a full hexadecimal id); GitError when git does not have it.

        One larger than ``max_bytes`` is passed over unread and refused as
        :class:`~isoctl.errors.TooLarge`, naming its size (a file too large for
        a record, committed once, must not fill the memory of every run that
        reads the history).
        """
        if not _OBJECT_ID.fullmatch(blob):
            raise GitError(f"not an object id: {blob!r}")
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(blob.encode("ascii") + b"\n")
            stdin.flush()
            header = stdout.readline().split()
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                data = _body(stdout, size, max_bytes)
                if isinstance(data, _Head):
                    raise TooLarge(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a record file",
                                   head=data.data)
                if len(data) == size:
                    return data
        except (OSError, ValueError):  # git has gone (a broken pipe), or this reader was closed
            pass
        raise GitError(f"git cannot give object {blob} of this repository (it is missing, or the repository "
                       "is damaged)")

    def close(self) -> None:
        process = self._process
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        process.kill()
        process.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: How much of a blob passed over unread is read (and dropped) at a time.
_BLOCK = 1 << 20
#: How much of the beginning of a blob passed over is kept (enough to see whether Markdown is a record).
_HEAD = 1 << 16


@dataclass(frozen=True)
class _Head:
    """The first bytes of an object too large to be read whole (the rest was read and dropped)."""

    data: bytes


def _body(stdout: IO[bytes], size: int, max_bytes: int | None) -> bytes | _Head:
    """The ``size`` bytes of one object of ``git cat-file --batch`` after its header, and the newline after them;
    for one larger than ``max_bytes``, only its first :data:`_HEAD` bytes (the rest read and dropped a block at a
    time)."""
    if max_bytes is None or size <= max_bytes:
        data = stdout.read(size)
        stdout.read(1)
        return data
    head = stdout.read(min(size, _HEAD))
    size -= len(head)
    while size > 0 and head:
        block = stdout.read(min(size, _BLOCK))
        if not block:
            break
        size -= len(block)
    stdout.read(1)
    return _Head(head)


#: The read buffer of a stream of blobs: a few at a time per read from the pipe, rather than one in two reads (a
#: record file is a few kilobytes; the default buffer is 8).
_STREAM_BUFFER = 256 * 1024


def read_blobs(root: Path, blobs: Sequence[str], *, max_bytes: int | None = None
               ) -> Iterator[tuple[str, bytes | None]]:
    """Many blobs through one ``git cat-file --batch`` run, in the order asked; None for one git does not have,
    and for one larger than ``max_bytes`` (passed over unread: a history holding one huge file costs no memory).

    A walk through the history that reads thousands of blobs one request at
    a time spends most of its time waiting on each answer; this streams them.
    The ids go in from a thread, so neither side waits on a full pipe.
    """
    if not blobs:
        return
    try:
        process = subprocess.Popen(["git", "-C", str(_at(root)), *_READ_CONFIG, "cat-file", "--batch"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   bufsize=_STREAM_BUFFER)
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout
    # Every id fits in the pipe at once (the thread writing them is done before the reading starts), and git reads
    # blobs ahead while this process cuts one apart: in the default pipes the two took turns, and splitting the
    # 4,598 blobs of the 2,000-commit benchmark took 460 ms instead of 270.
    pipes.widen(stdin, 65 * len(blobs))  # (an id and its newline: 41 bytes, or 65 for SHA-256)
    pipes.widen(stdout)

    def feed() -> None:
        try:
            for blob in blobs:
                stdin.write(blob.encode("ascii", "replace") + b"\n")
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for blob in blobs:
            header = stdout.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                yield blob, None  # "<id> missing" (or an answer git could not give)
                if not header:
                    break
                continue
            data = _body(stdout, int(header[2]), max_bytes)
            yield blob, None if isinstance(data, _Head) else data
    finally:
        stdout.close()
        with contextlib.suppress(OSError):
            stdin.close()
        process.kill()
        process.wait()
        writer.join(timeout=5)


def repo_prefix(root: Path) -> str:
    """The workspace's path inside its git repository, as CI platforms name files: ``"compliance/"``, or ``""``
    at the top of the repository, outside git, and where git cannot say (not installed, another user's repository).

    Annotations and code-quality reports are placed by the path from the repository root, whatever directory
    isoctl ran in; a workspace in a subdirectory of a product repository must prefix its paths with this.
    """
    try:
        return decode.path(_prefix(root))
    except (GitError, ValueError, OSError):
        return ""
