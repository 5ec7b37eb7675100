"""The root ``isoctl`` command and its groups."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from isoctl import __version__
from isoctl.cli import standards


class PanelGroup(TyperGroup):
    """Plain (fast) help that still groups commands into panels.

    Rich-formatted help costs more start-up time than the rest of ``--help``
    put together (it imports rich, markdown-it and pygments); plain click help
    with the same grouping keeps ``isoctl --help`` instant.
    """

    def invoke(self, ctx: Any) -> Any:
        """Run the command inside the error boundary: every failure becomes a message and an exit code."""
        from isoctl.cli import boundary

        try:
            return super().invoke(ctx)
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


app = typer.Typer(
    name="isoctl",
    cls=PanelGroup,
    help="Compliance as code for ISO management systems: validate, analyse and report from git.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"isoctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Compliance as code for ISO management systems: validate, analyse and report from git."""


app.add_typer(standards.app, name="standards", rich_help_panel="Reference")

from isoctl.cli import action  # noqa: E402 - groups register after the app exists

app.add_typer(action.app, name="action", rich_help_panel="Actions")

from isoctl.cli import init as _init  # noqa: E402 - commands register after the app exists
from isoctl.cli import schema as _schema  # noqa: E402

app.command("init", rich_help_panel="Workspace")(_init.init)

from isoctl.cli import advise as _advise  # noqa: E402

app.command("advise", rich_help_panel="Workspace")(_advise.advise)
app.command("schema", rich_help_panel="Workspace")(_schema.schema)

from isoctl.cli import baseline as _baseline  # noqa: E402 - commands register after the app exists
from isoctl.cli import check as _check  # noqa: E402
from isoctl.cli import rules as _rules  # noqa: E402

app.command("check", rich_help_panel="Workspace")(_check.check)
app.add_typer(_baseline.app, name="baseline", rich_help_panel="Workspace")
app.command("gap", rich_help_panel="Workspace")(_check.gap)
app.command("rules", rich_help_panel="Reference")(_rules.rules)

from isoctl.cli import soa as _soa  # noqa: E402

app.command("soa", rich_help_panel="Reports")(_soa.soa)

from isoctl.cli import report as _report  # noqa: E402

app.command("report", rich_help_panel="Reports")(_report.report)

from isoctl.cli import history as _history  # noqa: E402

app.command("history", rich_help_panel="History")(_history.history)

from isoctl.cli import diff as _diff  # noqa: E402

app.command("diff", rich_help_panel="History")(_diff.diff)

from isoctl.cli import pulse as _pulse  # noqa: E402

app.command("pulse", rich_help_panel="History")(_pulse.pulse)

from isoctl.cli import portfolio as _portfolio  # noqa: E402

app.command("portfolio", rich_help_panel="Reports")(_portfolio.portfolio)

from isoctl.cli import cache as _cache  # noqa: E402

app.add_typer(_cache.app, name="cache", rich_help_panel="Reference")

from isoctl.cli import migrate as _migrate  # noqa: E402

app.command("migrate", rich_help_panel="Workspace")(_migrate.migrate)

from isoctl.cli import people as _people  # noqa: E402

app.add_typer(_people.app, name="people", rich_help_panel="Workspace")

from isoctl.cli import review as _review  # noqa: E402

app.add_typer(_review.app, name="review", rich_help_panel="Actions")

from isoctl.cli import audit as _audit  # noqa: E402

app.add_typer(_audit.app, name="audit", rich_help_panel="Actions")
