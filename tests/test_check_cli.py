"""``isoctl check`` and ``isoctl gap`` as users and CI run them: exit codes, options, and every format's golden output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO
from helpers import MANIFEST, Cli, Golden, MakeWorkspace, write_tree

TODAY = "2026-11-21"
EXAMPLES = ["acme-logistics", "nimbus-cloud"]
CHECK_FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "github": "github", "gitlab": "json"}
GAP_FORMATS = {"text": "txt", "json": "json", "md": "md", "csv": "csv"}


def copy_of(name: str, tmp_path: Path) -> Path:
    """A copy outside the repository, so the output does not depend on this checkout's commit."""
    source = REPO / "examples" / name if (REPO / "examples" / name).is_dir() else REPO / "tests" / "data" / name
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_pass_at_the_readme_date(cli: Cli, tmp_path: Path, example: str) -> None:
    root = copy_of(example, tmp_path)
    result = cli("check", "--today", TODAY, "--fail-on", "warning", cwd=root)
    assert result.exit_code == 0, result.stdout
    # nothing to fix; at most a note that an edition in scope is superseded (ISO 9001:2015, ISO 14001:2015)
    assert re.match(r"(no findings|0 errors, 0 warnings, \d+ info) in ", result.stdout.strip().splitlines()[-1])
    notes = json.loads(cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout)["findings"]
    assert {f["rule"] for f in notes} <= {"superseded-edition"}


@pytest.mark.parametrize("example", [*EXAMPLES, "flawed"])
@pytest.mark.parametrize("fmt", list(CHECK_FORMATS))
def test_check_golden(cli: Cli, golden: Golden, tmp_path: Path, example: str, fmt: str) -> None:
    root = copy_of(example, tmp_path)
    result = cli("check", "--today", TODAY, "--format", fmt, cwd=root)
    assert result.exit_code == (1 if example == "flawed" else 0)
    golden(f"{example}/check.{fmt}.{CHECK_FORMATS[fmt]}", result.stdout)


@pytest.mark.parametrize("example", [*EXAMPLES, "flawed"])
@pytest.mark.parametrize("fmt", list(GAP_FORMATS))
def test_gap_golden(cli: Cli, golden: Golden, tmp_path: Path, example: str, fmt: str) -> None:
    root = copy_of(example, tmp_path)
    result = cli("gap", "--today", TODAY, "--format", fmt, cwd=root)
    assert result.exit_code == 0
    golden(f"{example}/gap.{fmt}.{GAP_FORMATS[fmt]}", result.stdout)


def test_flawed_workspace_findings_are_what_a_user_expects(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("flawed", tmp_path)
    data = json.loads(cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in data["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    assert set(by_rule) == {"parse-error", "schema-error", "duplicate-id", "unknown-clause", "unknown-reference",
                            "unjustified-exclusion", "unmapped-clause", "partial-clause", "missing-soa-entry",
                            "missing-management-review", "audit-programme-gap", "climate-undetermined",
                            "unsupported-implementation", "superseded-edition"}
    assert len(by_rule["missing-soa-entry"]) == 91
    assert by_rule["schema-error"][0]["message"] == "status: expected one of open, in-progress, closed, cancelled; got 'done'"
    coverage = {c["standard"]: c for c in data["coverage"]}
    assert coverage["iso27001-2022"]["excluded"] == 1 and coverage["iso27001-2022"]["covered"] == 1  # A.7.4 excluded; 10.1 covered


def test_sarif_of_a_failing_workspace_validates_against_the_schema(cli: Cli, tmp_path: Path) -> None:
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    root = copy_of("flawed", tmp_path)
    log = json.loads(cli("check", "--today", TODAY, "-f", "sarif", cwd=root).stdout)
    jsonschema.Draft7Validator(schema).validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"isoctl.yaml", "actions/log.yaml", "broken.yaml", "policies/quality.md", "soa/annex-a.yaml"}


def test_junit_has_a_testcase_per_clause_and_per_data_finding(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("flawed", tmp_path)
    suites = ET.fromstring(cli("check", "--today", TODAY, "-f", "junit", cwd=root).stdout)
    names = {s.get("name"): s for s in suites}
    assert int(names["iso27001-2022"].attrib["tests"]) == 30 + 93  # leaf clauses of 4-10, and the 93 controls
    data = json.loads(cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout)
    leaves = {c["standard"]: c["clauses"] for c in data["coverage"]}
    assert {n: int(s.attrib["tests"]) for n, s in names.items() if n != "findings"} == leaves
    coverage_rules = {"unmapped-clause", "partial-clause", "missing-soa-entry"}
    assert int(names["findings"].attrib["tests"]) == sum(1 for f in data["findings"] if f["rule"] not in coverage_rules)


def test_exit_codes_and_thresholds(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"a.yaml": "- {id: A, kind: issue, type: internal, title: a}\n- {id: A, kind: issue, type: internal, title: b}\n"},
                          manifest=MANIFEST + "rules: {duplicate-id: warning}\n")
    only = ["--select", "duplicate-id"]
    assert cli("check", str(root), *only).exit_code == 0  # a warning does not fail by default
    assert cli("check", str(root), *only, "--fail-on", "warning").exit_code == 1
    assert cli("check", str(root), *only, "--fail-on", "warning", "--exit-zero").exit_code == 0
    assert cli("check", str(root)).exit_code == 1  # unmapped clauses are errors
    assert cli("check", str(root), "--exit-zero").exit_code == 0
    bad = cli("check", str(root), "--select", "duplicate-ids")
    assert bad.exit_code == 2 and "unknown rule 'duplicate-ids'" in bad.stderr and "duplicate-id" in bad.stderr
    assert cli("check", str(root), "--format", "yaml").exit_code == 2
    today = cli("check", str(root), "--today", "21/11/2026")
    assert today.exit_code == 2 and "--today: '21/11/2026' is not a date" in today.stderr


def test_today_comes_from_the_option_or_the_environment(cli: Cli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace({})
    monkeypatch.setenv("ISOCTL_TODAY", "2025-01-31")
    assert json.loads(cli("check", str(root), "-f", "json").stdout)["workspace"]["today"] == "2025-01-31"
    assert json.loads(cli("check", str(root), "-f", "json", "--today", TODAY).stdout)["workspace"]["today"] == TODAY


def test_github_format_is_chosen_on_github_actions(cli: Cli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace({})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = cli("check", str(root), "--select", "unmapped-clause").stdout
    assert out.startswith("::error file=isoctl.yaml,line=3,col=13,title=unmapped-clause::")
    assert cli("check", str(root), "-f", "json").stdout.startswith("{")


def test_output_file_is_written_atomically_and_stdout_stays_clean(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    root = make_workspace({})
    target = tmp_path / "report.sarif"
    target.write_text("previous content", encoding="utf-8")
    result = cli("check", str(root), "-f", "sarif", "-o", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []
    missing = cli("check", str(root), "-o", str(tmp_path / "no" / "such" / "dir.txt"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_gap_filters_by_standard(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("acme-logistics", tmp_path)
    data = json.loads(cli("gap", "--today", TODAY, "-f", "json", "--standard", "iso14001", cwd=root).stdout)
    assert {c["standard"] for c in data["clauses"]} == {"iso14001-2015"}
    wrong = cli("gap", "--standard", "iso27001", cwd=root)
    assert wrong.exit_code == 2 and "not in scope" in wrong.stderr


def test_warm_cache_gives_the_same_result_and_notices_edits(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = copy_of("nimbus-cloud", tmp_path)
    cold = cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout
    assert list((tmp_path / "cache" / "workspaces").glob("*.json"))
    assert cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout == cold
    soa = root / "soa" / "organizational.yaml"
    soa.write_text(soa.read_text(encoding="utf-8").replace("status: implemented", "status: planned", 1), encoding="utf-8")
    edited = json.loads(cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout)
    assert edited["summary"]["warning"] == json.loads(cold)["summary"]["warning"] + 1
    for entry in (tmp_path / "cache" / "workspaces").glob("*.json"):
        entry.write_bytes(entry.read_bytes()[:-100])  # damaged: ignored, then rewritten
    assert json.loads(cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout) == edited


def test_parallel_and_serial_reading_agree(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.workspace import parallel

    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    root = copy_of("flawed", tmp_path)
    for index in range(60):  # enough files for the two-process path
        (root / f"extra-{index:02d}.yaml").write_text(
            f"id: ISS-{index}\nkind: issue\ntype: internal\ntitle: Issue {index}\nowner: qm\n", encoding="utf-8")
    (root / "extra-bad.yaml").write_text("id: X\nkind: issue\ntype: sideways\ntitle: x\n", encoding="utf-8")
    assert len(list(root.glob("*.yaml"))) > parallel.PARALLEL_MIN_FILES
    parallel = cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout
    monkeypatch.setenv("ISOCTL_NO_PARALLEL", "1")
    assert cli("check", "--today", TODAY, "-f", "json", cwd=root).stdout == parallel
    assert "got 'sideways'" in parallel


def test_installed_entry_point_runs_as_a_subprocess(tmp_path: Path) -> None:
    root = copy_of("acme-logistics", tmp_path)
    run = subprocess.run([sys.executable, "-m", "isoctl", "check", "--today", TODAY], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "0 errors, 0 warnings, 2 info in 237 records" in run.stdout  # ISO 9001:2015 and 14001:2015 are superseded


def test_cached_results_notice_evidence_appearing_and_options(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = make_workspace({"r.yaml": "id: R\nkind: issue\ntype: internal\ntitle: t\nevidence: [{path: evidence/cal.txt}]\n"})
    args = ("check", str(root), "-f", "json", "--today", TODAY, "--select", "unknown-reference")
    first = json.loads(cli(*args).stdout)
    assert [f["message"] for f in first["findings"]] == ["file 'evidence/cal.txt' does not exist in the workspace"]
    assert json.loads(cli(*args).stdout) == first  # from the cache
    write_tree(root, {"evidence/cal.txt": "calibrated\n"})
    assert json.loads(cli(*args).stdout)["findings"] == []
    assert json.loads(cli(*args[:-2], "--select", "schema-error").stdout)["findings"] == []
    assert json.loads(cli(*args[:5], "2026-11-22", *args[6:]).stdout)["workspace"]["today"] == "2026-11-22"


@pytest.mark.parametrize(("columns", "widest"), [("160", 160), ("60", 60), ("", 100), ("wide", 100), ("5", 100)])
def test_piped_text_is_laid_out_for_columns_when_it_is_set(tmp_path: Path, columns: str, widest: int) -> None:
    from helpers import run_isoctl

    root = copy_of("acme-logistics", tmp_path)
    gap = run_isoctl("gap", "--today", TODAY, cwd=root, env={"COLUMNS": columns})
    assert gap.exit_code == 0, gap.stderr
    width = max(len(line) for line in gap.stdout.splitlines())
    # a long clause title fills the width it is given: exactly it, never more
    assert width == widest, f"COLUMNS={columns!r}: lines up to {width} characters"


@pytest.mark.parametrize("setting", ["²", "-5", "８０", "0", "99999999999999999999"])
def test_a_columns_or_lines_that_is_no_width_is_ignored_by_every_text_command(tmp_path: Path, setting: str) -> None:
    from helpers import run_isoctl

    root = copy_of("acme-logistics", tmp_path)
    usual = {args: run_isoctl(*args, cwd=root) for args in (("gap", "--today", TODAY), ("action", "list"), ("rules",))}
    for args, plain in usual.items():
        odd = run_isoctl(*args, cwd=root, env={"COLUMNS": setting, "LINES": setting})
        assert (odd.exit_code, odd.stdout, odd.stderr) == (plain.exit_code, plain.stdout, plain.stderr), args
