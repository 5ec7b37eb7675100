"""Rules about people's competence (7.2): qualifications the system relies on, kept in date."""

from __future__ import annotations

from collections.abc import Iterator

from isoctl.model.records import Competence
from isoctl.rules import Context, Hit, rule
from isoctl.rules.actions import days


def _subject(competence: Competence) -> tuple[str, str]:
    """What a competence record is about: the person and the course (or the title when no course is named)."""
    return competence.person, (competence.course or competence.title).strip().lower()


@rule("expired-competence", "warning", category="living")
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
    records = ctx.records(Competence)
    current = {_subject(c) for c in records if c.expires_on is None or c.expires_on >= ctx.today}
    for competence in records:
        expired = competence.expires_on
        if expired is not None and expired < ctx.today and _subject(competence) not in current:
            what = competence.course or competence.title
            yield ctx.at(competence, "expires_on", message=f"{competence.id}: {competence.person}'s {what} expired on "
                         f"{expired.isoformat()} ({days((ctx.today - expired).days)} ago)")
