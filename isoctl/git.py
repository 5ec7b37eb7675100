"""The git layer: the only module of isoctl that talks to gitpython.

gitpython costs ~170 ms to import and needs a git binary, so it is imported
inside each function: ``import isoctl.git`` stays free, and commands that never
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
from typing import TYPE_CHECKING, Any

from isoctl.errors import GitError, UsageError

if TYPE_CHECKING:
    pass

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



# -- reading the repository at a commit ---------------------------------------

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
    _repo: Any = field(repr=False)

    def read(self, blob: str) -> bytes:
        """The bytes of a blob."""
        data: bytes = self._repo.odb.stream(bytes.fromhex(blob)).read()
        return data

    def close(self) -> None:
        self._repo.close()

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


def resolve_revision(repo: Any, rev: str) -> str:
    """A commit sha for a sha, tag, branch, ``HEAD~3``, or a day (the last commit on or before it)."""
    git = _gitpython()
    if _DAY.match(rev):
        try:
            day = dt.date.fromisoformat(rev)
        except ValueError:
            raise UsageError(f"'{rev}' is not a date") from None
        found = repo.git.rev_list("-1", f"--before={day.isoformat()} 23:59:59", "HEAD") if repo.head.is_valid() else ""
        if not found:
            raise UsageError(f"no commit on or before {rev}")
        return str(found).strip()
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")).strip()
    except git.GitCommandError:
        raise UsageError(f"unknown revision '{rev}'", hint="give a commit, tag, branch or a date YYYY-MM-DD") from None


def snapshot(root: Path, rev: str) -> Snapshot:
    """The workspace at ``root`` as it was at revision ``rev`` (one ``git ls-tree``, blobs read on demand)."""
    repo = _open(root)
    try:
        sha = resolve_revision(repo, rev)
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
        return Snapshot(sha, committed, files, repo)
    except BaseException:
        repo.close()
        raise
