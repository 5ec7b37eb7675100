"""The needs analysis (``isoctl advise``) as text for a terminal, Markdown and JSON.

Every format says the same things in the same order: the standards with
their priority and the reasons (each naming the answers behind it), the
standards asked for that the answers do not support, certificates whose
edition needs a transition, how the chosen standards integrate on the
harmonized structure, and the suggested scope. Text wraps to the width
given and colours only when asked; Markdown also lists every answer, so it
can be kept as the record of the decision (:mod:`.advise_record`).
"""

from __future__ import annotations

import textwrap
from typing import Any

from isoctl.core.advise import Advice, Reason
from isoctl.render import json_text

_STYLES = {"essential": "bold red", "recommended": "yellow", "optional": "cyan"}


def answer_text(value: Any) -> str:
    """An answer as people read it: lists joined by commas, yes/no, nothing as a dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def drivers(reason: Reason) -> str:
    """The answers behind a reason: ``digital = core; information = personal-data, customer-data``."""
    return "; ".join(f"{name} = {answer_text(value)}" for name, value in reason.answers.items())


def render_json(advice: Advice) -> str:
    return json_text.dumps(advice.as_dict())


def render_text(advice: Advice, *, color: bool = False, width: int = 100) -> str:
    from rich.markup import escape

    from isoctl.render.console import clean, make_console

    width = max(width, 60)
    console, out = make_console(color=color, width=width)

    def say(text: str = "", *, indent: int = 0, hang: int = 0, style: str | None = None) -> None:
        lines = textwrap.wrap(clean(text, one_line=True), width - indent, subsequent_indent=" " * hang) or [""]
        for line in lines:
            shown = escape(" " * indent + line)
            console.print(f"[{style}]{shown}[/]" if style and color else shown, soft_wrap=True)

    say(f"Needs analysis for {advice.organization}, {advice.today.isoformat()}", style="bold")
    say()
    say("Standards, most pressing first", style="bold")
    if not advice.recommendations:
        say("None of the answers calls for a certified management system.", indent=2)
    for rec in advice.recommendations:
        asked = "  (asked for)" if rec.wanted else ""
        say(f"{rec.priority:<12} {rec.designation}  {rec.topic}{asked}", indent=2, hang=15, style=_STYLES[rec.priority])
        for reason in rec.reasons:
            say(f"- {reason.text}", indent=4, hang=2)
            say(f"(answers: {drivers(reason)})", indent=6, hang=2, style="dim")
    if advice.not_indicated:
        say(f"Not indicated by the answers: {', '.join(advice.not_indicated)}.", indent=2)
    if advice.mismatches:
        say()
        say("Asked for, but the answers do not support it", style="bold")
        for mismatch in advice.mismatches:
            level = f"only {mismatch.priority}" if mismatch.priority else "not recommended"
            say(f"{mismatch.designation} ({level})", indent=2, style="bold")
            for reason in mismatch.reasons:
                say(f"- {reason.text}", indent=4, hang=2)
                if reason.answers:
                    say(f"(answers: {drivers(reason)})", indent=6, hang=2, style="dim")
            if mismatch.instead:
                say(f"The answers make {_and(mismatch.instead)} essential instead.", indent=4)
    if advice.certificates:
        say()
        say("Certificates held", style="bold")
        for certificate in advice.certificates:
            say(certificate.message, indent=2, hang=2)
    say()
    say("Integration on the harmonized structure", style="bold")
    say(_integration_text(advice), indent=2, hang=0)
    if advice.integration is not None:
        shared = ", ".join(f"{c} {t}" for c, t in advice.integration.shared)
        say(f"Shared clauses: {shared}.", indent=2, hang=4, style="dim")
    say()
    say("Suggested scope", style="bold")
    say(advice.scope, indent=2)
    if advice.chosen:
        say()
        say(f"To start: isoctl init DIR --answers FILE creates a workspace for "
            f"{_and([r.designation for r in advice.chosen])} and keeps this analysis in it.")
    return out.getvalue()


def _integration_text(advice: Advice) -> str:
    if advice.integration is not None:
        return advice.integration.statement
    if advice.chosen:
        return (f"{advice.chosen[0].designation} stands alone for now; a standard added later shares its clauses "
                "4 to 10 through the harmonized structure, and records written with hs: references serve both.")
    return "No standard is recommended, so there is nothing to integrate."


def render_md(advice: Advice, *, level: int = 1) -> str:
    """Markdown; ``level`` is the level of the title heading (the record inside a workspace uses 1 too)."""
    h = "#" * level
    lines = [f"{h} Needs analysis for {_md(advice.organization)}", "",
             f"Evaluated on {advice.today.isoformat()} by `isoctl advise`.", "",
             f"{h}# Standards", ""]
    if not advice.recommendations:
        lines += ["None of the answers calls for a certified management system.", ""]
    else:
        lines += ["| priority | standard | manages | asked for |", "|---|---|---|---|"]
        lines += [f"| {r.priority} | {r.designation} | {r.topic} | {'yes' if r.wanted else 'no'} |"
                  for r in advice.recommendations]
        lines.append("")
    for rec in advice.recommendations:
        lines += [f"{h}## {rec.designation} — {rec.priority}", ""]
        lines += [f"- {_md(r.text)} *(answers: {_md(drivers(r))})*" for r in rec.reasons]
        lines.append("")
    if advice.not_indicated:
        lines += [f"Not indicated by the answers: {', '.join(advice.not_indicated)}.", ""]
    if advice.mismatches:
        lines += [f"{h}# Asked for, but the answers do not support it", ""]
        for mismatch in advice.mismatches:
            level_text = f"only {mismatch.priority}" if mismatch.priority else "not recommended"
            lines += [f"{h}## {mismatch.designation} ({level_text})", ""]
            lines += [f"- {_md(r.text)}" + (f" *(answers: {_md(drivers(r))})*" if r.answers else "")
                      for r in mismatch.reasons]
            if mismatch.instead:
                lines += ["", f"The answers make {_and(mismatch.instead)} essential instead."]
            lines.append("")
    if advice.certificates:
        lines += [f"{h}# Certificates held", ""]
        lines += [f"- {_md(c.message)}" for c in advice.certificates]
        lines.append("")
    lines += [f"{h}# Integration on the harmonized structure", "", _md(_integration_text(advice)), ""]
    if advice.integration is not None:
        lines += ["| shared clause | title |", "|---|---|"]
        lines += [f"| {c} | {t} |" for c, t in advice.integration.shared]
        lines.append("")
    lines += [f"{h}# Suggested scope", "", f"> {_md(advice.scope)}", ""]
    lines += [f"{h}# Answers", "", "| question | answer |", "|---|---|"]
    for question, value in advice.answers:
        lines.append(f"| {_md(question.prompt)} | {_md(_labelled(question.values, value))} |")
    return "\n".join(lines) + "\n"


def _labelled(values: Any, value: Any) -> str:
    """An answer with the words of its choices: ``core — they are the product: ...``."""
    labels = {c.value: c.label for c in values}
    items = value if isinstance(value, list) else [value]
    if labels and items and all(isinstance(v, str) for v in items):
        return "; ".join(f"{v} — {labels[v]}" if v in labels else v for v in items)
    return answer_text(value)


def _md(text: str) -> str:
    """Text inside a Markdown line or table cell: one line, pipes and markup characters escaped."""
    from isoctl.render.console import clean

    text = clean(text, one_line=True)
    for char in ("\\", "|", "*", "_", "`", "<", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def _and(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
