"""The jinja environments the report renders in: isoctl's own templates, or a consultant's, sandboxed.

Every value a template prints is escaped for the format it is written in,
without the template having to ask: HTML through jinja's autoescape,
Markdown and Typst through ``finalize`` (pipes and HTML for a Markdown table
cell; Typst's markup characters, so a title such as ``#import`` or
``*urgent*`` prints as written instead of running as Typst code). Text that
is already in the output's language (an SVG chart, a Typst string literal)
is marked as such: :class:`~markupsafe.Markup` for HTML, :class:`Raw` for
the others.

``--template DIR`` puts a directory of the consultant's own templates first
(``report.html.j2``, ``report.md.j2``, ``report.typ.j2``); a file missing
there comes from isoctl. Built-in templates stay reachable as
``isoctl/report.html.j2``, so a consultant's template can ``{% extends %}``
one and override only its blocks. Templates from outside isoctl render in
jinja's sandbox: they may read the report's data, never Python's internals;
a template that tries is refused with exit 2, as is one that does not parse
or fails, always naming the template file and line (``template
t/report.md.j2:2: 'nosuch' is undefined``, ``... template not found: x``)
and never with a traceback.

The directory is read through :class:`~isoctl.render.template_loader.DirectoryLoader`
(regular files inside it only: a link to ``/etc/passwd`` or
``/proc/self/environ``, a FIFO or a link loop is refused, exit 2) and
rendered in :class:`~isoctl.render.sandbox.BudgetedSandbox`, so a template
that would run longer than :data:`~isoctl.render.template_budget.TIME_LIMIT` seconds
or write more than :data:`~isoctl.render.template_budget.OUTPUT_LIMIT` characters is
stopped with exit 2 instead of hanging or filling the disk.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from isoctl.errors import IsoctlError, UsageError
from isoctl.files.resources import built_dir, data_dir
from isoctl.history.record_changes import plural
from isoctl.render.css import css_string
from isoctl.render.typst_markup import Raw, typst_string, typst_text

Flavour = Literal["html", "md", "typ"]
TEMPLATES = {"html": "report.html.j2", "md": "report.md.j2", "typ": "report.typ.j2"}


def markdown_cell(value: Any) -> str:
    """Any value as text for a Markdown table cell or line: HTML and pipes escaped, one line."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    escaped = html.escape(str(value), quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in escaped.splitlines())


def percent(value: float | None) -> str:
    """``0.82`` as ``82%``; nothing for a standard that was not in scope."""
    return "" if value is None else f"{round(value * 100)}%"


def brief(items: Any, limit: int = 12) -> str:
    """At most ``limit`` items joined with commas, then how many more: long id lists stay readable."""
    items = [str(item) for item in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" … and {len(items) - limit} more"


def spark(points: Any) -> str:
    """A readiness series as a sparkline (one character per point) for formats without charts."""
    from isoctl.render.history import sparkline

    return sparkline([p.value for p in points])


def _html_value(value: Any) -> Any:
    return "" if value is None else value


FINALIZE: dict[Flavour, Callable[[Any], Any]] = {"html": _html_value, "md": markdown_cell, "typ": typst_text}


@functools.cache
def environment(flavour: Flavour, directory: Path | None = None, *, folder: str = "report", compiled: bool = True) -> Any:
    """The environment for one flavour: plain for isoctl's templates (``templates/<folder>``, compiled at build
    time where the wheel carries them so, unless ``compiled`` is False), sandboxed over ``directory`` when given."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

    from isoctl.render.sandbox import BudgetedSandbox
    from isoctl.render.template_loader import DirectoryLoader

    source = FileSystemLoader(data_dir("templates") / folder)
    prebuilt = _compiled_loader(folder, flavour) if directory is None and compiled else None
    builtin = source if prebuilt is None else ChoiceLoader([prebuilt, source])
    options: dict[str, Any] = {
        "autoescape": flavour == "html",
        "undefined": StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": flavour != "html",
        "lstrip_blocks": flavour != "html",
        "finalize": FINALIZE[flavour],
    }
    if directory is None:
        env = Environment(loader=builtin, **options)
    else:
        own = DirectoryLoader(directory)  # the sandbox compiles isoctl's templates its own way: from source
        env = BudgetedSandbox(loader=ChoiceLoader([own, PrefixLoader({"isoctl": source}), source]), **options)
    env.filters["typst_string"] = typst_string
    env.filters["raw"] = Raw
    env.filters["pct"] = percent
    env.filters["brief"] = brief
    env.filters["css_string"] = css_string
    env.filters["spark"] = spark
    env.filters["plural"] = plural
    return env


#: Where the build keeps isoctl's own templates compiled (in :func:`isoctl.files.resources.built_dir`; see
#: :func:`compile_builtin`).
COMPILED = "compiled-templates"
#: The template folders compiled at build time (the report's: the largest, rendered most).
COMPILED_FOLDERS = ("report",)


def _stamp(folder: str, flavour: Flavour) -> dict[str, str]:
    """What compiled templates must have been compiled from: jinja's version, this module (which sets up the
    environment they are compiled in) and every source file's digest."""
    import hashlib

    import jinja2

    sources = sorted((data_dir("templates") / folder).glob(f"*.{flavour}.j2"))
    return {"jinja2": jinja2.__version__, "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
            **{path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sources}}


def _compiled_loader(folder: str, flavour: Flavour, base: Path | None = None) -> Any:
    """A loader of the templates compiled at build time, if they were compiled from exactly these sources by this
    version of jinja and of this module; None otherwise (a checkout never installed, a template edited since), and
    the templates are compiled from source.

    Compiling the report's templates costs a tenth of a second on every report; the wheel ships them compiled,
    as Python modules beside isoctl's own code, and an editable install has them in its checkout's build folder.
    """
    import json

    from jinja2 import ModuleLoader

    where = (base or built_dir() / COMPILED) / f"{folder}-{flavour}"
    try:
        stamp = json.loads((where / "stamp.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ModuleLoader(str(where)) if stamp == _stamp(folder, flavour) else None


def compile_builtin(out: Path) -> None:
    """Compile isoctl's own templates of :data:`COMPILED_FOLDERS` into ``out`` (at wheel build time), each
    flavour with the environment it renders in, with the stamp :func:`_compiled_loader` checks."""
    import json

    flavours: tuple[Flavour, ...] = ("html", "md", "typ")
    for folder in COMPILED_FOLDERS:
        for flavour in flavours:
            target = out / f"{folder}-{flavour}"
            env = environment(flavour, folder=folder, compiled=False)
            env.compile_templates(str(target), zip=None, ignore_errors=False,
                                  filter_func=lambda name, flavour=flavour: name.endswith(f".{flavour}.j2"))
            (target / "stamp.json").write_text(json.dumps(_stamp(folder, flavour)), encoding="utf-8")


def check_directory(directory: Path | None) -> None:
    """UsageError unless ``directory`` is an existing directory (checked before any work is done)."""
    if directory is not None and not directory.is_dir():
        raise UsageError(f"--template {directory}: not a directory",
                         hint=f"give a directory holding any of {', '.join(TEMPLATES.values())}")
    if directory is not None:
        from isoctl.files.template_dir import root_of

        root_of(directory)  # not /proc/self, /dev/fd and the like


def render(flavour: Flavour, directory: Path | None, **context: Any) -> str:
    """Render the report template of ``flavour``; every failure of a consultant's template is a UsageError.

    The error names the template file and line it happened at (the innermost
    template: an included file, a parent it extends), as ``init`` does for
    scaffold templates.
    """
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from isoctl.render.template_budget import BudgetExceeded

    name = TEMPLATES[flavour]
    env = environment(flavour, directory)
    if directory is None:
        return str(env.get_template(name).render(**context))
    own = (directory / name).is_file()
    where = str(directory / name) if own else f"{name} (built in)"
    try:
        return str(env.get_template(name).render(**context))
    except IsoctlError:
        raise  # an unsafe file in the directory, already named
    except BudgetExceeded as exc:
        raise UsageError(f"template {_located(exc, where)}: stopped: it {exc.message}",
                         hint="a template must not loop or repeat text without bound; "
                              "render smaller parts of the report") from None
    except RecursionError:
        raise UsageError(f"template {where}: stopped: it calls itself (a macro, include or extends) without end") from None
    except SecurityError as exc:
        raise UsageError(f"template {_located(exc, where)}: unsafe operation refused by the sandbox: {exc}",
                         hint="templates run in a sandbox: they can read the report's data, not Python's internals") from None
    except TemplateSyntaxError as exc:
        raise UsageError(f"template {_shown(exc.filename) if exc.filename else where}:{exc.lineno}: {exc.message}") from None
    except TemplateNotFound as exc:
        missing = ", ".join(str(n) for n in getattr(exc, "templates", ()) or (exc.name,))
        raise UsageError(f"template {_located(exc, where)}: template not found: {missing}",
                         hint=f"include, import and extends read only files inside {directory}, and isoctl's own "
                              f"templates as isoctl/{name}") from None
    except UndefinedError as exc:
        raise UsageError(f"template {_located(exc, where)}: {exc.message or exc}",
                         hint=f"report templates can use: {', '.join(sorted(context))} (and its attributes)") from None
    except TemplateError as exc:
        raise UsageError(f"template {_located(exc, where)}: {exc.message or exc}") from None
    except Exception as exc:
        raise UsageError(f"template {_located(exc, where)}: {type(exc).__name__}: {exc}") from None


def _located(exc: BaseException, where: str) -> str:
    """``file:line`` of the innermost template an error happened in (jinja points its frames at templates), or
    ``where`` when no template was running (the error came before the render began)."""
    from isoctl.render.sandbox import template_frames

    frames = list(template_frames(exc))
    return f"{_shown(frames[-1][0])}:{frames[-1][1]}" if frames else where


def _shown(filename: str) -> str:
    """A template's file as the user names it: the path in their directory, ``isoctl/NAME`` for isoctl's own."""
    builtin = data_dir("templates")
    path = Path(filename)
    if path.is_relative_to(builtin) and len(path.relative_to(builtin).parts) > 1:
        return "isoctl/" + path.relative_to(builtin).relative_to(path.relative_to(builtin).parts[0]).as_posix()
    return filename
