"""Validated records of unchanged files, kept between runs so a warm ``check`` parses no YAML.

Entries are keyed by the git blob id of a file's bytes (so any edit, however
small, misses) and hold the records exactly as validation produced them, as
JSON: loading them back goes through the same pydantic models, in pydantic's
JSON mode. Only files that loaded without a single problem are cached; files
with findings are always read afresh, so their messages are always exact.

One cache file per workspace, outside it (the user cache directory), written
atomically, with a digest of its body in its first line: a damaged or edited
file does not match and is ignored, then replaced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from isoctl import __version__
from isoctl.files import cache
from isoctl.files.atomic import write_atomically
from isoctl.model import records as records_module

Entry = tuple[bool, str]

#: Most blobs the history cache keeps (each is one file's records, typically a few KB).
HISTORY_LIMIT = 50_000  # (the file is a YAML sequence, its records as JSON)


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (so history walks can share entries)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _schema_key() -> str:
    return cache.digest([__version__, "records+positions", Path(records_module.__file__ or "").read_bytes()])


class RecordCache:
    """Read once at the start of a load, written once at the end (only if something changed)."""

    def __init__(self, root: Path, *, history: bool = False) -> None:
        base = cache.cache_dir()
        # Commits of the past get a cache of their own that grows instead of being pruned to
        # the files of one run, so a plain check and a walk through history never evict each other.
        section = "history" if history else "workspaces"
        self.path = None if base is None else base / section / f"{cache.digest([str(root.resolve())])}.json"
        self.history = history
        self.schema = _schema_key()
        self.old: dict[str, Entry] = {}
        self.used: dict[str, Entry] = {}
        # Where findings were located in each blob: locating means composing the file's YAML
        # again, which costs as much as parsing it, and the same findings come back every run.
        self.old_positions: dict[str, dict[str, list[int]]] = {}
        self.used_positions: dict[str, dict[str, list[int]]] = {}
        if self.path is not None:
            self.old, self.old_positions = self._read(self.path)

    def _read(self, path: Path) -> tuple[dict[str, Entry], dict[str, dict[str, list[int]]]]:
        try:
            data = path.read_bytes()
            header, _, body = data.partition(b"\n")
            meta = json.loads(header)
            if meta.get("schema") != self.schema or meta.get("digest") != hashlib.blake2b(body, digest_size=16).hexdigest():
                return {}, {}
            content = json.loads(body)
            entries = {k: (bool(v[0]), str(v[1])) for k, v in content["records"].items()}
            positions = {k: {str(p): [int(v[0]), int(v[1])] for p, v in found.items()}
                         for k, found in content["positions"].items()}
            return entries, positions
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
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
        entry = self.old.get(blob)
        if entry is not None:
            self.used[blob] = entry
        return entry

    def put(self, blob: str, sequence: bool, records_json: str) -> None:
        self.used[blob] = (sequence, records_json)

    def forget(self, blob: str) -> None:
        """Drop an entry that turned out unusable."""
        self.used.pop(blob, None)

    def save(self) -> None:
        """Write the entries used in this run (pruning the rest), unless nothing changed.

        The history cache keeps everything it has seen, up to HISTORY_LIMIT entries.
        """
        entries = {**self.old, **self.used} if self.history else self.used
        if self.history and len(entries) > HISTORY_LIMIT:
            entries = dict(list(entries.items())[-HISTORY_LIMIT:])
        merged = {**self.old_positions, **self.used_positions}
        positions = {blob: found for blob, found in merged.items() if found and blob in entries}
        if self.path is None or (entries == self.old and positions == self.old_positions):
            return
        body = json.dumps({"records": entries, "positions": positions}, separators=(",", ":")).encode()
        header = json.dumps({"schema": self.schema, "digest": hashlib.blake2b(body, digest_size=16).hexdigest()}).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, header + b"\n" + body, mode=0o600, sync=False)
        except OSError:
            return  # a cache that cannot be written only costs speed
