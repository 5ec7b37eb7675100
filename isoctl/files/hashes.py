"""The git blob id of each record file of a working tree, with the stat it had when it was hashed.

Kept in the user cache per workspace, so that a file is read and hashed again
only when it may have changed: when its size, modification time, inode
change time or inode differ from when it was hashed, or when it changed less
than :data:`RACY_NS` before that hash was taken (the way git trusts its
index). The working tree's fingerprint (:func:`isoctl.core.keys.fingerprint`)
hashes every record file through here, and loading asks :meth:`ContentHashes.vouched`
for the blob id of a file it would otherwise read only to find its records
in the record cache.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import ClassVar

from isoctl.files import cache

#: How long after a file's last change (or its inode's) its stat may vouch for its content: a change made
#: within one tick of the file system's clock after a hash was taken can leave size and times as they were.
RACY_NS = 2_000_000_000


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class ContentHashes:
    """The blob id of each record file with the stat it had then (see the module's documentation)."""

    _open: ClassVar[dict[Path, ContentHashes]] = {}

    def __init__(self, base: Path) -> None:
        self.key = cache.digest(["file blobs 1", os.fsencode(base)]) if cache.cache_dir() is not None else None
        self.known: dict[str, list[int | str]] = {}
        self.visited: set[str] = set()  # the files of the walk under way
        self.read = 0  # how many of them were read, their stat not vouching for them (new, changed, or racy)
        self.changed = False
        if self.key is not None:
            found = cache.read("hashes", self.key)
            if isinstance(found, dict):
                self.known = found

    @classmethod
    def of(cls, base: Path) -> ContentHashes:
        """The table of the workspace at ``base`` (resolved), read from the user cache once per process."""
        hashes = cls._open.get(base)
        if hashes is None:
            hashes = cls._open[base] = cls(base)
        return hashes

    def _known(self, relative: str, info: os.stat_result) -> str | None:
        """The blob id hashed before, if the file's stat ``info`` vouches that it is unchanged since."""
        seen = self.known.get(relative)
        now = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        if (isinstance(seen, list) and len(seen) == 6 and tuple(seen[:4]) == now and isinstance(seen[4], str)
                and isinstance(seen[5], int) and max(now[1], now[2]) < seen[5] - RACY_NS and len(seen[4]) == 40):
            return seen[4]
        return None

    def digest(self, path: str, relative: str, info: os.stat_result) -> bytes:
        """The blob id of the file (20 bytes): as hashed before when its stat vouches for it, else read now."""
        self.visited.add(relative)
        known = self._known(relative, info)
        if known is not None:
            try:
                return bytes.fromhex(known)
            except ValueError:
                pass
        started = time.time_ns()
        self.read += 1
        with open(path, "rb") as handle:
            blob = blob_id(handle.read())
        if self.key is not None:
            self.known[relative] = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, blob, started]
            self.changed = True
        return bytes.fromhex(blob)

    def vouched(self, relative: str, path: Path) -> str | None:
        """The blob id of the regular file at ``path`` (``relative`` to the base) if its stat vouches for it now."""
        try:
            info = os.lstat(path)
        except OSError:
            return None
        return self._known(relative, info) if stat.S_ISREG(info.st_mode) else None

    def save(self, *, complete: bool) -> None:
        """Keep what changed; after a ``complete`` walk, forget the files it did not meet (gone since)."""
        if complete and len(self.visited) < len(self.known):
            self.known = {name: seen for name, seen in self.known.items() if name in self.visited}
            self.changed = True
        if self.changed and self.key is not None:
            cache.write("hashes", self.key, self.known)
            self.changed = False
