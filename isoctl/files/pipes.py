"""Pipes as wide as Linux gives a user, for the streams between isoctl's processes (and git).

A pipe holds 64 KiB by default. A stream of megabytes through it makes the
two ends take turns: the writer stops each time the pipe is full, the reader
each time it is empty, and when either end is busy with other work (cutting
a blob apart, parsing the next file) the other waits for it. A pipe of
1 MiB, the most an unprivileged process may ask for unless the system says
otherwise, lets each end run on while the other works.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

#: The most asked for: Linux's default ``/proc/sys/fs/pipe-max-size``.
PIPE_BYTES = 1024 * 1024
#: What a pipe holds unless asked.
DEFAULT_BYTES = 64 * 1024


class HasFileno(Protocol):
    def fileno(self) -> int: ...


def widen(pipe: HasFileno, size: int = PIPE_BYTES) -> None:
    """Ask for a pipe of ``size`` bytes, :data:`PIPE_BYTES` at most (either end will do); where that is refused
    (a user past the system's limit on pipe memory) or unknown (not Linux), the pipe stays as it was.

    A pipe is never made narrower than the default, and its memory counts against the user's limit only while
    it is open."""
    try:
        import fcntl
    except ImportError:  # Windows
        return
    command = getattr(fcntl, "F_SETPIPE_SZ", None)
    if command is not None and size > DEFAULT_BYTES:
        with contextlib.suppress(OSError, ValueError):
            fcntl.fcntl(pipe.fileno(), command, min(size, PIPE_BYTES))
