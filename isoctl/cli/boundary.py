"""The one place an exception becomes a message and an exit code.

* an :class:`~isoctl.errors.IsoctlError` (bad input, an unwritable output): its
  message on one line (a hint below it) and its exit code, 2 unless it says 3;
* an interrupt (Ctrl-C): ``isoctl: interrupted``, exit 130;
* a closed pipe (``isoctl check | head``): silence, exit 141, as ``git log | head``;
* standard output or a file that ran out of space: one line, exit 2;
* the limit on open files (``ulimit -n``) reached: one line and how to raise it, exit 2;
* anything else is a bug in isoctl: one line naming it, exit 3, and the
  traceback only with ``ISOCTL_DEBUG=1``. CI never mistakes a crash for findings (1).

``main()`` wraps the whole run in :func:`failure`; the root command group wraps
every command in it too, so the in-process runner the tests use sees the same
exit codes as a user's shell.
"""

from __future__ import annotations

import errno
import os
import sys

from isoctl.errors import CatalogError, IsoctlError

INTERRUPTED = 130
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a filter whose reader went away
INTERNAL = 3

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
#: The machine's limits on open files, which stop isoctl without being bugs in it.
_LIMITS = (errno.EMFILE, errno.ENFILE)
_interrupted = False


def catch_interrupts() -> None:
    """Remember every Ctrl-C, so that one swallowed on its way (Python ignores an exception raised inside a
    ``__del__``, where a library may be when the signal arrives) still ends the run with 130, no output."""
    import signal

    def interrupted(signum: int, frame: object) -> None:
        global _interrupted
        _interrupted = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)


def interrupted() -> bool:
    """Whether Ctrl-C was pressed during this run (see :func:`catch_interrupts`)."""
    return _interrupted


def settle(code: int | str | None) -> int | str | None:
    """The exit code of a run that finished: 130 after all if an interrupt was swallowed on the way."""
    if _interrupted and code != INTERRUPTED:
        _say("isoctl: interrupted")
        return INTERRUPTED
    return code


def failure(exc: BaseException) -> int | None:
    """Tell the user about ``exc`` on stderr and return the exit code; None for exits that are not failures."""
    if isinstance(exc, (SystemExit, GeneratorExit)):
        return None
    if isinstance(exc, IsoctlError):
        _say(*_lines(exc))
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        _say("isoctl: interrupted")
        return INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        _silence_stdout()
        return BROKEN_PIPE
    if isinstance(exc, OSError) and exc.errno in _FULL:
        _silence_stdout()
        _say(f"error: cannot write the output: {exc.strerror}", "hint: free some space and run again")
        return 2
    if isinstance(exc, OSError) and exc.errno in _LIMITS:
        _say(f"error: the system would not let isoctl open another file: {exc.strerror}", f"hint: {_open_files_hint()}")
        return 2
    if isinstance(exc, MemoryError):
        _say("error: isoctl ran out of memory", "hint: a file may expand far beyond its size; run again with ISOCTL_DEBUG=1")
        return INTERNAL
    if not isinstance(exc, Exception):
        return None
    _say(f"isoctl: internal error: {type(exc).__name__}: {_one_line(str(exc))}")
    if os.environ.get("ISOCTL_DEBUG"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    else:
        _say("hint: this is a bug in isoctl; run again with ISOCTL_DEBUG=1 to see where it happened and report it")
    return INTERNAL


def _open_files_hint() -> str:
    """How to lift the limit on open files."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return "raise the limit on open files (ulimit -n) and run again"
    return f"this shell allows {soft} open files (ulimit -n); raise the limit and run again"


def _lines(exc: IsoctlError) -> list[str]:
    if isinstance(exc, CatalogError):
        lines = [f"error: {exc.message.splitlines()[0]}", *(f"  {problem}" for problem in exc.problems)]
    else:
        lines = [f"error: {exc.message}"]
    if exc.hint:
        lines.append(f"hint: {exc.hint}")
    return lines


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:299] + "…"


def _say(*lines: str) -> None:
    # Messages quote record ids, paths and parser text: control characters are shown escaped, never sent raw.
    from isoctl.render.console import clean

    lines = tuple(clean(line) for line in lines)
    stream = sys.stderr
    if stream is None:  # started with stderr closed: the exit code is all that can be said
        return
    try:
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of unwritable bytes cannot fail again."""
    try:
        if sys.stdout is None or sys.stdout.fileno() != 1:  # an in-process runner's buffer: nothing to silence
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both OSError and ValueError
        pass
