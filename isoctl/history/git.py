"""The git layer: the only module of isoctl that talks to gitpython.

gitpython costs ~170 ms to import and needs a git binary, so it is imported
inside each function: ``import isoctl.history.git`` stays free, and commands that never
touch git never pay for it. Every failure a user can cause (no git installed,
a broken repository) becomes a :class:`~isoctl.errors.GitError` with a clear
message instead of a gitpython traceback. Repo handles are always closed, so no
``git cat-file`` process outlives a call.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from isoctl.errors import GitError, UsageError

#: Who commits when the user has no git identity configured at all: a scaffold
#: must still get its first commit, and git would otherwise invent
#: ``user@hostname`` or refuse outright.
FALLBACK_NAME = "isoctl"
FALLBACK_EMAIL = "isoctl@localhost"

_NO_GIT = "git is not installed or not on PATH"


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


def _inside_git_dir(path: Path) -> bool:
    """Whether ``path`` or a parent holds a ``.git`` entry (so a failure to open means breakage)."""
    here = _existing(path)
    return any((directory / ".git").exists() for directory in (here, *here.parents))


def user_identity(path: Path) -> tuple[str | None, str | None]:
    """The ``user.name`` and ``user.email`` git would use at ``path`` (None for each one unset).

    Read through ``git config`` run at ``path``, so repository, global and
    system configuration, ``includeIf`` and ``GIT_CONFIG_GLOBAL`` all count,
    exactly as they will for the commit.
    """
    git = _gitpython()
    runner = git.Git(str(_existing(Path(path))))

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
        with git.Repo(str(_existing(Path(root))), search_parent_directories=True) as repo:
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


def head_state(path: Path) -> tuple[str | None, bool]:
    """The HEAD commit of the repository holding ``path`` and whether ``path`` has uncommitted changes.

    The sha is None outside a repository, before the first commit, and when
    git is not installed (a check does not need git). Dirty means a change to
    a tracked file or an untracked file git does not ignore, below ``path``
    only: a workspace inside a bigger repository is judged by its own files.
    A repository that exists but cannot be read is a GitError, never mistaken
    for "no repository".

    Two plain ``git`` calls rather than gitpython: ``check`` runs this every
    time, and importing gitpython would cost more than the calls themselves.
    """
    import subprocess

    where = _existing(Path(path))
    try:
        status = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=normal", "--", "."],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None, False
    if status.returncode != 0:
        if "bad object" in status.stderr:
            raise GitError(f"{where}: HEAD is not a readable commit; the repository is damaged ({status.stderr.strip()})")
        if _inside_git_dir(where):
            raise GitError(f"{where} is in a git repository that cannot be read: {status.stderr.strip()}")
        return None, False
    head = subprocess.run(["git", "-C", str(where), "rev-parse", "--verify", "--quiet", "HEAD"],
                          capture_output=True, text=True, check=False)
    if head.returncode != 0:
        # Unborn (no commit yet) is normal; a branch ref naming a missing commit is breakage.
        ref = subprocess.run(["git", "-C", str(where), "symbolic-ref", "--quiet", "HEAD"],
                             capture_output=True, text=True, check=False).stdout.strip()
        exists = ref and subprocess.run(["git", "-C", str(where), "show-ref", "--verify", "--quiet", ref],
                                        capture_output=True, check=False).returncode == 0
        if exists:
            raise GitError(f"{where}: HEAD ({ref}) is not a readable commit; the repository is damaged")
        return None, bool(status.stdout.strip())
    return head.stdout.strip() or None, bool(status.stdout.strip())


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

    def read(self, blob: str) -> bytes:
        """The bytes of a blob."""
        return self.reader.read(blob)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(path: Path) -> Any:
    git = _gitpython()
    try:
        return git.Repo(str(_existing(path)), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not in a git repository, so there is no history to read",
                       hint="--at, diff, history and report need the workspace to be a git repository") from None


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def snapshot(root: Path, rev: str) -> Snapshot:
    """The workspace at ``root`` as it was at revision ``rev`` (one ``git ls-tree``, blobs read on demand)."""
    repo = _open(root)
    try:
        sha = commit_of(root, rev)
        top = Path(repo.working_tree_dir or root).resolve()
        prefix = Path(root).resolve().relative_to(top).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        listing = repo.git.ls_tree("-r", "-z", "--long", "--full-tree", sha, "--", prefix or ".")
        files: dict[str, TreeEntry] = {}
        for item in listing.split("\0"):
            if not item:
                continue
            meta, path = item.split("\t", 1)
            mode, kind, blob, size = meta.split()
            if kind != "blob" or not path.startswith(prefix):
                continue
            files[path[len(prefix):]] = TreeEntry(mode, blob, int(size) if size.isdigit() else 0)
        committed = repo.commit(sha).committed_datetime
        return Snapshot(sha, committed, files, BlobReader(repo=repo))
    except BaseException:
        repo.close()
        raise


@dataclass(frozen=True)
class Change:
    """One file a commit added (A), modified (M), deleted (D) or changed the type of (T)."""

    status: str
    path: str  # relative to the workspace root
    old_blob: str
    new_blob: str
    new_mode: str


@dataclass(frozen=True)
class CommitInfo:
    """A commit on the first-parent line, with the workspace files it changed."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: dt.datetime
    committed: dt.datetime
    subject: str
    changes: tuple[Change, ...]


_NULL = "0" * 40


def _workspace_prefix(root: Path, top: Path) -> str:
    prefix = Path(root).resolve().relative_to(top.resolve()).as_posix()
    return "" if prefix == "." else prefix + "/"


def _run(root: Path, *args: str) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(_existing(root)), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"git {args[0]} failed"
        if "not a git repository" in message:
            raise GitError(f"{root} is not in a git repository, so there is no history to read",
                           hint="--at, diff, history and report need the workspace to be a git repository")
        raise GitError(message)
    return done.stdout


def commit_of(root: Path, rev: str) -> str:
    """The commit sha ``rev`` names: a sha, tag, branch, ``HEAD~3``, or a day (the last commit on or before it)."""
    if _DAY.match(rev):
        try:
            day = dt.date.fromisoformat(rev)
        except ValueError:
            raise UsageError(f"'{rev}' is not a date") from None
        found = _run(root, "rev-list", "-1", f"--before={day.isoformat()} 23:59:59", "HEAD").strip()
        if not found:
            raise UsageError(f"no commit on or before {rev}")
        return found
    _run(root, "rev-parse", "--git-dir")  # outside a repository: say that, not "unknown revision"
    try:
        return _run(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except GitError:
        raise UsageError(f"unknown revision '{rev}'", hint="give a commit, tag, branch or a date YYYY-MM-DD") from None


def committed_at(root: Path, sha: str) -> dt.datetime:
    """When the commit ``sha`` was committed (its committer date, with its offset)."""
    return dt.datetime.fromisoformat(_run(root, "show", "-s", "--format=%cI", sha, "--").strip())


def is_shallow(root: Path) -> bool:
    """Whether the repository is a shallow clone (CI checkouts usually are): older history is missing."""
    return _run(root, "rev-parse", "--is-shallow-repository").strip() == "true"


def log(root: Path, *, until: str = "HEAD") -> list[CommitInfo]:
    """Every commit on the first-parent line up to ``until`` that touched the workspace, oldest first.

    One ``git log --raw`` call; merges show their changes against the first
    parent, renames are a deletion plus an addition (records are matched by
    id, not by file name).
    """
    top = Path(_run(root, "rev-parse", "--show-toplevel").strip())
    prefix = _workspace_prefix(root, top)
    if until == "HEAD" and head_state(root)[0] is None:
        return []  # no commit yet
    out = _run(root, "log", "-z", "--raw", "--no-renames", "--no-abbrev", "--reverse", "--first-parent", "-m",
               "--format=%x01%H%x02%P%x02%an%x02%ae%x02%aI%x02%cI%x02%s", until, "--", f":(top){prefix}")
    commits: list[CommitInfo] = []
    header: list[str] | None = None
    changes: list[Change] = []
    tokens = out.split("\0")
    index = 0

    def flush() -> None:
        if header is not None:
            sha, parents, author, email, authored, committed, subject = header
            commits.append(CommitInfo(sha, tuple(parents.split()), author, email, dt.datetime.fromisoformat(authored),
                                      dt.datetime.fromisoformat(committed), subject, tuple(changes)))

    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        index += 1
        if token.startswith("\x01"):
            flush()
            header = token[1:].split("\x02", 6)
            changes = []
        elif token.startswith(":") and index < len(tokens):
            _, new_mode, old_blob, new_blob, status = token[1:].split()
            path = tokens[index]
            index += 1
            if path.startswith(prefix):
                changes.append(Change(status[0], path[len(prefix):], old_blob, new_blob, new_mode))
    flush()
    return commits


class BlobReader:
    """Blob bytes through one persistent ``git cat-file --batch`` process; close it when done."""

    def __init__(self, root: Path | None = None, *, repo: Any = None) -> None:
        self._repo = repo if repo is not None else _open(root or Path.cwd())

    def read(self, blob: str) -> bytes:
        data: bytes = self._repo.odb.stream(bytes.fromhex(blob)).read()
        return data

    def close(self) -> None:
        self._repo.close()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
