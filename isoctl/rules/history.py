"""Rules that read the repository's history: is the system maintained all year, and by more than one person?"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from isoctl.rules import Context, Hit, rule
from isoctl.workspace.files import wanted

#: Below this many record changes in the year, shares say nothing.
MIN_CHANGES = 10


def _shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, stopping at the ends of the calendar rather than overflowing.

    The core keeps evaluation dates within 1900..2999, far from those ends;
    this keeps the rules sound for a caller of :func:`isoctl.core.analyse.analyse` that does not.
    """
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _record_changes(ctx: Context, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """(day, author) of every change to a record file in [start, end).

    A commit whose date git could not give (``clamped``: missing, before 1970,
    past 2999, a time zone of +9959) says nothing about when the work was
    done, so it is not counted in any period.
    """
    assert ctx.history is not None
    ignore = list(ctx.workspace.manifest.ignore)
    out = []
    for commit in ctx.history:
        if commit.clamped:
            continue
        day = commit.authored.date()
        if start <= day < end:
            out += [(day, commit.author) for change in commit.changes if wanted(change.path, ignore)]
    return out


@rule("pre-audit-scramble", "info", category="history")
def pre_audit_scramble(ctx: Context) -> Iterator[Hit]:
    """A large share of the year's record changes made in the weeks just before an external audit.

    A living system changes all year round; a paper one comes alive three
    weeks before the auditor does. For every external audit held (the
    ``certification`` audits in isoctl.yaml, up to today), isoctl counts the
    changes to record files in the year before it, and how many fell in the
    last ``settings.scramble_weeks`` weeks (default 4). More than half of them,
    and at least three times what an even spread would give, is reported with
    its figures. Needs the git history (not a shallow clone) and at least ten
    changes in the year.

    Fails:  60 of 80 record changes in the year before the 2026-03-09 surveillance audit made in February and March
    Passes: changes spread over the year, a few more in the run-up
    """
    if ctx.history is None or ctx.shallow:
        return
    weeks = ctx.workspace.manifest.settings.scramble_weeks
    for family, certification in ctx.workspace.manifest.certification.items():
        for index, audit in enumerate(certification.audits):
            if audit.date > ctx.today or audit.status == "planned":
                continue
            year = _record_changes(ctx, _shifted(audit.date, -365), audit.date)
            window_start = _shifted(audit.date, -7 * weeks)
            late = sum(1 for day, _ in year if day >= window_start)
            expected = weeks * 7 / 365
            if len(year) >= MIN_CHANGES and late / len(year) > max(0.5, 3 * expected):
                yield ctx.at_manifest(
                    "certification", family, "audits", index,
                    message=(f"{late} of {len(year)} record changes ({late / len(year):.0%}) in the year before the "
                             f"{audit.type} audit on {audit.date} were made in the {weeks} weeks before it "
                             f"(an even spread would put {expected:.0%} there)"),
                )


@rule("single-contributor", "info", category="history")
def single_contributor(ctx: Context) -> Iterator[Hit]:
    """One person wrote nearly all of the system's changes over the last year.

    A management system that only its coordinator touches is not part of how
    the organization works, and stops when that person leaves. isoctl counts
    the changes to record files in the 365 days before today by commit author;
    one author with ``settings.single_contributor_share`` (default 90%) or
    more of at least ten changes is reported. Needs the git history.

    Fails:  the quality manager made 118 of the 120 record changes this year
    Passes: actions closed by their owners, reviews minuted by the MD, audits written by the auditors
    """
    if ctx.history is None or ctx.shallow:
        return
    changes = _record_changes(ctx, _shifted(ctx.today, -365), _shifted(ctx.today, 1))
    if len(changes) < MIN_CHANGES:
        return
    author, count = Counter(author for _, author in changes).most_common(1)[0]
    share = count / len(changes)
    if share >= ctx.workspace.manifest.settings.single_contributor_share:
        yield ctx.at_manifest(message=f"{author} made {count} of the {len(changes)} record changes ({share:.0%}) "
                                      "in the last year: the system rests on one person")
