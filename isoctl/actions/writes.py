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
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from isoctl.errors import WorkspaceError
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
            write_all(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def lock_path(target: Path) -> Path:
    """The lock file that guards edits of ``target`` (a dot-file, so no scan ever reads it)."""
    return target.with_name(f".{target.name}.isoctl-lock")


@contextlib.contextmanager
def locked(target: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock for editing ``target`` while the block runs.

    The lock is a file created with O_EXCL and removed afterwards (nothing is
    left behind for git to see). A lock whose owner died on this host is
    broken; one held longer than ``timeout`` by a live process is an error
    naming the file, as git does with ``index.lock``.
    """
    path = lock_path(target)
    owner = f"{os.getpid()} {socket.gethostname()}\n".encode()
    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    delay = 0.002
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if _stale(path):
                with contextlib.suppress(OSError):
                    os.unlink(path)
                continue
            if time.monotonic() > deadline:
                raise WorkspaceError(
                    f"{target.name} is being edited by another isoctl (lock file {path})",
                    hint="wait and try again; if no isoctl is running, delete the lock file",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(owner)
        break
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _stale(path: Path) -> bool:
    """Whether the lock at ``path`` belongs to a process of this host that no longer runs."""
    if os.name != "posix":
        return False  # no cheap, safe liveness check; the timeout message covers it
    try:
        pid_text, host = path.read_text(encoding="utf-8").split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return False  # gone already, or still being written by its owner
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
