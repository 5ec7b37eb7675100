"""Every record's versions through the history: which commit added it, and each commit that changed it.

The rules that judge how a system is lived (when a record was first written,
whether an approved document changed afterwards, whether an objective was
ever revised) and ``isoctl pulse`` need, for each record, the commits that
changed it. This module reads them from the one ``git log`` the evaluation
already made (:func:`isoctl.history.git.log`) and the blobs it names, and
nothing else.

Parsing every version of every file would cost seconds on a few years of
history, so files are read as text first: a YAML sequence is cut into its
items at the lines that start a top-level ``-``, a single-record file or a
Markdown record is one item, and each item's ``id`` and ``kind`` are read
from its top-level lines. A record changed in a commit when its text
changed, so a commit that edits one record of a file holding twenty changes
only that one, and a record moved to another file unchanged is no change.
Only the versions a rule asks about are parsed (:meth:`RecordVersions.facts`).
A file whose text cannot be cut that way (anchors, flow style, tags, several
documents) is parsed whole instead, each record's version then being its
parsed content: slower, never wrong. A file that does not parse holds no
records at that commit.

What each blob holds is kept in the user cache between runs (a blob's
content never changes), so a second run reads no blob it does not parse;
so is the text of the versions the rules parse (:data:`TEXT_KINDS`), so a
second run need not read their blobs again either.
Records are followed by id, from the commit list alone: commits with a
clamped date still count here, since a version's order in the history is
real even when git could not give its date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isoctl.files import cache, yamlio
from isoctl.history.decode import CommitInfo
from isoctl.workspace.files import wanted
from isoctl.workspace.read import NotRecords, read, split_front_matter

#: The version of what the cache keeps for a blob: change it when :func:`split` changes.
FORMAT = "record-versions-9"

#: How many records' parsed versions a run keeps (each is a few hundred bytes to a few kilobytes).
FACTS_HELD = 20000

#: The kinds whose versions the rules parse (``changed-after-approval`` its documents', ``static-objectives`` its
#: objectives'): a split keeps the text of their versions, so these need not be read from git again.
TEXT_KINDS = frozenset({"document", "objective"})
#: How much of that text a run keeps at most, in characters; the versions beyond it are read from git as before.
TEXTS_HELD = 16 * 1024 * 1024


class Texts:
    """The text of record versions as a split cut them, by the digest of that text (:attr:`Version.digest`).

    A version's text is the piece of its blob :meth:`RecordVersions.texts_of`
    would cut out, and two pieces with one digest are one text (the digest is
    how this module tells versions apart at all), so a text found here is the
    one git would give.
    """

    def __init__(self) -> None:
        self.by_digest: dict[str, str] = {}
        self.size = 0

    def keep(self, digest: str, text: str) -> None:
        if digest not in self.by_digest and self.size + len(text) <= TEXTS_HELD:
            self.by_digest[digest] = text
            self.size += len(text)

    def update(self, by_digest: dict[str, str]) -> None:
        for digest, text in by_digest.items():
            self.keep(digest, text)

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


@dataclass(frozen=True)
class Version:
    """A record as one commit left it: its place in the history, kind, file, blob and a digest of its text."""

    index: int  # the commit's position in the history (oldest first)
    id: str
    kind: str
    path: str
    blob: str
    digest: str
    stamps: str = ""  # the dates it states (``field=YYYY-MM-DD``, see STAMPED), or a document's approval and content

    def stamp(self, name: str) -> str | None:
        """The value of one stamp (``approval``, ``content``), if the version has it."""
        prefix = name + "="
        return next((s[len(prefix):] for s in self.stamps.split() if s.startswith(prefix)), None)


Items = dict[str, tuple[str, str, str]]  # record id -> (kind, digest of its text, stamps), for one blob

#: The fields whose dates each version remembers, for the records that state events (``late-recording``
#: asks which commit first stated one, ``pulse`` what kind of work a change was): when an action was
#: raised, closed or verified (``on``), when an audit, review, exercise or measurement took place, when a
#: course was completed, when an obligation or supplier was evaluated.
STAMPED = ("raised_on", "closed_on", "on", "date", "completed_on", "evaluated_on")
STAMPED_KINDS = frozenset({"action", "audit", "review", "objective", "exercise", "competence", "obligation",
                           "supplier"})
_KEYS = r"(['\"]?)(raised_on|closed_on|on|date|completed_on|evaluated_on)\1[ \t]*:[ \t]*['\"]?(\d{4}-\d\d-\d\d)\b"
_STAMP = re.compile(r"\n[ \t-]*" + _KEYS)  # a block mapping's line (each search starts at a newline: fast)
_FLOW_STAMP = re.compile(r"[{,][ \t]*" + _KEYS)  # inside a flow mapping, looked for only in text with a "{"


#: For documents, the lines that hold their approval, and those that say nothing about what they say.
APPROVAL = ("status", "version", "approved_on", "approved_by")
_APPROVAL_LINE = re.compile(r"^(?:-[ \t]+|[ \t]{0,2})(status|version|approved_on|approved_by|next_review|review_every_days)"
                            r"[ \t]*:(.*)$")


def _document_stamps(text: str, markdown: bool) -> str:
    """``approval=`` a digest of a document's approval fields, ``content=`` one of the rest of its text.

    Read from the text: the approval is what its top-level approval lines
    say, the content everything else but comments, blank lines and the review
    fields. Two versions with the same content stamp say the same; different
    stamps may still say the same (a change of quoting), which only a parse tells.
    """
    approval: dict[str, str] = {}
    rest: list[str] = []
    body = ""
    if markdown:
        parts = split_front_matter(text)
        if parts is not None:
            text, _, body = parts
    for line in text.splitlines():
        match = _APPROVAL_LINE.match(line)
        if match is not None:
            if match.group(1) in APPROVAL:
                approval[match.group(1)] = match.group(2).split(" #", 1)[0].strip().strip("'\"")
            continue
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rest.append(line.rstrip())
    rest.append(body)  # a Markdown body counts as it is: a "#" there starts a heading, not a comment
    return (f"approval={_digest(repr(sorted(approval.items())))} "
            f"content={_digest(chr(10).join(rest))}")


def _stamps_of_text(kind: str, text: str, markdown: bool = False) -> str:
    if kind == "document":
        return _document_stamps(text, markdown)
    if kind not in STAMPED_KINDS:
        return ""
    found = {f"{key}={day}" for _, key, day in _STAMP.findall("\n" + text)}
    if "{" in text:
        found.update(f"{key}={day}" for _, key, day in _FLOW_STAMP.findall(text))
    return " ".join(sorted(found))


def _stamps_of_content(kind: str, content: Any) -> str:
    if kind == "document" and isinstance(content, dict):
        approval = sorted((k, str(content.get(k))[:10] if k == "approved_on" else str(content.get(k)))
                          for k in APPROVAL if content.get(k) is not None)
        rest = {k: v for k, v in content.items() if k not in APPROVAL and k not in ("next_review", "review_every_days")}
        return f"approval={_digest(repr(approval))} content={_digest(_canonical(rest))}"
    if kind not in STAMPED_KINDS:
        return ""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                name = "on" if key is True else key
                if name in STAMPED and isinstance(inner, dt.date | str) and len(str(inner)) >= 10:
                    found.add(f"{name}={str(inner)[:10]}")
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(content)
    return " ".join(sorted(found))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


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
    found = _cut_list(text)
    return None if found is None else found[1]


def _cut_list(text: str) -> tuple[list[int], Pieces] | None:
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
class _Cut:
    """A version of a list file as it was cut: its text, where its items start, its records and what was read of
    each (their text, and the item :func:`split` made of it)."""

    text: str
    starts: list[int]
    pieces: Pieces
    items: dict[str, tuple[str, tuple[str, str, str]]]


_BLANK_OR_END = frozenset({" ", "\t", "\r", "\n", ""})


def _cut_again(old: _Cut, text: str) -> tuple[list[int], Pieces] | None:
    """:func:`_cut_list` of a new version of a file, from the cut of the one before: the items the two versions
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


def _parsed(relative: str, text: str) -> list[tuple[str, str, Any]]:
    """(id, kind, content) of each record of a file parsed whole; nothing when it does not parse."""
    try:
        raw = read(relative, text)
    except (yamlio.YamlProblem, NotRecords):
        return []
    if raw is None:
        return []
    out = []
    for item in raw.records:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("kind"), str):
            content = dict(item)
            if raw.body is not None:
                content["body"] = raw.body
            out.append((item["id"], item["kind"], content))
    return out


def _canonical(content: Any) -> str:
    return json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)


#: What the last version of each file split held: path -> the cut of a list file, or record id -> (its text, what
#: was read of it) for any other.
Earlier = dict[str, "_Cut | dict[str, tuple[str, tuple[str, str, str]]]"]


def split(relative: str, data: bytes, earlier: Earlier | None = None, texts: Texts | None = None) -> Items:
    """What a blob holds: each record's id, kind and a digest of its version (see the module docstring).

    ``earlier`` remembers the last version of each file split before: a
    commit that edits one record of a file leaves the others' text as it
    was, so the file is cut again only between the records it begins and
    ends with as before (:func:`_cut_again`), their digests and dates are
    not computed again, and the versions of a record share one entry in
    memory. ``texts`` keeps the text of each new version of a record of
    :data:`TEXT_KINDS`.
    """
    try:
        text = yamlio.decode(data)
    except yamlio.YamlProblem:
        return {}
    last = earlier.get(relative) if earlier is not None else None
    markdown = relative.endswith(".md")
    starts: list[int] = []
    pieces: Pieces | None
    if markdown:
        pieces = cut(relative, text)
    else:
        found = _cut_again(last, text) if isinstance(last, _Cut) else None
        if found is None:
            found = _cut_list(text)
        starts, pieces = found if found is not None else ([], None)
    if pieces is not None:
        before = (last.items if isinstance(last, _Cut) else last) or {}
        now: dict[str, tuple[str, tuple[str, str, str]]] = {}
        out: Items = {}
        for record_id, (kind, piece) in pieces.items():
            seen = before.get(record_id)
            if seen is not None and seen[0] == piece and seen[1][0] == kind:
                item = seen[1]
            else:
                item = (kind, _digest(piece), _stamps_of_text(kind, piece, markdown))
                if texts is not None and kind in TEXT_KINDS:
                    texts.keep(item[1], piece)
            now[record_id] = (piece, item)
            out[record_id] = item
        if earlier is not None:
            earlier[relative] = now if markdown else _Cut(text, starts, pieces, now)
        return out
    out = {}
    for record_id, kind, content in _parsed(relative, text):
        out.setdefault(record_id, (kind, "p" + _digest(_canonical(content)), _stamps_of_content(kind, content)))
    return out


#: The rules that read every record's versions (isoctl.rules.recording): the history is read ahead for them.
READS_VERSIONS = ("late-recording", "changed-after-approval", "static-objectives")


def reading(select: Collection[str], ignore: Collection[str]) -> list[str]:
    """The rules of :data:`READS_VERSIONS` that ``--select`` and ``--ignore`` leave to run (the manifest may still
    turn them off)."""
    return [r for r in READS_VERSIONS if r not in ignore and (not select or r in select)]

#: From this many blobs to split, half are split in a forked helper process.
PARALLEL_FROM = 400

#: How much a helper reading a history ahead (and the git it runs) gives way to the evaluation: with its blobs
#: streamed through wide pipes it is done before the evaluation wants them, so the CPU it shares with the
#: evaluation is better spent on the evaluation (a cold check of the 2,000-commit benchmark, 21 rounds: niceness
#: 0, 3, 5 and 10 gave medians of 1,335, 1,262, 1,225 and 1,200 ms). Once the evaluation waits for the helper,
#: nothing else wants the CPU and the helper has it all.
AHEAD_NICENESS = 10


def split_blobs(root: Path, pairs: Sequence[tuple[str, str]], texts: Texts | None = None) -> dict[str, Items]:
    """What each (key, path) blob holds, read in one stream from git (a key is the blob id, with ``.md`` for a
    Markdown record); ``texts`` keeps what :func:`split` keeps."""
    from isoctl.history import git

    blobs = [key.removesuffix(".md") for key, _ in pairs]
    earlier: Earlier = {}
    return {key: split(path, data or b"", earlier, texts)
            for (key, path), (_, data) in zip(pairs, git.read_blobs(root, blobs, max_bytes=yamlio.MAX_BYTES),
                                              strict=True)}


def _split_keeping(root: Path, pairs: list[tuple[str, str]]) -> tuple[dict[str, Items], dict[str, str]]:
    """:func:`split_blobs` in a helper, with the texts it kept (sent back with what the blobs hold)."""
    texts = Texts()
    return split_blobs(root, pairs, texts), texts.by_digest


def _split_in_two(root: Path, pairs: list[tuple[str, str]], texts: Texts | None = None) -> dict[str, Items]:
    """:func:`split_blobs`, the first half in a forked helper while this process does the second.

    Reading the blobs (git decompresses them) and cutting them apart costs
    about the same per blob, so halves take about as long. Should the helper
    fail or not start, this process does its half too.
    """
    from isoctl.workspace.forks import Helper

    half = len(pairs) // 2
    helper = Helper.call("isoctl-history-split", _split_keeping, root, pairs[:half])
    if helper is None:
        return split_blobs(root, pairs, texts)
    try:
        mine = split_blobs(root, pairs[half:], texts)
        try:
            theirs, kept = helper.next()
        except ChildProcessError:
            theirs, kept = split_blobs(root, pairs[:half], texts), {}
    finally:
        helper.stop()
    if texts is not None:
        texts.update(kept)
    return {**theirs, **mine}


def _reading_ahead(root: Path, until: str | None, ignore: tuple[str, ...] | None) -> Iterator[Any]:
    """In a helper reading a history ahead, its three answers: the commit it read up to and the history up to it
    (one ``git log``), at once; then what each blob of it holds (what the user cache knew and what the helper
    split), with the texts the split kept; then, once it has kept what it learnt in the user cache (the
    evaluation then has nothing of its own to write), True.

    Started before the command knows the commit and the manifest (see
    :func:`read_ahead`), it reads up to HEAD and follows the manifest's
    ``ignore`` as the file says it (every file, if it cannot tell): the
    evaluation takes the history only if it is up to its own commit, and
    what the blobs hold whatever the patterns (a blob holds what it holds:
    the evaluation splits any its own patterns want that the helper left).

    Everything known goes back, not only what is new: the evaluation then
    need not read the user cache again (a pickle down the pipe costs a fifth
    of parsing and checking the cache's JSON, and the cache the evaluation
    would read may be the one this helper just wrote).
    """
    from isoctl.history import git
    from isoctl.workspace.forks import SENT

    with contextlib.suppress(OSError, AttributeError):  # a platform without priorities: as it is
        os.nice(AHEAD_NICENESS)
    if until is None:
        until = git.commit_of(root, "HEAD")
    if ignore is None:
        ignore = _ignored_by_manifest(root)
    commits = git.log(root, until=until, keep=False)  # kept below, off the evaluation's path
    yield until, commits
    versions = RecordVersions(list(ignore), root, ahead=False)
    versions._prefetch(commits)
    yield versions.known, versions.texts.by_digest
    yield SENT  # encoding the cache's JSON holds the interpreter: the evaluation waiting for these comes first
    versions.save()
    git.keep_log()
    yield True


def _ignored_by_manifest(root: Path) -> tuple[str, ...]:
    """The manifest's ``ignore`` patterns as its text says them, before it is validated; none (every file) when
    it cannot be read or says something else."""
    from isoctl.workspace.discover import manifest_data

    data = manifest_data(root)
    patterns = data.get("ignore") if isinstance(data, dict) else None
    if isinstance(patterns, list) and all(isinstance(p, str) for p in patterns):
        return tuple(patterns)
    return ()


@dataclass
class _Ahead:
    """A helper reading one history ahead (its commits, then its blobs), and its answers once they came.

    ``until`` is None until a helper started without it (:func:`read_ahead`)
    has said which commit it read up to.
    """

    until: str | None
    helper: Any
    commits: list[CommitInfo] | None = None
    blobs: tuple[dict[str, Items], dict[str, str]] | None = None
    saving: bool = False
    failed: bool = False

    def logged(self) -> list[CommitInfo] | None:
        """The helper's history (waited for once); None if it failed."""
        if self.commits is None and not self.failed:
            answer = self._wait()
            if answer is not None:
                self.until, self.commits = answer
        return self.commits

    def split(self) -> tuple[dict[str, Items], dict[str, str]] | None:
        """What the helper knows of the blobs (the user cache's and its own), and the texts it kept (waited for
        once); None if it failed.

        The helper then writes what it learnt to the user cache while the
        evaluation goes on (:meth:`finish` waits for it).
        """
        if self.blobs is None and self.logged() is not None:
            self.blobs = self._wait()
            self.saving = self.blobs is not None
        return self.blobs

    def finish(self) -> None:
        """Let the helper finish writing the cache (if it is writing it), then stop it."""
        if self.saving and not self.failed:
            self._wait()
        self.stop()

    def _wait(self) -> Any:
        try:
            return self.helper.next()
        except ChildProcessError:  # a helper that failed leaves the work to this process
            self.failed = True
            self.stop()
            return None

    def stop(self) -> None:
        self.helper.stop()


#: Helpers reading a history ahead, by the root of their workspace.
_ahead: dict[str, _Ahead] = {}


def read_ahead(root: Path, until: str | None = None, ignore: Sequence[str] | None = None) -> None:
    """Start reading the history in a forked helper (its ``git log`` and its blobs) while this process loads
    the workspace.

    Loading keeps both cores busy only part of the time; the blobs of a long
    history take about as long again, so reading them meanwhile hides most
    of that time. The evaluation takes the commits (:func:`commits_ahead`)
    and the first :class:`RecordVersions` of the same root what the helper
    learnt of the blobs; nothing is lost if neither is asked for.

    The command line starts it before it has imported what tells the commit
    and the manifest (``until`` and ``ignore`` None: HEAD, and the manifest
    as its text says); the evaluation keeps it unless it is known to read up
    to another commit.
    """
    from isoctl.workspace.forks import Helper

    key = _key(root)
    entry = _ahead.get(key)
    if entry is not None:
        if entry.until in (None, until):
            return
        _ahead.pop(key).stop()
    frozen = tuple(ignore) if ignore is not None else None
    helper = Helper.start("isoctl-history-ahead", _reading_ahead, root, until, frozen)
    if helper is not None:
        _ahead[key] = _Ahead(until, helper)


def stop_ahead(root: Path) -> None:
    """Stop a helper reading the history of ``root`` ahead (the evaluation turned out not to need it)."""
    entry = _ahead.pop(_key(root), None)
    if entry is not None:
        entry.stop()


def _key(root: Path) -> str:
    return str(root.resolve())


def commits_ahead(root: Path, until: str) -> list[CommitInfo] | None:
    """The history up to ``until`` as a helper reading ahead found it (None if none did, or it failed)."""
    entry = _ahead.get(_key(root))
    if entry is None or entry.until not in (None, until):
        return None
    commits = entry.logged()
    return commits if entry.until == until else None


#: Helpers that handed over what they learnt and are writing it to the user cache.
_saving: list[_Ahead] = []


def _collect(root: Path) -> tuple[dict[str, Items], dict[str, str]] | None:
    """What a helper reading ahead knows of this root's blobs (the user cache's and its own) and the texts it
    kept; None if none was started or it failed. The helper then keeps what it learnt in the user cache."""
    entry = _ahead.pop(_key(root), None)
    if entry is None:
        return None
    answer = entry.split()
    if answer is None:
        entry.stop()
        return None
    _saving.append(entry)
    return answer


def cancel_ahead() -> None:
    """Let helpers writing the cache finish; stop any helper still reading ahead (an evaluation that ends
    without needing it)."""
    for entry in _saving:
        entry.finish()
    _saving.clear()
    for entry in _ahead.values():
        entry.stop()
    _ahead.clear()


class RecordVersions:
    """The versions of every record along one history, read as far as asked (:meth:`advance`)."""

    def __init__(self, ignore: Sequence[str], root: Path, *, ahead: bool = True) -> None:
        self.ignore = list(ignore)
        self.root = root
        place = os.fsencode(root.resolve())
        self._store_key = cache.digest([FORMAT, place])
        self._texts_key = cache.digest([FORMAT, place, "texts"])
        self._learnt = False  # a helper writing down what it learnt leaves nothing to write here
        self._texts_learnt = False  # texts read from git by texts_of, which no helper had
        self.texts = Texts()  # the text of versions a split (here, in a helper, or a run before) cut out, see texts_of
        collected = _collect(root) if ahead else None
        self.known: dict[str, Items] = {}
        if collected is not None:
            self.known, texts = collected
            self.texts.update(texts)
        else:
            known = cache.read("versions", self._store_key)
            if isinstance(known, dict):
                self.known = {blob: {rid: (str(v[0]), str(v[1]), str(v[2])) for rid, v in items.items()}
                              for blob, items in known.items() if isinstance(items, dict)}
                kept = cache.read("versions", self._texts_key)  # kept with them: a run that splits nothing has them
                if isinstance(kept, dict):
                    self.texts.update({digest: text for digest, text in kept.items() if isinstance(text, str)})
        self.shas: list[str] = []  # the commits read so far, oldest first
        self.files: dict[str, Items] = {}  # path -> what it holds now
        self.where: dict[str, str] = {}  # record id -> the path holding it now
        self.history: dict[str, list[Version]] = {}  # record id -> its versions, oldest first
        self.gone: set[str] = set()  # records removed from every file (a return is a new version)
        self._facts: OrderedDict[tuple[str, str], dict[str, Any] | None] = OrderedDict()

    def advance(self, commits: Sequence[CommitInfo]) -> None:
        """Read ``commits`` (a history starting where this one started) up to its end."""
        if len(commits) < len(self.shas) or (self.shas and commits[len(self.shas) - 1].sha != self.shas[-1]):
            raise ValueError("not a continuation of the history read so far")
        self._prefetch(commits[len(self.shas):])
        for index in range(len(self.shas), len(commits)):
            self._apply(index, commits[index])
            self.shas.append(commits[index].sha)

    def _prefetch(self, commits: Sequence[CommitInfo]) -> None:
        """Split every blob these commits bring that is not known yet, read in one stream from git."""
        wanted_blobs: dict[str, str] = {}  # key -> path
        for commit in commits:
            for change in commit.changes:
                if change.status != "D" and wanted(change.path, self.ignore):
                    key = change.new_blob + (".md" if change.path.endswith(".md") else "")
                    if key not in self.known:
                        wanted_blobs.setdefault(key, change.path)
        if not wanted_blobs:
            return
        # newest first: git packs keep a file's newest version whole and older ones as deltas against it,
        # so reading back in time finds each delta's base already unpacked (a quarter less time in git)
        pairs = list(reversed(wanted_blobs.items()))
        self.known.update(_split_in_two(self.root, pairs, self.texts) if len(pairs) >= PARALLEL_FROM
                          else split_blobs(self.root, pairs, self.texts))
        self._learnt = True

    def _items(self, path: str, blob: str) -> Items:
        """What a blob holds (every blob of the commits being read was split by :meth:`_prefetch`)."""
        return self.known[blob + (".md" if path.endswith(".md") else "")]

    def _apply(self, index: int, commit: CommitInfo) -> None:
        touched: set[str] = set()
        for change in commit.changes:
            if not wanted(change.path, self.ignore):
                continue
            old = self.files.pop(change.path, {})
            new = {} if change.status == "D" else self._items(change.path, change.new_blob)
            if new:
                self.files[change.path] = new
            path, where = change.path, self.where
            for record_id in old.keys() - new.keys():
                if where.get(record_id) == path:
                    del where[record_id]
                    touched.add(record_id)
            if touched:
                touched.difference_update(new)  # moved here within the commit: not gone
            # a commit changes a few records of a file: those with the same text where they were (so not gone
            # either) are passed over in one comprehension, and only the others are looked at one by one
            before, placed = old.get, where.get
            for record_id, item in [(record_id, item) for record_id, item in new.items()
                                    if before(record_id) != item or placed(record_id) != path]:
                kind, digest, stamps = item
                where[record_id] = path
                versions = self.history.setdefault(record_id, [])
                if not versions or versions[-1].digest != digest or record_id in self.gone:
                    if versions and versions[-1].index == index:
                        versions.pop()  # twice in one commit: the last place it is in counts
                    versions.append(Version(index, record_id, kind, path, change.new_blob, digest, stamps))
                self.gone.discard(record_id)
        self.gone |= touched  # removed from every file by this commit

    def of(self, record_id: str, upto: int | None = None) -> list[Version]:
        """The versions of a record, oldest first; only those of the first ``upto`` commits when given."""
        versions = self.history.get(record_id, [])
        if upto is None or not versions or versions[-1].index < upto:
            return versions
        return [v for v in versions if v.index < upto]

    def changes(self, upto: int | None = None) -> Iterator[Version]:
        """Every version of every record (each one a record added or changed), in no particular order."""
        for versions in self.history.values():
            for version in versions:
                if upto is None or version.index < upto:
                    yield version

    def facts(self, version: Version) -> dict[str, Any] | None:
        """The parsed fields of a record at a version (``body`` for Markdown); None when they cannot be read."""
        return self.facts_of([version])[0]

    def facts_of(self, wanted: Sequence[Version]) -> list[dict[str, Any] | None]:
        """:meth:`facts` of many versions at once: the blobs not read yet come in one stream from git."""
        todo = [v for v in dict.fromkeys(wanted) if (v.blob, v.id) not in self._facts]
        for version, text in zip(todo, self.texts_of(todo), strict=True):
            found = _parsed(version.path, text) if text is not None else []
            self._facts[(version.blob, version.id)] = next((f for rid, _, f in found if rid == version.id), None)
        out = [self._facts.get((version.blob, version.id)) for version in wanted]
        while len(self._facts) > FACTS_HELD:
            self._facts.popitem(last=False)
        return out

    def texts_of(self, wanted: Sequence[Version]) -> list[str | None]:
        """The text of each version: the record's own lines where the file could be cut apart, else the whole file.

        Cheaper than :meth:`facts_of` (nothing is parsed), so a rule can look
        for a value in the text first and parse only the versions holding it.
        A version whose text a split kept is not read again (the split of
        this run, or of one before it: the texts are kept in the user cache
        with what each blob holds); one read here is kept for the next run.
        """
        texts: dict[tuple[str, str], str | None] = {}
        by_blob: dict[str, list[Version]] = {}
        for version in wanted:
            kept = self.texts.by_digest.get(version.digest)
            if kept is not None:
                texts[(version.blob, version.id)] = kept
            else:
                by_blob.setdefault(version.blob, []).append(version)
        for blob, data in self._read_many(list(by_blob)):
            try:
                text = yamlio.decode(data)
            except yamlio.YamlProblem:
                text = None
            pieces: dict[str, dict[str, tuple[str, str]] | None] = {}
            for version in by_blob[blob]:
                if text is not None and version.path not in pieces:
                    pieces[version.path] = cut(version.path, text)
                cut_up = pieces.get(version.path)
                if cut_up and version.id in cut_up:
                    piece = texts[(blob, version.id)] = cut_up[version.id][1]
                    if version.kind in TEXT_KINDS and _digest(piece) == version.digest:
                        self.texts.keep(version.digest, piece)  # read once: kept for the next run too
                        self._texts_learnt |= version.digest in self.texts.by_digest  # (unless over the cap)
                else:
                    texts[(blob, version.id)] = text
        return [texts.get((version.blob, version.id)) for version in wanted]

    def _read_many(self, blobs: list[str]) -> Iterator[tuple[str, bytes]]:
        """The bytes of ``blobs`` in one stream from git (b"" for one git does not have)."""
        from isoctl.history import git

        for blob, data in git.read_blobs(self.root, blobs, max_bytes=yamlio.MAX_BYTES):
            yield blob, data or b""

    def save(self) -> None:
        """Keep what the blobs read this run hold and the texts read, for the next run (nothing when nothing was
        read)."""
        bodies = {}
        if self._learnt:
            bodies[self._store_key] = cache.dumps(self.known)  # (the item tuples are written as JSON lists)
        if self._learnt or self._texts_learnt:
            bodies[self._texts_key] = cache.dumps(self.texts.by_digest)
        if bodies:
            cache.write_many("versions", bodies)
        self._learnt = self._texts_learnt = False


_open: dict[tuple[str, str, tuple[str, ...]], RecordVersions] = {}


def along(history: Sequence[CommitInfo], ignore: Sequence[str], root: Path) -> RecordVersions:
    """The record versions of ``history`` (of the workspace at ``root``), shared by every rule of a run and by
    every point of a timeline.

    The timeline asks for one prefix of the same history after another: the
    versions read for one point are kept and only the commits after it are
    read for the next. A history that is not a continuation starts afresh.
    """
    key = (str(root), history[0].sha if history else "", tuple(ignore))
    versions = _open.get(key)
    if versions is None:
        versions = RecordVersions(ignore, root)
        _open.clear()
        _open[key] = versions
    if len(history) > len(versions.shas):
        try:
            versions.advance(history)
        except ValueError:
            versions = _open[key] = RecordVersions(ignore, root)
            versions.advance(history)
    elif history and versions.shas[len(history) - 1] != history[-1].sha:
        versions = _open[key] = RecordVersions(ignore, root)
        versions.advance(history)
    return versions


def save_all() -> None:
    """Write what the open record versions learnt to the user cache (at the end of a run); stop helpers."""
    cancel_ahead()
    for versions in _open.values():
        versions.save()
