"""Writing a file so that readers see the old bytes or the new ones, never a mix, and a crash loses nothing.

The one place isoctl replaces a file: a temp file beside the target (the same
filesystem, so the rename is atomic), written in full, then renamed over it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

#: The reason :func:`refuse_read_only` gives.
READ_ONLY = "the file is read-only"


def temp_beside(target: Path) -> tuple[int, Path]:
    """A new temp file next to ``target`` (a dot-file, so no scan reads it), mode per umask."""
    while True:
        temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def write_all(fd: int, data: bytes, *, sync: bool = True) -> None:
    """Write and close ``fd``; with ``sync``, the bytes are on disk before the caller renames."""
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def write_atomically(target: Path, data: bytes, *, mode: int | None = None, sync: bool = True) -> None:
    """Replace (or create) ``target`` with ``data``.

    ``mode`` sets the permissions (a private cache file, or the mode of the file
    being replaced); without it they follow the umask like any new file. Caches
    pass ``sync=False``: a damaged entry is detected and rebuilt anyway.
    """
    refuse_read_only(target)
    fd, temp = temp_beside(target)
    try:
        write_all(fd, data, sync=sync)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def refuse_read_only(target: Path) -> None:
    """PermissionError when ``target`` is an existing file marked read-only (no write permission bit, or not writable
    by this user).

    A rename replaces a file whatever its mode, so without this an edit
    would overwrite a file its owner made read-only (``chmod a-w``), which
    a plain write would refuse; even as root, as editors refuse it.
    """
    try:
        info = os.stat(target)
    except OSError:
        return  # a new file, or one the write itself will report
    if stat.S_ISREG(info.st_mode) and (not info.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, READ_ONLY, str(target))
