"""Rules that read when the system is worked on, and by whom: silence, a slump after the certificate, one voice.

Each reads the commit list of the evaluation (the git layer's one ``git
log``) through :func:`isoctl.rules.history.record_changes` and says nothing
on a shallow clone or without git; the engine notes that they were skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction

from isoctl.model.records import Action
from isoctl.rules import Context, Hit, rule
from isoctl.rules.history import SIGNIFICANCE, binomial_tail, how_rare, identities, name_of, record_changes, shifted

#: How long a certificate runs when isoctl.yaml gives no ``expires``: the three-year certification cycle.
CERTIFICATE_DAYS = 3 * 365

#: How long after its audit a certificate may be issued: an audit this close before ``issued`` is that certificate's.
ISSUE_DELAY_DAYS = 180

#: The audits after which a certificate is (re)issued.
ISSUING = ("certification", "recertification")


def certified(ctx: Context) -> list[tuple[dt.date, dt.date, str]]:
    """The spans (first day, last day, family) in which a certificate was valid, up to today, oldest first.

    A span runs from ``issued`` to ``expires`` where isoctl.yaml gives them,
    and from each certification or recertification audit held for three
    years (or to the next one) where it does not.
    """
    spans: list[tuple[dt.date, dt.date, str]] = []
    for family, certification in ctx.workspace.manifest.certification.items():
        starts = sorted(a.date for a in certification.audits
                        if a.type in ISSUING and a.status != "planned" and a.date <= ctx.today)
        if certification.issued is not None and certification.issued <= ctx.today:
            end = certification.expires or shifted(certification.issued, CERTIFICATE_DAYS - 1)
            spans.append((certification.issued, min(end, ctx.today), family))
            # the audits that led to this certificate (held in the months before it was issued) or fall within it
            starts = [day for day in starts if not shifted(certification.issued, -ISSUE_DELAY_DAYS) <= day <= end]
        for number, start in enumerate(starts):
            end = shifted(start, CERTIFICATE_DAYS - 1)
            if number + 1 < len(starts):
                end = min(end, shifted(starts[number + 1], -1))
            spans.append((start, min(end, ctx.today), family))
    return sorted(spans)


def _merged(spans: list[tuple[dt.date, dt.date, str]]) -> list[tuple[dt.date, dt.date, str]]:
    """Overlapping or touching spans joined (the family of the first one kept)."""
    out: list[tuple[dt.date, dt.date, str]] = []
    for start, end, family in spans:
        if out and start <= shifted(out[-1][1], 1):
            out[-1] = (out[-1][0], max(out[-1][1], end), out[-1][2])
        else:
            out.append((start, end, family))
    return out


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


@rule("silent-period", "warning", category="history")
def silent_period(ctx: Context) -> Iterator[Hit]:
    """Months in which no record changed while the organization held a certificate.

    A living system changes every few weeks: actions are raised and closed,
    measurements and audits recorded, documents revised. A stretch of
    ``settings.silent_days`` (default 90) or more with no commit changing any
    record, while a certificate was valid, is the clearest sign of a system
    kept only for the auditor. Certificates run from ``issued`` to
    ``expires`` in isoctl.yaml, or for three years from each certification
    or recertification audit held; without either there is no certificate
    to judge by. Each stretch is named with its first and last silent day;
    one still running is counted to today. Only stretches that end within
    the last certification cycle (``settings.audit_cycle_days``) are
    reported: older ones are history. Time before the first commit is not
    judged (the system may have lived elsewhere). Needs the git history (not
    a shallow clone).

    Fails:  no record changed from 2026-01-12 to 2026-05-03 (112 days) while certified
    Passes: a change to some record every few weeks all year
    """
    if ctx.history is None or ctx.shallow:
        return
    dated = [c.authored.date() for c in ctx.history if not c.clamped]
    if not dated:
        return
    settings = ctx.workspace.manifest.settings
    begun = min(dated)
    days = sorted({day for day, _ in record_changes(ctx, begun, shifted(ctx.today, 1))})
    horizon = shifted(ctx.today, -settings.audit_cycle_days)
    for start, end, family in _merged(certified(ctx)):
        start = max(start, begun)
        if start > end:
            continue
        inside = [day for day in days if start <= day <= end]
        edges = [shifted(start, -1), *inside, shifted(end, 1)]
        for before, after in itertools.pairwise(edges):
            first, last = shifted(before, 1), shifted(after, -1)
            length = (last - first).days + 1
            if length < settings.silent_days or last < horizon:
                continue
            if last == ctx.today and before in days:
                text = f"no record has changed since {before} ({_plural(length, 'day')} to today)"
            elif last == ctx.today:
                text = f"no record has changed from {first} to today ({_plural(length, 'day')})"
            else:
                text = f"no record changed from {first} to {last} ({_plural(length, 'day')})"
            yield ctx.at_manifest(
                "certification", family,
                message=(f"{text} while the {family} certificate was valid; a system that is used changes more "
                         f"often than every {settings.silent_days} days (settings.silent_days)"),
            )


@rule("post-certification-slump", "info", category="history")
def post_certification_slump(ctx: Context) -> Iterator[Hit]:
    """Far less work on the system in the year after a certificate was issued than in the year before.

    Many systems are built for the certificate and left once it arrives. For
    each certification or recertification audit held at least 90 days ago,
    isoctl counts the changes to records (commits that touch a record file)
    in the year after it and in the year before it (over the same number of
    days when less than a year has passed). Reported when the days after
    hold at most a third of the changes of the days before, and a one-sided
    binomial test says so lopsided a split of the same number of changes
    between two equal spans happens by chance at most 1 time in 100
    (``SIGNIFICANCE``). Needs the git history (not a shallow clone).

    Fails:  60 record changes in the year before the 2025-03-10 certification audit, 9 in the year after
    Passes: about as much work after the certificate as before; a busy first year and a steady second
    """
    if ctx.history is None or ctx.shallow:
        return
    for family, certification in ctx.workspace.manifest.certification.items():
        for index, audit in enumerate(certification.audits):
            if audit.type not in ISSUING or audit.status == "planned":
                continue
            span = min(365, (ctx.today - audit.date).days)
            if span < 90:
                continue
            before = len(record_changes(ctx, shifted(audit.date, -span), audit.date))
            after = len(record_changes(ctx, audit.date, shifted(audit.date, span)))
            if before == 0 or 3 * after > before:
                continue
            chance = binomial_tail(before, before + after, Fraction(1, 2))
            if chance > SIGNIFICANCE:
                continue
            period = "year" if span == 365 else f"{span} days"
            fall = 1 - after / before
            yield ctx.at_manifest(
                "certification", family, "audits", index,
                message=(f"{_plural(after, 'record change')} in the {period} after the {audit.type} audit of "
                         f"{audit.date}, against {before:,} in the {period} before it: activity fell by {fall:.0%}; "
                         f"so lopsided a split happens by chance {how_rare(chance)}"),
            )


#: Action types that are somebody's idea for doing better, rather than a problem reported.
IDEAS = ("improvement", "ofi")

#: The share of the year's actions or record changes that, coming from one or two people, is "nearly all".
NARROW_SHARE = 0.9

#: Below this many actions or record changes in the year there is too little to say who takes part.
NARROW_MIN = 5


@rule("narrow-participation", "info", category="history")
def narrow_participation(ctx: Context) -> Iterator[Hit]:
    """Problems and ideas come from one or two people, or no idea ever comes from outside the system's owner.

    Improvement needs the people who do the work to report what goes wrong
    and suggest what could go better; a system where only its coordinator
    raises actions is a register, not a habit. Over the 365 days before
    today isoctl looks at who raised actions (``raised_by``) and who changed
    records (commit authors, matched to the people of isoctl.yaml by name,
    e-mail and their ``git:`` list). Reported, with the figures, when an
    organization naming more than two people has at least five of either and
    one or two people account for 90% or more of them; and when the year had
    at least five actions but no improvement or ``ofi`` action was raised by
    anyone but the coordinator (the people marked ``coordinator: true``, or
    when none is, whoever made most record changes). Needs the git history
    (not a shallow clone).

    Fails:  the QHSE manager raised 19 of the year's 20 actions and made 95% of the record changes
    Passes: actions raised by drivers, warehouse staff and the workshop; improvement ideas from the floor
    """
    if ctx.history is None or ctx.shallow:
        return
    people = ctx.workspace.manifest.people
    start, end = shifted(ctx.today, -365), shifted(ctx.today, 1)
    actions = [a for a in ctx.records(Action) if start <= a.raised_on < end]
    changes = record_changes(ctx, start, end)
    said: list[str] = []
    if len(people) > 2:
        for what, counts in (("actions raised", Counter(a.raised_by for a in actions if a.raised_by)),
                             ("record changes", Counter(who for _, who in changes))):
            total = sum(counts.values())
            top = counts.most_common(2)
            share = sum(count for _, count in top) / total if total else 0.0
            if total >= NARROW_MIN and share >= NARROW_SHARE:
                names = " and ".join(name_of(ctx, who) for who, _ in top)
                verb = "accounts" if len(top) == 1 else "account"
                said.append(f"{names} {verb} for {sum(c for _, c in top)} of the {total} {what} ({share:.0%})")
    coordinators = {p.id for p in people if p.coordinator}
    chosen = "marked coordinator"
    if not coordinators and changes:
        coordinators = {Counter(who for _, who in changes).most_common(1)[0][0]}
        chosen = "who made most record changes"
    if len(actions) >= NARROW_MIN and coordinators:
        who = identities(ctx)
        ideas = [a for a in actions if a.type in IDEAS and a.raised_by and who(a.raised_by, "") not in coordinators]
        if not ideas:
            names = ", ".join(sorted(name_of(ctx, c) for c in coordinators))
            said.append(f"none of the {len(actions)} actions of the year is an improvement or ofi raised by anyone "
                        f"but {names} ({chosen})")
    if said:
        yield ctx.at_manifest("people", message="over the last year " + "; ".join(said) +
                              ": improvement rests on too few people")
