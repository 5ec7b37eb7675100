"""The root ``isoctl`` command and its groups.

A run builds the command line it needs: every command for ``isoctl
--help`` (or a name that is none of them, for the error and its
suggestions), and only the command named otherwise, so that ``isoctl
check`` imports and converts no other command's options (a tenth of its
start-up). :data:`app` is the whole command line, as tests and tools see it.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperGroup

from isoctl import __version__


class PanelGroup(TyperGroup):
    """Plain (fast) help that still groups commands into panels.

    Rich-formatted help costs more start-up time than the rest of ``--help``
    put together (it imports rich, markdown-it and pygments); plain click help
    with the same grouping keeps ``isoctl --help`` instant.
    """

    def invoke(self, ctx: Any) -> Any:
        """Run the command inside the error boundary: every failure becomes a message and an exit code; what the
        library warns the user of becomes a note."""
        from isoctl.cli import boundary
        from isoctl.cli.common import warnings_as_notes

        try:
            with warnings_as_notes():
                return super().invoke(ctx)
        except typer.BadParameter as exc:  # typer checks values through pydantic: its words, made the parser's
            exc.message = _plain(exc.message)
            raise
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors and exits: the parser's own
            raise
        except BaseException as exc:
            code = boundary.failure(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        panels: dict[str, list[tuple[str, Any]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                panels.setdefault(getattr(command, "rich_help_panel", None) or "Commands", []).append((name, command))
        if not panels:
            return
        width = max(len(name) for group in panels.values() for name, _ in group)
        for panel, commands in panels.items():
            with formatter.section(panel):
                formatter.write_dl([(name, cmd.get_short_help_str(formatter.width - 6 - width)) for name, cmd in commands])


_LIMIT = re.compile(r"Input should be (less|greater) than or equal to (\S+)")


def _plain(message: str) -> str:
    """A bad value's message in the words of a command line, not of the validation library that found it."""
    message = message.removeprefix("Value error, ")
    if message.startswith("Input should be a valid integer"):
        return "not a whole number"
    return _LIMIT.sub(lambda m: f"must be at {'most' if m[1] == 'less' else 'least'} {m[2]}", message)


#: Every command and group, in the order help lists them: (name, module, attribute, a group?, help panel).
COMMANDS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("standards", "standards", "app", True, "Reference"),
    ("action", "action", "app", True, "Actions"),
    ("init", "init", "init", False, "Workspace"),
    ("advise", "advise", "advise", False, "Workspace"),
    ("schema", "schema", "schema", False, "Workspace"),
    ("check", "check", "check", False, "Workspace"),
    ("baseline", "baseline", "app", True, "Workspace"),
    ("gap", "check", "gap", False, "Workspace"),
    ("rules", "rules", "rules", False, "Reference"),
    ("soa", "soa", "soa", False, "Reports"),
    ("report", "report", "report", False, "Reports"),
    ("history", "history", "history", False, "History"),
    ("diff", "diff", "diff", False, "History"),
    ("pulse", "pulse", "pulse", False, "History"),
    ("portfolio", "portfolio", "portfolio", False, "Reports"),
    ("cache", "cache", "app", True, "Reference"),
    ("migrate", "migrate", "migrate", False, "Workspace"),
    ("people", "people", "app", True, "Workspace"),
    ("review", "review", "app", True, "Actions"),
    ("audit", "audit", "app", True, "Actions"),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"isoctl {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Compliance as code for ISO management systems: validate, analyse and report from git."""


def build(only: str | None = None) -> typer.Typer:
    """The command line with every command, or with only ``only`` when that names one."""
    import importlib

    root = typer.Typer(
        name="isoctl",
        cls=PanelGroup,
        help="Compliance as code for ISO management systems: validate, analyse and report from git.",
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    named = [entry for entry in COMMANDS if entry[0] == only]
    for name, module, attribute, group, panel in named or COMMANDS:
        target = getattr(importlib.import_module(f"isoctl.cli.{module}"), attribute)
        if group:
            root.add_typer(target, name=name, rich_help_panel=panel)
        else:
            root.command(name, rich_help_panel=panel)(target)
    return root


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole command line, built on first use
        global app
        app = build()
        return app
    raise AttributeError(name)


app: typer.Typer
