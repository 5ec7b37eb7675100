"""Files git would wait on forever: a repository is looked over before git runs in it.

git opens the files of its repository without asking what they are. A FIFO
named ``.git/index`` (or ``HEAD``, ``config``, ``packed-refs``, a
``.gitignore`` below the workspace ...) has ``git status`` wait for a writer
that never comes, and a link to a device such as ``/dev/zero`` has it read
without end; isoctl would hang with it. git itself never commits such a
file (a clone cannot carry one), so one is always something made on this
machine, by hand or by a tool.

:func:`check` finds the repository that holds a directory as git does (the
first ``.git`` above it, a directory or a ``gitdir:`` file; ``GIT_DIR``
when set) and looks at what git reads before any command: its ``HEAD``
and the ref it names, ``config``, ``index``, ``packed-refs``, ``shallow``,
``commondir`` and the files of ``info/`` and ``objects/info/``. With
``worktree``, also every ``.gitignore`` and ``.gitattributes`` from the top
of the working tree down to the directory and below it (what ``git
status``, ``add`` and ``commit`` read). One that is there and is not a
regular file is an :class:`~isoctl.errors.UnsafeRepository`, naming it:
``check`` then works without git, as for a repository git refuses to read.
Each directory is looked over once an evaluation (:func:`forget`, which
:func:`isoctl.core.evaluate.open_evaluation` calls: a long-running caller
sees a file that appeared since); it costs a few ``lstat`` calls, plus a
walk of the folders below for ``worktree``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from isoctl.errors import UnsafeRepository

#: What git reads in its directory (and in the common directory of a linked worktree) before any command.
GIT_FILES = ("HEAD", "config", "commondir", "index", "packed-refs", "shallow", "info/exclude", "info/grafts",
             "info/attributes", "info/sparse-checkout", "objects/info/alternates")
#: What git reads in each folder of the working tree it looks at.
WORKTREE_FILES = (".gitignore", ".gitattributes")
#: The most of a ``.git`` file, ``HEAD`` or ``commondir`` read to follow it: each is one short line.
SMALL = 4096

_checked: set[tuple[Path, bool]] = set()


def forget() -> None:
    """Look every directory over again before git next runs in it."""
    _checked.clear()


def check(where: Path, *, worktree: bool = False) -> None:
    """UnsafeRepository if git, run at ``where`` (an existing directory), would open a file that is not one."""
    key = (where, worktree)
    if key in _checked:
        return
    located = _git_dir(where)
    if located is not None:
        top, git_dir = located
        _check_git_dir(git_dir)
        if worktree and top is not None:
            _check_worktree(top, where)
    _checked.add(key)


def _kind(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file or a directory (None when it is one)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(path: Path, kind: str) -> UnsafeRepository:
    return UnsafeRepository(f"{path} is {kind}, not a file: git would wait on it for ever, so isoctl does not run "
                            "git in this repository and its history is unavailable",
                            hint=f"remove {path} (or put a regular file in its place)")


def _stat(path: Path, *, follow: bool = True) -> os.stat_result | None:
    try:
        return os.stat(path) if follow else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # a loop of links, no permission: git fails on it with a message, and does not wait
        return None


def _line(path: Path) -> str:
    """The first line of a small regular file (already known to be one), or "" when it cannot be read."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
        descriptor = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced since it was looked at
                raise _refuse(path, _kind(os.fstat(descriptor).st_mode) or "not a regular file")
            data = os.read(descriptor, SMALL)
        finally:
            os.close(descriptor)
    except OSError:
        return ""
    return data.decode("utf-8", "replace").split("\n", 1)[0].strip()


def _git_dir(where: Path) -> tuple[Path | None, Path] | None:
    """(the top of the working tree, the git directory) git would use at ``where``; None outside a repository.

    The top is None when ``GIT_DIR`` names the directory (git then takes the working tree from elsewhere).
    """
    named = os.environ.get("GIT_DIR")
    if named:
        return None, where / named
    for directory in (where, *where.parents):
        entry = directory / ".git"
        info = _stat(entry, follow=False)
        if info is None:
            continue
        if stat.S_ISLNK(info.st_mode):
            info = _stat(entry)
            if info is None:
                continue  # a dangling link: git does not take it for a repository
        kind = _kind(info.st_mode)
        if kind is not None:
            raise _refuse(entry, kind)
        if stat.S_ISDIR(info.st_mode):
            return directory, entry
        line = _line(entry)  # a linked worktree or a submodule: "gitdir: <path>"
        if not line.startswith("gitdir:"):
            return None  # not a repository git can use; it says so itself
        target = Path(line[len("gitdir:"):].strip())
        return directory, target if target.is_absolute() else directory / target
    return None


def _check_git_dir(git_dir: Path) -> None:
    directories = [git_dir]
    common = git_dir / "commondir"
    info = _stat(common)
    if info is not None and stat.S_ISREG(info.st_mode):
        named = Path(_line(common))
        if str(named):
            directories.append(named if named.is_absolute() else git_dir / named)
    for directory in directories:
        for name in GIT_FILES:
            _must_be_a_file(directory / name)
    head = git_dir / "HEAD"
    info = _stat(head)
    if info is not None and stat.S_ISREG(info.st_mode):
        line = _line(head)
        if line.startswith("ref:"):
            ref = line[len("ref:"):].strip()
            if ref and ".." not in ref.split("/"):
                for directory in directories:
                    _must_be_a_file(directory / ref)


def _must_be_a_file(path: Path) -> None:
    info = _stat(path)
    if info is not None:
        kind = _kind(info.st_mode)
        if kind is not None:
            raise _refuse(path, kind)


def _check_worktree(top: Path, where: Path) -> None:
    """The ignore and attribute files from ``top`` down to ``where``, then in every folder below it.

    git does not follow a link to one of these files (it reads the link's
    target only as a regular file), nor a link to a folder; neither is
    looked at here.
    """
    above = list(where.parents)  # ``where`` itself: with the folders below it
    for directory in above[: above.index(top) + 1] if top in above else []:
        _worktree_files(directory)
    pending = [where]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.name == ".git":
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif entry.name in WORKTREE_FILES and not entry.is_symlink() and not entry.is_file():
                        raise _refuse(Path(entry.path), _kind(entry.stat(follow_symlinks=False).st_mode)
                                      or "not a regular file")
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue


def _worktree_files(directory: Path) -> None:
    for name in WORKTREE_FILES:
        info = _stat(directory / name, follow=False)
        if info is not None and not stat.S_ISLNK(info.st_mode):
            kind = _kind(info.st_mode)
            if kind is not None:
                raise _refuse(directory / name, kind)
