"""``isoctl people``: the people of the manifest (rename a person's id everywhere), and ``init``'s questions about them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.cli.common import emit, note

if TYPE_CHECKING:
    from isoctl.scaffold.people import NewPerson

app = typer.Typer(
    help="The people of isoctl.yaml: rename a person's id in the manifest and in every record.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("rename")
def rename(
    old: str = typer.Argument(..., metavar="OLD", help="The person id used now."),
    new: str = typer.Argument(..., metavar="NEW", help="The id to use from now on (not a person yet)."),
    path: Path | None = typer.Option(None, "--path", metavar="DIR",
                                     help="The workspace (or a folder in it). Default: the current directory."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Change nothing; print what would change."),
    allow_dirty: bool = typer.Option(False, "--allow-dirty",
                                     help="Rename even when the git working tree has uncommitted changes."),
    json_format: bool = typer.Option(False, "--json", help="Report as JSON (every reference with file, line, record, field)."),
) -> None:
    """Rename a person id in isoctl.yaml and every reference to it, byte for byte, in every file or none.

    References are the fields that name people: owner, approved_by,
    raised_by, verification.by, auditor (when written as an id), chair, attendees
    and a competence record's person. Only those values change: comments,
    quoting, layout and Markdown bodies stay as they were. The report lists
    each change by file and line. When isoctl.yaml was edited by hand
    already (OLD is gone, NEW is a person), the references are moved to NEW.

    Exit codes: 0 renamed (or a dry run); 2 cannot run: OLD is nobody, NEW is
    not a valid id or is a person already, the git working tree has
    uncommitted changes (without --allow-dirty), a file cannot be read or
    written (every file is then left as it was).
    """
    from isoctl.actions.people import rename_person, render_json, render_text

    result = rename_person(path, old, new, dry_run=dry_run, allow_dirty=allow_dirty)
    emit(render_json(result) if json_format else render_text(result), fmt="json" if json_format else None)
    if result.written:
        note("run 'isoctl check' to confirm, then commit the change")


def _interactive() -> bool:
    """Whether a person is there to answer: stdin is a terminal (never in CI or under a test runner)."""
    stream = sys.stdin
    return stream is not None and stream.isatty()


def people_for_init(specs: list[str], *, ask: bool, target: Path | None = None) -> list[NewPerson] | None:
    """The people ``init`` names: from ``--person``, else asked at a terminal; None leaves it to the git user."""
    from isoctl.scaffold.people import parse_people

    if specs:
        named: list[NewPerson] | None = parse_people(specs)
    elif not ask or not _interactive():
        return None
    else:
        if target is not None:
            from isoctl.scaffold.workspace import require_empty

            require_empty(target)  # say so before asking, not after
        named = _ask()
    if named and not any(person.top_management for person in named):
        note("nobody is marked top management (':top'): the review and approval rules will ask for someone; "
             "set top_management: true in isoctl.yaml", label="warning")
    return named


def _ask() -> list[NewPerson] | None:
    """Ask for people one per line as ``id:Name:Role[:top]`` until an empty line."""
    from isoctl.errors import UsageError
    from isoctl.scaffold.people import parse_people

    typer.echo("Who is who in the management system? One person per line as id:Name:Role, with :top for "
               "top management\n(e.g. jsmith:Jane Smith:Managing Director:top). An empty line ends; with nobody "
               "named, the git user is top management.", err=True)
    specs: list[str] = []
    while True:
        answer = typer.prompt(f"person {len(specs) + 1}", default="", show_default=False, err=True).strip()
        if not answer:
            break
        try:
            parse_people([*specs, answer])
        except UsageError as exc:
            typer.echo(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""), err=True)
            continue
        specs.append(answer)
    return parse_people(specs) if specs else None
