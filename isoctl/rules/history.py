"""Rules that read the repository's history: is the system maintained all year, and by more than one person?

Both decide with a one-sided binomial test on the counts they have rather
than a fixed minimum of changes, so a small system is judged too: a pattern
is reported only when chance alone would give it at most :data:`SIGNIFICANCE`
of the time, and the finding says how rare it is in plain words.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterator
from fractions import Fraction

from isoctl.rules import Context, Hit, rule
from isoctl.workspace.files import wanted

#: A pattern is reported when chance alone gives it at most 1 time in 100.
#: Not the usual 0.05: these rules run for every audit and at every point of
#: ``isoctl history``, so at 1 in 20 a well-kept system would be flagged by
#: chance every few years; and 2 of 3 changes in the 4 weeks before an audit
#: (chance: 1 in 60) is too little to say anything about.
SIGNIFICANCE = 0.01


def binomial_tail(successes: int, trials: int, chance: Fraction) -> float:
    """P(X >= ``successes``) for X binomial with ``trials`` and ``chance``: how often luck alone gives that many or more.

    Exact: summed in integers (the terms scaled by ``chance``'s denominator to
    the power ``trials``) and rounded to a float once at the end, so thousands
    of trials neither overflow nor lose the small tails. Sums whichever side
    of ``successes`` has fewer terms.
    """
    if trials < 0 or not 0 <= chance <= 1:
        raise ValueError(f"no binomial distribution with {trials} trials and chance {chance}")
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    hit, whole = chance.numerator, chance.denominator
    miss = whole - hit
    if hit == 0 or miss == 0:
        return float(miss == 0)
    scale: int = whole**trials  # typed, since int ** int may be a float as far as mypy knows
    # term(i) = C(n, i) * hit**i * miss**(n - i); term(i + 1) = term(i) * (n - i) * hit / ((i + 1) * miss), exactly.
    if successes <= trials - successes + 1:
        term: int = miss**trials
        below = 0
        for i in range(successes):
            below += term
            term = term * (trials - i) * hit // ((i + 1) * miss)
        return (scale - below) / scale
    term = math.comb(trials, successes) * hit**successes * miss ** (trials - successes)
    above = term
    for i in range(successes, trials):
        term = term * (trials - i) * hit // ((i + 1) * miss)
        above += term
    return above / scale


def how_rare(chance: float) -> str:
    """``chance`` as people say it: "about 1 time in 128", "less than 1 time in 1,000"."""
    if chance < 1e-6:
        return "less than 1 time in a million"
    if chance < 1e-3:
        power = next(p for p in (5, 4, 3) if chance < 10.0**-p)
        return f"less than 1 time in {10**power:,}"
    return f"about 1 time in {round(1 / chance):,}"


def shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, stopping at the ends of the calendar rather than overflowing.

    The core keeps evaluation dates within 1900..2999, far from those ends;
    this keeps the rules sound for a caller of :func:`isoctl.core.analyse.analyse` that does not.
    """
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def identities(ctx: Context) -> Callable[[str, str], str]:
    """Who made a commit, from its author's name and e-mail: the id of the person of isoctl.yaml it belongs to.

    A person is known by their id, name and e-mail, and by the names and
    e-mails listed under their ``git:`` (compared without regard to case);
    an author that matches nobody stays as git names them.
    """
    known: dict[str, str] = {}
    for person in ctx.workspace.manifest.people:
        for identity in (*person.git, person.email, person.name, person.id):
            if identity and identity.strip():
                known.setdefault(identity.strip().casefold(), person.id)

    def who(author: str, email: str) -> str:
        return known.get(email.strip().casefold()) or known.get(author.strip().casefold()) or author

    return who


def name_of(ctx: Context, who: str) -> str:
    """A person's name for a message (an author that is no person of the manifest as git names them)."""
    return next((person.name for person in ctx.workspace.manifest.people if person.id == who), who)


def record_changes(ctx: Context, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """(day, who) of every commit in [start, end) that changed a record file: one change each.

    ``who`` is the person of isoctl.yaml the author is (:func:`identities`).
    A commit is one change however many files it touches: the tests below
    count decisions to change the system, and forty files saved together (an
    import, a first commit) are one decision, not forty independent ones.
    A commit whose date git could not give (``clamped``: missing, before 1970,
    past 2999, a time zone of +9959) says nothing about when the work was
    done, so it is not counted in any period.
    """
    assert ctx.history is not None
    ignore = list(ctx.workspace.manifest.ignore)
    who = identities(ctx)
    out = []
    for commit in ctx.history:
        if commit.clamped:
            continue
        day = commit.authored.date()
        if start <= day < end and any(wanted(change.path, ignore) for change in commit.changes):
            out.append((day, who(commit.author, commit.email)))
    return out


@rule("pre-audit-scramble", "info", category="history")
def pre_audit_scramble(ctx: Context) -> Iterator[Hit]:
    """A large share of the year's record changes made in the weeks just before an external audit.

    A living system changes all year round; a paper one comes alive three
    weeks before the auditor does. For every external audit held (the
    ``certification`` audits in isoctl.yaml, up to today), isoctl counts the
    changes to records (commits that touch a record file) in the 365 days
    before it, and how many fell in its last ``settings.scramble_weeks``
    weeks (default 4). An even spread would put 7 × weeks / 365 of them
    there (8% for 4 weeks). Reported, with its figures, when more than half
    of the year's changes and at least three times that even share fell in
    those weeks, and a one-sided binomial test says so uneven a spread
    happens by chance at most 1 time in 100 (``SIGNIFICANCE`` = 0.01).
    The test is what lets a small system be judged: 5 of 9 changes in the
    last 4 weeks is reported (chance: under 1 in 1,000), 2 of 3 is not
    (1 in 60: too little to say). The shares keep a large system's busy
    month from counting as a scramble just because thousands of changes make
    any excess significant. Needs the git history (not a shallow clone).

    Fails:  60 of 80 record changes in the year before the 2026-03-09 surveillance audit made in February and March
    Passes: changes spread over the year, a few more in the run-up; 2 of 3 changes in the last weeks
    """
    if ctx.history is None or ctx.shallow:
        return
    weeks = ctx.workspace.manifest.settings.scramble_weeks
    expected = Fraction(min(7 * weeks, 365), 365)
    for family, certification in ctx.workspace.manifest.certification.items():
        for index, audit in enumerate(certification.audits):
            if audit.date > ctx.today or audit.status == "planned":
                continue
            year = record_changes(ctx, shifted(audit.date, -365), audit.date)
            window_start = shifted(audit.date, -7 * weeks)
            late = sum(1 for day, _ in year if day >= window_start)
            if not year or Fraction(late, len(year)) <= max(Fraction(1, 2), 3 * expected):
                continue
            chance = binomial_tail(late, len(year), expected)
            if chance <= SIGNIFICANCE:
                last = "week" if weeks == 1 else f"{weeks} weeks"
                yield ctx.at_manifest(
                    "certification", family, "audits", index,
                    message=(f"{late} of the {len(year)} record changes of the year before the {audit.type} audit "
                             f"of {audit.date} ({late / len(year):.0%}) fell in its last {last}, where an even spread "
                             f"would put {float(expected):.0%}; so uneven a spread happens by chance {how_rare(chance)}"),
                )


@rule("single-contributor", "info", category="history")
def single_contributor(ctx: Context) -> Iterator[Hit]:
    """One person wrote nearly all of the system's changes over the last year.

    A management system that only its coordinator touches is not part of how
    the organization works, and stops when that person leaves. isoctl counts
    the changes to records (commits that touch a record file) in the 365
    days before today by who made them (authors are matched to the people of
    isoctl.yaml by name, e-mail and their ``git:`` list, so one person
    committing from two machines counts once). The busiest is reported when
    their share reaches ``settings.single_contributor_share`` (default 90%:
    how lopsided is worth saying) and a one-sided binomial test says so
    uneven a split happens by chance at most 1 time in 100
    (``SIGNIFICANCE`` = 0.01; the test is what lets a small system be
    judged). The chance is that of any one of the m people who made changes
    getting that many, were each change equally likely to be anyone's: m
    times the binomial tail at 1/m, exact when the share is over half.
    With one person only, the test is made as if a second had shared the
    work evenly, so one person doing everything is reported once there are
    enough changes to tell that from two people's even split: 8 or more
    (chance 1 in 128); a repository with a single commit says nothing.
    Needs the git history (not a shallow clone).

    Fails:  the quality manager made 118 of the 120 record changes this year
    Passes: actions closed by their owners, reviews minuted by the MD, audits written by the auditors
    """
    if ctx.history is None or ctx.shallow:
        return
    changes = record_changes(ctx, shifted(ctx.today, -365), shifted(ctx.today, 1))
    if not changes:
        return
    authors = Counter(who for _, who in changes)
    busiest, count = authors.most_common(1)[0]
    author = name_of(ctx, busiest)
    total, people = len(changes), max(len(authors), 2)
    share = count / total
    if share < ctx.workspace.manifest.settings.single_contributor_share:
        return
    chance = min(1.0, people * binomial_tail(count, total, Fraction(1, people)))
    if chance > SIGNIFICANCE:
        return
    if len(authors) == 1:
        message = (f"{author} made all {total} record changes of the last year; had a second person shared them "
                   f"evenly, each would have made 50%, and so one-sided a split happens by chance {how_rare(chance)}")
    else:
        message = (f"{author} made {count} of the {total} record changes of the last year ({share:.0%}), where an "
                   f"even split among the {people} people who made them would give each {1 / people:.0%}; so uneven "
                   f"a split happens by chance {how_rare(chance)}")
    yield ctx.at_manifest(message=f"{message}: the system rests on one person")
