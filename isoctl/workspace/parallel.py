"""Parsing record files in two processes: with the helper that parsed ahead, or with a child forked for a share.

The other process only saves work: what it sends back is validated here as
a file parsed here would be, and a file it found a problem in is parsed
again here, so every message comes from one code path
(:func:`isoctl.workspace.records.parse_file`). A child that fails has sent
nothing, and this process parses its files too.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from isoctl.errors import InternalError
from isoctl.workspace import ahead as ahead_module
from isoctl.workspace.ahead import Ahead
from isoctl.workspace.forks import Helper
from isoctl.workspace.record_cache import RecordCache
from isoctl.workspace.records import RECORDS, Outcome, from_json, lazily_located, parse_file

#: A file left to parse: (its position among the candidates, relative path, text, blob id). The text is a reader
#: for a file not read yet (see :func:`isoctl.workspace.record_files.read_all`), read only by the process that
#: parses it.
Pending = tuple[int, str, str | Callable[[], str], str]

#: Below this many files to parse, a second process costs more than it saves.
PARALLEL_MIN_FILES = 48
#: Which of every five files the helper process parses (see :func:`parse_in_two`).
CHILD_SHARE = (1, 3)


def parse_with(ahead: Ahead, pending: list[Pending], results: list[Outcome | None], store: RecordCache,
               parse: Callable[[Pending], Outcome]) -> None:
    """Take the answers of a helper that parses the pending files from the front, and parse from the back here.

    Neither waits for the other: between two files of its own this process
    validates whatever answers have arrived, and once the two meet every
    file is done (one may have been parsed twice). An answer with a problem,
    or for a file not pending, leaves the file to :func:`isoctl.workspace.records.parse_file`.
    """
    number_of = {(relative, blob): number for number, (_, relative, _, blob) in enumerate(pending)}
    done = [False] * len(pending)
    own = len(pending)
    try:
        while True:
            for relative, blob, answer in ahead.ready():
                number = number_of.get((relative, blob))
                if number is not None and not done[number]:
                    done[number] = _answered(pending[number], answer, results, store)
            own -= 1
            while own >= 0 and done[own]:
                own -= 1
            if own < 0:
                break
            results[pending[own][0]] = parse(pending[own])
            done[own] = True
    finally:
        ahead.stop()


def _answered(item: Pending, answer: ahead_module.Answer, results: list[Outcome | None],
              store: RecordCache) -> bool:
    """Whether a helper's answer for a pending file could be taken (validated, cached, kept in ``results``)."""
    position, relative, text, blob = item
    if answer == ahead_module.NOT_A_RECORD:
        results[position] = (None, [])
        return True
    if not isinstance(answer, tuple):
        return False
    sequence, items, index = answer
    try:
        models = RECORDS.validate_python(items)
    except ValidationError:
        return False
    store.put(blob, sequence, RECORDS.dump_json(models, exclude_unset=True).decode())
    results[position] = (lazily_located(relative, text, sequence, models, store.positions(blob), index), [])
    return True


def parse_in_two(pending: list[tuple[int, str, str, str]], results: list[Outcome | None], store: RecordCache) -> None:
    """Parse two of every five pending files in a forked child while this process parses the rest.

    The child does more per file than this process (it also indexes every
    position and sends it all back), so an even split left this process
    waiting: a fifth of a cold check's time on workspaces of large records.

    The child sends back only clean files, as validated JSON; anything with a
    problem is left for this process, so messages come from one code path.
    A child that fails with an exception sends nothing, and this process
    parses its files too; a child that is killed (the OOM killer, kill -9) is
    noticed and reported, never waited for.
    """
    theirs = [item for number, item in enumerate(pending) if number % 5 in CHILD_SHARE]
    ours = [item for number, item in enumerate(pending) if number % 5 not in CHILD_SHARE]
    helper = Helper.call("isoctl-parse", _clean_or_none, [(relative, text) for _, relative, text, _ in theirs])
    if helper is None:  # no processes to spare, or already a helper process
        return
    try:
        for position, relative, text, blob in ours:
            results[position] = parse_file(relative, text, blob, store)
        answers: list[Answer] | None = helper.next()
    except ChildProcessError as exc:
        raise InternalError(f"the helper process parsing records {exc} before it finished; "
                            "run again, or with ISOCTL_NO_PARALLEL=1 to parse in one process") from None
    finally:  # also an interrupt, or a failure here: the child's work is no longer wanted
        helper.stop()
    if answers is None:
        return
    for (position, relative, text, blob), answer in zip(theirs, answers, strict=True):
        if answer == ahead_module.NOT_A_RECORD:
            results[position] = (None, [])
        elif isinstance(answer, tuple):
            sequence, records_json, index = answer
            loaded = from_json(relative, text, sequence, records_json, store.positions(blob), index)
            if loaded is not None:
                store.put(blob, sequence, records_json)
                results[position] = (loaded, [])


Answer = tuple[bool, str, str] | str | None


def _clean_or_none(items: list[tuple[str, str]]) -> list[Answer] | None:
    """In the helper: its answers, or None when it failed (the parent then parses these files itself)."""
    try:
        return _parse_clean(items)
    except Exception:
        return None


def _parse_clean(items: list[tuple[str, str]]) -> list[Answer]:
    """In the child: (is a sequence, validated records as JSON, positions packed) per clean file; None where there is
    a problem.

    Positions go as one string per file (:func:`isoctl.files.positions.packed_index`):
    the parent unpickles a string at once and looks up only the positions
    of the findings it locates, where a dict of every key's position cost
    more to send than to parse the file.
    """
    out: list[Answer] = []
    for relative, text in items:
        answer = ahead_module.parsed(relative, text)
        if not isinstance(answer, tuple):
            out.append(answer)
            continue
        sequence, records, index = answer
        try:
            models = RECORDS.validate_python(records)
        except ValidationError:
            out.append(None)
            continue
        out.append((sequence, RECORDS.dump_json(models, exclude_unset=True).decode(), index))
    return out
