"""The root ``isoctl`` command and its groups."""

from __future__ import annotations

import typer

from isoctl import __version__
from isoctl.cli import standards

app = typer.Typer(
    name="isoctl",
    help="Compliance as code for ISO management systems: validate, analyse and report from git.",
    no_args_is_help=True,
    rich_markup_mode="rich",
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

from isoctl.cli import init as _init  # noqa: E402 - commands register after the app exists
from isoctl.cli import schema as _schema  # noqa: E402

app.command("init", rich_help_panel="Workspace")(_init.init)
app.command("schema", rich_help_panel="Workspace")(_schema.schema)

from isoctl.cli import check as _check  # noqa: E402 - commands register after the app exists
from isoctl.cli import rules as _rules  # noqa: E402

app.command("check", rich_help_panel="Workspace")(_check.check)
app.command("gap", rich_help_panel="Workspace")(_check.gap)
app.command("rules", rich_help_panel="Reference")(_rules.rules)
