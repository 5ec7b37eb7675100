"""What the user cache holds, per section, and emptying it: ``isoctl cache info|clear``.

Both look only at files that may be entries, as eviction does (the files
named like one in isoctl's own sections, :func:`isoctl.files.cache.entry_files`),
so a cache directory shared with other programs shows and loses only
isoctl's. Clearing removes a file only once its first line proves it an
isoctl entry, and removes the running total of the cache's size with them
(the next write counts the directory again).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from isoctl.files.cache import LEDGER, cache_dir, entry_files, is_entry, max_bytes, read_ledger


@dataclass(frozen=True)
class Section:
    name: str
    entries: int
    bytes: int


@dataclass(frozen=True)
class Info:
    directory: Path | None
    max_bytes: int
    sections: tuple[Section, ...]

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.sections)

    @property
    def entries(self) -> int:
        return sum(s.entries for s in self.sections)


def info() -> Info:
    """What the cache holds, per section."""
    base = cache_dir()
    if base is None:
        return Info(None, max_bytes(), ())
    sections: dict[str, list[int]] = {}
    for path, info in entry_files(base):
        counts = sections.setdefault(path.parent.name, [0, 0])
        counts[0] += 1
        counts[1] += info.st_size
    return Info(base, max_bytes(), tuple(Section(name, n, size) for name, (n, size) in sorted(sections.items())))


def clear() -> int:
    """Remove every cache entry (and nothing else); the number of bytes freed."""
    base = cache_dir()
    if base is None:
        return 0
    freed = 0
    for path, info in entry_files(base):
        if not is_entry(path):
            continue
        try:
            path.unlink()
            freed += info.st_size
        except OSError:
            continue
    if read_ledger(base / LEDGER) is not None:
        with contextlib.suppress(OSError):
            (base / LEDGER).unlink()
    return freed
