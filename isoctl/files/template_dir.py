"""Reading a directory of someone else's templates: regular files inside it, and nothing else.

``isoctl report --template DIR`` and ``isoctl init --template DIR`` read a
directory a consultant (or a repository) handed over. A link in it could
point at ``/etc/passwd``, at ``/proc/self/environ`` (the CI secrets), at a
FIFO that blocks the first ``read()`` forever, or at itself. Every file is
therefore resolved and must stay inside the directory, outside the kernel's
pseudo-filesystems, and be a regular file, checked again on the open file
descriptor (so a file swapped for a FIFO between the check and the read is
still refused, without blocking). Each refusal names the file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from isoctl.errors import UsageError, reason

#: The largest template source read (a template is text; anything bigger is not one).
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024
#: The most a template directory may hold when it is copied whole (for Typst, which reads its images from it).
MAX_COPY_BYTES = 64 * 1024 * 1024
#: The most files a template directory may hold when it is copied whole.
MAX_COPY_FILES = 10_000

# Kernel pseudo-filesystems: their "regular files" are process memory, environment and devices.
_PSEUDO = (Path("/proc"), Path("/sys"), Path("/dev"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _pseudo(path: Path) -> bool:
    return os.name != "nt" and any(path == p or p in path.parents for p in _PSEUDO)


def root_of(directory: Path) -> Path:
    """The resolved template directory; UsageError if it is missing or inside ``/proc``, ``/sys`` or ``/dev``."""
    try:
        root = Path(os.path.realpath(directory))
        if not stat.S_ISDIR(os.stat(root).st_mode):
            raise UsageError(f"template directory {directory} is not a directory")
    except OSError as exc:
        raise UsageError(f"template directory {directory} cannot be read: {reason(exc)}") from None
    if _pseudo(root):
        raise UsageError(f"template directory {directory} is inside /{root.parts[1]}, not a directory of templates")
    return root


def locate(directory: Path, relative: PurePosixPath) -> Path | None:
    """The resolved path of template file ``relative`` in ``directory``; None if there is no file of that name.

    Raises UsageError, naming the file, for a link that leads outside the
    directory, into a pseudo-filesystem, nowhere, or round in a loop, and for
    anything that is not a regular file (a FIFO, a device, a socket). A
    directory of that name counts as no file.
    """
    root = root_of(directory)
    shown = directory / Path(*relative.parts)
    if any(part in ("", ".", "..") for part in relative.parts) or relative.is_absolute():
        return None
    candidate = root.joinpath(*relative.parts)
    try:
        os.lstat(candidate)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            return None
        if exc.errno == errno.ELOOP:
            raise UsageError(f"template file {shown} is a symbolic link loop") from None
        raise UsageError(f"template file {shown} cannot be read: {reason(exc)}") from None
    resolved = Path(os.path.realpath(candidate))
    if resolved != root and root not in resolved.parents:
        raise UsageError(f"template file {shown} links outside the template directory",
                         hint="templates may only read regular files inside their own directory")
    try:
        mode = os.stat(candidate).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(f"template file {shown} is a symbolic link loop") from None
        if exc.errno == errno.ENOENT:
            raise UsageError(f"template file {shown} is a broken symbolic link") from None
        raise UsageError(f"template file {shown} cannot be read: {reason(exc)}") from None
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        raise UsageError(f"template file {shown} is not a regular file ({_kind(mode)})",
                         hint="a template directory holds plain files only")
    return resolved


def read(directory: Path, relative: PurePosixPath, *, limit: int | None = MAX_TEMPLATE_BYTES) -> bytes | None:
    """The bytes of template file ``relative`` in ``directory`` (checked as :func:`locate` does); None if absent.

    The file is opened without following links and without blocking, and
    checked again on the descriptor; more than ``limit`` bytes is refused.
    """
    path = locate(directory, relative)
    if path is None:
        return None
    return read_regular(path, directory / Path(*relative.parts), limit=limit)


def read_regular(path: Path, shown: Path | PurePosixPath, *, limit: int | None = MAX_TEMPLATE_BYTES) -> bytes:
    """The bytes of the regular file at the resolved ``path``; UsageError naming ``shown`` for anything else."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise UsageError(f"template file {shown} cannot be read: {reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"template file {shown} is not a regular file ({_kind(info.st_mode)})")
        if limit is not None and info.st_size > limit:
            raise UsageError(f"template file {shown} is larger than {limit // (1024 * 1024)} MB")
        chunks = []
        total = 0
        while chunk := os.read(fd, 1024 * 1024):
            total += len(chunk)
            if limit is not None and total > limit:
                raise UsageError(f"template file {shown} is larger than {limit // (1024 * 1024)} MB")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"template file {shown} cannot be read: {reason(exc)}") from None
    finally:
        os.close(fd)


def walk(directory: Path, *, skip: frozenset[str] = frozenset({".git"})) -> Iterator[tuple[PurePosixPath, Path]]:
    """Every template file under ``directory``, sorted: (path relative to it, resolved path).

    Folders named in ``skip`` are left out. Sub-directories are entered, links
    to directories are not (they are refused, as a loop such as ``a -> .``
    would otherwise never end); every file is checked as :func:`locate` does.
    """
    root = root_of(directory)
    yield from _walk(directory, root, PurePosixPath(), skip)


def _walk(directory: Path, root: Path, prefix: PurePosixPath, skip: frozenset[str]) -> Iterator[tuple[PurePosixPath, Path]]:
    here = root.joinpath(*prefix.parts)
    try:
        entries = sorted(os.scandir(here), key=lambda e: e.name)
    except OSError as exc:
        raise UsageError(f"template folder {directory / Path(*prefix.parts)} cannot be read: {reason(exc)}") from None
    for entry in entries:
        relative = prefix / entry.name
        if entry.name in skip:
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(directory, root, relative, skip)
            continue
        path = locate(directory, relative)
        if path is None:  # a link to a directory
            raise UsageError(f"template file {directory / Path(*relative.parts)} is a link to a directory",
                             hint="copy the folder into the template instead of linking it")
        yield relative, path


def copy_tree(directory: Path, target: Path) -> None:
    """Copy every template file under ``directory`` (as :func:`walk` finds them, ``.git`` left out) into ``target``.

    The copy holds regular files only, never a link, so a program given
    ``target`` (Typst, which follows links) reads what the directory holds and
    nothing else. More than :data:`MAX_COPY_FILES` files or
    :data:`MAX_COPY_BYTES` bytes is refused: a template directory is not a
    home directory.
    """
    total = 0
    for count, (relative, path) in enumerate(walk(directory), start=1):
        if count > MAX_COPY_FILES:
            raise UsageError(f"template directory {directory} holds more than {MAX_COPY_FILES} files",
                             hint="keep only the templates and the files they use in it")
        shown = directory / Path(*relative.parts)
        data = read_regular(path, shown, limit=MAX_COPY_BYTES)
        total += len(data)
        if total > MAX_COPY_BYTES:
            raise UsageError(f"template directory {directory} holds more than {MAX_COPY_BYTES // (1024 * 1024)} MB",
                             hint="keep only the templates and the files they use in it")
        destination = target.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            destination.write_bytes(data)
        except OSError as exc:
            raise UsageError(f"template file {shown} cannot be copied for Typst: {reason(exc)}") from None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
