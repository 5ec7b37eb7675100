"""Where ids live, found without parsing: a byte-level scan of the workspace's record files.

Allocating ``ACT-0043`` or finding the file that holds ``ACT-0042`` must not
cost a full load (parsing and validating every record takes seconds on a big
workspace). Reading the bytes of every record file and running one regular
expression over them takes milliseconds, so that is all these lookups do.
A match is only a candidate: the callers parse the one file they need and
confirm the record is there, so an ``id: ACT-9`` written inside a
description can at worst make an id be skipped, never mistaken.
"""

from __future__ import annotations

import difflib
import functools
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from isoctl.files import yamlio
from isoctl.workspace import files as workspace_files
from isoctl.workspace.read import plain_markdown

PREFIX = "ACT-"
DEFAULT_WIDTH = 4
DEFAULT_FOLDER = "actions"

# ``id: X`` as a block key (``- id: X``), a flow key (``{id: X, ...}``) or quoted (``"id": 'X'``); the
# value charset is the schema's id pattern. The patterns start with a literal so that the regex engine
# can skip ahead (twenty times faster than a look-behind); what precedes the key is checked in _keyed.
_ID = re.compile(rb"""id["']?[ \t]*:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._:/-]*)["']?(?=[\s,}#]|$)""")
_KIND_ACTION = re.compile(rb"""kind["']?[ \t]*:[ \t]*["']?action["']?(?=[\s,}#]|$)""")
_BEFORE_KEY = frozenset(b" \t\r\n{,")
_ACT = re.compile(r"^ACT-(\d+)$")
_LOOSE_ACT = re.compile(r"^(?:ACT-?)?0*(\d+)$", re.I)


@dataclass(frozen=True)
class Place:
    """Where an ``id:`` was seen: repo-relative file and 1-based line."""

    relative: str
    line: int


@dataclass
class Scan:
    """Every ``id:`` of the workspace with its places, and how many actions each file seems to hold."""

    root: Path
    ids: dict[str, list[Place]] = field(default_factory=dict)
    actions_per_file: dict[str, int] = field(default_factory=dict)
    #: record files not read, and why (a symlink leading outside the workspace): a missing id may be there
    refused: dict[str, str] = field(default_factory=dict)
    #: record files that could not be read, and why (not a regular file, unreadable, too large)
    unread: dict[str, str] = field(default_factory=dict)

    def action_ids(self) -> list[str]:
        """Ids seen in files that hold actions (the pool for suggestions)."""
        holders = set(self.actions_per_file)
        return sorted(i for i, places in self.ids.items() if any(p.relative in holders for p in places))

    def next_id(self) -> str:
        """The highest ``ACT-n`` in the workspace plus one, padded like the highest one (4 digits if none)."""
        return format_id(*highest(self.ids))

    def actions_folder(self) -> str:
        """The folder holding most action records (``actions`` on a tie or when there are none)."""
        counts: Counter[str] = Counter()
        for relative, count in self.actions_per_file.items():
            counts[posixpath.dirname(relative)] += count
        if not counts:
            return DEFAULT_FOLDER
        most = max(counts.values())
        tied = sorted(folder for folder, count in counts.items() if count == most)
        return DEFAULT_FOLDER if DEFAULT_FOLDER in tied else tied[0]

    def resolve(self, wanted: str) -> str | None:
        """The id a user meant: exact, else ``42``/``act-42``/``ACT-42`` for the one ``ACT-0042``."""
        if wanted in self.ids:
            return wanted
        loose = _LOOSE_ACT.match(wanted.strip())
        if loose is None:
            return None
        number = int(loose[1])
        same = [i for i in self.ids if (m := _ACT.match(i)) is not None and int(m[1]) == number]
        return same[0] if len(same) == 1 else None

    def closest(self, wanted: str, count: int = 3) -> list[str]:
        """Action ids near ``wanted``: numerically nearest for ``ACT-n``, by spelling otherwise."""
        pool = self.action_ids()
        loose = _LOOSE_ACT.match(wanted.strip())
        if loose is not None:
            number = int(loose[1])
            numbered = [(abs(int(m[1]) - number), i) for i in pool if (m := _ACT.match(i)) is not None]
            if numbered:
                return [i for _, i in sorted(numbered)[:count]]
        return difflib.get_close_matches(wanted, pool, n=count, cutoff=0.5)


def highest(ids: Iterable[str]) -> tuple[int, int]:
    """(highest ``ACT-n`` number, its digit count); (0, 4) when there is none."""
    best, width = 0, DEFAULT_WIDTH
    for value in ids:
        match = _ACT.match(value)
        if match is None:
            continue
        number = int(match[1])
        if number > best or (number == best and len(match[1]) > width):
            best, width = number, len(match[1])
    return best, width


def format_id(number: int, width: int) -> str:
    """The id after ``number``: ``ACT-0043`` for (42, 4); it simply grows past the padding (``ACT-10000``)."""
    return f"{PREFIX}{number + 1:0{width}d}"


def _keyed(data: bytes, start: int) -> bool:
    """Whether the key matched at ``start`` is a whole key (``id``, not ``paid``), quoted or not."""
    if start and data[start - 1] in b"\"'":
        start -= 1
    return start == 0 or data[start - 1] in _BEFORE_KEY


def scan(root: Path, ignore: Sequence[str] = ()) -> Scan:
    """Grep every record file below ``root`` for ids and ``kind: action`` (no YAML parsing)."""
    found = Scan(root)
    for candidate in workspace_files.walk(root, ignore):
        if candidate.refused:
            found.refused[candidate.relative] = candidate.refused
            continue
        if candidate.problem:
            found.unread[candidate.relative] = candidate.problem
            continue
        if candidate.path is None:
            continue
        try:
            data = yamlio.read_bytes(candidate.path)
        except yamlio.YamlProblem as exc:  # an action may be in it: the listing says it could not look
            head = functools.partial(yamlio.read_head, candidate.path)
            if not (isinstance(exc, yamlio.TooLarge) and plain_markdown(candidate.relative, head)):
                found.unread[candidate.relative] = exc.message
            continue
        if b"\x00" in data[:4096] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16/32 or binary: no grep sees it
            try:
                yamlio.decode(data)
            except yamlio.YamlProblem as exc:
                found.unread[candidate.relative] = exc.message
                continue
        actions = sum(1 for match in _KIND_ACTION.finditer(data) if _keyed(data, match.start()))
        if actions:
            found.actions_per_file[candidate.relative] = actions
        line, last = 1, 0
        for match in _ID.finditer(data):
            if not _keyed(data, match.start()):
                continue
            line += data.count(b"\n", last, match.start())
            last = match.start()
            value = match[1].decode("ascii")
            found.ids.setdefault(value, []).append(Place(candidate.relative, line))
    return found
