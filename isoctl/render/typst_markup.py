"""Typst for isoctl's PDFs: workspace text escaped as markup, string literals, and the compiler call.

The PyPI ``typst`` wheel carries the Typst compiler itself, so a PDF needs
nothing beyond pip: no LaTeX, no browser, no system libraries. Only the
fonts Typst embeds are used (system fonts are ignored) and every template
sets the document date from the evaluation day, so the same input gives the
same bytes on every machine. Text from the workspace is escaped as Typst
markup; a title such as ``#import`` or ``*urgent*`` prints as written and can
never run as Typst code.

Typst reads files (``#read``, ``#image``, ``#import``) from its project root,
and follows links there. Every compile therefore gets a root of its own: an
empty temporary folder, or a copy of a consultant's template directory
(regular files only, see :func:`isoctl.files.template_dir.copy_tree`). Never
the current directory, which may be a repository full of secrets. Its package
folders are empty temporary ones too, so ``@local`` packages of the machine
are not read either.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from isoctl.errors import InternalError
from isoctl.render.pdf_glyphs import warn_unshown


class Raw(str):
    """Text already written in the output's own language: printed as is by Markdown and Typst templates."""

    __slots__ = ()


_TYPST_MARKUP = re.compile(r"""([\\#*_`$<>@=\-+/~\[\]"'.:{}])""")


def typst_text(value: Any) -> str:
    """Any value as Typst markup that shows exactly its text (every markup character escaped)."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    escaped = _TYPST_MARKUP.sub(r"\\\1", str(value))
    return "#linebreak()".join(escaped.splitlines()) if "\n" in escaped or "\r" in escaped else escaped


def typst_string(value: Any) -> Raw:
    """A Typst string literal holding ``value`` (for code such as ``image(bytes(...))``)."""
    text = "" if value is None else str(value)
    return Raw('"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"')


#: The name the ``typst`` package gives, inside the root, to a source compiled from bytes.
_MAIN = "__typst_py_bytes__.typ"
#: Where a Typst diagnostic points: ``┌─ path/to/file.typ:LINE:COLUMN``.
_WHERE = re.compile(r"┌─ (?P<file>.+?):(?P<line>\d+):(?P<column>\d+)")


class TypstFailure(Exception):
    """A Typst source that does not compile: Typst's first error, and where it is.

    ``file`` is None when the error is in the compiled source itself, else the
    path (POSIX, relative to the template directory) of the copied file it is
    in; ``line`` and ``column`` are 1-based within that file, ``text`` is the
    source's line when the error is in the source.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, text: str = "", hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.text = text
        self.hints = hints

    def __str__(self) -> str:
        return self.message


def compile_pdf(source: str, *, assets: Path | None = None) -> bytes:
    """PDF bytes of a Typst source, with the embedded fonts only; :class:`TypstFailure` when it does not compile.

    Typst's root holds a copy of ``assets`` (a template directory) or nothing,
    so the source can read no other file; an unsafe or oversized ``assets``
    is a UsageError naming it.
    """
    import tempfile

    import typst

    from isoctl.files import template_dir

    with tempfile.TemporaryDirectory(prefix="isoctl-typst-") as scratch:
        base = Path(scratch)
        root, packages, cache = base / "root", base / "packages", base / "package-cache"
        for folder in (root, packages, cache):
            folder.mkdir()
        if assets is not None:
            template_dir.copy_tree(assets, root)
        # typst's stubs tie root's type to the source's (bytes): it takes a path, as documented
        compile_: Callable[..., bytes] = typst.compile
        try:
            with _offline():
                data = compile_(source.encode("utf-8"), root=str(root), format="pdf", ignore_system_fonts=True,
                                package_path=str(packages), package_cache_path=str(cache))
        except typst.TypstError as exc:
            raise _failure(exc, source, root, assets) from None
    warn_unshown(source)
    return data


def compile_own(source: str, what: str) -> bytes:
    """:func:`compile_pdf` of a source isoctl's own templates wrote (an empty root: it reads no file); one that
    does not compile is a bug in isoctl (:func:`own_failure`)."""
    try:
        return compile_pdf(source)
    except TypstFailure as exc:
        raise own_failure(exc, what) from None


def own_failure(exc: TypstFailure, what: str) -> InternalError:
    """The error for Typst of isoctl's own making that does not compile (``what``: ``the SoA PDF``): exit 3."""
    return InternalError(f"{what} could not be compiled: {exc.message}",
                         hint="this is a bug in isoctl; please report it with the command you ran")


#: The variables through which Typst's downloader finds a proxy, and where they point while isoctl compiles.
_PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_NOWHERE = "http://127.0.0.1:0"  # port 0: nothing can listen there, so a connection fails at once
#: What Typst says when a package cannot be had, the package in its URL, and what isoctl says of it.
_DOWNLOAD = "failed to download package"
_PACKAGE = re.compile(r"/(?P<namespace>[\w-]+)/(?P<name>[\w-]+?)-(?P<version>\d[\w.]*)\.tar\.gz")
OFFLINE = ("isoctl compiles PDFs offline: packages from Typst's registry (@preview/...) are not available; "
           "put what the template needs in its directory and import it by path")


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """No network while Typst compiles: it would download ``@preview`` packages a template imports.

    Typst has no switch for that; every request it makes goes through the
    proxy its environment names, so the proxy is pointed where no connection
    can be made for the duration of the compile (and ``NO_PROXY``, which
    could exempt its registry, is set aside), then put back.
    """
    saved = {name: os.environ.get(name) for name in (*_PROXIES, "NO_PROXY", "no_proxy")}
    try:
        for name in _PROXIES:
            os.environ[name] = _NOWHERE
        os.environ.pop("NO_PROXY", None)
        os.environ.pop("no_proxy", None)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _failure(exc: Any, source: str, root: Path, assets: Path | None) -> TypstFailure:
    """Typst's error in the user's terms: paths in the temporary root shown in the template directory."""
    shown = "" if assets is None else f"{assets}{os.sep}"
    message = str(getattr(exc, "message", "") or exc)
    for prefix in {f"{root}{os.sep}", f"{os.path.realpath(root)}{os.sep}"}:
        message = message.replace(prefix, shown)
    diagnostic = str(getattr(exc, "diagnostic", "") or "")
    where = _WHERE.search(diagnostic)
    hints = tuple(str(hint) for hint in getattr(exc, "hints", None) or () if "--root" not in str(hint))
    if message.startswith(_DOWNLOAD):  # refused by _offline: say so, not "connection refused"
        package = _PACKAGE.search(message)
        message = (f"package @{package['namespace']}/{package['name']}:{package['version']} is not available"
                   if package else "a Typst package is not available")
        hints = (OFFLINE,)
    if where is None:
        return TypstFailure(message, hints=hints)
    line, column = int(where["line"]), int(where["column"])
    # Typst names the file relative to the current directory; what follows the root is the file in the root.
    file = where["file"].replace("\\", "/")
    marker = f"{root.parent.name}/{root.name}/"
    inside = file.split(marker, 1)[1] if marker in file else file
    if inside == _MAIN:
        lines = source.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return TypstFailure(message, line=line, column=column, text=text, hints=hints)
    return TypstFailure(message, file=inside, line=line, column=column, hints=hints)
