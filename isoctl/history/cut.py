"""A file's text cut into its records, as text: no YAML parse.

Parsing every version of every file of a history would cost seconds, so
the history reads files as text first (see :mod:`isoctl.history.split`): a
YAML sequence is cut into its items at the lines that start a top-level
``-``, a single-record file or a Markdown record is one item, and each
item's ``id`` and ``kind`` are read from its top-level lines. A text that a
reading by lines cannot follow (anchors, aliases, tags, merge keys,
directives, several documents, tabs) is not cut at all (:func:`cut` says
None), and its file is then parsed whole.

A new version of a list file is cut from the cut of the version before
(:func:`cut_again`): only the items between those it begins and ends with
as before are cut again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from isoctl.workspace.read import split_front_matter

# Text that a reading by lines cannot follow: anchors, aliases, tags, merge keys, directives, several documents.
# (Each pattern starts with a character that is rare in records, so searching a large history stays fast.)
_SIGIL = re.compile(r"[ \t\n:\-\[,{][&*!]\S")
_LINE_START = re.compile(r"\n(?:[%&*!]|\.\.\.[ \t]*(?:\n|$)|---(?!\S))")
_MERGE = re.compile(r"<<[ \t]*:")


def _tricky(text: str) -> bool:
    """Whether ``text`` holds YAML that a reading by lines cannot follow (see ``cut``)."""
    sigils = "&" in text or "*" in text or "!" in text  # rare in records: the search below is slow on prose
    return (text[:1] in ("&", "*", "!", "%") or (sigils and _SIGIL.search(text) is not None)
            or _LINE_START.search(text) is not None or _MERGE.search(text) is not None)


# Where an item of a top-level sequence starts: a ``-`` at the start of a line, then a blank or the line's end.
_ITEM = re.compile(r"\n-(?=[ \t\r\n]|$)")
_KIND_LINE = re.compile(r"^kind[ \t]*:", re.M)


# An ``id:`` or ``kind:`` line: what comes before the key (a ``-`` starting an item, or spaces), the key, the value.
_FIELD = re.compile(r"\n(-[ \t]+| *)(id|kind)[ \t]*:(?:[ \t]+([^\n]*))?")


def _scalar(value: str | None) -> str | None:
    """A plain or simply quoted scalar of one line, without a trailing comment; None when it is anything else."""
    if value is None:
        return None
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        if end < 0 or value[end + 1:].strip()[:1] not in ("", "#"):
            return None
        inner = value[1:end]
        return None if "\\" in inner and quote == '"' else inner
    value = value.split(" #", 1)[0].strip()
    if not value or value[0] in "[{|>&*!%@`'\"":
        return None
    return value


# The way isoctl and its documentation write a record in a list: ``- id: X`` then ``  kind: y``.
_USUAL = re.compile(r"- id:[ \t]+([A-Za-z0-9][A-Za-z0-9._:/-]*)[ \t]*\n  kind:[ \t]+([a-z]+)[ \t]*(?=\n)")


def _identity(piece: str) -> tuple[str, str] | None:
    """(id, kind) of one item (a list item starting with ``-``, or the whole text of a single record), read from
    its top-level ``id:`` and ``kind:`` lines; None where they are not one plain scalar each.

    An item written the usual way (opening with its id, then its kind) is
    read from those two lines alone: a second top-level ``id:`` or ``kind:``
    would be a duplicate key, which isoctl refuses as invalid YAML, so such
    a version holds nothing a rule can use whichever of the two is read.
    Otherwise a line is one of the item's top-level keys when it is its
    first line, or indented exactly as that line's key.
    """
    usual = _USUAL.match(piece)
    if usual is not None:
        return usual.group(1), usual.group(2)
    indent = 0
    if piece.startswith("-"):
        first = re.match(r"-[ \t]*", piece[:64])
        indent = len(first.group(0)) if first else 1
    fields: dict[str, str | None] = {}
    for match in _FIELD.finditer("\n" + piece):
        prefix = match.group(1)
        top = (match.start() == 0 and len(prefix) == indent) if prefix.startswith("-") else len(prefix) == indent
        if not top:
            continue
        if match.group(2) in fields:
            return None  # a key twice: leave it to the parser
        fields[match.group(2)] = _scalar(match.group(3))
    record_id, kind = fields.get("id"), fields.get("kind")
    return (record_id, kind) if record_id and kind else None


Pieces = dict[str, tuple[str, str]]  # record id -> (kind, the record's text), in the file's order


def cut(relative: str, text: str) -> Pieces | None:
    """The records of a file's text, cut apart as text: id -> (kind, the record's text).

    None when the text is not a shape this reading follows (see the module
    docstring); ``{}`` for Markdown that is not a record.
    """
    if relative.endswith(".md"):
        parts = split_front_matter(text)
        if parts is None:
            return {}
        front = parts[0]
        if not _KIND_LINE.search(front):
            return {}
        identity = None if _tricky("\n" + front) else _identity(front)
        return None if identity is None else {identity[0]: (identity[1], text)}
    found = cut_list(text)
    return None if found is None else found[1]


def cut_list(text: str) -> tuple[list[int], Pieces] | None:
    """:func:`cut` of a YAML file: where each item starts (none for a single record), and the records."""
    if "\t" in text or _tricky(text):
        return None
    starts = [match.start() + 1 for match in _ITEM.finditer(text)]
    if text == "-" or text.startswith(("- ", "-\n", "-\r")):
        starts.insert(0, 0)
    if not starts:
        identity = _identity(text)
        return None if identity is None else ([], {identity[0]: (identity[1], text)})
    if any(line.strip() and not line.lstrip().startswith("#") for line in text[: starts[0]].splitlines()):
        # something before the first item: a single record whose lists start at the margin, or not a shape read here
        identity = _identity(text) if _lists_at_margin(text) else None
        return None if identity is None else ([], {identity[0]: (identity[1], text)})
    pieces = _items(text, starts, len(text), {})
    return None if pieces is None else (starts, pieces)


# A line at the margin, and one that is a top-level key: its name, then what follows the colon.
_MARGIN = re.compile(r"^[^ \t\r\n#][^\n]*", re.M)
_TOP_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*[ \t]*:(?:[ \t]+(.*))?$")


def _lists_at_margin(text: str) -> bool:
    """Whether ``text`` is a mapping whose ``-`` lines at the margin are all items of a key's list.

    ``measurements:`` then ``- date: ...`` at the margin is one way to
    write a record's list (and the way some editors and writers do). Every
    line at the margin must then be a key, or an item following a key with
    nothing after its colon (or following another item): anything else
    (a scalar, a flow collection, a quoted key) is left to the parser.
    """
    opens_list = False
    for match in _MARGIN.finditer(text):
        line = match.group(0).rstrip("\r")
        if line == "-" or line.startswith("- "):
            if not opens_list:
                return False
            continue
        key = _TOP_KEY.match(line)
        if key is None:
            return False
        value = (key.group(1) or "").split(" #", 1)[0].strip()
        opens_list = not value or value.startswith("#")
    return True


def _items(text: str, starts: Sequence[int], end: int, out: Pieces) -> Pieces | None:
    """Add the items starting at ``starts`` (the last one ending at ``end``) to ``out``; None when one has no
    identity or one already there."""
    for number, start in enumerate(starts):
        piece = text[start:starts[number + 1] if number + 1 < len(starts) else end]
        identity = _identity(piece)
        if identity is None or identity[0] in out:
            return None
        out[identity[0]] = (identity[1], piece)
    return out


@dataclass
class Cut:
    """A version of a list file as it was cut: its text, where its items start, its records and what was read of
    each (their text, and the item :func:`isoctl.history.split.split` made of it)."""

    text: str
    starts: list[int]
    pieces: Pieces
    items: dict[str, tuple[str, tuple[str, str, str]]]


_BLANK_OR_END = frozenset({" ", "\t", "\r", "\n", ""})


def cut_again(old: Cut, text: str) -> tuple[list[int], Pieces] | None:
    """:func:`cut_list` of a new version of a file, from the cut of the one before: the items the two versions
    begin with and end with are kept as they were, and only those between them are cut.

    A commit mostly edits, adds or removes a record or two of a list of
    many, and cutting the whole text again was most of the time spent on a
    long history. Items are kept at the start while the new text holds the
    same item at the same place, still followed by the start of an item;
    at the end, while it holds the same item as far from its end, after a
    line break. None when the first item changed (a full cut then decides,
    header and all). The result is the full cut's: an item's identity is
    read from its own text, and a line that a reading by lines cannot
    follow (see :func:`_tricky`) is made of a few characters of one line,
    which cannot straddle the start of an item.
    """
    starts, old_text, order = old.starts, old.text, list(old.pieces.items())
    count = len(starts)
    if count < 2 or not text.startswith(old_text[:starts[0]]):
        return None
    kept = 0  # items kept at the start
    while kept < count - 1:
        after = starts[kept + 1]
        if not (text.startswith(order[kept][1][1], starts[kept]) and text[after:after + 1] == "-"
                and text[after + 1:after + 2] in _BLANK_OR_END):
            break
        kept += 1
    if kept == 0:
        return None
    begin = starts[kept]
    shift = len(text) - len(old_text)
    tail = count  # items from here on are kept at the end
    while tail > kept:
        moved = starts[tail - 1] + shift
        if moved < begin or text[moved - 1:moved] != "\n" or not text.startswith(order[tail - 1][1][1], moved):
            break
        tail -= 1
    end = starts[tail] + shift if tail < count else len(text)
    middle = text[begin:end]
    if "\t" in middle or _tricky("\n" + middle):
        return None
    inner = [begin] if middle else []
    inner += [m.start() + 1 for m in _ITEM.finditer(text, begin, end)]  # ``$`` at ``end``: its end, or before \n-
    out: Pieces = dict(order[:kept])
    if _items(text, inner, end, out) is None:
        return None
    for record_id, value in order[tail:]:
        if record_id in out:
            return None
        out[record_id] = value
    return [*starts[:kept], *inner, *(start + shift for start in starts[tail:])], out
