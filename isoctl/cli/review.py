"""``isoctl review``: prepare the management review from what the repository says."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from isoctl.cli.check import OutputOption, PathArgument, TodayOption
from isoctl.cli.common import emit, explicit_today, note, parse_date, warn_unread

app = typer.Typer(
    help="Management reviews: draft the next one from the repository.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class PackFormat(str, enum.Enum):
    md = "md"
    html = "html"
    pdf = "pdf"


@app.command("prepare")
def prepare(
    path: Path | None = PathArgument,
    date: str | None = typer.Option(None, "--date", metavar="DATE",
                                    help="The day of the meeting (YYYY-MM-DD). Default: today."),
    since: str | None = typer.Option(None, "--since", metavar="REV|DATE",
                                     help="Look back to this day (YYYY-MM-DD) or git revision. Default: the previous "
                                          "management review held."),
    today: str | None = TodayOption,
    format: PackFormat = typer.Option(PackFormat.md, "--format", "-f",
                                      help="The meeting pack: md, html (one self-contained file) or pdf."),
    output: Path | None = OutputOption,
    write: bool = typer.Option(True, "--write/--dry-run",
                               help="Write the draft review record, or only show the pack and say what would be written."),
) -> None:
    """Draft the next management review with every required input filled from the repository.

    For each input the standards in scope require (previous actions,
    nonconformities, objectives, audits, customers, suppliers, obligations,
    changes in context and risks, resources, improvement...), what the
    records say since the previous review; "no data in the repository"
    where they say nothing. Writes a review record with status: draft, top
    management as expected attendees and the outputs left for the meeting,
    and prints the meeting pack. Run again before the meeting to refresh
    the draft's inputs: nothing else in it is touched, and a held review is
    never changed.

    Exit codes: 0 prepared; 2 cannot run (no workspace, a bad date or
    revision, a held review on that day, a file that cannot be written).
    """
    from isoctl.actions.review import write_draft
    from isoctl.core.review_prepare import prepare as gather
    from isoctl.report import review_pack

    day = parse_date(date, "--date")
    prep = gather(path, date=day, since=since, today=explicit_today(today))
    warn_unread(list(prep.unread), "this review")
    pack = review_pack.render(prep, format.value)
    drafted = write_draft(prep, dry_run=True)  # a held review on that day stops the run before anything is written
    emit(pack, output, fmt=format.value)
    if write and drafted.changed:
        drafted = write_draft(prep)
    if not drafted.changed:
        note(f"{drafted.relative}: {drafted.id} is up to date")
    elif drafted.written:
        what = "written" if drafted.created else "inputs refreshed"
        note(f"{drafted.relative}: draft review {drafted.id} {what}; record the outputs in the meeting, then set status: held")
    else:
        what = "would be written" if drafted.created else "would have its inputs refreshed"
        note(f"dry run: {drafted.relative}: draft review {drafted.id} {what}")
