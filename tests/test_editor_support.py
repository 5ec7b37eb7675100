"""Editor support: the ``yaml.schemas`` mapping ``init`` writes to .vscode/settings.json, and ``schema --vscode``.

The mapping is checked the way the YAML language server applies it: every
glob gets ``**/`` in front and is matched against the file's whole URI, the
last matching glob of a schema decides (``!`` excludes), and a file takes
every schema that matches it. Each YAML file of a fresh scaffold and of the
shipped examples must then validate against the schemas it gets, or the
editor would flag records that ``isoctl check`` accepts.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from helpers import Cli, GitRepo, Golden, isolate_git, make_workspace
from jsonschema import Draft202012Validator

from isoctl.model.records import KINDS
from isoctl.scaffold.editors import KIND_FOLDERS, write_vscode_settings, yaml_schemas
from isoctl.scaffold.schema import schemas

SETTINGS = ".vscode/settings.json"


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text("[user]\n\tname = Jane Smith\n\temail = jane@example.com\n[init]\n\tdefaultBranch = main\n")
    isolate_git(monkeypatch, config)
    monkeypatch.setenv("ISOCTL_TODAY", "2026-01-05")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as the YAML language server compiles it (glob-to-regexp, extended and globstar), ``**/`` in front."""
    glob = "**/" + pattern.lstrip("/")
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out += "(?:[^/]*(?:/|$))*"
            i += 3
        elif glob.startswith("**", i):
            out += ".*"
            i += 2
        elif glob[i] == "*":
            out += "[^/]*"
            i += 1
        elif glob[i] == "?":
            out += "."
            i += 1
        else:
            out += re.escape(glob[i])
            i += 1
    return re.compile(f"^{out}$")


def schemas_for(mapping: dict[str, list[str]], uri: str) -> list[str]:
    """The schemas (keys of ``mapping``) a file gets."""
    chosen = []
    for schema, globs in mapping.items():
        match = False
        for glob in globs:
            include = not glob.startswith("!")
            if glob_regex(glob.lstrip("!")).match(uri):
                match = include
        if match:
            chosen.append(schema)
    return chosen


def plain(data: Any) -> Any:
    """YAML as the language server sees it: dates are strings."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


@functools.cache
def validator_of(key: str) -> Draft202012Validator:
    """The validator of one schema ``init`` writes, built once: generating the schemas is costly and they only get read."""
    return Draft202012Validator(generated()[key.split(".isoctl/schema/", 1)[1]])


@functools.cache
def generated() -> dict[str, dict[str, Any]]:
    """Every schema, generated once for the module (the tests only read them)."""
    return schemas()


def yaml_of(path: Path) -> Any:
    return plain(yaml.safe_load(path.read_text(encoding="utf-8")))


def check_folder(root: Path, mapping: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every YAML file below ``root``: the schemas it gets, each one validating it (else the test fails)."""
    got: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in (".yaml", ".yml") or ".git" in relative.parts:
            continue
        keys = schemas_for(mapping, path.resolve().as_uri())
        got[relative.as_posix()] = keys
        for key in keys:
            errors = [e.message for e in validator_of(key).iter_errors(yaml_of(path))]
            assert not errors, (relative.as_posix(), key, errors[:3])
    return got


def test_init_writes_and_commits_the_mapping(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "-s", "iso9001:2015", "-s", "iso27001:2022", "--ci", "gitlab")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "acme"
    assert f"  {SETTINGS}" in run.stdout
    settings = json.loads((root / SETTINGS).read_text(encoding="utf-8"))
    assert settings == {"yaml.schemas": yaml_schemas()}
    mapping = settings["yaml.schemas"]
    assert set(mapping) == {"./.isoctl/schema/manifest.json", "./.isoctl/schema/record.json"} | {
        f"./.isoctl/schema/kinds/{kind}.json" for kind in KINDS}
    for key in mapping:  # every schema named is one init wrote
        assert (root / key).is_file(), key
    assert SETTINGS in GitRepo(root).files()


def test_the_globs_match_the_scaffold_folders(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", "acme", "-s", "iso27001:2022", "--ci", "gitlab", "--no-git").exit_code == 0
    root = tmp_path / "acme"
    (root / "risks").mkdir()
    (root / "risks" / "register.yaml").write_text(
        "- {id: RSK-1, kind: risk, title: Supplier failure, likelihood: 3, impact: 4}\n"
        "- {id: RSK-2, kind: risk, title: Power cut, likelihood: 2, impact: 5}\n")
    (root / "context").mkdir()
    (root / "context" / "mixed.yaml").write_text(
        "- {id: ISS-1, kind: issue, type: external, title: Energy prices}\n"
        "- {id: PTY-1, kind: party, title: Customers}\n")
    got = check_folder(root, yaml_schemas())
    assert got["isoctl.yaml"] == ["./.isoctl/schema/manifest.json"]
    assert got["soa/annex-a.yaml"] == ["./.isoctl/schema/kinds/control.json"]
    assert got["risks/register.yaml"] == ["./.isoctl/schema/kinds/risk.json"]
    assert got["context/mixed.yaml"] == ["./.isoctl/schema/record.json"]
    assert got[".gitlab-ci.yml"] == [] and got[".pre-commit-config.yaml"] == []  # their own schemas stay theirs
    assert all(not keys for name, keys in got.items() if name.startswith(".isoctl/"))


@pytest.mark.parametrize("example", ["acme-logistics", "nimbus-cloud", "paper-iso"])
def test_every_example_file_fits_the_schemas_it_gets(example: str, tmp_path: Path) -> None:
    """The folder table must never make an editor flag a valid record: each file validates against its schemas."""
    root = shutil.copytree(REPO / "examples" / example, tmp_path / example)
    got = check_folder(root, yaml_schemas())
    assert got["isoctl.yaml"] == ["./.isoctl/schema/manifest.json"]
    assert all(len(keys) == 1 for name, keys in got.items()), got  # one schema each: no two combined
    for kind, folders in KIND_FOLDERS.items():
        for name, keys in got.items():
            if name.split("/")[0] in folders:
                assert keys == [f"./.isoctl/schema/kinds/{kind}.json"], name


def test_a_kind_schema_takes_one_record_or_a_list_of_that_kind() -> None:
    risk = {"id": "RSK-1", "kind": "risk", "title": "Supplier failure", "likelihood": 3, "impact": 4}
    action = {"id": "ACT-1", "kind": "action", "type": "ofi", "title": "Labels", "raised_on": "2026-01-02"}
    validator = Draft202012Validator(generated()["kinds/risk.json"])
    assert not list(validator.iter_errors(risk))
    assert not list(validator.iter_errors([risk, {**risk, "id": "RSK-2"}]))
    assert list(validator.iter_errors([risk, action]))
    assert list(validator.iter_errors([risk, {**risk, "likelihood": 9}]))
    assert list(validator.iter_errors("text"))


def test_schema_vscode_merges_an_existing_file(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    existing = {
        "editor.tabSize": 2,
        "files.exclude": {"**/.cache": True},
        "yaml.schemas": {
            "https://json.schemastore.org/github-workflow.json": ".github/workflows/*",
            "./.isoctl/schema/kinds/retired.json": ["old/*.yaml"],  # a mapping of an older isoctl: replaced
        },
    }
    (root / ".vscode").mkdir()
    (root / SETTINGS).write_text(json.dumps(existing, indent=2), encoding="utf-8")
    run = cli("schema", "--vscode", cwd=root / ".vscode")
    assert run.exit_code == 0, run.stderr
    assert "settings.json (merged: yaml.schemas)" in run.stdout
    merged = json.loads((root / SETTINGS).read_text(encoding="utf-8"))
    assert merged["editor.tabSize"] == 2 and merged["files.exclude"] == {"**/.cache": True}
    assert merged["yaml.schemas"] == {"https://json.schemastore.org/github-workflow.json": ".github/workflows/*",
                                      **yaml_schemas()}
    assert (root / ".isoctl" / "schema" / "kinds" / "risk.json").is_file()
    again = (root / SETTINGS).read_bytes()
    assert cli("schema", "--vscode", cwd=root).exit_code == 0
    assert (root / SETTINGS).read_bytes() == again  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        '{\n  // the team\'s settings\n  "editor.tabSize": 2,\n}\n',
        '{"editor.tabSize": 2,',
        '["not", "an", "object"]\n',
        '{"yaml.schemas": "not an object"}\n',
    ],
)
def test_a_settings_file_that_cannot_be_merged_is_left_alone(text: str, cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".vscode").mkdir()
    (root / SETTINGS).write_text(text, encoding="utf-8")
    run = cli("schema", "--vscode", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert (root / SETTINGS).read_text(encoding="utf-8") == text
    assert "warning: .vscode/settings.json was left as it was" in run.stderr
    assert "hint: add this to it by hand" in run.stderr and "Traceback" not in run.stderr
    snippet = json.loads(run.stdout[run.stdout.index("{"):])
    assert snippet == {"yaml.schemas": yaml_schemas()}


def test_init_with_a_template_that_ships_settings_with_comments(cli: Cli, tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    (template / ".vscode").mkdir(parents=True)
    (template / "isoctl.yaml.j2").write_text(
        "isoctl: 1\norganization: {name: {{ organization | yaml }}}\nstandards: [{{ standards[0].display }}]\n"
        "people:\n{% for p in people %}  - {id: {{ p.id }}, name: {{ p.name | yaml }}}\n{% endfor %}")
    jsonc = '{\n  // the consultant\'s house style\n  "editor.rulers": [100]\n}\n'
    (template / ".vscode" / "settings.json").write_text(jsonc)
    run = cli("init", "ws", "-s", "iso9001:2015", "--template", str(template), "-p", "jsmith:Jane Smith")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "ws" / SETTINGS).read_text() == jsonc
    assert "warning: .vscode/settings.json was left as it was" in run.stderr
    assert '"./.isoctl/schema/record.json"' in run.stderr  # the mapping to add, in the warning


def test_a_workspace_below_the_folder_opened(tmp_path: Path) -> None:
    """A workspace in ``compliance/`` of a repository: schema paths and globs start with its folder."""
    repo = tmp_path / "product"
    workspace = make_workspace(repo / "compliance")
    result = write_vscode_settings(workspace, base=repo)
    assert result.path == repo / SETTINGS and result.action == "written"
    mapping = json.loads(result.path.read_text())["yaml.schemas"]
    assert mapping == yaml_schemas("compliance")
    assert mapping["./compliance/.isoctl/schema/manifest.json"] == ["compliance/isoctl.yaml"]
    risks = mapping["./compliance/.isoctl/schema/kinds/risk.json"]
    uri = (workspace / "risks" / "r.yaml").resolve().as_uri()
    assert schemas_for(mapping, uri) == ["./compliance/.isoctl/schema/kinds/risk.json"], risks


def test_schema_vscode_outside_a_workspace_exits_2(cli: Cli, tmp_path: Path) -> None:
    run = cli("schema", "--vscode", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert run.exit_code == 2 and "not in an isoctl workspace" in run.stderr


def test_help_snapshot(cli: Cli, golden: Golden) -> None:
    result = cli("schema", "--help")
    assert result.exit_code == 0
    golden("help/isoctl-schema.txt", result.stdout)


def test_init_inside_a_repository_maps_the_schemas_at_its_root(cli: Cli, tmp_path: Path) -> None:
    """VS Code opens the repository, so the mapping goes to its root's settings, merged, with the folder in front."""
    repo = GitRepo.init(tmp_path / "product")
    repo.commit("Product", files={SETTINGS: '{"editor.tabSize": 4}\n', "src/app.py": "print()\n"})
    run = cli("init", "compliance", "-s", "iso9001:2015", "--ci", "none", cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    settings = json.loads((repo.root / SETTINGS).read_text(encoding="utf-8"))
    assert settings == {"editor.tabSize": 4, "yaml.schemas": yaml_schemas("compliance")}
    assert not (repo.root / "compliance" / ".vscode").exists()
    (repo.root / "compliance" / "risks").mkdir()
    risk = repo.root / "compliance" / "risks" / "r.yaml"
    risk.write_text("id: RSK-1\nkind: risk\ntitle: Outage\nlikelihood: 2\nimpact: 2\n")
    assert schemas_for(settings["yaml.schemas"], risk.resolve().as_uri()) == [
        "./compliance/.isoctl/schema/kinds/risk.json"]


def test_schema_vscode_in_a_subdirectory_writes_at_the_repository_root(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "product")
    make_workspace(repo.root / "compliance")
    run = cli("schema", "--vscode", cwd=repo.root / "compliance")
    assert run.exit_code == 0, run.stderr
    assert json.loads((repo.root / SETTINGS).read_text())["yaml.schemas"] == yaml_schemas("compliance")
    assert not (repo.root / "compliance" / ".vscode").exists()


def test_two_workspaces_in_one_repository_keep_each_others_mappings(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "mono")
    repo.commit("Start", files={SETTINGS: '{"yaml.schemas": {"./schemas/ci.json": ["ci/*.yaml"]}}\n'})
    cli("init", "qms", "-s", "iso9001:2026", "--yes", cwd=repo.root).expect(0)
    cli("init", "isms", "-s", "iso27001:2022", "--yes", cwd=repo.root).expect(0)
    mapping = json.loads((repo.root / SETTINGS).read_text(encoding="utf-8"))["yaml.schemas"]
    assert mapping == {"./schemas/ci.json": ["ci/*.yaml"], **yaml_schemas("qms"), **yaml_schemas("isms")}
    risk = (repo.root / "qms" / "risks" / "r.yaml").resolve().as_uri()
    assert schemas_for(mapping, risk) == ["./qms/.isoctl/schema/kinds/risk.json"]
    # refreshing one workspace replaces its own entries only (a kind an older isoctl mapped is dropped)
    stale = {**mapping, "./qms/.isoctl/schema/kinds/retired.json": ["qms/old/*.yaml"]}
    (repo.root / SETTINGS).write_text(json.dumps({"yaml.schemas": stale}), encoding="utf-8")
    cli("schema", "--vscode", cwd=repo.root / "qms").expect(0, "(merged: yaml.schemas)")
    assert json.loads((repo.root / SETTINGS).read_text(encoding="utf-8"))["yaml.schemas"] == mapping


def test_schema_vscode_outside_a_workspace_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run = cli("schema", "--vscode", cwd=plain)
    run.expect(2, "error: --vscode: not in an isoctl workspace (no isoctl.yaml here or above)")
    assert "hint: run it inside the workspace" in run.stderr and run.stdout == ""
    assert list(plain.iterdir()) == []


def test_schema_vscode_with_another_output_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    run = cli("schema", "--vscode", "-o", "elsewhere", cwd=root)
    run.expect(2, "error: --vscode maps the schemas of .isoctl/schema/; it cannot be combined with another --output")
    assert not (root / "elsewhere").exists() and not (root / ".vscode").exists()
