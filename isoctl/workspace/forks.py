"""Helper processes: when one may be forked, and how it leaves Ctrl-C and dying to the process that started it."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any


def ignore_interrupts() -> None:
    """In a forked helper: leave Ctrl-C to the parent, which stops the helper and tells the user once.

    Ctrl-C reaches every process of the terminal's foreground group; a helper
    that took it too would print a traceback of its own beside the parent's
    one-line message. The helper is forked with SIGINT blocked
    (:func:`forking`), so one that arrives before this runs waits, and is
    then dropped here.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """Fork helpers inside this block: SIGINT is held back meanwhile, so a child cannot take a Ctrl-C before it
    has set itself to ignore one; the parent gets any that arrived as the block ends."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def helper_result(pool: Any, job: Any) -> Any:
    """The answer of ``job`` on a one-worker ``pool``; ChildProcessError if its worker died (the OOM killer,
    kill -9) instead of waiting for ever, as a pool would: it starts a new worker but never answers the job."""
    import multiprocessing

    workers = list(pool._pool)  # the worker the job went to (a pool replaces a dead one silently)
    while True:
        try:
            return job.get(timeout=0.25)
        except multiprocessing.TimeoutError:
            if any(worker.exitcode is not None for worker in workers):
                raise ChildProcessError("a helper process ended without answering") from None


def can_fork() -> bool:
    """Whether a helper process may be forked: Linux, two cores, and not already inside one."""
    import multiprocessing

    return (sys.platform == "linux" and (os.cpu_count() or 1) > 1 and not os.environ.get("ISOCTL_NO_PARALLEL")
            and not multiprocessing.current_process().daemon)
