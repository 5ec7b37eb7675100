"""Records as they stood on a day, derived from their final text: the text side of an example's history.

An example holds each record as it is on the example's evaluation day. Its
history (:mod:`isoctl.scaffold.history`) commits earlier versions, and
those are derived here from the final text, line by line, so that what is
kept is byte for byte what the example has: nothing is parsed and written
back, and a record brought up to its last day is exactly its final text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

#: Fields of an action that come from investigating and closing it: not there while it is only raised.
CLOSURE_FIELDS = ("root_cause", "corrective_action", "closed_on", "verification")

_DAY = r"(\d{4}-\d{2}-\d{2})"
PATH_LINE = re.compile(r"^\s*- \{\s*path:\s*['\"]?([^'\",}]+?)['\"]?\s*[,}]")
_DATED_LINE = re.compile(r"^\s*- \{.*\bdate:\s*" + _DAY)
_KEY = re.compile(r"^(?P<indent> *)(?:- )?(?P<key>[A-Za-z_][\w-]*):(?:\s|$)")
_CLOSED = re.compile(r"^ *closed_on:\s*" + _DAY, re.M)
_VERIFIED = re.compile(r"^ *verification:\s*\{[^}]*[\"']?on[\"']?:\s*" + _DAY, re.M)
_HELD = re.compile(r"(\bstatus:\s*)done\b")
_ISSUED = re.compile(r"^(?P<indent> +)issued:\s*" + _DAY + r"\s*$")
_CERTIFICATE_FIELDS = ("certificate", "issued", "expires")


def as_of(text: str, day: dt.date, *, indent: int, exists: Callable[[str], bool] = lambda _: True) -> str:
    """A record's text (a file, or one item of a list) as it stood on ``day``, derived from its final text.

    Lines such as ``- {date: 2026-03-31, value: 98}`` (measurements, evidence,
    findings) dated after ``day`` are left out, unless planned (an audit
    ``status: done`` after ``day`` is still planned then: see
    :func:`certificates_as_of` for the rest of isoctl.yaml), and so are
    evidence entries ``- {path: ...}`` naming a file that does not
    ``exist`` yet; a list left empty is ``[]``. An action closed after
    ``day`` is open, without :data:`CLOSURE_FIELDS`; one verified after
    ``day`` has no verification yet.
    """
    kept: list[str] = []
    emptied: set[int] = set()  # kept lines (keys) whose every entry was left out
    for line in text.splitlines(keepends=True):
        dated = _DATED_LINE.match(line)
        linked = PATH_LINE.match(line)
        if dated and dated[1] > day.isoformat() and _HELD.search(line):
            line = _HELD.sub(r"\1planned", line)  # an external audit of isoctl.yaml, still ahead
        if (dated and dated[1] > day.isoformat() and "planned" not in line) or (linked and not exists(linked[1])):
            if kept and kept[-1].rstrip().endswith(":") and _lead(kept[-1]) < _lead(line):
                emptied.add(len(kept) - 1)
            continue
        if emptied and len(kept) - 1 in emptied and _lead(line) >= _lead(kept[-1]) + 1 and line.strip():
            emptied.discard(len(kept) - 1)  # an entry that stays
        kept.append(line)
    for number in emptied:
        kept[number] = kept[number].rstrip("\r\n").rstrip() + " []" + kept[number][len(kept[number].rstrip("\r\n")):]
    text = "".join(kept)
    if not re.search(r"^(?:- |\s*)kind:\s*action\b", text, re.M):
        return text
    closed, verified = _CLOSED.search(text), _VERIFIED.search(text)
    if closed and closed[1] > day.isoformat():
        text = _drop(text, CLOSURE_FIELDS, indent)
        text = re.sub(r"^( *)status:\s*\S+", r"\1status: open", text, count=1, flags=re.M)
    elif verified and verified[1] > day.isoformat():
        text = _drop(text, ("verification",), indent)
    return text


#: The SoA's approval in isoctl.yaml, written on one line (``soa: {version: ..., approved_on: ...}``).
_SOA_APPROVAL = re.compile(r"^soa:\s*\{.*\bapproved_on:\s*" + _DAY)


def certificates_as_of(text: str, day: dt.date) -> str:
    """isoctl.yaml as it stood on ``day``: a certificate issued after it is not there yet (its number and dates),
    nor an SoA approval given after it (a one-line ``soa:`` block)."""
    lines = text.splitlines(keepends=True)
    gone: set[int] = set()
    for number, line in enumerate(lines):
        approval = _SOA_APPROVAL.match(line)
        if approval is not None and approval[1] > day.isoformat():
            gone.add(number)
            continue
        issued = _ISSUED.match(line)
        if issued is None or issued[2] <= day.isoformat():
            continue
        indent = issued["indent"]
        for step in (-1, 1):  # the other fields of the same certification, above and below
            other = number
            while 0 <= other < len(lines) and (other == number or lines[other].startswith(indent)):
                key = _KEY.match(lines[other])
                if key and key["indent"] == indent and key["key"] in _CERTIFICATE_FIELDS:
                    gone.add(other)
                other += step
    return "".join(line for number, line in enumerate(lines) if number not in gone)


def _lead(line: str) -> int:
    """How far a line is indented (a sequence entry's dash counts as indentation)."""
    stripped = line.lstrip(" ")
    return len(line) - len(stripped) + (2 if stripped.startswith("- ") else 0)


def _drop(text: str, keys: Iterable[str], indent: int) -> str:
    """``text`` without the keys (at ``indent``) named, each with the lines that continue its value."""
    out: list[str] = []
    dropping = False
    for line in text.splitlines(keepends=True):
        match = _KEY.match(line)
        if match and len(match["indent"]) == indent and not line.startswith("- "):
            dropping = match["key"] in keys
        elif match and line.startswith("- ") and indent == 2:
            dropping = False
        elif dropping and line.strip():
            lead = len(line) - len(line.lstrip(" "))
            # a value goes on at a deeper indent, or as a sequence at the key's own indent
            dropping = lead > indent or (lead == indent and line[lead:].startswith("- ") and indent == 0)
        if not dropping:
            out.append(line)
    return "".join(out)


def with_fields(text: str, fields: dict[str, str], *, indent: int) -> str:
    """``text`` with the one-line top-level ``fields`` given other values (quoted where the final value is)."""
    for key, value in fields.items():
        pattern = re.compile(rf"^({' ' * indent}{re.escape(key)}:[ \t]*)(['\"]?)[^\n#]*?\2([ \t]*(?:#.*)?)$", re.M)

        def then(match: re.Match[str], value: str = value) -> str:
            return f"{match[1]}{match[2]}{value}{match[2]}{match[3]}"

        text = pattern.sub(then, text, count=1)
    return text
