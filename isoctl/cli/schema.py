"""``isoctl schema``: write the JSON Schemas editors use to complete and check records."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from isoctl.cli.common import console


def schema(
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="DIR",
        help="Directory to write to. Default: .isoctl/schema at the workspace root (or here, outside a workspace).",
    ),
) -> None:
    """Write JSON Schemas (draft 2020-12) for the manifest, any record, and each kind of record."""
    from isoctl.scaffold.schema import write_schemas
    from isoctl.workspace.discover import find_root

    if output is None:
        root = find_root(Path.cwd()) or Path.cwd()
        output = root / ".isoctl" / "schema"
    written = write_schemas(output)
    out = console()
    for path in written:
        out.print(_shown(path), markup=False)


def _shown(path: Path) -> str:
    """A path as short as it can be: relative to the current directory when it is below it."""
    absolute = path.resolve()
    here = Path.cwd().resolve()
    return os.path.relpath(absolute, here) if here in absolute.parents else str(absolute)
