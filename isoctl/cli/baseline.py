"""``isoctl baseline write``: record today's findings so that ``check --baseline`` fails only on new ones.

For repositories without usable history (a fresh import, a squashed
mirror, a CI that cannot fetch the target branch), the baseline file stands
in for ``check --new-since REV``: commit it, and ``check --baseline FILE``
treats every finding it lists as existing. The file is sorted JSON without
line numbers (see :mod:`isoctl.core.baseline`), so it only changes when the
findings do.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from isoctl.cli.check import AtOption, PathArgument, TodayOption, names_stdout
from isoctl.cli.common import emit, note

app = typer.Typer(help="Record the current findings as a baseline, for 'check --baseline'.", no_args_is_help=True,
                  rich_markup_mode=None)


@app.command("write")
def write(
    path: Path | None = PathArgument,
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", dir_okay=False,
                                       help="Write to FILE, or - for stdout. Default: .isoctl/baseline.json in the workspace.",
                                       show_default=False),
    today: str | None = TodayOption,
    select: list[str] | None = typer.Option(None, "--select", metavar="RULE", help="Record only these rules (repeatable)."),
    ignore: list[str] | None = typer.Option(None, "--ignore", metavar="RULE", help="Do not record these rules (repeatable)."),
    at: str | None = AtOption,
) -> None:
    """Write the findings of the workspace (a fingerprint each, no line numbers) to a baseline file to commit."""
    from isoctl.cli.check import opened
    from isoctl.core.baseline import DEFAULT_PATH, dumps

    with opened(path, today, at, select=select, ignore=ignore) as evaluation:
        result = evaluation.result()
        root = evaluation.root
    for message in result.notes:
        note(message)
    if output is not None and names_stdout(output):
        emit(dumps(result.findings), None, fmt="json")
        return
    if output is None:
        from isoctl.cli.output import default_in_workspace

        output = default_in_workspace(root, DEFAULT_PATH, "-o FILE")
        try:
            output.parent.mkdir(exist_ok=True)
        except OSError as exc:
            from isoctl.errors import OutputError, reason

            raise OutputError(f"cannot create {output.parent}: {reason(exc)}") from None
        shown = os.path.relpath(output) if not os.path.isabs(os.path.relpath(output)) else str(output)
    else:
        shown = os.fsdecode(output)
    emit(dumps(result.findings), output, fmt="json")
    count = len(result.findings)
    note(f"wrote {shown}: {count} finding{'' if count == 1 else 's'}; commit it, and "
         f"'isoctl check --baseline {shown}' fails only on findings not in it")
