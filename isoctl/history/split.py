"""What a blob holds: each record's id, kind, a digest of its text and the dates it states.

A record changed in a commit when its text changed, so a commit that edits
one record of a file holding twenty changes only that one, and a record
moved to another file unchanged is no change. A blob is cut into its
records as text (:mod:`isoctl.history.cut`); one whose text cannot be cut
that way is parsed whole instead, each record's version then being its
parsed content: slower, never wrong. A blob that does not parse holds no
records.

What each blob holds is kept in the user cache between runs (a blob's
content never changes; see :mod:`isoctl.history.versions`), and so is the
text of the versions the rules parse (:data:`TEXT_KINDS`). The blobs of a
history are read in one stream from git, half of them in a forked helper
when there are many (:func:`split_in_two`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from isoctl.files import yamlio
from isoctl.history.cut import Cut, Pieces, cut, cut_again, cut_list
from isoctl.workspace.read import NotRecords, read, split_front_matter

#: The version of what the cache keeps for a blob: change it when :func:`split` changes.
FORMAT = "record-versions-9"

#: The kinds whose versions the rules parse (``changed-after-approval`` its documents', ``static-objectives`` its
#: objectives'): a split keeps the text of their versions, so these need not be read from git again.
TEXT_KINDS = frozenset({"document", "objective"})
#: How much of that text a run keeps at most, in characters; the versions beyond it are read from git as before.
TEXTS_HELD = 16 * 1024 * 1024


class Texts:
    """The text of record versions as a split cut them, by the digest of that text (a version's ``digest``).

    A version's text is the piece of its blob that
    :meth:`isoctl.history.versions.RecordVersions.texts_of` would cut out, and
    two pieces with one digest are one text (the digest is how versions are
    told apart at all), so a text found here is the one git would give.
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
    return (f"approval={digest(repr(sorted(approval.items())))} "
            f"content={digest(chr(10).join(rest))}")


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
        return f"approval={digest(repr(approval))} content={digest(_canonical(rest))}"
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


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def parsed(relative: str, text: str) -> list[tuple[str, str, Any]]:
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
Earlier = dict[str, "Cut | dict[str, tuple[str, tuple[str, str, str]]]"]


def split(relative: str, data: bytes, earlier: Earlier | None = None, texts: Texts | None = None) -> Items:
    """What a blob holds: each record's id, kind and a digest of its version (see the module docstring).

    ``earlier`` remembers the last version of each file split before: a
    commit that edits one record of a file leaves the others' text as it
    was, so the file is cut again only between the records it begins and
    ends with as before (:func:`isoctl.history.cut.cut_again`), their digests and dates are
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
        found = cut_again(last, text) if isinstance(last, Cut) else None
        if found is None:
            found = cut_list(text)
        starts, pieces = found if found is not None else ([], None)
    if pieces is not None:
        before = (last.items if isinstance(last, Cut) else last) or {}
        now: dict[str, tuple[str, tuple[str, str, str]]] = {}
        out: Items = {}
        for record_id, (kind, piece) in pieces.items():
            seen = before.get(record_id)
            if seen is not None and seen[0] == piece and seen[1][0] == kind:
                item = seen[1]
            else:
                item = (kind, digest(piece), _stamps_of_text(kind, piece, markdown))
                if texts is not None and kind in TEXT_KINDS:
                    texts.keep(item[1], piece)
            now[record_id] = (piece, item)
            out[record_id] = item
        if earlier is not None:
            earlier[relative] = now if markdown else Cut(text, starts, pieces, now)
        return out
    out = {}
    for record_id, kind, content in parsed(relative, text):
        out.setdefault(record_id, (kind, "p" + digest(_canonical(content)), _stamps_of_content(kind, content)))
    return out


#: From this many blobs to split, half are split in a forked helper process.
PARALLEL_FROM = 400


def split_blobs(root: Path, pairs: Sequence[tuple[str, str]], texts: Texts | None = None) -> dict[str, Items]:
    """What each (key, path) blob holds, read in one stream from git (a key is the blob id, with ``.md`` for a
    Markdown record); ``texts`` keeps what :func:`split` keeps."""
    from isoctl.history import catfile

    blobs = [key.removesuffix(".md") for key, _ in pairs]
    earlier: Earlier = {}
    return {key: split(path, data or b"", earlier, texts)
            for (key, path), (_, data) in zip(pairs, catfile.read_blobs(root, blobs, max_bytes=yamlio.MAX_BYTES),
                                              strict=True)}


def _split_keeping(root: Path, pairs: list[tuple[str, str]]) -> tuple[dict[str, Items], dict[str, str]]:
    """:func:`split_blobs` in a helper, with the texts it kept (sent back with what the blobs hold)."""
    texts = Texts()
    return split_blobs(root, pairs, texts), texts.by_digest


def split_in_two(root: Path, pairs: list[tuple[str, str]], texts: Texts | None = None) -> dict[str, Items]:
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
