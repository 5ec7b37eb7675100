"""Where ``-o FILE`` output goes, decided by what is at ``FILE``.

A regular file (or nothing yet) is replaced atomically: a temp file beside the
target, renamed over it, so a reader sees the old report or the new one and a
full disk leaves the old one whole. Anything else that accepts bytes — a named
pipe, a terminal, ``/dev/null``, ``/dev/stdout``, a shell's ``>(cmd)`` — is
written to directly: renaming a file over it would replace the device node or
the pipe and send its reader nothing. A directory, a file the workspace reads
as a record, or a target that cannot be written is an :class:`OutputError`
(exit 2), and nothing is left half-written.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

from isoctl.errors import OutputError, reason

_RECORD_SUFFIXES = (".yaml", ".yml")


def write_stdout(data: bytes) -> None:
    """Write all of ``data`` to stdout, after whatever text is waiting there.

    An unbuffered stdout (``python -u``, ``PYTHONUNBUFFERED``) is the raw file,
    which writes once per call and may take only part of the bytes (a pipe
    whose reader went away, a signal): the rest is written until it is all
    out, or the write fails (a reader gone: BrokenPipeError, exit 141).
    """
    sys.stdout.flush()
    view = memoryview(data)
    while view:
        written = sys.stdout.buffer.write(view)
        if written is None:  # a non-blocking stdout that takes nothing now
            raise BlockingIOError(errno.EAGAIN, "standard output would block")
        view = view[written:]
    sys.stdout.buffer.flush()


def write_output(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` as described above; OutputError (exit 2) when it cannot be done safely."""
    shown = os.fsdecode(target)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"-o {shown}: {reason(exc)}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"-o {shown}: is a directory", hint="name a file: -o DIR/report.html")
    if (info is not None and not stat.S_ISREG(info.st_mode)) or _through_proc(target):
        _write_directly(target, shown, data)
        return
    # A symlink to a report (report.html -> out/2026.html) keeps being a link: the file it names is replaced.
    real = Path(os.path.realpath(target))
    _refuse_record(real, shown)
    if not real.parent.is_dir():
        raise OutputError(f"-o {shown}: directory {os.fsdecode(real.parent)} does not exist")
    from isoctl.files.atomic import write_atomically

    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    try:
        write_atomically(real, data, mode=mode)
    except OSError as exc:
        raise OutputError(f"-o {shown}: {reason(exc)}", hint=_hint(exc)) from None


def _through_proc(target: Path) -> bool:
    """``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``: an open file of this process, even a regular one.

    Replacing it would rename a file over the shell's redirection target (or,
    as root, over the ``/dev`` entry itself); writing to it appends where the
    shell pointed it.
    """
    real = os.path.realpath(target)
    return real.startswith(("/proc/", "/dev/")) or os.path.abspath(target).startswith(("/proc/", "/dev/"))


def _write_directly(target: Path, shown: str, data: bytes) -> None:
    # O_NONBLOCK: a pipe with no reader must fail at once (ENXIO), not wait forever for one.
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"-o {shown}: no process is reading this named pipe") from None
        raise OutputError(f"-o {shown}: {reason(exc)}", hint=_hint(exc)) from None
    try:
        os.set_blocking(fd, True)  # the reader is there now; let it read at its own pace
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BrokenPipeError:  # the reader went away: the boundary ends quietly, as a shell filter does
        raise
    except OSError as exc:
        raise OutputError(f"-o {shown}: {reason(exc)}", hint=_hint(exc)) from None
    finally:
        os.close(fd)


def _refuse_record(real: Path, shown: str) -> None:
    """Refuse to overwrite the manifest or a record file of any workspace the target lies in."""
    from isoctl.workspace.discover import MANIFEST, find_root

    root = find_root(real.parent) if real.parent.is_dir() else None
    if root is None:
        return
    is_record = real.name == MANIFEST or real.suffix.lower() in _RECORD_SUFFIXES or (
        real.suffix.lower() == ".md" and _has_front_matter(real)
    )
    if is_record:
        relative = real.relative_to(root).as_posix()
        raise OutputError(
            f"-o {shown}: {relative} would be read as a record of the workspace at {os.fsdecode(root)}",
            hint="write the output outside the workspace, or under a name that is not .yaml/.yml",
        )


def _has_front_matter(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4).rstrip(b"\r\n") == b"---"
    except OSError:
        return False


def _hint(exc: OSError) -> str | None:
    if exc.errno == errno.ENOSPC:
        return "free some space and run again; the previous file, if any, is unchanged"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        from isoctl.files.atomic import READ_ONLY

        if exc.strerror == READ_ONLY:
            return "make it writable (chmod u+w) if it is to be replaced, or write to another file"
        return "choose a directory you can write to"
    return None


def default_in_workspace(root: Path, relative: str, option: str) -> Path:
    """``root / relative``, where a command writes in the workspace by default; OutputError when a link on the way
    leads outside it (``option`` writes elsewhere on purpose)."""
    from isoctl.actions.writes import inside_workspace

    if inside_workspace(root, relative) is None:
        raise OutputError(f"{relative} leads outside the workspace; isoctl writes only inside it, nothing was written",
                          hint=f"to write it elsewhere on purpose, give {option}")
    return root / relative
