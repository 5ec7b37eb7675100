"""The user cache: derived data kept between runs, outside the workspace, that can be wrong but never believed.

Everything isoctl caches (validated records by blob, whole results, timeline
points, catalogs) goes through this module, so every entry gets the same
protections:

* **Nothing executes.** Entries are JSON; a planted file can at worst be wrong.
* **Nothing is believed unchecked.** Each entry names its key and carries a
  keyed MAC (HMAC-SHA256) of its body. The MAC key is a random secret kept
  *outside* the cache directory (``$XDG_STATE_HOME/isoctl/cache.key``), so a
  cache directory restored from somewhere else (a CI cache written by another
  branch) or edited by hand is a miss, not a lie: recomputing a digest is not
  enough to forge an entry. Bodies are parsed with a depth limit, and readers
  validate the shape they expect; anything odd is a miss.
* **Bounded.** The cache keeps at most ``ISOCTL_CACHE_MAX_MB`` (default
  :data:`DEFAULT_MAX_MB`) MB; when a write takes it past that, the entries
  used least recently are removed (a hit refreshes an entry's time). Writes
  keep a running total in a small ledger file instead of listing the whole
  cache each time (which cost more than the write itself once it held a few
  thousand entries); the directory is counted again when the ledger is
  missing or odd, when the total reaches the cap, and every
  :data:`RECOUNT_EVERY` writes, which also corrects what concurrent runs
  missed.
* **Only its own files.** The cache directory may be one the user shares
  with other programs (``ISOCTL_CACHE_DIR=~/.cache``, a CI cache folder):
  eviction and ``isoctl cache clear`` remove only files in isoctl's own
  sections (:data:`SECTIONS`) whose first line is an isoctl entry header for
  their own name, and the running total is a file of its own name, replaced
  only when it holds a running total.
* **Optional.** Writes are atomic and their failures ignored (a read-only
  home only costs speed). ``ISOCTL_CACHE_DIR`` moves the cache and
  ``ISOCTL_NO_CACHE=1`` turns it off; ``isoctl cache info|clear`` shows and
  empties it (:mod:`isoctl.files.cache_usage`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from isoctl.files.atomic import write_atomically

#: The default size cap of the cache, in MB.
DEFAULT_MAX_MB = 256
#: Deepest nesting a cache body may have; isoctl's own entries stay far below it.
MAX_DEPTH = 32
#: What a section's entry files are called.
SUFFIX = ".json"
#: Writes between two counts of the whole cache directory (see ``_account``).
RECOUNT_EVERY = 64
#: The running total's file, beside the sections (not an entry: no scan of entries sees it).
LEDGER = "isoctl-usage"
#: The sections isoctl keeps entries in: the directories below the cache directory it reads, writes and clears.
SECTIONS = frozenset({"catalogs", "documents", "hashes", "history", "logs", "pulse", "replay", "results", "timeline",
                      "versions", "workspaces"})
_KEY_BYTES = 32


def cache_dir() -> Path | None:
    """The per-user cache directory for isoctl, or None when caching is off."""
    if os.environ.get("ISOCTL_NO_CACHE"):
        return None
    override = os.environ.get("ISOCTL_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":  # pragma: no cover - platform specific
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "isoctl" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - platform specific
        return Path.home() / "Library" / "Caches" / "isoctl"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "isoctl"


def state_dir() -> Path:
    """Where the cache's MAC key lives: not in the cache directory, so restoring or sharing a cache does not carry it."""
    override = os.environ.get("ISOCTL_STATE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":  # pragma: no cover - platform specific
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "isoctl" / "State"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "isoctl"


def max_bytes() -> int:
    """The size cap: ``ISOCTL_CACHE_MAX_MB`` (a whole number of MB) or :data:`DEFAULT_MAX_MB`."""
    raw = os.environ.get("ISOCTL_CACHE_MAX_MB", "")
    megabytes = int(raw) if raw.strip().isdigit() else DEFAULT_MAX_MB
    return megabytes * 1024 * 1024


def digest(parts: Iterable[bytes | str]) -> str:
    """A stable key for a sequence of inputs (length-prefixed, so ``["ab", "c"]`` and ``["a", "bc"]`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


_secrets: dict[Path, bytes] = {}


def _mac_key() -> bytes | None:
    """The secret that signs this user's cache entries, created on first use; None when it cannot be had."""
    path = state_dir() / "cache.key"
    known = _secrets.get(path)
    if known is not None:
        return known
    try:
        if not path.is_file() or path.stat().st_size != _KEY_BYTES:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, secrets.token_bytes(_KEY_BYTES), mode=0o600, sync=True)
        data = path.read_bytes()  # after a race to create it, everyone uses the one that is there
    except OSError:
        return None
    if len(data) != _KEY_BYTES:
        return None
    _secrets[path] = data
    return data


def _mac(secret: bytes, key: str, body: bytes) -> str:
    return hmac.new(secret, key.encode() + b"\0" + body, hashlib.sha256).hexdigest()


def _entry_path(base: Path, section: str, key: str) -> Path:
    return base / section / f"{key}{SUFFIX}"


def open_plain(path: Path) -> BinaryIO:
    """``path`` opened to read, without blocking or following a link, and only a regular file (else OSError):
    a pipe or link planted in the cache (or in any directory isoctl does not control) must not hang a run or
    lead it elsewhere."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    handle = os.fdopen(os.open(path, flags), "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise OSError(f"{path} is not a regular file")
    return handle


def read_plain(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file opened as :func:`open_plain` opens it; OSError past ``max_bytes`` too."""
    with open_plain(path) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(f"{path} is larger than {max_bytes} bytes")
    return data


def read_bytes(section: str, key: str) -> bytes | None:
    """The body stored under ``key``, if it was written by this user's isoctl for that key and is intact."""
    base = cache_dir()
    secret = _mac_key() if base is not None else None
    _own_section(section)
    if base is None or secret is None or not _safe_name(key):
        return None
    path = _entry_path(base, section, key)
    try:
        with open_plain(path) as handle:
            mac = _header_mac(handle, key)
            body = handle.read()
        if mac is None or not hmac.compare_digest(mac, _mac(secret, key, body)):
            return None
        os.utime(path)  # least recently used is what eviction removes first
    except (OSError, ValueError, RecursionError):
        return None
    return body


def write_bytes(section: str, key: str, body: bytes) -> None:
    """Store ``body`` under ``key`` atomically, then keep the cache under its cap; failures are ignored."""
    write_many(section, {key: body})


def write_many(section: str, bodies: dict[str, bytes]) -> None:
    """Store each body under its key (see :func:`write_bytes`), keeping the cache's account once for all of them."""
    base = cache_dir()
    secret = _mac_key() if base is not None else None
    _own_section(section)
    if base is None or secret is None or not all(map(_safe_name, bodies)):
        return
    written: set[Path] = set()
    size = 0
    try:
        for key, body in bodies.items():
            header = json.dumps({"key": key, "mac": _mac(secret, key, body)}).encode() + b"\n"
            path = _entry_path(base, section, key)
            if not written:
                path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, header + body, mode=0o600, sync=False)
            written.add(path)
            size += len(header) + len(body)
    except OSError:
        pass
    if written:
        with contextlib.suppress(OSError):
            _account(base, max_bytes(), size, keep=written)


def read(section: str, key: str) -> Any | None:
    """The JSON value stored under ``key``, or None when absent, unreadable, forged, corrupt or too deep."""
    body = read_bytes(section, key)
    return None if body is None else loads(body)


def write(section: str, key: str, value: Any) -> None:
    """Store a JSON value under ``key`` (see :func:`write_bytes`)."""
    write_bytes(section, key, dumps(value))


def dumps(value: Any) -> bytes:
    """Compact JSON, as entries store it."""
    return json.dumps(value, separators=(",", ":"), default=str).encode()


def loads(data: bytes) -> Any | None:
    """JSON back, or None when it does not parse or nests deeper than :data:`MAX_DEPTH`."""
    try:
        value = json.loads(data)  # a parser that nests too deep for Python stops with a RecursionError
    except (ValueError, RecursionError):
        return None
    return None if _too_deep(value) else value


def _too_deep(value: Any) -> bool:
    """Whether lists and objects nest deeper than MAX_DEPTH.

    Walked on the parsed value, level by level: scanning the text for brackets
    outside strings cost twice the parse itself on a large entry (records are
    JSON kept inside strings, full of escaped quotes).
    """
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return True
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)
                 if isinstance(child, dict | list)]
    return False


def _safe_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "-_" for c in name)


def _own_section(name: str) -> None:
    """A ValueError for a section that is not one of isoctl's (a mistake in isoctl, not in the cache)."""
    if name not in SECTIONS:
        raise ValueError(f"cache section {name!r} is not one of isoctl's sections")


_MAC_LENGTH = 64  # hex digits of an HMAC-SHA256


def _header_mac(handle: BinaryIO, key: str) -> str | None:
    """The MAC an entry's first line (its header, read from ``handle``) gives, if that header is for ``key``."""
    try:
        meta = json.loads(handle.readline(512))
    except (ValueError, RecursionError):
        return None
    mac = meta.get("mac") if isinstance(meta, dict) and meta.get("key") == key else None
    return mac if isinstance(mac, str) else None


def is_entry(path: Path) -> bool:
    """Whether a file is an isoctl entry: its first line the header isoctl writes, naming the file's own key."""
    try:
        with open_plain(path) as handle:
            mac = _header_mac(handle, path.name.removesuffix(SUFFIX))
    except OSError:
        return False
    return mac is not None and len(mac) == _MAC_LENGTH and all(c in "0123456789abcdef" for c in mac)


def read_entry(path: Path, key: str) -> Any | None:
    """The body of a shipped entry file (written at build time by :func:`write_entry`) if it is for ``key``.

    Shipped files are part of the installation, so a plain digest guards
    against damage; user cache entries use :func:`read` and its MAC.
    """
    try:
        entry = json.loads(path.read_bytes())
        body = entry["body"]
        if entry["key"] != key or entry["digest"] != digest([dumps(body)]):
            return None
        return body
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None


def write_entry(path: Path, key: str, value: Any) -> None:
    """Write a shipped entry file atomically (used when building the wheel)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.loads(dumps(value))  # what a reader will see, so the digest matches
    entry = {"key": key, "digest": digest([dumps(body)]), "body": body}
    write_atomically(path, dumps(entry), mode=0o644, sync=False)


def entry_files(base: Path) -> list[tuple[Path, os.stat_result]]:
    """Every file that may be an entry (named as one, in one of isoctl's sections below the base), with its stat.

    What is removed is checked again with :func:`is_entry`: reading every
    file's first line here would cost each recount a read of the whole cache.
    """
    found: list[tuple[Path, os.stat_result]] = []
    try:
        sections = [e for e in os.scandir(base) if e.name in SECTIONS and e.is_dir(follow_symlinks=False)]
    except OSError:
        return found
    for section in sections:
        try:
            with os.scandir(section.path) as files:
                for entry in files:
                    if (entry.name.endswith(SUFFIX) and _safe_name(entry.name.removesuffix(SUFFIX))
                            and entry.is_file(follow_symlinks=False)):
                        found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
        except OSError:
            continue
    return found


def _account(base: Path, cap: int, added: int, *, keep: set[Path]) -> None:
    """Add a write of ``added`` bytes to the ledger; count the directory (and evict) only when that is due.

    The ledger can only overstate the total when runs take turns (a replaced
    entry counts twice until the next count), which costs an early count,
    never a cache past its cap. Runs writing at the same moment can lose each
    other's additions; the count every :data:`RECOUNT_EVERY` writes puts that
    right.
    """
    ledger = base / LEDGER
    state = read_ledger(ledger)
    if state is None or state[0] + added > cap or state[1] + 1 >= RECOUNT_EVERY:
        total, writes = _evict(base, cap, keep=keep), 0
    else:
        total, writes = state[0] + added, state[1] + 1
    write_atomically(ledger, json.dumps({"bytes": total, "writes": writes}).encode(), mode=0o600, sync=False)


def read_ledger(path: Path) -> tuple[int, int] | None:
    """The ledger's total and writes since the last count, or None when it is missing, odd or not a plain file."""
    try:
        with open_plain(path) as handle:
            data = json.loads(handle.read(256))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    total, writes = data.get("bytes"), data.get("writes")
    if type(total) is not int or type(writes) is not int or total < 0 or writes < 0:
        return None
    return total, writes


def _evict(base: Path, cap: int, *, keep: set[Path] | frozenset[Path] = frozenset()) -> int:
    """Remove the least recently used entries until the cache is back under 90% of ``cap``; the bytes left."""
    entries = entry_files(base)
    total = sum(info.st_size for _, info in entries)
    if total <= cap:
        return total
    target = cap * 9 // 10
    for path, info in sorted(entries, key=lambda item: item[1].st_mtime_ns):
        if total <= target:
            break
        if path in keep or not is_entry(path):
            continue
        try:
            path.unlink()
            total -= info.st_size
        except OSError:
            continue
    return total
