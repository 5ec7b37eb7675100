"""``isoctl migrate``: move a standard in scope to its newer edition, and report what changed and what is left."""

from __future__ import annotations

import enum
import os
from importlib import import_module
from pathlib import Path

import typer

from isoctl.cli.check import PathArgument, TodayOption, stdout_if_dash
from isoctl.cli.common import emit, note, parse_today
from isoctl.errors import OutputError


class MigrateFormat(str, enum.Enum):
    text = "text"
    json = "json"
    md = "md"


def migrate(
    path: Path | None = PathArgument,
    to: str = typer.Option(..., "--to", metavar="EDITION", show_default=False,
                           help="The edition to move to: iso27001:2022, iso9001:2026, iso14001:2026."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Change nothing; print the same report."),
    format: MigrateFormat | None = typer.Option(None, "--format", "-f", show_default=False,
                                                help="Report format. Default: text, or md with -o."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", dir_okay=False, callback=stdout_if_dash,
                                       help="Write the report to FILE (Markdown unless --format says otherwise), or - for stdout."),
    allow_dirty: bool = typer.Option(False, "--allow-dirty",
                                     help="Migrate even with uncommitted changes, or outside a git repository."),
    commit: bool = typer.Option(False, "--commit", help="Commit the changed files with a message summarising the migration."),
    today: str | None = TodayOption,
) -> None:
    """Move a standard to a newer edition: rewrite every clause and control reference, add SoA rows for new controls.

    References in records (clauses, SoA controls, audit scopes and findings,
    risk controls) and in isoctl.yaml (standards, exclusions) follow the
    transition table; comments, layout and quoting stay as they were. Every
    file is written, or none. The report lists every change by file, the
    decisions left to a person, and readiness before and after.

    Exit codes: 0 migrated (or nothing to migrate, or a dry run); 2 cannot
    run: unknown edition, standard not in scope, no transition table,
    uncommitted changes without --allow-dirty, a file that cannot be read
    or written (every file is then left as it was).
    """
    from isoctl.actions.migrate.run import migrate as run

    if output is not None:
        _check_output(output)
    migration = run(path, to, today=parse_today(today), dry_run=dry_run, allow_dirty=allow_dirty, commit=commit)
    chosen = (format or (MigrateFormat.md if output is not None else MigrateFormat.text)).value
    renderer = import_module(f"isoctl.actions.migrate.render_{chosen}")
    try:
        emit(renderer.render(migration), output, fmt=chosen)
    except OutputError as exc:
        if not migration.written:
            raise
        raise OutputError(f"the migration was written, but not its report: {exc.message}", hint=exc.hint) from None
    if migration.commit:
        note(f"committed {migration.commit[:10]}: {migration.summary()}")


def _check_output(output: Path) -> None:
    """Refuse an ``-o`` that cannot take the report before migrating, not after (the cheap, certain cases)."""
    shown = os.fsdecode(output)
    if output.is_dir():
        raise OutputError(f"-o {shown}: is a directory", hint="name a file: -o DIR/migration.md")
    if not output.exists() and not output.parent.is_dir():
        raise OutputError(f"-o {shown}: directory {os.fsdecode(output.parent)} does not exist")
    if output.suffix.lower() in (".yaml", ".yml"):
        raise OutputError(f"-o {shown}: a .yaml file would be read as a record", hint="write the report as .md or .json")
