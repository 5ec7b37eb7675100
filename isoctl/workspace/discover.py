"""Finding the workspace root by walking up to ``isoctl.yaml``, as git finds ``.git``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from isoctl.errors import Location, WorkspaceError

MANIFEST = "isoctl.yaml"


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``isoctl.yaml``, else None."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if (directory / MANIFEST).is_file():
            return directory
    return None


def manifest_of(root: Path) -> Path:
    """The manifest of the workspace at ``root``, to be read; WorkspaceError when it is a link to a file outside
    the workspace (isoctl reads no file outside it, as with records)."""
    manifest = root / MANIFEST
    if manifest.is_symlink() and inside(root, MANIFEST) is None:
        try:
            target = os.readlink(manifest)
        except OSError:
            target = "?"
        raise WorkspaceError(f"{MANIFEST} is a link to a file outside the workspace ({target}); isoctl reads only "
                             "files inside it", hint="replace the link with the file itself, or link to a file inside "
                             "the workspace")
    return manifest


def manifest_data(root: Path) -> Any:
    """The manifest's plain data, for a look that must not fail: None when it cannot be read or parsed, or is a
    link out of the workspace (loading validates it, and says what is wrong)."""
    from isoctl.files import yamlio  # only here: finding a root must not import the YAML parser

    try:
        return yamlio.parse(yamlio.read_text(manifest_of(root)))
    except (OSError, yamlio.YamlProblem, WorkspaceError):
        return None


def inside(root: Path, relative: str) -> Path | None:
    """``root / relative`` resolved, or None when it escapes ``root`` (``..``, absolute paths, symlinks) or loops."""
    try:
        candidate = (root / relative).resolve()
        root = root.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop; a NUL byte in the path
        return None
    return candidate if candidate == root or root in candidate.parents else None


def manifest_catalog_dirs(start: Path) -> tuple[Path | None, list[Path]]:
    """The workspace root above ``start`` and the extra catalog directories its manifest names.

    Only the ``catalogs`` key is read here; a manifest that is not even YAML
    is an error (exit 2), located in the file.
    """
    from isoctl.files import positions, yamlio  # only here: finding a root must not import the YAML parser

    root = find_root(start)
    if root is None:
        return None, []
    manifest = manifest_of(root)
    try:
        text = yamlio.read_text(manifest)
        data = yamlio.parse(text)
    except yamlio.YamlProblem as exc:
        raise WorkspaceError(f"{Location(MANIFEST, exc.line, exc.column)}: {exc.message}") from None
    entries = data.get("catalogs") if isinstance(data, dict) else None
    if entries is None:
        return root, []
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        line, column = positions.locate(positions.compose(text), ["catalogs"])
        raise WorkspaceError(f"{Location(MANIFEST, line, column)}: catalogs: expected a list of directory paths")
    dirs = []
    for index, entry in enumerate(entries):
        resolved = inside(root, entry)
        if resolved is None:
            line, column = positions.locate(positions.compose(text), ["catalogs", index])
            raise WorkspaceError(f"{Location(MANIFEST, line, column)}: catalogs: '{entry}' is outside the workspace")
        dirs.append(resolved)
    return root, dirs


def search_start(path: Path | None) -> Path:
    """The directory the search for a root starts from: ``path``'s (its own if it is one), else the current one."""
    start = (path or Path.cwd()).resolve()
    return start if start.is_dir() else start.parent


def find_workspace(path: Path | None) -> Path:
    """The root above ``path`` (default: the current directory); WorkspaceError when there is none."""
    if path is not None and not path.resolve().exists():
        raise WorkspaceError(f"no such file or directory: {path}")
    start = search_start(path)
    root = find_root(start)
    _refuse_odd_manifest(start, root)
    if root is None:
        raise WorkspaceError(
            f"no {MANIFEST} found in {path or '.'} or any directory above it",
            hint="run 'isoctl init PATH' to create a workspace, or pass the path of one",
        )
    manifest_of(root)  # refused before anything reads it
    return root


def _refuse_odd_manifest(start: Path, root: Path | None) -> None:
    """WorkspaceError for an ``isoctl.yaml`` that is not a file on the way from ``start`` up to ``root``: the search
    would pass it by and take a workspace further up, or none, for this one."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if directory == root:
            return
        manifest = directory / MANIFEST
        try:
            mode = os.stat(manifest).st_mode
        except FileNotFoundError:
            if os.path.islink(manifest):
                raise WorkspaceError(f"{_shown_manifest(directory)} is a link to nothing ({os.readlink(manifest)})",
                                     hint="point it at the workspace's manifest, or replace it with the file") from None
            continue
        except OSError as exc:
            raise WorkspaceError(f"cannot read {_shown_manifest(directory)}: {exc.strerror or exc}") from None
        from isoctl.files.yamlio import file_kind  # only here: finding a root must not import the YAML parser

        raise WorkspaceError(f"{_shown_manifest(directory)} is {file_kind(mode)}, not a file",
                             hint=f"the manifest of a workspace is a YAML file, {MANIFEST}; run 'isoctl init' to "
                                  "create one")


def _shown_manifest(directory: Path) -> str:
    """The manifest of ``directory`` as a message names it: relative to the current directory."""
    return MANIFEST if directory == Path.cwd().resolve() else f"{shown_root(directory)}/{MANIFEST}"


def shown_root(root: Path) -> str:
    """The root as the user sees it: relative when it is the current directory, below it or above it."""
    cwd = Path.cwd().resolve()
    if root == cwd or cwd in root.parents or root in cwd.parents:
        return Path(os.path.relpath(root, cwd)).as_posix()
    return root.as_posix()
