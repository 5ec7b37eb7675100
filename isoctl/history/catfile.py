"""Blob bytes through ``git cat-file --batch``: one blob at a time (:class:`BlobReader`), or many in one stream
(:func:`read_blobs`).

Each ``git cat-file`` process ends when its reader is closed or its stream
is done, so none outlives a call; a blob larger than the caller's limit is
passed over unread, so one huge file costs no memory.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from isoctl.errors import GitError, TooLarge
from isoctl.files import pipes
from isoctl.history import git


class BlobReader:
    """Blob bytes through one persistent ``git cat-file --batch`` process, asked one blob at a time; close it
    when done (or use ``with``).

    A plain process rather than gitpython's object database: reading blobs
    needs nothing more, and importing gitpython cost a report or a ``--at``
    check more than the reads themselves.
    """

    def __init__(self, root: Path | None = None) -> None:
        try:
            self._process = subprocess.Popen(["git", "-C", str(git.run_dir(root or Path.cwd())), *git.READ_CONFIG,
                                              "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise GitError(git.NO_GIT) from None

    def read(self, blob: str, max_bytes: int | None = None) -> bytes:
        """The bytes of the object ``blob`` (a full hexadecimal id); GitError when git does not have it.

        One larger than ``max_bytes`` is passed over unread and refused as
        :class:`~isoctl.errors.TooLarge`, naming its size (a file too large for
        a record, committed once, must not fill the memory of every run that
        reads the history).
        """
        if not _OBJECT_ID.fullmatch(blob):
            raise GitError(f"not an object id: {blob!r}")
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(blob.encode("ascii") + b"\n")
            stdin.flush()
            header = stdout.readline().split()
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                data = _body(stdout, size, max_bytes)
                if isinstance(data, _Head):
                    raise TooLarge(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a record file",
                                   head=data.data)
                if len(data) == size:
                    return data
        except (OSError, ValueError):  # git has gone (a broken pipe), or this reader was closed
            pass
        raise GitError(f"git cannot give object {blob} of this repository (it is missing, or the repository "
                       "is damaged)")

    def close(self) -> None:
        process = self._process
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        process.kill()
        process.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: How much of a blob passed over unread is read (and dropped) at a time.
_BLOCK = 1 << 20
#: How much of the beginning of a blob passed over is kept (enough to see whether Markdown is a record).
_HEAD = 1 << 16


@dataclass(frozen=True)
class _Head:
    """The first bytes of an object too large to be read whole (the rest was read and dropped)."""

    data: bytes


def _body(stdout: IO[bytes], size: int, max_bytes: int | None) -> bytes | _Head:
    """The ``size`` bytes of one object of ``git cat-file --batch`` after its header, and the newline after them;
    for one larger than ``max_bytes``, only its first :data:`_HEAD` bytes (the rest read and dropped a block at a
    time)."""
    if max_bytes is None or size <= max_bytes:
        data = stdout.read(size)
        stdout.read(1)
        return data
    head = stdout.read(min(size, _HEAD))
    size -= len(head)
    while size > 0 and head:
        block = stdout.read(min(size, _BLOCK))
        if not block:
            break
        size -= len(block)
    stdout.read(1)
    return _Head(head)


#: The read buffer of a stream of blobs: a few at a time per read from the pipe, rather than one in two reads (a
#: record file is a few kilobytes; the default buffer is 8).
_STREAM_BUFFER = 256 * 1024


def read_blobs(root: Path, blobs: Sequence[str], *, max_bytes: int | None = None
               ) -> Iterator[tuple[str, bytes | None]]:
    """Many blobs through one ``git cat-file --batch`` run, in the order asked; None for one git does not have,
    and for one larger than ``max_bytes`` (passed over unread: a history holding one huge file costs no memory).

    A walk through the history that reads thousands of blobs one request at
    a time spends most of its time waiting on each answer; this streams them.
    The ids go in from a thread, so neither side waits on a full pipe.
    """
    if not blobs:
        return
    try:
        process = subprocess.Popen(["git", "-C", str(git.run_dir(root)), *git.READ_CONFIG, "cat-file", "--batch"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   bufsize=_STREAM_BUFFER)
    except FileNotFoundError:
        raise GitError(git.NO_GIT) from None
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout
    # Every id fits in the pipe at once (the thread writing them is done before the reading starts), and git reads
    # blobs ahead while this process cuts one apart: in the default pipes the two took turns, and splitting the
    # 4,598 blobs of the 2,000-commit benchmark took 460 ms instead of 270.
    pipes.widen(stdin, 65 * len(blobs))  # (an id and its newline: 41 bytes, or 65 for SHA-256)
    pipes.widen(stdout)

    def feed() -> None:
        try:
            for blob in blobs:
                stdin.write(blob.encode("ascii", "replace") + b"\n")
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for blob in blobs:
            header = stdout.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                yield blob, None  # "<id> missing" (or an answer git could not give)
                if not header:
                    break
                continue
            data = _body(stdout, int(header[2]), max_bytes)
            yield blob, None if isinstance(data, _Head) else data
    finally:
        stdout.close()
        with contextlib.suppress(OSError):
            stdin.close()
        process.kill()
        process.wait()
        writer.join(timeout=5)
