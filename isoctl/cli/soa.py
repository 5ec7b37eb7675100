"""``isoctl soa``: the Statement of Applicability of ISO/IEC 27001:2022 in text, Markdown, HTML, JSON or XLSX."""

from __future__ import annotations

import contextlib
import enum
import os
import sys
import tempfile
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption, PathArgument, TodayOption
from isoctl.cli.common import emit, handles_errors, parse_today, stdout_is_terminal, terminal_width


class SoaFormat(str, enum.Enum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    xlsx = "xlsx"


def _write_bytes(data: bytes, output: Path | None) -> None:
    """Binary output: to a pipe or file on stdout, or atomically to ``output`` (temp file + rename)."""
    from isoctl.errors import UsageError

    if output is None:
        if sys.stdout.isatty():
            raise UsageError("xlsx is a binary format and stdout is a terminal", hint="write it to a file: -o soa.xlsx")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: directory {output.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # a report is shared like any file, not private as mkstemp makes it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@handles_errors
def soa(
    path: Path | None = PathArgument,
    format: SoaFormat = typer.Option(SoaFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
) -> None:
    """Show the Statement of Applicability: every Annex A control, applicable or not, why, status and evidence."""
    from isoctl.soa import build_soa
    from isoctl.workspace.load import load_workspace

    day = parse_today(today)
    workspace = load_workspace(path)
    statement = build_soa(workspace, day)
    if workspace.findings:
        count = len(workspace.findings)
        typer.echo(f"warning: {count} problem{'s' if count != 1 else ''} reading the workspace; records in those "
                   "files are not in this SoA (run 'isoctl check' to see them)", err=True)
    if format is SoaFormat.xlsx:
        from isoctl.render import soa_xlsx

        _write_bytes(soa_xlsx.render(statement), output)
    elif format is SoaFormat.text:
        from isoctl.render import soa_text

        color = output is None and stdout_is_terminal()
        emit(soa_text.render(statement, color=color, width=terminal_width()), output)
    else:
        from importlib import import_module

        emit(import_module(f"isoctl.render.soa_{format.value}").render(statement), output)
