"""Writing record files so that nothing is ever half-written, lost or overwritten.

* :func:`replace_atomically` writes a temp file next to the target and renames
  it over the target: a reader (an editor, ``isoctl check``, git) sees the old
  bytes or the new bytes, never a mix, and a crash leaves the original whole.
* :func:`create_exclusively` publishes a new file only if no file of that name
  exists, atomically (hard link of a complete temp file), which is what keeps
  two ``isoctl action new`` running at once from taking the same id.
* :func:`locked` serialises read-modify-write cycles on one file between
  processes, so two concurrent edits of one log both survive.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from isoctl.errors import WorkspaceError, reason
from isoctl.files.atomic import temp_beside, write_all, write_atomically

#: How long an edit waits for another isoctl to finish with the same file.
LOCK_TIMEOUT = 15.0


def replace_atomically(target: Path, data: bytes) -> None:
    """Replace ``target``'s content with ``data`` via temp file + ``os.replace``, keeping its mode."""
    write_atomically(target, data, mode=stat.S_IMODE(target.stat().st_mode))


def create_exclusively(target: Path, data: bytes) -> None:
    """Create ``target`` holding ``data``; FileExistsError, and nothing written, if it already exists.

    The content is complete before the name appears (a hard link of a written
    temp file), so nobody ever reads a half-written record. Filesystems
    without hard links fall back to an exclusive create followed by the write.
    """
    fd, temp = temp_beside(target)
    try:
        write_all(fd, data)
        try:
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            fallback = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                write_all(fallback, data)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(target)  # never leave a half-written record behind (a full disk)
                raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def lock_path(target: Path) -> Path:
    """The lock file that guards edits of ``target`` (a dot-file, so no scan ever reads it)."""
    return target.with_name(f".{target.name}.isoctl-lock")


def inside_workspace(root: Path, relative: str) -> Path | None:
    """``root / relative`` with every symlink resolved, or None when that leads outside ``root``.

    The same test ``check`` applies to symlinks, made on the real path of the
    target and so of every folder above it: a record written through a link to
    somewhere else would change files nobody reviews. A path whose links loop
    cannot be resolved at all, and is refused too.
    """
    try:
        real_root = Path(os.path.realpath(root, strict=True))
        candidate = Path(os.path.realpath(root / relative))
    except OSError:  # a symlink loop (ELOOP), or a root that vanished
        return None
    return candidate if candidate == real_root or real_root in candidate.parents else None


@contextlib.contextmanager
def locked(target: Path, *, timeout: float | None = None, label: str | None = None) -> Iterator[None]:
    """Hold the exclusive lock for editing ``target`` while the block runs.

    The lock is a file created with O_EXCL, holding the owner's pid and host,
    and removed afterwards (nothing is left behind for git to see), also when
    writing it fails: a full disk must not leave a lock that blocks every later
    edit. A lock whose owner no longer runs on this host, or one that is still
    empty or unreadable after :data:`STALE_AFTER` seconds (its owner died
    between creating and writing it), is taken over. One held longer than
    ``timeout`` by a live process is an error naming the file, as git does
    with ``index.lock``. ``label`` names the file in messages (its path
    relative to the workspace).
    """
    name = label or target.name
    path = lock_path(target)
    owner = f"{os.getpid()} {socket.gethostname()}\n".encode()
    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    delay = 0.002
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            seen = _stale(path)
            if seen is not None:
                _take_over(path, seen)
                continue
            if time.monotonic() > deadline:
                raise WorkspaceError(
                    f"{name} is being edited by another isoctl (lock file {path})",
                    hint="wait and try again; if no isoctl is running, delete the lock file",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            continue
        except OSError as exc:
            raise WorkspaceError(f"cannot edit {name}: cannot create its lock file: {reason(exc)}; "
                                 "it was left as it was") from None
        try:
            write_all(fd, owner, sync=False)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise WorkspaceError(f"cannot edit {name}: cannot write its lock file: {reason(exc)}; "
                                 "it was left as it was") from None
        break
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


#: How old an empty or unreadable lock must be before it counts as abandoned: its owner writes the
#: pid right after creating it, so only an owner that died (or a full disk, before this fix) leaves one.
STALE_AFTER = 5.0


def _stale(path: Path) -> os.stat_result | None:
    """The lock's stat when it is abandoned: its process of this host no longer runs, or it stayed empty."""
    try:
        seen = os.lstat(path)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # gone already: the next attempt takes it
    try:
        pid_text, host = text.split()
        pid = int(pid_text)
        if pid <= 0:
            raise ValueError(pid_text)  # 0 and -n name process groups, never an owner
    except ValueError:
        return seen if time.time() - seen.st_mtime > STALE_AFTER else None
    if host != socket.gethostname() or pid == os.getpid() or os.name != "posix":
        return None  # no cheap, safe liveness check; the timeout message covers it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return seen
    except (PermissionError, OverflowError, ValueError):
        return None
    return None


def _take_over(path: Path, seen: os.stat_result) -> None:
    """Remove the abandoned lock ``seen``, and only that one.

    Two isoctl that both find the same abandoned lock must not remove each
    other's fresh one: the lock is first renamed aside (atomic, only one of
    them succeeds), and put back if what moved is not the file judged stale.
    """
    aside = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.stale")
    try:
        os.rename(path, aside)
    except OSError:
        return
    try:
        moved = os.lstat(aside)
        if (moved.st_dev, moved.st_ino) != (seen.st_dev, seen.st_ino):
            with contextlib.suppress(OSError):
                os.link(aside, path)  # a live lock taken a moment ago: give it back (fails if one exists again)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(aside)
