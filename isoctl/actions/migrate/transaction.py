"""Writing every file of a migration, or none of them.

A migration changes tens of files; stopping halfway (a full disk, Ctrl-C, a
file someone else is editing) must not leave a workspace half on one
edition and half on the other. So:

1. every file is locked (the lock ``isoctl action`` edits take, in path
   order so two migrations cannot deadlock) and checked to still hold the
   bytes the plan was made from;
2. every new content is written in full to a temp file beside its target
   and synced: this is where a full disk or an unwritable folder shows, and
   then the temp files are removed and no target has been touched;
3. each target is published by a rename (a new file by a hard link, which
   cannot overwrite), after keeping the old one under a hard-linked backup
   name. Renames and links need no space; if one fails anyway, or the run
   is interrupted, every file already published is put back from its
   backup (or, on a filesystem without hard links, from the bytes the plan
   read) and every created file is removed;
4. the backups are removed.

Temp, backup and lock files are dot-files beside their targets, so no scan
of the workspace ever reads one, and none is left behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from isoctl.errors import EditError, WorkspaceError, reason
from isoctl.files.atomic import refuse_read_only, temp_beside, write_all, write_atomically


@dataclass
class FileWrite:
    """The new bytes of one file; ``original`` is None for a file the migration creates."""

    relative: str
    path: Path
    original: bytes | None
    new: bytes


def write_all_or_nothing(writes: list[FileWrite]) -> None:
    """Publish every write, or leave every file as it was (WorkspaceError/EditError saying why)."""
    from isoctl.actions.writes import locked

    ordered = sorted(writes, key=lambda w: w.relative)
    with contextlib.ExitStack() as locks:
        for write in ordered:
            locks.enter_context(locked(write.path, label=write.relative))
        _unchanged(ordered)
        with _temp_files(ordered) as temps:
            _publish(ordered, temps)


def _unchanged(writes: list[FileWrite]) -> None:
    """Refuse when a file changed (or appeared) since the plan read it: the plan would undo that change."""
    for write in writes:
        if write.original is None:
            if os.path.lexists(write.path):
                raise EditError(f"{write.relative} appeared while the migration was being prepared; nothing was changed",
                                hint="run migrate again")
            continue
        try:
            with open(write.path, "rb") as handle:
                current = handle.read()
        except OSError as exc:
            raise WorkspaceError(f"cannot read {write.relative}: {reason(exc)}; nothing was changed") from None
        if current != write.original:
            raise EditError(f"{write.relative} changed while the migration was being prepared; nothing was changed",
                            hint="run migrate again")


@contextlib.contextmanager
def _temp_files(writes: list[FileWrite]) -> Iterator[dict[str, Path]]:
    """A complete temp file beside every target (removed on the way out: published ones are gone already)."""
    temps: dict[str, Path] = {}
    try:
        for write in writes:
            try:
                if write.original is not None:
                    refuse_read_only(write.path)
                fd, temp = temp_beside(write.path)
                temps[write.relative] = temp
                write_all(fd, write.new)
                if write.original is not None:
                    os.chmod(temp, stat.S_IMODE(os.stat(write.path).st_mode))
            except OSError as exc:
                raise WorkspaceError(f"cannot write {write.relative}: {reason(exc)}; nothing was changed",
                                     hint=_hint(exc)) from None
        yield temps
    finally:
        for temp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _publish(writes: list[FileWrite], temps: dict[str, Path]) -> None:
    done: list[tuple[FileWrite, Path | None]] = []
    try:
        for write in writes:
            temp = temps[write.relative]
            if write.original is None:
                _link_new(temp, write.path)
                done.append((write, None))
            else:
                backup = _backup(write.path)
                try:
                    os.replace(temp, write.path)
                except BaseException:
                    if backup is not None:
                        with contextlib.suppress(OSError):
                            os.unlink(backup)
                    raise
                done.append((write, backup))
    except BaseException as exc:
        failed = _restore(done)
        if failed:
            raise WorkspaceError(f"the migration failed halfway and {', '.join(failed)} could not be put back "
                                 "as it was", hint="restore them with 'git checkout -- FILE'") from None
        if isinstance(exc, OSError):
            shown = next((w.relative for w in writes if w not in [d[0] for d in done]), "a file")
            raise WorkspaceError(f"cannot write {shown}: {reason(exc)}; every file was left as it was",
                                 hint=_hint(exc)) from None
        raise
    for _, backup in done:
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)


def _link_new(temp: Path, target: Path) -> None:
    """Publish a new file without ever replacing one that appeared meanwhile."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here: a rename, after checking the name is still free
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.rename(temp, target)
        return
    with contextlib.suppress(OSError):
        os.unlink(temp)


def _backup(target: Path) -> Path | None:
    """A second name for the file about to be replaced (None where hard links are not possible)."""
    while True:
        backup = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.migrate-backup")
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        except OSError:
            return None


def _restore(done: list[tuple[FileWrite, Path | None]]) -> list[str]:
    """Put back every published file, newest first; the paths that could not be."""
    failed = []
    for write, backup in reversed(done):
        try:
            if write.original is None:
                os.unlink(write.path)
            elif backup is not None:
                os.replace(backup, write.path)
            else:
                write_atomically(write.path, write.original, mode=stat.S_IMODE(os.stat(write.path).st_mode))
        except OSError:
            failed.append(write.relative)
    return failed


def _hint(exc: OSError) -> str | None:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space and run migrate again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the workspace writable and run migrate again"
    return None
