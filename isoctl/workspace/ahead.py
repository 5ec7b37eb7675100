"""Parsing the record files ahead, in a helper, while the command line and the models are still being imported.

A cold ``check`` spends its first third importing (typer, pydantic, the
models, the rules) on one core while the other has nothing to do. A command
that is about to load the working tree starts this helper as soon as it
knows where the workspace is, before those imports: the helper walks the
workspace as loading will, skips the files the record cache holds, parses
the rest into plain data with their positions, and sends them, as they come,
for loading to validate. Loading takes what has arrived and parses files
itself from the other end of its list, so the two meet wherever the helper
has got to and neither ever waits for the other.

The helper saves work and is trusted for nothing else: an answer is taken
only for the same file (relative path, and the git blob id of its bytes) of
the same root, and goes through the same validation as a file parsed in the
process itself; a file with any problem is left to loading, so every message
comes from one code path. A helper that fails or dies has simply answered
less. This module imports neither pydantic nor the models, so that forking
it costs nothing the command was not about to pay.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from isoctl.workspace.discover import find_root
from isoctl.workspace.forks import Forked, fork, ignore_interrupts

NOT_A_RECORD = "not-a-record"
#: (is a sequence, the raw records as validation takes them, positions as isoctl.files.positions.packed_index packs them);
#: NOT_A_RECORD for a Markdown file that holds none; None for a file with a problem (loading reads it again and
#: says what).
Answer = tuple[bool, list[Any], str] | str | None

_started: dict[Path, Ahead] = {}


class Ahead(Forked):
    """The parent's end of a helper parsing one root's record files."""

    def __init__(self, process: Any, receiver: Any) -> None:
        super().__init__(process, receiver)
        self.ended = False  # the helper has answered everything it will (or died)

    def ready(self) -> list[tuple[str, str, Answer]]:
        """The answers that have arrived, (relative path, blob, answer), without waiting for any more."""
        arrived: list[tuple[str, str, Answer]] = []
        try:
            while not self.ended and self._receiver.poll(0):
                batch = self._receiver.recv()
                if batch is None:
                    self.ended = True
                else:
                    arrived += batch
        except (EOFError, OSError):  # the helper died, perhaps half-way through a batch: what came is kept
            self.ended = True
        return arrived

    def yield_cpu(self) -> None:
        """Lower the helper to the least priority: it then runs only on a core nothing else wants."""
        import os

        with contextlib.suppress(OSError, AttributeError):  # it has ended; a platform without priorities
            os.setpriority(os.PRIO_PROCESS, self._process.pid, 19)

    def stop(self) -> None:
        """End the helper, however far it got."""
        self.ended = True
        super().stop()


def start(directory: Path) -> Path | None:
    """Start parsing ahead the workspace at or above ``directory`` (nothing if there is none, or no second core)."""
    root = find_root(directory)
    if root is None or root in _started:
        return root
    started = fork(_helper, (root,), "isoctl-parse-ahead")
    if started is not None:
        _started[root] = Ahead(*started)
    return root


def take(root: Path) -> Ahead | None:
    """The helper parsing ``root`` ahead, for loading to take its answers; None if none was started for it."""
    return _started.pop(root.resolve(), None)


def make_way() -> None:
    """Let the helpers parsing ahead run only on what other processes leave of the machine (a helper reading the
    history has just started, and loading parses what they have not)."""
    for helper in _started.values():
        helper.yield_cpu()


def stop_all() -> None:
    """End the helpers nobody took (a command answered from the result cache loads nothing)."""
    for ahead in _started.values():
        ahead.stop()
    _started.clear()


def _helper(root: Path, sender: Any) -> None:
    """In the helper: parse and send; a thread sends while this one parses, so a full pipe never stalls parsing.

    Until loading starts reading, answers wait here; what the helper parses
    meanwhile is bounded by the time the command takes to get there.
    """
    ignore_interrupts()
    outbox: queue.SimpleQueue[tuple[str, str, Answer] | None] = queue.SimpleQueue()
    postman = threading.Thread(target=_send, args=(outbox, sender), daemon=True)
    postman.start()
    try:
        for answer in _answers(root):
            outbox.put(answer)
    except Exception:
        pass
    outbox.put(None)
    postman.join()


def _send(outbox: queue.SimpleQueue[tuple[str, str, Answer] | None], sender: Any) -> None:
    """Send whatever has been parsed, in batches, then the end (None)."""
    try:
        while True:
            batch = [outbox.get()]
            while batch[-1] is not None and not outbox.empty():
                batch.append(outbox.get())
            answers = [item for item in batch if item is not None]
            if answers:
                sender.send(answers)
            if batch[-1] is None:
                sender.send(None)
                return
    except OSError:  # loading stopped listening
        return


def _answers(root: Path) -> Iterator[tuple[str, str, Answer]]:
    """(relative path, blob, answer) for each record file below ``root`` that the record cache does not hold."""
    # imported here, in the helper: the process that starts it has other imports to get through first
    from isoctl.files import yamlio
    from isoctl.files.hashes import blob_id
    from isoctl.workspace import files as workspace_files
    from isoctl.workspace.record_cache import cached_blobs

    cached = cached_blobs(root)
    for candidate in workspace_files.walk(root, _ignored(root), set()):
        if candidate.path is None or candidate.refused is not None or candidate.problem is not None:
            continue
        try:
            data = yamlio.read_bytes(candidate.path)
            blob = blob_id(data)
            if blob in cached:
                continue
            text = yamlio.decode(data)
        except (yamlio.YamlProblem, OSError):
            continue
        yield candidate.relative, blob, parsed(candidate.relative, text)


def parsed(relative: str, text: str) -> Answer:
    """A file's answer: its raw records and positions, NOT_A_RECORD, or None when it has a problem."""
    from isoctl.files import yamlio
    from isoctl.workspace.read import NotRecords, packed_positions, read, with_body

    try:
        raw = read(relative, text)
    except (yamlio.YamlProblem, NotRecords):
        return None
    if raw is None:
        return NOT_A_RECORD
    return raw.sequence, with_body(raw), packed_positions(raw)


def _ignored(root: Path) -> list[str]:
    """The paths loading will not read (the manifest's ``ignore`` and ``catalogs``), from the manifest as YAML.

    A manifest that does not parse, or holds something else there, only
    costs the helper some files loading will not want.
    """
    from isoctl.workspace import files as workspace_files
    from isoctl.workspace.discover import manifest_data

    data = manifest_data(root)
    if not isinstance(data, dict):
        return []
    def strings(key: str) -> list[str]:
        value = data.get(key)
        return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []

    return workspace_files.skipped(strings("ignore"), strings("catalogs"))

