"""Helper processes: when one may be forked, how it answers, and how it leaves Ctrl-C and dying to the process
that started it.

A helper is forked, never spawned: it starts at once with everything the
command has loaded, and what it is given to work on is in its memory
already, not pickled down a pipe. Only a process with a single thread may
fork one: a lock another thread held at the moment of the fork would stay
held for ever in the child, which would then hang instead of answering. So
isoctl keeps no thread in a process that may fork (no ``multiprocessing``
pool, whose handler threads outlive their work; ``portfolio``'s process pool
forks both its workers before it starts its one thread); a helper's answers
come back down a pipe the parent reads when it wants them, watching the
helper so that one that dies is noticed, never waited for.

A helper ends with the command: it holds no reading end of any helper's
pipe (so a write nobody will read fails instead of waiting), and the kernel
kills it when its parent dies, by Ctrl-C, a CI timeout's SIGTERM or kill -9.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
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


def can_fork() -> bool:
    """Whether a helper process may be forked: Linux, two cores, not already inside one, and no other thread of
    this process running (a library caller's, or one of isoctl's own still finishing) that could hold a lock the
    child would then wait on for ever."""
    import multiprocessing

    return (sys.platform == "linux" and (os.cpu_count() or 1) > 1 and not os.environ.get("ISOCTL_NO_PARALLEL")
            and not multiprocessing.current_process().daemon and threading.active_count() == 1)


#: The reading ends of the helpers' pipes this process holds: a helper forked later closes its copies of them.
_receivers: list[Any] = []


def fork(target: Callable[..., None], args: tuple[Any, ...], name: str) -> tuple[Any, Any] | None:
    """Fork a helper running ``target(*args, sender)``: (the process, the reading end of its pipe), or None when
    none may be forked or the machine has no process to spare.

    The helper holds the only writing end, so its death is an end of file to
    the reader; and no helper holds a reading end (its own, or another
    helper's), so one that writes after its parent is gone is told so
    instead of waiting for a reader that will never come. A helper whose
    parent dies (kill -9, SIGTERM) is killed with it.
    """
    if not can_fork():
        return None
    import multiprocessing

    context = multiprocessing.get_context("fork")
    try:
        receiver, sender = context.Pipe(duplex=False)
    except OSError:  # no file descriptors to spare
        return None
    process = context.Process(target=_helper_main, args=(target, args, sender, os.getpid()), daemon=True, name=name)
    _receivers.append(receiver)
    try:
        with forking():
            process.start()
    except (OSError, AssertionError):  # no processes to spare, or already inside a helper
        close_receiver(receiver)
        return None
    finally:
        sender.close()  # the helper holds the only writing end: its death is an end of file here
    return process, receiver


def close_receiver(receiver: Any) -> None:
    """Close the reading end of a helper's pipe (:func:`fork`) once nothing more is wanted from it."""
    receiver.close()
    _receivers[:] = [r for r in _receivers if r is not receiver]


def _helper_main(target: Callable[..., None], args: tuple[Any, ...], sender: Any, parent: int) -> None:
    """In a helper: :func:`_settle`, then its work."""
    _settle(parent)
    target(*args, sender)


def pool_worker(parent: int) -> None:
    """The initializer of a process pool's forked workers (``initargs=(os.getpid(),)``): what :func:`fork` does for
    a helper (no reading end of a helper's pipe kept, death with the parent) and Ctrl-C left to the parent."""
    _settle(parent)
    ignore_interrupts()


def _settle(parent: int) -> None:
    """In a process just forked from ``parent``: close every reading end of a helper's pipe it inherited, and die
    with its parent."""
    for receiver in _receivers:
        receiver.close()
    _receivers.clear()
    _die_with(parent)


def _die_with(parent: int) -> None:
    """Have the kernel kill this helper when its parent dies (Linux's parent-death signal)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # a C library without prctl: the closed pipes still end the helper
        return
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(0)


class Forked:
    """The parent's end of a helper :func:`fork` started: its process and the reading end of its pipe."""

    def __init__(self, process: Any, receiver: Any) -> None:
        self._process = process
        self._receiver = receiver

    def stop(self) -> None:
        """End the helper, however far it got."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)  # one stuck in a read the kernel will not interrupt is left to end on its own
        close_receiver(self._receiver)


class Helper(Forked):
    """A forked helper working through a generator: the parent takes its answers one by one, in order."""

    @classmethod
    def start(cls, name: str, work: Callable[..., Iterator[Any]], *args: Any) -> Helper | None:
        """Fork a helper sending what ``work(*args)`` yields; None when no helper may be forked."""
        started = fork(_serve, (work, args), name)
        return None if started is None else cls(*started)

    @classmethod
    def call(cls, name: str, function: Callable[..., Any], *args: Any) -> Helper | None:
        """Fork a helper whose one answer is ``function(*args)``; None when no helper may be forked."""
        return cls.start(name, _once, function, args)

    def next(self) -> Any:
        """The helper's next answer, waited for; ChildProcessError if it ended without giving it (it failed, or
        was killed: the OOM killer, kill -9), never a wait for ever."""
        try:
            while not self._receiver.poll(0.1):
                if not self._process.is_alive() and not self._receiver.poll(0):
                    raise ChildProcessError(self._ended())
            done, answer = self._receiver.recv()
        except (EOFError, OSError):  # it died, perhaps half-way through sending
            raise ChildProcessError(self._ended()) from None
        if not done:
            raise ChildProcessError(f"failed: {answer}")
        return answer

    def _ended(self) -> str:
        self._process.join(timeout=5)
        code = self._process.exitcode
        if code is not None and code < 0:
            return f"was killed by signal {-code}{' (perhaps for lack of memory)' if -code == signal.SIGKILL else ''}"
        return f"exited with code {code}"


#: What ``work`` yields to a helper (see :func:`_serve`) to wait until its answers so far are in the pipe.
SENT = object()


def _serve(work: Callable[..., Iterator[Any]], args: tuple[Any, ...], sender: Any) -> None:
    """In the helper: send (True, answer) for each answer ``work`` yields; (False, why) if it fails.

    A thread sends while this one works: an answer waits in the pipe until
    the parent reads it, which may be long after (a history read ahead is
    wanted only once the workspace has loaded), and the helper's next piece
    of work must not wait with it. (The helper forks nothing: a thread here
    is safe.) Work that would hold the interpreter for long (encoding a
    large value in C) and matters less than an answer the parent is waiting
    for yields :data:`SENT` first: the helper then goes on only once every
    answer so far is in the pipe, rather than leaving the thread sending it
    a turn at the interpreter between the pipe's 64 KiB.
    """
    import queue
    from multiprocessing.reduction import ForkingPickler

    ignore_interrupts()
    outbox: queue.Queue[bytes | None] = queue.Queue()
    postman = threading.Thread(target=_post, args=(outbox, sender), daemon=True)
    postman.start()
    try:
        for answer in work(*args):
            if answer is SENT:
                outbox.join()
                continue
            outbox.put(bytes(ForkingPickler.dumps((True, answer))))
    except Exception as exc:  # the parent does this work itself
        outbox.put(bytes(ForkingPickler.dumps((False, f"{type(exc).__name__}: {exc}"))))
    finally:
        outbox.put(None)
        postman.join()


def _post(outbox: Any, sender: Any) -> None:
    """Send each pickled answer down the pipe, in order, until the end (None); each is done with once sent, or
    dropped once the parent has stopped listening, so that waiting for them (:data:`SENT`) ends either way."""
    listening = True
    try:
        while (message := outbox.get()) is not None:
            if listening:
                try:
                    sender.send_bytes(message)
                except OSError:  # the parent stopped listening
                    listening = False
            outbox.task_done()
    finally:
        sender.close()


def _once(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[Any]:
    yield function(*args)
