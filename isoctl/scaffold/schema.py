"""JSON Schemas of workspace format 1, generated from the pydantic models.

The models are the single source of truth: editors (through the
``yaml-language-server`` modeline that ``isoctl init`` writes) complete and flag
fields with exactly the rules ``isoctl check`` applies, because both come from
the same classes. The output is byte-stable (sorted keys, fixed indent), so the
schemas can be committed and diffed like any other file.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from isoctl.errors import IsoctlError, reason
from isoctl.files.atomic import write_atomically
from isoctl.model.manifest import Manifest
from isoctl.model.records import KINDS, Record

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://isoctl.dev/schema/1/"


class _LenientInputs(GenerateJsonSchema):
    """Describe what the models *accept*, not only what they produce.

    ``TextList`` fields take a single string as well as a list, and free-text
    identifiers such as ``version`` take a number; the models coerce both
    before validation. Without this, an editor would flag ``clauses:
    iso9001:5.2`` that ``isoctl check`` happily accepts.
    """

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        inner = super().function_before_schema(schema)
        function = schema.get("function", {}).get("function")
        name = getattr(function, "__name__", "")
        if name == "_as_list" and inner.get("type") == "array":
            return {"anyOf": [inner, {"type": "string"}]}
        if name == "_as_text" and inner.get("type") == "string":
            return {"anyOf": [inner, {"type": "number"}]}
        return inner


def _generate(annotation: Any, name: str, title: str, description: str) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(mode="validation", schema_generator=_LenientInputs)
    # pydantic titles the root after the Python class; people see the file's purpose instead
    schema.pop("title", None)
    schema.pop("description", None)
    return {"$schema": DIALECT, "$id": f"{BASE_ID}{name}.json", "title": title, "description": description, **schema}


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema, keyed by its path relative to the schema directory (``kinds/risk.json``)."""
    from isoctl.rules import all_rules

    manifest = _generate(
        Manifest,
        "manifest",
        "isoctl manifest (isoctl.yaml)",
        "The root of an isoctl workspace: organization, standards in scope, people, exclusions, "
        "certification, rule settings (workspace format 1).",
    )
    # the severities of rules: a rule id that does not exist is an error of check's too
    manifest["properties"]["rules"]["propertyNames"] = {"enum": sorted(all_rules())}
    found: dict[str, dict[str, Any]] = {
        "manifest.json": manifest,
        "record.json": _generate(
            Record | list[Record],
            "record",
            "isoctl record file",
            "One isoctl record (a mapping whose 'kind' selects its fields) or a sequence of records, "
            "as held by a YAML file or the front matter of a Markdown document (workspace format 1).",
        ),
    }
    for kind, model in sorted(KINDS.items()):
        schema = _generate(model, f"kinds/{kind}", f"isoctl {kind} record", _kind_description(kind))
        # A file of a kind's folder holds one record or a list of them (risks/register.yaml): the
        # object keywords apply to a mapping, ``items`` to a sequence, each item checked as the root.
        schema["type"] = ["object", "array"]
        schema["items"] = {"$ref": "#", "type": "object"}
        found[f"kinds/{kind}.json"] = schema
    return found


#: What each kind is for, shown by editors when hovering a record (own words, from design §3.2).
KIND_PURPOSE = {
    "action": "An entry in the action log: a nonconformity, incident, complaint or improvement, and its follow-up.",
    "activity": "A business activity analysed for continuity: tolerable outage and recovery objectives.",
    "aspect": "An environmental aspect of an activity and the impact it can have.",
    "asset": "An information asset or an asset that handles information.",
    "audit": "An internal or external audit, planned or done, with its findings.",
    "competence": "Evidence that a person is competent for a role: training, qualification, expiry.",
    "control": "A control, typically one row of the Statement of Applicability.",
    "document": "A controlled document: policy, procedure, plan, instruction or form, with its status and review.",
    "exercise": "A business continuity exercise or test and what it showed.",
    "hazard": "An occupational health and safety hazard and its controls in the hierarchy of controls.",
    "issue": "An internal or external issue that shapes the context of the organization.",
    "objective": "A measurable objective with its target and measurements over time.",
    "obligation": "A legal or other requirement the organization must comply with.",
    "party": "An interested party and what it needs and requires.",
    "process": "A process of the management system with its inputs, outputs, indicators and risks.",
    "review": "A management review: who attended, what was reviewed, what was decided.",
    "risk": "A risk or an opportunity, how it was assessed and how it is treated.",
    "supplier": "An external provider, how it was evaluated and whether it is approved.",
}


def _kind_description(kind: str) -> str:
    lead = KIND_PURPOSE.get(kind, f"A record of kind '{kind}'.")
    return (f"{lead} One record of an isoctl workspace (format 1), or a list of such records as a file of the "
            "kind's folder holds them; unknown fields are errors.")


def render(schema: dict[str, Any]) -> str:
    """The canonical text of a schema: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema below ``directory`` (created if needed); returns the paths written, sorted.

    Each file is replaced atomically, so an editor reading a schema while
    ``isoctl schema`` runs never sees half a file.
    """
    directory = Path(directory)
    written = []
    for relative, text in _rendered():
        target = directory / relative
        try:
            _atomic_write(target, text)
        except OSError as exc:
            raise IsoctlError(f"cannot write {target}: {reason(exc)}") from exc
        written.append(target)
    return written


@functools.cache
def _rendered() -> tuple[tuple[str, str], ...]:
    """Every schema's path and text, generated once per process (they depend on isoctl's code alone)."""
    return tuple((relative, render(schema)) for relative, schema in sorted(schemas().items()))


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, text.encode("utf-8"))
