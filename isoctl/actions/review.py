"""Writing the draft management review: a new record, or the inputs of the draft for that day refreshed.

The draft (``status: draft``) holds the meeting's date, top management as
expected attendees and every required input filled from the repository;
its outputs are left for the meeting, with what to decide written beside
them as comments. Running ``isoctl review prepare`` again before the
meeting replaces only the draft's ``inputs``, byte-exact
(:mod:`isoctl.actions.edit`): attendees, outputs, actions, comments and
anything else a person wrote stay as they were. A review that has been held
is never changed. New files are created exclusively with a fresh id, as
``isoctl action new`` does.
"""

from __future__ import annotations

import codecs
import os
import posixpath
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isoctl.actions.context import ActionContext
from isoctl.core.review_prepare import Preparation, ReviewPlace
from isoctl.errors import EditError, UsageError, WorkspaceError, reason
from isoctl.files import yamlio
from isoctl.files.located import describe
from isoctl.model.records import Review
from isoctl.workspace.read import read

DEFAULT_FOLDER = "reviews"
SCHEMA_FILE = Path(".isoctl/schema/record.json")

#: What the meeting decides, written as comments beside the outputs (9.3.3).
PROMPTS = {
    "decisions": "what the meeting decides: opportunities for improvement; is the system still suitable, adequate, "
                 "effective and in line with the strategy?",
    "changes": "changes needed to the management system: policy, objectives, processes, documents",
    "resources": "resources needed: people, skills, budget, equipment, time",
    "improvements": "improvements decided, each carried by an action",
}


@dataclass(frozen=True)
class Drafted:
    """What was (or, on a dry run, would be) written."""

    id: str
    relative: str
    created: bool  # a new record; False: the inputs of an existing draft refreshed
    changed: bool  # False: the draft already said exactly this
    written: bool  # False on a dry run


def inputs_of(prep: Preparation) -> dict[str, str]:
    """The ``inputs`` mapping of the draft: every required key with its facts, or that there is no data."""
    return {section.key: section.text for section in prep.inputs}


def draft_text(prep: Preparation, review_id: str, header: str = "") -> str:
    """The text of a new draft review record."""
    from isoctl.actions.yaml_text import block_mapping, flow_value, inline_scalar

    lines = [header] if header else []
    lines += [
        "# Draft prepared by 'isoctl review prepare' from the repository. Running it again before the meeting",
        "# refreshes 'inputs' only; everything else here is yours to edit. After the meeting record the outputs",
        "# and actions, correct the attendees, and set status: held.",
        f"id: {inline_scalar(review_id, flow=False)}",
        "kind: review",
        f"title: {inline_scalar(f'Management review {prep.date.isoformat()}', flow=False)}",
    ]
    if prep.owner:
        lines.append(f"owner: {inline_scalar(prep.owner, flow=False)}")
    lines += ["status: draft", f"date: {prep.date.isoformat()}",
              f"attendees: {flow_value(list(prep.attendees))}",
              "inputs:", "  " + block_mapping(inputs_of(prep), 2, 2, "\n"), "outputs:"]
    for name, prompt in PROMPTS.items():
        lines += [f"  # {prompt}", f"  {name}: []"]
    lines += ["# the actions the review raises, by id (isoctl action new --source management-review ...)", "actions: []"]
    return "\n".join(lines) + "\n"


def _validate(text: str, relative: str) -> Review:
    raw = read(relative, text)
    if raw is None or len(raw.records) != 1 or not isinstance(raw.records[0], dict):
        raise EditError(f"{relative}: the draft would not read back as one record; nothing was written")
    try:
        return Review.model_validate(raw.records[0])
    except ValidationError as exc:
        problems = "; ".join(describe(dict(e)) for e in exc.errors(include_url=False))
        raise EditError(f"{relative}: the draft would not be a valid review ({problems}); nothing was written") from None


def _folder(reviews: tuple[ReviewPlace, ...]) -> str:
    """The folder holding most review records (``reviews`` on a tie or when there are none)."""
    counts = Counter(posixpath.dirname(r.relative) for r in reviews)
    if not counts:
        return DEFAULT_FOLDER
    most = max(counts.values())
    tied = sorted(folder for folder, count in counts.items() if count == most)
    return DEFAULT_FOLDER if DEFAULT_FOLDER in tied else tied[0]


def write_draft(prep: Preparation, *, dry_run: bool = False) -> Drafted:
    """Refresh the draft review of ``prep.date``, or create one; a held review of that day is an error."""
    same_day = [r for r in prep.reviews if r.date == prep.date]
    draft = next((r for r in same_day if r.status == "draft"), None)
    if draft is not None:
        return _refresh(prep, draft, dry_run=dry_run)
    if same_day:
        held = same_day[0]
        raise UsageError(f"{held.id} ({held.relative}) is the review of {prep.date.isoformat()} and is not a draft; "
                         "a held review is never changed", hint="prepare the next review with --date DAY")
    return _create(prep, dry_run=dry_run)


def _create(prep: Preparation, *, dry_run: bool) -> Drafted:
    from isoctl.actions.writes import create_exclusively, inside_workspace

    ctx = ActionContext.open(prep.root)
    taken = set(ctx.scan().ids)
    folder = _folder(prep.reviews)
    header = ""
    if (ctx.root / SCHEMA_FILE).is_file():
        header = f"# yaml-language-server: $schema={'../' * len(Path(folder).parts)}{SCHEMA_FILE.as_posix()}"
    base = f"MR-{prep.date.isoformat()}"
    for number in range(1, 1000):
        review_id = base if number == 1 else f"{base}-{number}"
        relative = posixpath.join(folder, f"{review_id}.yaml")
        if review_id in taken or os.path.lexists(ctx.root / relative):
            continue
        text = draft_text(prep, review_id, header)
        _validate(text, relative)
        if dry_run:
            return Drafted(review_id, relative, created=True, changed=True, written=False)
        if inside_workspace(ctx.root, folder) is None:
            raise EditError(f"{folder}/ leads outside the workspace; isoctl writes only inside it, nothing was written")
        try:
            (ctx.root / folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create the folder {folder}/: {reason(exc)}; nothing was written") from None
        if inside_workspace(ctx.root, relative) is None:
            raise EditError(f"{relative} would be written outside the workspace; nothing was written")
        try:
            create_exclusively(ctx.root / relative, text.encode("utf-8"))
        except FileExistsError:
            continue  # written a moment ago by another isoctl: take the next id
        except OSError as exc:
            raise WorkspaceError(f"cannot write {relative}: {reason(exc)}; nothing was written") from None
        return Drafted(review_id, relative, created=True, changed=True, written=True)
    raise WorkspaceError(f"no free id for the review of {prep.date.isoformat()} (tried {base} to {base}-999)")


def _refresh(prep: Preparation, draft: ReviewPlace, *, dry_run: bool) -> Drafted:
    """Replace the inputs of an existing draft, under the file's lock, only while it is still a draft."""
    from isoctl.actions.edit import set_fields
    from isoctl.actions.writes import inside_workspace, locked, replace_atomically
    from isoctl.workspace.files import on_disk

    path = inside_workspace(prep.root, on_disk(draft.relative))
    if path is None:
        raise EditError(f"{draft.relative} leads outside the workspace; isoctl writes only inside it, nothing was written")
    with locked(path, label=draft.relative):
        try:
            data = yamlio.read_bytes(path)
            text = yamlio.decode(data)
        except yamlio.YamlProblem as exc:
            raise UsageError(f"{draft.relative}: {exc.message}") from None
        current = _current(text, draft)
        if current.get("status") != "draft":
            raise UsageError(f"{draft.id} in {draft.relative} is no longer a draft; a held review is never changed")
        wanted = inputs_of(prep)
        if current.get("inputs") == wanted:
            return Drafted(draft.id, draft.relative, created=False, changed=False, written=False)
        edited = set_fields(text, draft.relative, draft.id, {"inputs": wanted})
        if dry_run:
            return Drafted(draft.id, draft.relative, created=False, changed=True, written=False)
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
        try:
            replace_atomically(path, bom + edited.encode("utf-8"))
        except OSError as exc:
            raise WorkspaceError(f"cannot write {draft.relative}: {reason(exc)}; it was left as it was") from None
    return Drafted(draft.id, draft.relative, created=False, changed=True, written=True)


def _current(text: str, draft: ReviewPlace) -> dict[str, Any]:
    """The draft's record as its file holds it now."""
    raw = read(draft.relative, text)
    for item in raw.records if raw is not None else []:
        if isinstance(item, dict) and item.get("id") == draft.id:
            return item
    raise UsageError(f"{draft.relative} no longer holds {draft.id}; nothing was written")
