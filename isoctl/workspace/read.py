"""Reading one file into raw records: YAML mappings, YAML sequences, Markdown with front matter.

The fast path parses with libyaml and keeps the text; line numbers are worked
out later, and only for files that have something to report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from isoctl.errors import NotRecords as NotRecords  # re-exported: callers catch read.NotRecords
from isoctl.files import positions, yamlio

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
_OPENING = re.compile(r"\A---[ \t]*\r?\n")
_KIND = re.compile(r"^kind\s*:", re.M)


#: How much of a Markdown file is looked at to tell a record (front matter with ``kind:``) from a plain text.
HEAD_BYTES = 65536


def markdown_record(head: bytes) -> bool:
    """Whether a Markdown file starting with ``head`` (its first :data:`HEAD_BYTES`) is a record.

    It is when its front matter has a ``kind:``, or when the front matter does
    not close within the head (then only the whole file can tell; it is
    treated as a record, and its size limit applies).
    """
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    if _OPENING.match(text) is None:
        return False
    closed = _FRONT_MATTER.match(text)
    return closed is None or _KIND.search(closed.group(1)) is not None


def plain_markdown(relative: str, head: Callable[[int], bytes]) -> bool:
    """Whether a ``.md`` file is plain Markdown, not a record, by its first bytes (``head(n)`` reads them).

    A file too large for a record may still be a long handbook, and only its
    beginning says so. A file that cannot even be looked at is not called
    plain: it keeps its problem.
    """
    if not relative.endswith(".md"):
        return False
    try:
        return not markdown_record(head(HEAD_BYTES))
    except yamlio.YamlProblem:
        return False


@dataclass
class RawFile:
    """A file as read: its text, where its YAML starts, and the raw records in it.

    A file whose records came from the cache without reading it
    (:meth:`lazy`) has no text, YAML text or body here until something
    needs them: ask :meth:`whole_text` for its text, never ``text`` itself.
    """

    relative: str
    text: str
    yaml_text: str
    line_offset: int = 0  # lines before the YAML (front matter starts on line 2)
    sequence: bool = False
    records: list[Any] = field(default_factory=list)
    body: str | None = None  # Markdown text after the front matter
    problems: list[tuple[tuple[str | int, ...], str, bool]] = field(default_factory=list)  # (loc, message, key)
    _root: yaml.Node | None = None
    _composed: bool = False

    _loader: Callable[[], str] | None = None
    known: dict[str, list[int]] | None = None  # positions found in earlier runs (from the record cache)
    packed_index: str | None = None  # positions sent by the process that parsed the file (positions.packed_index)

    @classmethod
    def lazy(cls, relative: str, text: str | Callable[[], str], *, sequence: bool) -> RawFile:
        """A file whose records came from the cache: its text is read (if not given) only to locate something."""
        raw = cls(relative, "", "", sequence=sequence)
        if callable(text):
            raw._loader = text
        else:
            raw._fill(text)
        return raw

    def _fill(self, text: str) -> None:
        self.text = self.yaml_text = text
        if self.relative.endswith(".md"):
            parts = split_front_matter(text)
            if parts is not None:
                self.yaml_text, self.line_offset, self.body = parts

    def whole_text(self) -> str:
        """The file's text, read now if its records came from the cache unread."""
        self._read()
        return self.text

    def _read(self) -> None:
        if self._loader is not None:
            self._fill(self._loader())
            self._loader = None

    def locate(self, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) in the file of the value (or key) at ``loc`` of its YAML."""
        remembered = f"{list(loc)}{'k' if key else ''}"
        if self.known is not None and remembered in self.known:
            line, column = self.known[remembered]
            return line, column
        found = _unpack(self.packed_index, remembered) if self.packed_index is not None else None
        line, column = found if found is not None else self._locate(loc, key)
        if self.known is not None:
            self.known[remembered] = [line, column]
        return line, column

    def _locate(self, loc: tuple[str | int, ...], key: bool) -> tuple[int, int]:
        self._read()
        if not self._composed:
            self._root = positions.compose(self.yaml_text)
            self._composed = True
        line, column = positions.locate(self._root, loc, key=key)
        return line + self.line_offset, column


def _unpack(packed: str, remembered: str) -> tuple[int, int] | None:
    """One position from a packed index (:func:`isoctl.files.positions.packed_index`), without reading the rest.

    A file with one finding needs one of its hundreds of positions. A
    sequence item has one entry, which is also where its key form points.
    """
    at = packed.find(f"\n{remembered}\t")
    if at < 0 and remembered.endswith("k"):
        remembered = remembered[:-1]
        at = packed.find(f"\n{remembered}\t")
    if at < 0:
        return None
    start = at + len(remembered) + 2
    try:
        line, column = packed[start:packed.index("\n", start)].split(",")
        return int(line), int(column)
    except ValueError:
        return None


def split_front_matter(text: str) -> tuple[str, int, str] | None:
    """(front matter YAML, lines before it, body) of a Markdown file, or None without front matter."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None
    return match.group(1), 1, text[match.end():]


def read(relative: str, text: str) -> RawFile | None:
    """Parse a file's text into raw records; None for Markdown that is not a record.

    Raises :class:`yamlio.YamlProblem` (positions already in file coordinates)
    when the YAML does not parse, and :class:`NotRecords` when it parses into
    something other than a mapping or a list of mappings.
    """
    if relative.endswith(".md"):
        parts = split_front_matter(text)
        if parts is None:
            if _OPENING.match(text) and _KIND.search(text):
                # A record whose front matter never closes would otherwise vanish without a word.
                raise yamlio.YamlProblem("front matter is not closed: end it with a line '---' before the Markdown text")
            return None
        yaml_text, offset, body = parts
        if not _KIND.search(yaml_text):
            return None  # ordinary Markdown (a README with front matter): not ours
        raw = RawFile(relative, text, yaml_text, offset, body=body)
    else:
        raw = RawFile(relative, text, text)
    try:
        data, raw._root = yamlio.parse_with_nodes(raw.yaml_text)
        raw._composed = True  # the nodes that were parsed locate findings at no extra cost
    except yamlio.YamlProblem as exc:
        raise yamlio.YamlProblem(exc.message, exc.line + raw.line_offset, exc.column) from None
    if isinstance(data, dict):
        raw.records = [data]
    elif isinstance(data, list) and data and not raw.body:
        raw.sequence = True
        raw.records = data
    elif data is None:
        raise NotRecords("empty file: expected a record (a mapping with kind:) or a list of records")
    elif data == []:
        raise NotRecords("an empty list: expected a record (a mapping with kind:) or a list of records; "
                         "delete the file if it is to hold none")
    else:
        raise NotRecords(f"not a record: expected a mapping with kind: or a list of them; got {_what(data)}")
    return raw


def _what(data: object) -> str:
    """What a YAML value that is no record is, in words: ``got text ('draft')``."""
    shown = repr(data)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    if isinstance(data, bool):
        return f"true or false ({shown})"
    if isinstance(data, int | float):
        return f"a number ({shown})"
    if isinstance(data, str):
        return f"text ({shown})"
    return f"{type(data).__name__} ({shown})"


def with_body(raw: RawFile) -> list[Any]:
    """The file's raw records as validation takes them: a Markdown record's text as its ``body``."""
    items = raw.records
    if raw.body is not None and isinstance(items[0], dict) and "body" not in items[0]:
        items = [{**items[0], "body": raw.body}]
    return items


def packed_positions(raw: RawFile) -> str:
    """Every position a finding may need in a parsed file, packed (see :attr:`RawFile.packed_index`)."""
    return positions.packed_index(raw._root, line_offset=raw.line_offset)
