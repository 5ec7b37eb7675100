"""Rendering a scaffold template: a directory of files in, their rendered paths and contents out.

Templates always run in the sandboxed jinja2 environment - a consultant's
directory is someone else's code - and with ``StrictUndefined``, so a
misspelt variable fails loudly instead of leaving a hole in a policy. A tree
is rendered in memory and handed back whole; nothing here writes a file.

Template conventions: files ending in ``.j2`` are rendered and lose the
suffix, other files are copied as they are; every part of a file's path is a
template too, and a file whose path renders an empty part is skipped (so
``{% if soa %}annex-a.yaml{% endif %}.j2`` exists only when there is an SoA).

A template directory is read as :mod:`isoctl.files.template_dir` reads one:
regular files inside it, nothing a link leads to outside it, no FIFO,
device or link loop (each refused with exit 2, naming the file). The whole
tree renders within one budget of
:data:`~isoctl.render.template_budget.TIME_LIMIT` seconds and
:data:`~isoctl.render.template_budget.OUTPUT_LIMIT` characters
(:class:`~isoctl.render.sandbox.BudgetedSandbox`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from isoctl.errors import IsoctlError, ScaffoldError, UsageError
from isoctl.files import resources
from isoctl.files import template_dir as template_files

if TYPE_CHECKING:
    from isoctl.render.sandbox import BudgetedSandbox


def template_dir(template: str | Path) -> Path:
    """The directory of a scaffold template: a built-in one by name, or a directory by path.

    A bare word (``default``) names a built-in template first, so a folder that
    happens to share its name does not silently take over; anything that looks
    like a path (``./mine``, ``~/t``, a Path) must be an existing directory.
    """
    builtin = resources.data_dir("templates") / "scaffold"
    names = sorted(d.name for d in builtin.iterdir() if d.is_dir()) if builtin.is_dir() else []
    looks_like_path = isinstance(template, Path) or any(c in template for c in "/\\~") or template.startswith(".")
    if not looks_like_path and template in names:
        return builtin / template
    candidate = Path(template).expanduser()
    if candidate.is_dir():
        return candidate.resolve()
    raise UsageError(
        f"no template '{template}': not a directory, nor a built-in template",
        hint=f"built-in templates: {', '.join(names) or 'none'}",
    )


def environment(source: Path) -> BudgetedSandbox:
    """The jinja2 environment every scaffold template runs in: sandboxed, budgeted, strict, YAML-aware."""
    from jinja2 import StrictUndefined

    from isoctl.render.sandbox import BudgetedSandbox
    from isoctl.render.template_loader import DirectoryLoader

    env = BudgetedSandbox(
        loader=DirectoryLoader(source),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # YAML and Markdown, not HTML
    )
    env.filters["yaml"] = yaml_scalar
    return env


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.()/&'+@_-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_scalar(value: Any) -> str:
    """A YAML scalar for ``value``: plain where that reads back as the same string, else double-quoted."""
    import json

    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text == text.strip() and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def render_tree(source: Path, context: dict[str, Any]) -> dict[PurePosixPath, bytes]:
    """Render every file of the template directory ``source`` in memory: output path -> content.

    Everything renders within one time and size budget; an unsafe file
    (a link out of the directory, a FIFO, a loop) is refused before any
    template runs.
    """
    from isoctl.render.template_budget import metering

    env = environment(source)
    try:
        files = list(template_files.walk(source))
    except IsoctlError as exc:
        raise ScaffoldError(exc.message, hint=exc.hint) from None
    output: dict[PurePosixPath, bytes] = {}
    with metering():
        for relative, path in files:
            rendered = _render_path(env, relative, context)
            if rendered is None:
                continue
            if rendered in output:
                raise ScaffoldError(f"two template files render to {rendered}")
            if relative.suffix == ".j2":
                output[rendered] = _render_file(env, relative, context).encode("utf-8")
            else:
                output[rendered] = _read(path, source / Path(*relative.parts))
    return output


def _read(path: Path, shown: Path) -> bytes:
    """A file copied as it is (any size: a logo, a handbook PDF), read as safely as a template."""
    try:
        return template_files.read_regular(path, shown, limit=None)
    except IsoctlError as exc:
        raise ScaffoldError(exc.message, hint=exc.hint) from None


def _render_path(env: BudgetedSandbox, relative: PurePosixPath, context: dict[str, Any]) -> PurePosixPath | None:
    """The output path of a template file; None when a part renders empty (the file is not wanted)."""
    parts = list(relative.parts)
    if parts[-1].endswith(".j2"):
        parts[-1] = parts[-1][: -len(".j2")]
    rendered: list[str] = []
    for part in parts:
        text = _guard(relative, context, functools.partial(_render_part, env, part, context)).strip() if "{" in part else part
        if not text:
            return None
        if text in (".", "..") or any(c in text for c in "/\\\0"):
            raise ScaffoldError(f"template file name {relative} renders to an unsafe name: {text!r}")
        if names_git_directory(text):
            raise ScaffoldError(
                f"template file name {relative} renders to a path in git's own directory "
                f"({PurePosixPath(*rendered, text)}): isoctl does not write there",
                hint="a repository's .git holds its configuration and hooks, which run commands; "
                     "rename the template's folder",
            )
        rendered.append(text)
    return PurePosixPath(*rendered)


#: Characters HFS+ (macOS) leaves out when it compares names, so ``.g\u200cit`` is ``.git`` there (as git knows).
_IGNORED_BY_HFS = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")


def names_git_directory(part: str) -> bool:
    """Whether a path part names git's own directory on some filesystem, as git itself judges it.

    Writing into ``.git`` is writing the repository's configuration (whose
    ``core.fsmonitor`` or hooks run commands at the next git command) or, as a
    file holding ``gitdir: ...``, pointing the repository at another one. So
    ``.git`` is matched at any depth and in any case (macOS and Windows
    compare names without case), with the trailing dots and spaces and the
    ``:stream`` Windows ignores, as Windows' short name ``git~1``, and with
    the invisible characters macOS ignores.
    """
    name = _IGNORED_BY_HFS.sub("", part).split(":", 1)[0].rstrip(" .").casefold()
    return name in (".git", "git~1")


def _render_file(env: BudgetedSandbox, relative: PurePosixPath, context: dict[str, Any]) -> str:
    return _guard(relative, context, lambda: env.get_template(relative.as_posix()).render(context))


def _render_part(env: Any, part: str, context: dict[str, Any]) -> str:
    return str(env.from_string(part).render(context))


def _guard(relative: PurePosixPath, context: dict[str, Any], render: Callable[[], str]) -> str:
    """Run a render, turning every template failure into a located ScaffoldError (never a traceback).

    Templates may come from anyone, so any exception they provoke is a problem
    in the template, reported with its file and line.
    """
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from isoctl.render.template_budget import BudgetExceeded

    try:
        return render()
    except IsoctlError as exc:  # an unsafe file reached through include or import, already named
        raise ScaffoldError(exc.message, hint=exc.hint) from None
    except BudgetExceeded as exc:
        raise ScaffoldError(
            f"template {relative}:{_line(exc, relative)}: stopped: it {exc.message}",
            hint="a template must not loop or repeat text without bound",
        ) from None
    except RecursionError:
        raise ScaffoldError(f"template {relative}: stopped: it calls itself (a macro, include or import) without end") from None
    except TemplateSyntaxError as exc:
        raise ScaffoldError(f"template {exc.name or relative}:{exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise ScaffoldError(
            f"template {relative}:{_line(exc, relative)}: unsafe operation refused by the sandbox: {exc}",
            hint="scaffold templates may use their variables and filters, not Python internals",
        ) from None
    except UndefinedError as exc:
        raise ScaffoldError(
            f"template {relative}:{_line(exc, relative)}: {exc}",
            hint=f"templates can use: {', '.join(sorted(context))} (see docs/templates.md)",
        ) from None
    except Exception as exc:
        raise ScaffoldError(f"template {relative}:{_line(exc, relative)}: {type(exc).__name__}: {exc}") from None


def _line(exc: BaseException, relative: PurePosixPath) -> int:
    """The template line of a render error, from the frames jinja2 rewrites to point at the template."""
    from isoctl.render.sandbox import template_frames

    lines = [line for filename, line in template_frames(exc) if filename.endswith(relative.name) or filename == "<template>"]
    return lines[-1] if lines else 1

