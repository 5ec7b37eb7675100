"""Rules about substance rather than presence: controls implemented on paper only, unfinished documents, weak hazard controls, policies approved by the wrong person.

The coverage matrix asks whether a record exists; an auditor asks what is in
it. A control marked implemented with nothing behind it, a policy still
saying "TODO", a serious hazard met with a sign and a pair of gloves: each
passes a presence check and fails the first question at audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from isoctl.analysis.coverage import is_supported
from isoctl.model.records import Control, Document, Hazard
from isoctl.rules import Context, Hit, rule


@rule("unsupported-implementation", "warning", category="living")
def unsupported_implementation(ctx: Context) -> Iterator[Hit]:
    """An Annex A control marked implemented with nothing to show how.

    ``status: implemented`` in the Statement of Applicability is a claim the
    auditor will ask to see. An applicable control needs at least one of:
    ``implementation`` text saying how it is done, ``evidence``, or a record
    that names it: an approved document or another record (not an SoA row)
    with the control in its ``clauses``, or a risk with the control or its
    SoA row id in ``controls``. Coverage counts the control's clause as
    partial for the same reason. Reported at ``status``.

    Fails:  ``control: iso27001:A.5.15, applicable: true, status: implemented`` and nothing else
    Passes: the same with ``implementation: "Access is granted by role, reviewed quarterly"``
    """
    for row in ctx.records(Control):
        if not row.applicable or row.status != "implemented" or id(row) not in ctx.evidence.soa_keys:
            continue  # a row for no Annex A control is reported by unknown-clause
        if not is_supported(row, ctx.evidence):
            yield ctx.at(row, "status", message=f"{row.id} marks {row.control} implemented but nothing shows how: "
                         "no implementation text, no evidence, and no approved document, other record or risk "
                         "names the control")


#: Fewer words than this in the text of a Markdown document is too little to be a finished document.
MIN_WORDS = 30

# Placeholders, each as a word of its own: "TODOS" or "xxx-large" in prose are not placeholders.
# TODO, TBD, FIXME and XXX count in capitals only; the rest in any case. "Draft of 2026-01-15" opens
# every document `isoctl init` writes (templates/scaffold/).
_PLACEHOLDER = re.compile(
    r"(?<![\w-])(?:TODO|TBD|FIXME|XXX)(?![\w-])"
    r"|(?i:\blorem\s+ipsum\b)"
    r"|(?i:[\[<]\s*insert\b[^\]>\n]*[\]>])"
    r"|^Draft of \d{4}-\d{2}-\d{2}\b"
)
#: What every placeholder contains (the last two in any case): a body without any of these holds none.
_PLACEHOLDER_WORDS = ("TODO", "TBD", "FIXME", "XXX", "Draft of ")
_PLACEHOLDER_ANY_CASE = re.compile(r"(?i)[li](?:orem|nsert)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_HEADING = re.compile(r"^\s{0,3}#")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Placeholder:
    """A placeholder in a document's text: what it says, and where in the body (1-based line and column)."""

    text: str
    line: int
    column: int


def placeholders(body: str) -> list[Placeholder]:
    """Every placeholder in a Markdown body, outside code (a procedure may show `TODO` as an example)."""
    found: list[Placeholder] = []
    if not _may_hold_placeholders(body):  # most bodies: not read line by line
        return found
    in_fence = False
    for number, line in enumerate(body.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        prose = _CODE_SPAN.sub(lambda span: " " * len(span.group()), line)
        found += [Placeholder(m.group(), number, m.start() + 1) for m in _PLACEHOLDER.finditer(prose)]
    return found


def _may_hold_placeholders(body: str) -> bool:
    """Whether a body holds what every placeholder contains (False means it holds no placeholder)."""
    if any(word in body for word in _PLACEHOLDER_WORDS):
        return True
    if body.isascii():  # then case is only A-Z: lowering the text is what the regex's IGNORECASE does
        folded = body.lower()
        return "lorem" in folded or "insert" in folded
    return _PLACEHOLDER_ANY_CASE.search(body) is not None


def word_count(body: str, *, up_to: int | None = None) -> int:
    """Words of a Markdown body, headings left out: a skeleton of headings is not a document.

    With ``up_to``, counting stops once that many words are found (the count is then at least ``up_to``).
    """
    words = 0
    for line in body.splitlines():
        if not _HEADING.match(line):
            words += len(_WORD.findall(line))
            if up_to is not None and words >= up_to:
                break
    return words


def _body_line(ctx: Context, document: Document) -> int | None:
    """The line of the file on which the body of a Markdown document starts, when the file's text is at hand."""
    text = ctx.loaded(document).file.whole_text()
    body = document.body or ""
    if not text or not text.endswith(body):
        return None
    return text[: len(text) - len(body)].count("\n") + 1


def _shown(placeholder: Placeholder) -> str:
    if placeholder.text.startswith("Draft of "):
        return f'"{placeholder.text}" (the draft note isoctl init writes)'
    return f'"{placeholder.text}"'


@rule("unfinished-document", "warning", category="living")
def unfinished_document(ctx: Context) -> Iterator[Hit]:
    """An approved document whose text still holds placeholders, or has almost no text.

    Approving a document says it is finished and is what people should
    follow. Its Markdown text must not still hold placeholders: ``TODO``,
    ``TBD``, ``FIXME``, ``XXX`` (in capitals, as words of their own, so
    "TODOS" or "xxx-large" do not count), "lorem ipsum", "[insert ...]" or
    "<insert ...>", or the "Draft of DATE" note that ``isoctl init`` starts
    every document with. Placeholders inside code (between backticks, or in
    a fenced block) are examples, not placeholders. A Markdown document
    with no ``path`` whose text has fewer than 30 words (headings not
    counted) is reported too. Reported once per document, at the first
    placeholder, naming the lines of the others; at ``status`` when the
    text is too short.

    Fails:  ``status: approved`` and a body line ``TODO: list the sites``
    Passes: the sites listed, or ``status: draft`` while the text is written
    """
    for document in ctx.records(Document):
        if document.status != "approved" or document.body is None:
            continue
        found = placeholders(document.body)
        if found:
            first = found[0]
            message = f"{document.id} is approved but still holds placeholder text: {_shown(first)} on line "
            start = _body_line(ctx, document)
            line = first.line if start is None else start + first.line - 1
            message += str(line)
            if len(found) > 1:
                others = sorted({(p.line if start is None else start + p.line - 1) for p in found[1:]})
                message += f", and {len(found) - 1} more on line{'s' if len(others) > 1 else ''} " + \
                    ", ".join(map(str, others))
            if start is None or not ctx.positions:
                yield ctx.at(document, "status", message=message)
            else:
                yield Hit(message, ctx.loaded(document).file.relative, line, first.column, None, document.id)
        elif document.path is None and (words := word_count(document.body, up_to=MIN_WORDS)) < MIN_WORDS:
            # no word count in the message: an edit that adds a word must not read as a new finding in `diff`
            size = f"its text has fewer than {MIN_WORDS} words" if words else "it has no text"
            yield ctx.at(document, "status", message=f"{document.id} is approved but {size}: too little for a "
                         "finished document")


#: Levels of the hierarchy of controls that act on the hazard itself, not on how people behave near it.
STRONG_LEVELS = ("elimination", "substitution", "engineering")


@rule("weak-hazard-controls", "warning", category="living")
def weak_hazard_controls(ctx: Context) -> Iterator[Hit]:
    """A high-rated hazard controlled only by rules and protective equipment, or a hazard with no controls.

    The hierarchy of controls (ISO 45001 8.1.2) puts removing the hazard,
    replacing it with something less dangerous and engineering it out before
    procedures, training, signs and PPE, which depend on people getting it
    right every time. A hazard rated at or above ``hazard_high_rating``
    (settings in isoctl.yaml, default 15 on the 1-25 scale) whose controls
    are all ``administrative`` or ``ppe`` is reported at ``rating``; say in
    the record why nothing higher is practicable, or add such a control. A
    hazard with no controls at all is reported whatever its rating.

    Fails:  ``rating: 20`` with controls ``{level: administrative}`` and ``{level: ppe}`` only
    Passes: ``rating: 20`` with a ``{control: Guard rail at the dock edge, level: engineering}``
    """
    high = ctx.workspace.manifest.settings.hazard_high_rating
    for hazard in ctx.records(Hazard):
        if not hazard.controls:
            yield ctx.at(hazard, "controls", key=True,
                         message=f"{hazard.id} ({hazard.hazard}) has no controls recorded")
            continue
        if hazard.rating is None or hazard.rating < high:
            continue
        levels = {control.level for control in hazard.controls}
        if levels & set(STRONG_LEVELS):
            continue
        only = " and ".join(name for level, name in (("administrative", "administrative controls"), ("ppe", "PPE"))
                            if level in levels)
        yield ctx.at(hazard, "rating", message=f"{hazard.id} ({hazard.hazard}) is rated {hazard.rating} "
                     f"(hazard_high_rating: {high}) but is controlled only by {only}: nothing eliminates, "
                     "substitutes or engineers out the hazard")


@rule("approver-not-authorised", "warning", category="living")
def approver_not_authorised(ctx: Context) -> Iterator[Hit]:
    """A policy approved by someone who is not top management, or a document approved by its own author.

    Policies are top management's to set (5.2 of each standard), so an
    approved ``type: policy`` document must be ``approved_by`` a person with
    ``top_management: true`` in isoctl.yaml ``people``. With
    ``independent_approval: true`` in the settings (default false), any
    other approved document approved by its own ``owner`` is reported too:
    someone else should check what its author wrote. Only approved
    documents are checked. Reported at ``approved_by``.

    Fails:  ``type: policy, status: approved, approved_by: akhan`` where only ``jsmith`` is top management
    Passes: ``approved_by: jsmith``
    """
    people = {person.id: person for person in ctx.workspace.manifest.people}
    top = [person.id for person in people.values() if person.top_management]
    who = f"top management in isoctl.yaml: {', '.join(top)}" if top else \
        "no person in isoctl.yaml people has top_management: true"
    independent = ctx.workspace.manifest.settings.independent_approval
    for document in ctx.records(Document):
        approver = document.approved_by
        if document.status != "approved" or approver is None:
            continue
        if document.type == "policy":
            person = people.get(approver)
            if person is None:
                yield ctx.at(document, "approved_by", message=f"{document.id} is a policy approved by {approver}, "
                             f"who is not a person in isoctl.yaml people, so not known to be top management ({who})")
            elif not person.top_management:
                yield ctx.at(document, "approved_by", message=f"{document.id} is a policy approved by {approver} "
                             f"({person.name}), who is not top management ({who})")
        elif independent and approver == document.owner:
            yield ctx.at(document, "approved_by", message=f"{document.id} was approved by its own owner, {approver}; "
                         "with independent_approval: true someone else must approve it")
