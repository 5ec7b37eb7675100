"""Validated records of unchanged files, kept between runs so a warm ``check`` parses no YAML.

Entries are keyed by the git blob id of a file's bytes (so any edit, however
small, misses) and hold the records exactly as validation produced them, as
JSON: loading them back goes through the same pydantic models, in pydantic's
JSON mode. Only files that loaded without a single problem are cached; files
with findings are always read afresh, so their messages are always exact.

A working tree's records are kept in :data:`SHARDS` entries of the user cache
(:mod:`isoctl.files.cache`: signed, bounded, written atomically), each blob in
the one its id's first digit names, so a run that met a changed file rewrites
the one or two entries that held its versions, not every record of the
workspace. An entry that is damaged, edited or not of this code's shape is
ignored, then replaced.

The history cache, which sees every version a walk through the commits
loads, is bounded in memory as on disk: it keeps the blobs of the tree loaded
last (the next walk starts there) and, besides them, those used most recently
up to HISTORY_MAX_BYTES of records.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from isoctl import __version__
from isoctl.files import cache

Entry = tuple[bool, str]
_V = TypeVar("_V")

#: The user cache section of working trees' records (walks through history keep theirs in "history").
SECTION = "workspaces"

#: Most bytes of records (as JSON) the history cache holds besides the blobs of the tree loaded last.
HISTORY_MAX_BYTES = 16 * 1024 * 1024

#: How many entries a working tree's records are spread over (the history cache is one entry).
SHARDS = 16


def _schema_key() -> str:
    from isoctl.model import fields  # here: a helper that only lists blobs imports no models
    from isoctl.model import records as records_module

    code = [Path(module.__file__ or "").read_bytes() for module in (fields, records_module)]
    return cache.digest([__version__, "framed records+positions", *code])


def _keys(root: Path, shards: int) -> list[str]:
    """The cache keys of ``root``'s entries (none when caching is off); one when ``shards`` is 1."""
    if cache.cache_dir() is None:
        return []
    where = str(root.resolve())
    return [cache.digest([where])] if shards == 1 else [cache.digest([where, f"shard {n}"]) for n in range(shards)]


def _shard(blob: str, shards: int) -> int:
    """Which of ``shards`` entries holds ``blob`` (a hexadecimal id; anything else goes to the first)."""
    digit = blob[:1]
    return int(digit, 16) % shards if digit in _HEX else 0


_HEX = frozenset("0123456789abcdef")


def cached_blobs(root: Path) -> frozenset[str]:
    """The blobs the working tree's record cache of ``root`` holds, of whatever schema; none if it cannot be read.

    For a helper guessing which files loading will parse: a blob listed here
    may still be parsed (an entry of another schema), never trusted.
    """
    found: set[str] = set()
    for key in _keys(root, SHARDS):
        body = cache.read_bytes(SECTION, key)
        if body is None:
            continue
        try:
            found.update(str(entry[0]) for entry in _header(body)["index"])
        except (ValueError, TypeError, KeyError, IndexError):
            continue
    return frozenset(found)


def _header(body: bytes) -> Any:
    """The first line of an entry's body: its schema, each blob's id, shape and length, and the positions."""
    return cache.loads(body[:body.index(b"\n")])


class RecordCache:
    """Read once at the start of a load, written once at the end (only if something changed)."""

    def __init__(self, root: Path, *, history: bool = False, max_bytes: int = HISTORY_MAX_BYTES) -> None:
        # Commits of the past get a cache of their own that keeps what walks used last instead of being
        # pruned to the files of one run, so a plain check and a walk through history never evict each other.
        self.section = "history" if history else SECTION
        self.shards = 1 if history else SHARDS
        self.keys = _keys(root, self.shards)
        self.history = history
        self.max_bytes = max_bytes
        self.schema = _schema_key()
        self.old: dict[str, Entry] = {}
        self.used: dict[str, Entry] = {}  # history: every entry held, the least recently used first
        # Where findings were located in each blob: locating means composing the file's YAML
        # again, which costs as much as parsing it, and the same findings come back every run.
        self.old_positions: dict[str, dict[str, list[int]]] = {}
        self.used_positions: dict[str, dict[str, list[int]]] = {}
        self._pinned: frozenset[str] = frozenset()  # history: the blobs of the tree loaded last
        self._size = 0  # history: bytes of records held, and of those pinned
        self._pinned_size = 0
        self._changed = False  # history: entries added or dropped since the cache was read
        for key in self.keys:
            entries, positions = self._read(key)
            self.old.update(entries)
            self.old_positions.update(positions)
        if history:
            # one table in the order of use: what the last runs used, then what this one uses
            self.used, self.old = self.old, {}
            self._size = sum(len(records) for _, records in self.used.values())

    def _read(self, key: str) -> tuple[dict[str, Entry], dict[str, dict[str, list[int]]]]:
        """The entries of the last run; nothing when the cache entry is absent, not ours, or not of this shape."""
        body = cache.read_bytes(self.section, key)
        if body is None:
            return {}, {}
        try:
            return _unframe(body, self.schema)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return {}, {}

    def positions(self, blob: str) -> dict[str, list[int]]:
        """The located positions of a blob, to read and add to (kept with its entry)."""
        found = self.used_positions.get(blob)
        if found is None:
            found = self.used_positions[blob] = dict(self.old_positions.get(blob, {}))
        return found

    def __contains__(self, blob: str) -> bool:
        return blob in self.old or blob in self.used

    def get(self, blob: str) -> Entry | None:
        if self.history:
            entry = self.used.pop(blob, None)
            if entry is not None:
                self.used[blob] = entry  # now the most recently used
            return entry
        entry = self.old.get(blob)
        if entry is not None:
            self.used[blob] = entry
        return entry

    def put(self, blob: str, sequence: bool, records_json: str) -> None:
        if self.history:
            size = len(records_json) - len(self.used.pop(blob, (False, ""))[1])
            self._size += size
            if blob in self._pinned:
                self._pinned_size += size
            self._changed = True
        self.used[blob] = (sequence, records_json)
        if self.history and self._size - self._pinned_size > self.max_bytes:
            self._evict()

    def forget(self, blob: str) -> None:
        """Drop an entry that turned out unusable."""
        if self.history:
            self._drop(blob)
            self._changed = True
        self.used.pop(blob, None)

    def pin(self, blobs: Iterable[str]) -> None:
        """Keep these blobs (the tree just loaded) whatever else the history cache drops; unpin the others."""
        self._pinned = frozenset(blobs)
        self._pinned_size = sum(len(self.used[blob][1]) for blob in self._pinned if blob in self.used)

    def _drop(self, blob: str) -> None:
        """Let go of an entry and of its positions."""
        entry = self.used.pop(blob, None)
        if entry is not None:
            self._size -= len(entry[1])
            if blob in self._pinned:
                self._pinned_size -= len(entry[1])
        self.used_positions.pop(blob, None)
        self.old_positions.pop(blob, None)

    def _evict(self) -> None:
        """Drop the entries used least recently, pinned ones aside, until the rest takes 90% of ``max_bytes``.

        (Going below the limit means the next eviction is many entries away.)
        """
        excess = self._size - self._pinned_size - self.max_bytes * 9 // 10
        if excess <= 0:
            return
        victims = []
        for blob, (_, records) in self.used.items():
            if excess <= 0:
                break
            if blob not in self._pinned:
                victims.append(blob)
                excess -= len(records)
        for blob in victims:
            self._drop(blob)
        self._changed = self._changed or bool(victims)

    def save(self) -> None:
        """Write the entries used in this run (pruning the rest), unless nothing changed.

        The history cache keeps what it holds: the tree loaded last, and the most recently used of the rest.
        """
        if self.history:  # the tree loaded last is what the next walk needs first: it goes last, as the newest
            for blob in self._pinned & self.used.keys():
                self.used[blob] = self.used.pop(blob)
        entries = self.used
        merged = {**self.old_positions, **self.used_positions}
        positions = {blob: found for blob, found in merged.items() if found and blob in entries}
        if self.history:
            if self.keys and (self._changed or positions != self.old_positions):
                cache.write_bytes(self.section, self.keys[0], _frame(self.schema, entries, positions))
            return
        mine, had = self._split(entries), self._split(self.old)
        placed, placed_before = self._split(positions), self._split(self.old_positions)
        cache.write_many(self.section, {  # only the entries whose blobs differ from what they held
            key: _frame(self.schema, mine[shard], placed[shard]) for shard, key in enumerate(self.keys)
            if mine[shard] != had[shard] or placed[shard] != placed_before[shard]
        })

    def _split(self, by_blob: dict[str, _V]) -> list[dict[str, _V]]:
        """``by_blob`` as one table per entry, each in its order."""
        out: list[dict[str, _V]] = [{} for _ in range(self.shards)]
        for blob, value in by_blob.items():
            out[_shard(blob, self.shards)][blob] = value
        return out


# An entry's body is one line of JSON (the schema, each blob's id, shape and length, the positions), then the
# records of every blob as the JSON validation produced, end to end: kept as bytes, not as strings inside JSON,
# they are neither escaped when written nor unescaped when read (a tenth of a cold check on large workspaces).

def _frame(schema: str, entries: dict[str, Entry], positions: dict[str, dict[str, list[int]]]) -> bytes:
    records = [text.encode("utf-8", "surrogatepass") for _, text in entries.values()]
    index = [[blob, sequence, len(data)] for (blob, (sequence, _)), data in zip(entries.items(), records, strict=True)]
    header = cache.dumps({"schema": schema, "index": index, "positions": positions})
    return b"".join([header, b"\n", *records])


def _unframe(body: bytes, schema: str) -> tuple[dict[str, Entry], dict[str, dict[str, list[int]]]]:
    """The entries and positions of a body :func:`_frame` wrote; nothing when it is of another schema.

    Any other shape raises ValueError (or a lookup error), which the reader takes as a miss.
    """
    header = _header(body)
    if not isinstance(header, dict) or header.get("schema") != schema:
        return {}, {}
    entries: dict[str, Entry] = {}
    at = body.index(b"\n") + 1
    for blob, sequence, size in header["index"]:
        if not isinstance(blob, str) or not isinstance(size, int) or size < 0 or at + size > len(body):
            raise ValueError("not an index of this body")
        entries[blob] = (bool(sequence), body[at:at + size].decode("utf-8", "surrogatepass"))
        at += size
    if at != len(body):
        raise ValueError("bytes beyond the index")
    positions = {k: {str(p): [int(v[0]), int(v[1])] for p, v in found.items()}
                 for k, found in header["positions"].items()}
    return entries, positions
