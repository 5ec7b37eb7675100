"""``isoctl standards``: browse the clause catalogs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import typer

from isoctl.cli.common import ListFormat, emit, is_terminal, stdout_is_terminal, terminal_width

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.catalog.schema import Edition

app = typer.Typer(
    help="Browse the clause catalogs: editions, clauses, harmonized-structure links and transitions.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CatalogDirs = typer.Option(
    None,
    "--catalogs",
    metavar="DIR",
    help="Extra catalog directory (repeatable). Default: those named in the workspace's isoctl.yaml.",
)


class _Layout(TypedDict):
    color: bool
    width: int
    wrap: bool


def _layout() -> _Layout:
    """Text for a terminal: its width, folded lines, colour unless NO_COLOR; for a file or pipe the renderer's plain layout."""
    from isoctl.render.standards_text import PLAIN_WIDTH

    tty = is_terminal(sys.stdout)
    return {"color": stdout_is_terminal(), "width": terminal_width() if tty else PLAIN_WIDTH, "wrap": tty}


def _catalogs(dirs: list[Path] | None) -> Catalogs:
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.workspace.discover import manifest_catalog_dirs

    if dirs:
        return Catalogs.load([d.resolve() for d in dirs], base=Path.cwd())
    root, extra = manifest_catalog_dirs(Path.cwd())
    return Catalogs.load(extra, base=root)


def _workspace_scope(loaded: Catalogs) -> list[Edition]:
    """The editions in scope of the workspace around the current directory: what a family alone means there.

    Outside a workspace, or with a manifest that names no edition it can use,
    there are none and a family means its current edition. ``check`` is what
    reports a broken manifest; browsing the catalogs does not fail on one.
    """
    from isoctl.workspace.discover import find_root, manifest_data

    root = find_root(Path.cwd())
    if root is None:
        return []
    data = manifest_data(root)
    names = data.get("standards") if isinstance(data, dict) else None
    return loaded.in_scope(names) if isinstance(names, list) else []


@app.command("list")
def list_editions(
    format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
    catalogs: list[Path] | None = CatalogDirs,
) -> None:
    """List every edition with its status, clause and control counts and transition deadline."""
    loaded = _catalogs(catalogs)
    editions = [e for family in loaded.families().values() for e in family]
    if format is ListFormat.json:
        from isoctl.render.standards import list_json

        emit(list_json(loaded, editions), fmt="json")
    else:
        from isoctl.render.standards_text import list_text

        emit(list_text(loaded, editions, **_layout()), fmt="text")


@app.command("show")
def show(
    edition: str = typer.Argument(..., help="An edition (iso9001-2015, iso9001:2015, iso9001) or a clause (iso9001:8.5.1)."),
    clause: str | None = typer.Argument(None, help="A clause of EDITION, e.g. 8.5.1 or A.5.15."),
    format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
    depth: int | None = typer.Option(None, "--depth", "-d", min=1, help="Show the tree only this many levels deep."),
    catalogs: list[Path] | None = CatalogDirs,
) -> None:
    """Show an edition as a tree of clauses, or one clause with its summary, links and expectations.

    A family alone (iso9001, iso9001:10.3) means its edition in scope inside a workspace, else its
    current edition. `isoctl standards show iso27001:A.5.15` and `isoctl standards show iso27001-2022 A.5.15`
    are the same.
    """
    from isoctl.catalog.refs import parse_ref
    from isoctl.render.standards import clause_json_text, edition_json
    from isoctl.render.standards_text import clause_text, edition_text

    loaded = _catalogs(catalogs)
    scope = _workspace_scope(loaded)
    if clause is None and parse_ref(edition) is None:
        found = loaded.edition(edition, scope=scope)
        if format is ListFormat.json:
            emit(edition_json(loaded, found), fmt="json")
        else:
            emit(edition_text(loaded, found, depth, **_layout()), fmt="text")
        return
    if clause is None:
        target_edition, target = loaded.lookup(edition, scope=scope)
    else:
        target_edition, target = loaded.lookup(clause, edition, scope=scope)
    if format is ListFormat.json:
        emit(clause_json_text(loaded, target_edition, target), fmt="json")
    else:
        emit(clause_text(loaded, target_edition, target, **_layout()), fmt="text")
