"""Rules about people's competence (7.2): qualifications the system relies on, kept in date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from isoctl.rules import Context, Hit, rule
from isoctl.rules.actions import days


def _subject(model: Any) -> tuple[str, str]:
    """What a competence record is about: the person and the course (or the title when no course is named)."""
    return model.person, (model.course or model.title).strip().lower()


@rule("expired-competence", "warning")
def expired_competence(ctx: Context) -> Iterator[Hit]:
    """A competence record past its ``expires_on``.

    People doing work that affects the system have to be competent (7.2),
    and many qualifications lapse: first aid, forklift licences, driver CPC,
    auditor refreshers. An expired one means someone is doing work they are
    no longer qualified for, or the record is out of date. A record that has
    been renewed - a later record for the same person and course (or title,
    when no course is named) that has not expired - is history and is not
    reported. Reported at ``expires_on``.

    Fails:  ``expires_on: 2026-10-01`` on 2026-11-21, and no renewal
    Passes: ``expires_on: 2027-10-01``, or a newer record for the same person and course
    """
    records = [r for r in ctx.workspace.records if r.kind == "competence"]
    current: set[tuple[str, str]] = set()
    for record in records:
        model: Any = record.model
        if model.expires_on is None or model.expires_on >= ctx.today:
            current.add(_subject(model))
    for record in records:
        model = record.model
        expired: dt.date | None = model.expires_on
        if expired is not None and expired < ctx.today and _subject(model) not in current:
            what = model.course or model.title
            yield ctx.at(record, "expires_on", message=f"{record.id}: {model.person}'s {what} expired on "
                         f"{expired.isoformat()} ({days((ctx.today - expired).days)} ago)")
