"""JSON Schemas from ``isoctl schema``: valid 2020-12, strict, and in agreement with the models."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from helpers import Cli
from jsonschema import Draft202012Validator, ValidationError

from isoctl.model.records import KINDS
from isoctl.scaffold.schema import BASE_ID, DIALECT, schemas, write_schemas

ACTION = {"id": "ACT-0001", "kind": "action", "type": "nonconformity", "title": "Late delivery", "raised_on": "2025-03-01"}


@functools.cache
def generated() -> dict[str, dict[str, Any]]:
    """Every schema, generated once for the module: generating them is costly, and these tests only read them."""
    return schemas()


@functools.cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(generated()[name], format_checker=Draft202012Validator.FORMAT_CHECKER)


def all_messages(error: ValidationError) -> list[str]:
    """An error's message and those of the alternatives it tried (anyOf/oneOf), recursively."""
    return [error.message, *(m for sub in error.context or [] for m in all_messages(sub))]


def as_json(data: Any) -> Any:
    """YAML as an editor's language server sees it: dates are strings."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


def test_every_schema_is_valid_2020_12_with_an_id() -> None:
    found = schemas()
    assert set(found) == {"manifest.json", "record.json"} | {f"kinds/{kind}.json" for kind in KINDS}
    for name, schema in found.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == DIALECT
        assert schema["$id"] == BASE_ID + name
        assert schema["title"] and schema["description"]


def test_unknown_fields_are_rejected_everywhere() -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            own = [node] if "properties" in node else []
            return own + [o for value in node.values() for o in objects(value)]
        return [o for value in node for o in objects(value)] if isinstance(node, list) else []

    for name, schema in generated().items():
        for obj in objects(schema):
            assert obj.get("additionalProperties") is False, (name, obj.get("title"))


def test_record_schema_rejects_a_typo_and_accepts_a_correct_record() -> None:
    record = validator("record.json")
    assert not list(record.iter_errors(ACTION))
    typo = {**ACTION, "stauts": "open"}
    errors = list(record.iter_errors(typo))
    messages = [m for error in errors for m in all_messages(error)]
    assert any("'stauts' was unexpected" in m for m in messages), messages
    assert not list(validator("kinds/action.json").iter_errors(ACTION))
    assert list(validator("kinds/action.json").iter_errors(typo))


def test_record_schema_takes_one_record_or_a_sequence() -> None:
    record = validator("record.json")
    risk = {"id": "RSK-1", "kind": "risk", "title": "Supplier failure", "likelihood": 3, "impact": 4}
    assert not list(record.iter_errors([ACTION, risk]))
    assert list(record.iter_errors([ACTION, {**risk, "likelihood": 9}]))
    assert list(record.iter_errors({**ACTION, "kind": "nonsense"}))
    assert list(record.iter_errors("just text"))


def test_dates_have_the_date_format() -> None:
    action = generated()["kinds/action.json"]
    assert action["properties"]["raised_on"] == {"format": "date", "title": "Raised On", "type": "string"}
    assert list(validator("record.json").iter_errors({**ACTION, "raised_on": "2025-13-45"}))


def test_schema_accepts_what_the_models_accept() -> None:
    """A single string where a list is expected, and a number as a version, are fine for both."""
    from pydantic import TypeAdapter

    from isoctl.model.records import Record

    lenient = {
        "id": "POL-Q", "kind": "document", "type": "policy", "status": "draft", "title": "Q",
        "version": 1.2, "clauses": "iso9001:5.2", "tags": "quality",
    }
    TypeAdapter(Record).validate_python(lenient)
    assert not list(validator("record.json").iter_errors(lenient))


def format_md_manifest() -> dict[str, Any]:
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    section = text.split("## The manifest", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    manifest: dict[str, Any] = yaml.safe_load(block.group(1))
    return manifest


@pytest.mark.parametrize(("record", "message"), [
    ("{id: SOA-1, kind: control, title: t, control: 'iso27001:A.5.1', applicable: 'no'}", "applicable: expected true or false; got 'no'"),
    ("{id: SOA-1, kind: control, title: t, control: 'iso27001:A.5.1', applicable: 0}", "applicable: expected true or false; got 0"),
    ("{id: SUP-1, kind: supplier, title: t, service: s, approved: 'yes'}", "approved: expected true or false; got 'yes'"),
    ("{id: RSK-1, kind: risk, title: t, likelihood: true}", "likelihood: expected a whole number; got true"),
    ("{id: RSK-1, kind: risk, title: t, impact: '3'}", "impact: expected a whole number; got '3'"),
    ("{id: RSK-1, kind: risk, title: t, reviewed_on: 0}", "reviewed_on: expected a date YYYY-MM-DD; got 0"),
    ("{id: RSK-1, kind: risk, title: t, reviewed_on: 1781568000.0}", "reviewed_on: expected a date YYYY-MM-DD; got 1781568000.0"),
    ("{id: RSK-1, kind: risk, title: t, reviewed_on: '2026-06-16T00:00:00Z'}",
     "reviewed_on: expected a date YYYY-MM-DD; got '2026-06-16T00:00:00Z'"),
    ("{id: RSK-1, kind: risk, title: t, reviewed_on: 20260616}", "reviewed_on: expected a date YYYY-MM-DD; got 20260616"),
])
def test_check_and_the_schema_refuse_what_yaml_reads_as_another_type(cli: Cli, tmp_path: Path, record: str,
                                                                       message: str) -> None:
    # only true/false are booleans, only YYYY-MM-DD is a date, and a score is a number: as the schema editors
    # check against says; the models once took 'no', a Unix time and a quoted number as well
    from isoctl.files import yamlio

    root = tmp_path / "ws"
    (root / "records").mkdir(parents=True)
    (root / "isoctl.yaml").write_text("isoctl: 1\norganization: {name: T}\nstandards: [iso27001:2022]\n")
    (root / "records" / "r.yaml").write_text(f"- {record}\n")
    run = cli("check", "-f", "json", "--today", "2026-11-21", "--select", "schema-error", cwd=root)
    assert [f["message"] for f in json.loads(run.stdout)["findings"]] == [message]
    assert list(validator("record.json").iter_errors(as_json(yamlio.parse(f"- {record}\n"))))


@pytest.mark.parametrize("evidence", [[{"path": "isoctl.yaml", "url": "https://x.example"}], [{"note": "x"}]])
def test_evidence_needs_one_target_in_the_schema_as_in_check(evidence: list[dict[str, str]]) -> None:
    assert list(validator("record.json").iter_errors({**ACTION, "evidence": evidence}))
    assert list(validator("kinds/action.json").iter_errors({**ACTION, "evidence": evidence}))
    for good in ([{"path": "isoctl.yaml"}], [{"url": "https://x.example", "date": "2026-01-05"}]):
        assert not list(validator("record.json").iter_errors({**ACTION, "evidence": good}))


def test_the_manifest_schema_knows_the_rules_and_wants_editions() -> None:
    manifest = {"isoctl": 1, "organization": {"name": "T"}, "standards": ["iso9001:2015"]}
    assert not list(validator("manifest.json").iter_errors({**manifest, "rules": {"stale-record": "info"}}))
    assert list(validator("manifest.json").iter_errors({**manifest, "rules": {"nope-rule": "info"}}))
    for written in ("iso9001:2015", "ISO/IEC 27001:2022", "iso9001-2015"):
        assert not list(validator("manifest.json").iter_errors({**manifest, "standards": [written]}))
    assert list(validator("manifest.json").iter_errors({**manifest, "standards": ["iso99999"]}))


def test_manifest_schema_accepts_the_documented_example() -> None:
    from isoctl.model.manifest import Manifest

    example = format_md_manifest()
    Manifest.model_validate(example)
    manifest = validator("manifest.json")
    assert not list(manifest.iter_errors(as_json(example)))
    assert list(manifest.iter_errors(as_json({**example, "standard": ["iso9001:2015"]})))
    assert list(manifest.iter_errors(as_json({**example, "isoctl": 2})))


def test_format_md_lists_every_setting_with_its_default() -> None:
    from isoctl.model.manifest import Settings

    documented = format_md_manifest()["settings"]
    assert documented == Settings().model_dump(mode="json"), "docs/format.md's settings differ from the defaults"


def test_scaffolded_workspace_validates_against_the_schemas(tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    root = tmp_path / "ws"
    families = ["iso9001", "iso14001", "iso27001", "iso45001", "iso22301"]
    scaffold(root, organization="Acme", standards=families, git=False, today=dt.date(2026, 1, 5))
    manifest = yaml.safe_load((root / "isoctl.yaml").read_text(encoding="utf-8"))
    assert not list(validator("manifest.json").iter_errors(as_json(manifest)))
    record = validator("record.json")
    checked = 0
    for path in [*root.glob("soa/*.yaml"), *root.glob("documents/**/*.md")]:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("\n---\n")[0].removeprefix("---\n") if path.suffix == ".md" else text)
        assert not list(record.iter_errors(as_json(data))), path
        checked += 1
    assert checked == 8  # SoA, scope, document control, five policies


def test_written_schemas_are_canonical_and_stable(tmp_path: Path) -> None:
    first = write_schemas(tmp_path / "one")
    second = write_schemas(tmp_path / "two")
    assert [p.relative_to(tmp_path / "one") for p in first] == [p.relative_to(tmp_path / "two") for p in second]
    for a, b in zip(first, second, strict=True):
        text = a.read_text(encoding="utf-8")
        assert text == b.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_schemas(tmp_path / "one")  # rewriting over existing files is fine and leaves no temp files
    assert not [p for p in (tmp_path / "one").rglob("*") if p.name.endswith(".tmp")]


def test_cli_writes_at_the_workspace_root(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "isoctl.yaml").write_text("isoctl: 1\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    run = cli("schema", cwd=tmp_path / "deep" / "er")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / ".isoctl" / "schema" / "kinds" / "risk.json").is_file()
    assert len(run.stdout.splitlines()) == len(generated())
    assert str(tmp_path / ".isoctl" / "schema" / "manifest.json") in run.stdout


def test_cli_outside_a_workspace_and_with_output(cli: Cli, tmp_path: Path) -> None:
    run = cli("schema")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / ".isoctl" / "schema" / "record.json").is_file()
    assert ".isoctl/schema/record.json" in run.stdout.splitlines()
    run = cli("schema", "-o", "out")
    assert run.exit_code == 0
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.json")) == sorted(generated())


def test_cli_unwritable_output_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")
    run = cli("schema", "-o", "taken")
    assert run.exit_code == 2
    assert "cannot write" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_schema_requires_its_kind(kind: str) -> None:
    schema = generated()[f"kinds/{kind}.json"]
    assert schema["properties"]["kind"]["const"] == kind
    assert {"id", "title", "kind"} <= set(schema["required"])
