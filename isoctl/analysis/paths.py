"""Paths and links a record names (evidence, a document's file): whether isoctl may show them to an auditor.

A ``path`` must name a file or folder inside the workspace that isoctl reads:
not outside it, directly or through a symlink, not under a dot-directory or a
path the manifest ignores, and not a URL written as a path. It is judged
lexically first and looked up on disk only when a symlink is on the way; a
workspace read from a commit is judged against the commit's tree. A ``url``
must be an http, https or mailto link: ``file:`` would read outside the
workspace, ``javascript:`` would run in the HTML report. Both answers are
memoised, since thousands of records name the same few folders and portals,
and messages quote a path or URL as :func:`shown` makes it safe to print.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import posixpath
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from isoctl.errors import reason
from isoctl.workspace.files import ignored  # the walker's own test: evidence and records agree

if TYPE_CHECKING:
    from isoctl.workspace.load import Workspace


#: The links that can be evidence: web pages and mail addresses. ``file:`` would read outside the
#: workspace, ``javascript:`` and ``data:`` would run in the HTML report of whoever opens it.
URL_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_UNSAFE_SCHEMES = frozenset({"file", "javascript", "data", "vbscript"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PathCheck:
    """What a path a record names (evidence, a document's file) leads to, and what is wrong if anything.

    ``refused``: not a file of the workspace that isoctl may show to an
    auditor (outside it, in an ignored or dot-directory, a URL, empty, a
    symlink loop); ``missing``: no such file; ``ok``.
    """

    status: Literal["ok", "missing", "refused"]
    message: str | None = None


#: A plain web address (http or https, a host of letters, digits, dots and dashes, no spaces or control
#: characters): what nearly every evidence link is, and a link :func:`url_problem` accepts without parsing it.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!-~]*)?")


def url_problem(url: str) -> str | None:
    """Why an evidence ``url`` is not a link isoctl can show (None when it is an http(s) or mailto URL)."""
    if _PLAIN_URL.fullmatch(url):
        return None
    return _url_problem(url)


@functools.lru_cache(maxsize=4096)  # a workspace names the same few intranet and portal URLs thousands of times
def _url_problem(url: str) -> str | None:
    shown = _shown(url)
    if _CONTROL.search(url):
        return f"url '{shown}' contains control characters"
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        return f"url '{shown}' is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        what = f"a {scheme}: link" if scheme else "not a URL"
        return f"url '{shown}' is {what}; evidence links must be http, https or mailto (a file belongs under path:)"
    if scheme != "mailto" and not parts.netloc:
        return f"url '{shown}' names no host"
    return None


def check_path(workspace: Workspace, path: str) -> PathCheck:
    """See :func:`_check_path`; each path is judged once per workspace, however many rules ask."""
    key = ("check_path", path)
    known = workspace.memo.get(key)
    if not isinstance(known, PathCheck):
        known = workspace.memo[key] = _check_path(workspace, path)
    return known


def _check_path(workspace: Workspace, path: str) -> PathCheck:
    """Whether ``path`` names a file or folder of the workspace that may serve as evidence.

    It must be inside the workspace (after following symlinks, which ``check``
    never follows out of it), not under a dot-directory or a path the manifest
    ignores (both are outside what isoctl reads and what an auditor is shown),
    and neither empty nor the workspace itself. Lexical first; only a path
    through a symlink is resolved, so thousands of evidence paths stay cheap.
    """
    shown = _shown(path)
    if "\0" in path:
        return _refused(f"path '{shown}' contains a NUL character")
    if not path.strip():
        return _refused("path is empty; name a file inside the workspace")
    scheme = _SCHEME.match(path)
    if scheme and (path[scheme.end():].startswith("//") or scheme[1].lower() in _UNSAFE_SCHEMES):
        return _refused(f"path '{shown}' is a URL, not a file of the workspace; "
                        "write it as url: (http, https or mailto) or name a file")
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm == ".":
        return _refused(f"path '{shown}' names the whole workspace; name a file or folder inside it")
    if posixpath.isabs(norm) or norm == ".." or norm.startswith("../") or re.match(r"^[A-Za-z]:", norm):
        return _refused(f"path '{shown}' leads outside the workspace")
    hidden = _hidden(norm, workspace.manifest.ignore, workspace.memo)
    if hidden:
        return _refused(f"path '{shown}' {hidden}")
    if workspace.tree is not None:  # a commit: the files it holds
        folder = norm + "/"
        found = norm in workspace.tree or any(p.startswith(folder) for p in workspace.tree)
        return PathCheck("ok") if found else PathCheck("missing")
    return _on_disk(workspace, norm, shown)


def _on_disk(workspace: Workspace, norm: str, shown: str) -> PathCheck:
    """The path's real place and existence. The walk noted every folder symlink outside dot- and ignored
    folders (those are refused before this), so only the last component needs a look of its own."""
    root = workspace.root
    full = os.path.join(root, norm)
    parts = norm.split("/")
    linked = any("/".join(parts[: i + 1]) in workspace.links for i in range(len(parts) - 1))
    # the walk skips catalog folders, so it saw no link there: resolve what is below them
    linked = linked or any(ignored(norm, [entry.rstrip("/") + "/"]) for entry in workspace.manifest.catalogs)
    with contextlib.suppress(OSError):  # nothing there (or a folder above is a file): the stat below says which
        linked = linked or stat.S_ISLNK(os.lstat(full).st_mode)
    if linked:
        real_root = os.path.realpath(root)
        real = os.path.realpath(full)
        if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
            return _refused(f"path '{shown}' leads outside the workspace (through a symlink)")
        hidden = _hidden(Path(os.path.relpath(real, real_root)).as_posix(), workspace.manifest.ignore)
        if hidden:
            return _refused(f"path '{shown}' leads, through a symlink, to a file that {hidden.removeprefix('is ')}")
    try:
        os.stat(full)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _refused(f"path '{shown}' is a symlink loop: the link leads back to itself")
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
            return PathCheck("missing")
        return _refused(f"path '{shown}' cannot be read: {reason(exc)}")
    except ValueError:  # pragma: no cover - NUL bytes are refused above
        return _refused(f"path '{shown}' cannot be read")
    return PathCheck("ok")


def _hidden(norm: str, ignore: Sequence[str], memo: dict[tuple[str, str], object] | None = None) -> str | None:
    """Why a relative path is not where records and evidence are read: a dot-directory or an ignored path.

    ``memo`` keeps the answer for each folder: thousands of evidence paths share a few dozen folders.
    """
    parts = norm.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.startswith("."):
            return f"is inside the dot-directory {'/'.join(parts[: index + 1])}/, which isoctl does not read"
    for index in range(len(parts)):
        prefix = "/".join(parts[: index + 1])
        folder = index < len(parts) - 1
        key = ("ignored-folder", prefix)
        if folder and memo is not None and key in memo:
            hit = bool(memo[key])
        else:
            hit = ignored(prefix, ignore) or ignored(prefix + "/", ignore)
            if folder and memo is not None:
                memo[key] = hit
        if hit:
            return f"is in {prefix}{'/' if folder else ''}, which isoctl.yaml ignores"
    return None


def _refused(message: str) -> PathCheck:
    return PathCheck("refused", message)


def shown(text: str) -> str:
    """A path or URL as a finding may quote it (control characters escaped, long ones shortened)."""
    return _shown(text)


def _shown(text: str) -> str:
    """A path or URL as a message may quote it: control characters escaped, long ones shortened."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= 200 else text[:197] + "..."
