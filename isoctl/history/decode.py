"""Git data is untrusted: names, e-mails, messages, dates and file names as a repository holds them.

git keeps them as bytes and checks little. Old tools wrote Latin-1 author
names; a commit written with ``git hash-object --literally`` can carry
control characters, a time zone of +9959 or a date in the year 10000.
Everything isoctl reads from a commit goes through here, so that any such
commit is read without an error:

* **text** (names, e-mails, subjects) is UTF-8, each byte that is not part
  of valid UTF-8 read as Latin-1 (what old repositories used), with control
  characters removed: an ESC could recolour a terminal, a newline forge a
  line of output, a bidi override reorder one;
* **dates** are git's raw ``<seconds> <+hhmm>``, kept within
  :data:`EARLIEST`..:data:`LATEST` (inside the span isoctl evaluates on, so
  a commit's date can always be a ``today``). A date git cannot read, one
  outside that span, or an offset of a day or more, is replaced (by the
  nearest bound, in UTC) and the commit *flagged*: it says nothing about
  when the work was done, so the history rules do not count it;
* **file names** with an empty, ``.`` or ``..`` part (a tree written with
  ``--literally`` can hold ``catalogs/../../etc/x``; git would never check
  it out) are no part of the workspace: :func:`safe_path` keeps them out,
  so nothing read from a commit can name a place outside it. The others
  are :func:`os.fsdecode`\\ d and shown with
  :func:`isoctl.workspace.files.printable` (each byte that is not UTF-8
  written ``\\xNN``), exactly as the working tree's names are, so a file is
  named the same committed or not.

* **submodules** (gitlinks) name a commit of another repository, not a
  file: a change to one is no change to any file of the workspace, and a
  file replaced by one (or one by a file) is a deletion (an addition).

:func:`log_entries` reads the commit list of one ``git log`` this way.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass

from isoctl.workspace.files import printable

#: The span a commit date is kept in: git's epoch, up to the last full day isoctl evaluates on.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)
_EARLIEST_S = int(EARLIEST.timestamp())
_LATEST_S = int(LATEST.timestamp())

# C0 and C1 controls, DEL, and the invisible marks that reorder a line (LRM/RLM, bidi embeddings, overrides, isolates).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPED = re.compile("[\udc80-\udcff]")
_RAW_DATE = re.compile(rb"(-?\d{1,30}) ([+-])(\d\d)(\d\d)")


def text(raw: bytes) -> str:
    """A name, e-mail or message from git: UTF-8, stray bytes as Latin-1, control characters removed."""
    decoded = _ESCAPED.sub(lambda m: chr(ord(m.group()) - 0xDC00), raw.decode("utf-8", "surrogateescape"))
    return _CONTROL.sub("", decoded.replace("\t", " ")).strip()


def safe_path(raw: bytes) -> bool:
    """Whether a path from a git tree names a file inside it: no empty, ``.`` or ``..`` part, not absolute."""
    parts = raw.split(b"/")
    return b"" not in parts and b"." not in parts and b".." not in parts


def path(raw: bytes) -> str:
    """A file name from git in its printable, stable form: ``caf\\xe9.yaml`` for Latin-1 ``café.yaml``."""
    return printable(os.fsdecode(raw))


def date(raw: bytes) -> tuple[dt.datetime | None, bool]:
    """git's raw date (``--date=raw``) as an aware datetime and whether it is exact.

    None (not exact) when git gave no date it could read; a date outside
    EARLIEST..LATEST, or an offset of 24 hours or more, comes back clamped to
    the bound, in UTC, and not exact.
    """
    match = _RAW_DATE.fullmatch(raw.strip())
    if match is None:
        return None, False
    seconds = int(match[1])
    hours, minutes = int(match[3]), int(match[4])
    if not _EARLIEST_S <= seconds <= _LATEST_S:
        return (EARLIEST if seconds < _EARLIEST_S else LATEST), False
    if hours >= 24 or minutes >= 60:
        return dt.datetime.fromtimestamp(seconds, dt.UTC), False
    return dt.datetime.fromtimestamp(seconds, _zone(match[2] == b"-", hours, minutes)), True


@functools.lru_cache(maxsize=256)
def _zone(west: bool, hours: int, minutes: int) -> dt.timezone:
    """One time zone object per offset: a history's commits share a few, and a copy of the history sent to
    another process then carries each once."""
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes) * (-1 if west else 1))


def commit_dates(authored: bytes, committed: bytes) -> tuple[dt.datetime, dt.datetime, bool]:
    """A commit's author and committer dates, and whether both are exact.

    A date git could not read is the other one when that one is readable,
    else :data:`EARLIEST`.
    """
    author, author_exact = date(authored)
    committer, committer_exact = date(committed)
    author = author or committer or EARLIEST
    committer = committer or author
    return author, committer, author_exact and committer_exact


@dataclass(frozen=True)
class Change:
    """One file a commit added (A), modified (M), deleted (D) or changed the type of (T)."""

    status: str
    path: str  # relative to the workspace root, in its printable form (:func:`path`)
    old_blob: str
    new_blob: str
    new_mode: str


@dataclass(frozen=True)
class CommitInfo:
    """A commit on the first-parent line, with the workspace files it changed.

    ``clamped`` is True when a date of the commit could not be read or lay
    outside the span isoctl keeps dates in (:func:`date`): it
    was replaced, and says nothing about when the work was done.
    """

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: dt.datetime
    committed: dt.datetime
    subject: str
    changes: tuple[Change, ...]
    clamped: bool = False


#: The mode of a submodule (a "gitlink"): its entry names a commit of another repository, not a file of this one.
GITLINK = "160000"
_ABSENT = "000000"


def _without_submodules(status: str, old_mode: str, new_mode: str) -> str:
    """A change's status with submodules left out ("" for none): a file that became a submodule is deleted,
    a submodule that became a file is added, and a submodule's own changes are no change to any file."""
    if new_mode == GITLINK:
        return "" if old_mode in (GITLINK, _ABSENT) else "D"
    if old_mode == GITLINK:
        return "" if new_mode == _ABSENT else "A"
    return status


#: One commit of ``git log --date=raw``: its fields one a line, since none of them can hold a newline
#: (an ident is one header line; %s joins the subject's lines).
LOG_FORMAT = "%x01%H%n%P%n%ad%n%cd%n%an%n%ae%n%s"
_SHA = re.compile(rb"[0-9a-f]{40,64}")


def log_entries(out: bytes, prefix: bytes) -> list[CommitInfo]:
    """The commits of ``git log -z --raw --format=LOG_FORMAT`` output, with the changes below ``prefix``.

    A commit whose header git could not make out (an ident with a newline
    in it gives empty fields) still counts, with what could be read.
    """
    commits: list[CommitInfo] = []
    header: list[bytes] | None = None
    changes: list[Change] = []
    tokens = out.split(b"\0")
    index = 0
    # A history names a few people, files and modes many times, and each blob twice (added, then replaced): one
    # string for each makes the list smaller, and so faster to send to another process and to keep.
    names: dict[bytes, str] = {}
    shared: dict[str, str] = {}

    def one(value: str) -> str:
        return shared.setdefault(value, value)

    def name(raw: bytes) -> str:
        found = names.get(raw)
        if found is None:
            found = names[raw] = text(raw)
        return found

    def flush() -> None:
        if header is None or not _SHA.fullmatch(header[0]):
            return
        sha, parents, authored, committed, author, email, subject = header
        when_authored, when_committed, exact = commit_dates(authored, committed)
        commits.append(CommitInfo(sha.decode("ascii"), tuple(parents.decode("ascii", "replace").split()),
                                  name(author), name(email), when_authored, when_committed,
                                  text(subject), tuple(changes), clamped=not exact))

    while index < len(tokens):
        token = tokens[index].lstrip(b"\n")
        index += 1
        if token.startswith(b"\x01"):
            flush()
            header = (token[1:].split(b"\n", 6) + [b""] * 7)[:7]
            changes = []
        elif token.startswith(b":") and index < len(tokens):
            raw = tokens[index]
            index += 1
            fields = token[1:].split()
            if len(fields) == 5 and raw.startswith(prefix) and safe_path(raw):
                old_mode, new_mode, old_blob, new_blob, status = (f.decode("ascii", "replace") for f in fields)
                status = _without_submodules(status[:1], old_mode, new_mode)
                if status:
                    changes.append(Change(status, one(path(raw[len(prefix):])), one(old_blob), one(new_blob),
                                          one(new_mode)))
    flush()
    return commits
