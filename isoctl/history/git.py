"""The git layer's base: running ``git`` safely, and the repository itself (its first commit and later ones, the
user's identity, HEAD and the state of the working tree, where the workspace sits in it).

The rest of the layer reads through :func:`run` and :func:`call`:
:mod:`isoctl.history.revisions` (which commit a revision names, the
workspace's log), :mod:`isoctl.history.trees` (a workspace as committed) and
:mod:`isoctl.history.catfile` (blobs, through ``git cat-file``). Reads run
``git`` itself and read its output as bytes; gitpython, which costs ~170 ms
to import, is used only to write (``init``, commits) and to ask for the
user's identity, here and nowhere else, and is imported inside those
functions: ``import isoctl.history.git`` stays free, and commands that only
read never pay for it. Every failure a user can cause (no git installed, a
broken repository) becomes a :class:`~isoctl.errors.GitError` with a clear
message instead of a traceback. Repository handles are always closed, as
are the blob readers of :mod:`~isoctl.history.catfile`: no ``git cat-file``
process outlives a call.

Whatever a repository holds is untrusted: git's output is read as bytes and
every name, date and file name goes through :mod:`isoctl.history.decode`.
A repository git refuses to read because another user owns it is an
:class:`UnsafeRepository`, which ``check`` can work without.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from types import ModuleType

from isoctl.errors import GitError
from isoctl.errors import UnsafeRepository as UnsafeRepository  # raised here; callers catch git.UnsafeRepository
from isoctl.history import decode, guard

#: Who commits when the user has no git identity configured at all: a scaffold
#: must still get its first commit, and git would otherwise invent
#: ``user@hostname`` or refuse outright.
FALLBACK_NAME = "isoctl"
FALLBACK_EMAIL = "isoctl@localhost"

#: What a GitError says when there is no ``git`` to run.
NO_GIT = "git is not installed or not on PATH"

#: Settings every read runs with, whatever the user's or the repository's configuration says: output in
#: UTF-8 and without colour or signature-check text, and no fsmonitor command (which a repository's own
#: configuration names) run by ``git status``.
READ_CONFIG = ("-c", "i18n.logOutputEncoding=UTF-8", "-c", "color.ui=false", "-c", "log.showSignature=false",
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
    return UnsafeRepository(f"{NO_GIT}, so the history of the repository at {where} is unavailable",
                            hint="install git, or add the directory that holds it to PATH")


def _gitpython() -> ModuleType:
    """Import gitpython, turning a missing git binary into a GitError."""
    try:
        import git
    except ImportError as exc:  # gitpython refuses to import without a git executable
        raise GitError(NO_GIT, hint="install git, or run without git (for example 'isoctl init --no-git')") from exc
    return git


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing ancestor: git must run somewhere that exists."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def run_dir(path: Path, *, worktree: bool = False) -> Path:
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
    runner = git.Git(str(run_dir(Path(path))))

    def get(key: str) -> str | None:
        try:
            value = runner.config("--get", key)
        except git.GitCommandNotFound as exc:
            raise GitError(NO_GIT) from exc
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
        raise GitError(NO_GIT) from exc
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
        with git.Repo(str(run_dir(Path(root), worktree=True)), search_parent_directories=True) as repo:
            top = Path(str(repo.working_tree_dir)).resolve()
            relative = [Path(p).resolve().relative_to(top).as_posix() for p in paths]
            repo.git.add("--", *relative)
            repo.git.commit("--quiet", "--only", "-m", message, "--", *relative)
            return str(repo.head.commit.hexsha)
    except git.GitCommandNotFound as exc:
        raise GitError(NO_GIT) from exc
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
    where = run_dir(Path(path), worktree=True)
    try:
        status = call(where, "status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--untracked-files=normal", "--", ".")
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
    head = call(where, "rev-parse", "--verify", "--quiet", "HEAD")
    if head.returncode != 0:
        # Unborn (no commit yet) is normal; a branch ref naming a missing commit is breakage.
        ref = call(where, "symbolic-ref", "--quiet", "HEAD").stdout.decode("utf-8", "replace").strip()
        if ref and call(where, "show-ref", "--verify", "--quiet", ref).returncode == 0:
            raise GitError(f"{where}: HEAD ({ref}) is not a readable commit; the repository is damaged")
        return None, dirty
    return head.stdout.decode("ascii", "replace").strip() or None, dirty


def call(where: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` at ``where`` with the read settings; bytes out, never a prompt (FileNotFoundError without git)."""
    return subprocess.run(["git", "-C", str(where), *READ_CONFIG, *args], capture_output=True,
                          stdin=subprocess.DEVNULL, check=False)


def run(root: Path, *args: str) -> bytes:
    """``git ARGS`` run at ``root``: its output as bytes; a GitError (UnsafeRepository, not a repository) on failure."""
    where = run_dir(root)
    try:
        done = call(where, *args)
    except FileNotFoundError:
        raise GitError(NO_GIT) from None
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


def prefix(root: Path) -> bytes:
    """Where the workspace sits in its repository, as git names paths: ``b""`` at the top, else ``b"dir/"``."""
    return layout(root)[2]


def layout(root: Path) -> tuple[Path, Path, bytes]:
    """The top of the repository holding ``root``, its (common) git directory, and :func:`prefix` (one call)."""
    out = run(root, "rev-parse", "--show-toplevel", "--git-common-dir").split(b"\n")
    top = Path(os.fsdecode(out[0]))
    common = Path(os.fsdecode(out[1])) if len(out) > 1 and out[1] else top / ".git"
    common = common if common.is_absolute() else _existing(root) / common
    prefix = Path(root).resolve().relative_to(top.resolve()).as_posix()
    return top, common, b"" if prefix == "." else os.fsencode(prefix) + b"/"


def pathspec(prefix: bytes) -> str:
    """The workspace as a pathspec: from the top of the repository, taken literally (a ``[`` in a folder name is no glob)."""
    return ":(top,literal)" + os.fsdecode(prefix)


def repo_prefix(root: Path) -> str:
    """The workspace's path inside its git repository, as CI platforms name files: ``"compliance/"``, or ``""``
    at the top of the repository, outside git, and where git cannot say (not installed, another user's repository).

    Annotations and code-quality reports are placed by the path from the repository root, whatever directory
    isoctl ran in; a workspace in a subdirectory of a product repository must prefix its paths with this.
    """
    try:
        return decode.path(prefix(root))
    except (GitError, ValueError, OSError):
        return ""
