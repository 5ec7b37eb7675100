"""The period a command looks at, as ``--since`` and ``--until`` give it: days, months and commits' days.

``isoctl pulse`` and ``isoctl history`` take ``--since`` as a day
(``YYYY-MM-DD``) or a revision, whose day is its commit's author date as
the history counts it; the report shows the months up to its day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from isoctl.errors import UsageError
from isoctl.history import revisions
from isoctl.history.revisions import CommitInfo


def first_of_month(day: dt.date, back: int = 0) -> dt.date:
    """The first day of ``day``'s month, or of the month ``back`` months before it."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def default_period(today: dt.date, since: dt.date | None, until: dt.date | None, months: int = 12) -> tuple[dt.date, dt.date]:
    """The period to show: the ``months`` calendar months ending with ``until``'s month (default: today's), or from
    ``since`` to ``until``; a UsageError when it runs backwards."""
    if since is not None and until is None and since > today:
        raise UsageError(f"--since {since} is after today ({today}); give --until or --today")
    end = until or today
    start = since or first_of_month(end, months - 1)
    if end < start:
        raise UsageError(f"--until {end} is before --since {start}")
    return start, end


def is_day(text: str) -> bool:
    """Whether ``--since`` names a day (``YYYY-MM-DD``) rather than a revision."""
    return revisions.is_day(text.strip())


def day_of(root: Path, commits: Sequence[CommitInfo], rev: str) -> dt.date:
    """The day of the commit ``rev`` names (its author date, as the pulse counts it); a UsageError when git cannot
    give it."""
    from isoctl.core.evaluate import check_day

    sha = revisions.commit_of(root, rev)
    found = next((c for c in commits if c.sha == sha), None)
    if found is not None and not found.clamped:
        return check_day(found.authored.date())
    when, exact = revisions.commit_date(root, sha)
    if found is not None or not exact:
        raise UsageError(f"--since {rev}: commit {sha[:12]} carries no usable date", hint="give --since a day, YYYY-MM-DD")
    return check_day(when.date())
