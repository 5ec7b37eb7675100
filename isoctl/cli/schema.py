"""``isoctl schema``: write the JSON Schemas editors use to complete and check records."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from isoctl.cli.common import console, note


def schema(
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="DIR",
        help="Directory to write to. Default: .isoctl/schema at the workspace root (or here, outside a workspace).",
    ),
    vscode: bool = typer.Option(
        False,
        "--vscode",
        help="Also map the schemas onto the workspace's folders in .vscode/settings.json (yaml.schemas; every other "
             "setting is kept). Useful for a workspace made before isoctl did this at init.",
    ),
) -> None:
    """Write JSON Schemas (draft 2020-12) for the manifest, any record, and each kind of record.

    Files that isoctl writes point at them with a modeline (# yaml-language-server:
    $schema=...). For records written by hand, map the schemas to the folders of
    the workspace; init does it for VS Code (.vscode/settings.json, the
    redhat.vscode-yaml extension):

    \b
      .isoctl/schema/manifest.json      isoctl.yaml
      .isoctl/schema/kinds/KIND.json    the kind's folder: actions/, risks/, audits/, soa/, ...
      .isoctl/schema/record.json        any other *.yaml (the kind: field selects the fields)

    Other editors take the same mapping: JetBrains IDEs under Settings >
    Languages & Frameworks > Schemas and DTDs > JSON Schema Mappings; Neovim
    and Helix through yaml-language-server's yaml.schemas setting. Markdown
    front matter gets no schema from these editors; isoctl check validates it.
    docs/editors.md has each editor's configuration.
    """
    from isoctl.scaffold.schema import write_schemas
    from isoctl.workspace.discover import find_root

    root = find_root(Path.cwd())
    if output is None:
        if root is not None:
            from isoctl.cli.output import default_in_workspace

            output = default_in_workspace(root, ".isoctl/schema", "-o DIR")
        else:
            output = Path.cwd() / ".isoctl" / "schema"
    if vscode:
        _require_workspace(root, output)  # before a schema is written: a refused command leaves nothing behind
    written = write_schemas(output)
    out = console()
    for path in written:
        out.print(_shown(path), markup=False)
    if vscode and root is not None:
        _vscode(root)


def _require_workspace(root: Path | None, output: Path) -> None:
    """Refuse ``--vscode`` outside a workspace, or with schemas written elsewhere than the workspace's."""
    from isoctl.errors import UsageError
    from isoctl.scaffold.editors import SCHEMA_DIR

    if root is None:
        raise UsageError("--vscode: not in an isoctl workspace (no isoctl.yaml here or above)",
                         hint="run it inside the workspace")
    if output.resolve() != root.joinpath(*SCHEMA_DIR.parts).resolve():
        raise UsageError(f"--vscode maps the schemas of {SCHEMA_DIR}/; it cannot be combined with another --output")


def _vscode(root: Path) -> None:
    """Merge the mapping into the workspace's .vscode/settings.json, or say how to add it by hand."""
    from isoctl.scaffold.editors import write_vscode_settings
    from isoctl.scaffold.repository import enclosing_repository

    # VS Code opens the repository: a workspace in a subdirectory is mapped from the repository's root, as init does
    result = write_vscode_settings(root, base=enclosing_repository(root) or root)
    if result.problem is not None:
        note(f"{_shown(result.path)} was left as it was: {result.problem}", label="warning")
        note("add this to it by hand (the mapping below, printed on standard output)", label="hint")
        typer.echo(result.snippet, nl=False)
        return
    console().print(f"{_shown(result.path)} ({result.action}: yaml.schemas)", markup=False)


def _shown(path: Path) -> str:
    """A path as short as it can be: relative to the current directory when it is below it."""
    absolute = path.resolve()
    here = Path.cwd().resolve()
    return os.path.relpath(absolute, here) if here in absolute.parents else str(absolute)
