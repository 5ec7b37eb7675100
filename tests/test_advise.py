"""``isoctl advise`` and ``isoctl init --answers``: which standards fit an organisation, and why, case by case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import Cli, Golden, isolate_git
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "examples" / "answers"
TODAY = "2026-12-02"

#: An office-based organisation whose answers call for no standard: each case below changes what it needs.
QUIET: dict[str, Any] = {
    "organization": "Quiet Office Ltd",
    "sector": "other",
    "activities": "bookkeeping for local shops",
    "employees": 6,
    "digital": "minor",
    "disruption": "week-or-more",
    "motivation": ["better-control"],
}


def write_answers(tmp_path: Path, name: str = "answers.yaml", **changes: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**QUIET, **changes}, sort_keys=False), encoding="utf-8")
    return path


def advice_of(cli: Cli, path: Path) -> dict[str, Any]:
    run = cli("advise", "--answers", str(path), "--format", "json", "--today", TODAY).expect(0)
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def priorities(data: dict[str, Any]) -> dict[str, str]:
    return {r["standard"]: r["priority"] for r in data["recommendations"]}


def reasons(data: dict[str, Any], family: str) -> dict[str, dict[str, Any]]:
    """The rules behind a standard's recommendation, with the answers each names."""
    rec = next(r for r in data["recommendations"] if r["standard"] == family)
    return {r["rule"]: r["answers"] for r in rec["reasons"]}


# -- a case per standard ---------------------------------------------------------------------------------------------


def test_quiet_office_is_recommended_nothing(cli: Cli, tmp_path: Path) -> None:
    data = advice_of(cli, write_answers(tmp_path))
    assert data["standards"] == []
    assert all(p == "optional" for p in priorities(data).values())
    assert data["integration"] is None


@pytest.mark.parametrize(("changes", "family", "rule", "drivers"), [
    ({"customers_require": ["iso9001"]}, "iso9001", "quality-demanded", {"customers_require": ["iso9001"]}),
    ({"regulation": ["environmental-permit"]}, "iso14001", "environment-permit", {"regulation": ["environmental-permit"]}),
    ({"footprint": ["emissions", "wastewater", "waste"]}, "iso14001", "environment-significant",
     {"footprint": ["emissions", "wastewater", "waste"]}),
    ({"regulation": ["nis2"]}, "iso27001", "security-nis2", {"regulation": ["nis2"]}),
    ({"digital": "core", "information": ["health-data"]}, "iso27001", "security-data-core",
     {"digital": "core", "information": ["health-data"]}),
    ({"hazards": ["work-at-height", "driving"]}, "iso45001", "safety-hazardous-work", {"hazards": ["work-at-height"]}),
    ({"regulation": ["dora"]}, "iso22301", "continuity-dora", {"regulation": ["dora"]}),
    ({"disruption": "hours", "sector": "energy-utilities"}, "iso22301", "continuity-critical-service",
     {"disruption": "hours", "sector": "energy-utilities"}),
], ids=["9001-customers", "14001-permit", "14001-footprint", "27001-nis2", "27001-data", "45001-hazards",
        "22301-dora", "22301-critical"])
def test_answers_that_make_a_standard_essential(cli: Cli, tmp_path: Path, changes: dict[str, Any], family: str,
                                                rule: str, drivers: dict[str, Any]) -> None:
    data = advice_of(cli, write_answers(tmp_path, **changes))
    assert priorities(data)[family] == "essential"
    assert reasons(data, family)[rule] == drivers  # the answers that drove it, and only the values that matched
    assert family + ":" in " ".join(data["standards"])


@pytest.mark.parametrize(("changes", "family"), [
    ({"quality_problems": True}, "iso9001"),
    ({"footprint": ["fleet"]}, "iso14001"),
    ({"digital": "important", "information": ["trade-secrets"]}, "iso27001"),
    ({"hazards": ["manual-handling"]}, "iso45001"),
    ({"disruption": "hours"}, "iso22301"),
    ({"regulation": ["nis2"]}, "iso22301"),
])
def test_answers_that_make_a_standard_recommended(cli: Cli, tmp_path: Path, changes: dict[str, Any], family: str) -> None:
    assert priorities(advice_of(cli, write_answers(tmp_path, **changes)))[family] == "recommended"


def test_dora_makes_security_and_continuity_essential_and_says_why(cli: Cli, tmp_path: Path) -> None:
    path = write_answers(tmp_path, regulation=["dora"], sector="financial-services")
    data = advice_of(cli, path)
    assert {f: p for f, p in priorities(data).items() if p == "essential"} == {"iso27001": "essential",
                                                                               "iso22301": "essential"}
    text = cli("advise", "--answers", str(path), "--today", TODAY).expect(0).stdout
    assert "DORA obliges it to keep ICT business-continuity and recovery plans" in text
    assert "(answers: regulation = dora)" in text


def test_superseded_certificate_says_a_transition_is_needed(cli: Cli, tmp_path: Path) -> None:
    data = advice_of(cli, write_answers(tmp_path, certificates=["iso9001:2015", "iso27001:2013", "iso45001:2018"]))
    held = {c["edition"]: c for c in data["certificates"]}
    assert held["iso9001-2015"]["status"] == "transition"
    assert held["iso9001-2015"]["transition_ends"] == "2029-09-30"
    assert "transition needed before 2029-09-30" in held["iso9001-2015"]["message"]
    assert held["iso27001-2013"]["status"] == "ended"
    assert "can no longer be maintained" in held["iso27001-2013"]["message"]
    assert held["iso45001-2018"]["status"] == "current"
    # a certificate held is worth keeping, at the current edition
    assert {r["standard"]: r["edition"] for r in data["recommendations"] if r["priority"] == "recommended"} == {
        "iso9001": "iso9001-2026", "iso27001": "iso27001-2022", "iso45001": "iso45001-2018"}


def test_transition_depends_on_the_evaluation_date(cli: Cli, tmp_path: Path) -> None:
    path = write_answers(tmp_path, certificates=["iso9001:2015"])
    later = json.loads(cli("advise", "--answers", str(path), "-f", "json", "--today", "2029-10-01").expect(0).stdout)
    assert later["certificates"][0]["status"] == "ended"


# -- mismatch ----------------------------------------------------------------------------------------------------


def test_factory_wanting_27001_for_marketing_is_told_it_does_not_fit(cli: Cli) -> None:
    data = advice_of(cli, ANSWERS / "factory.yaml")
    assert [m["standard"] for m in data["mismatches"]] == ["iso27001"]
    mismatch = data["mismatches"][0]
    assert mismatch["priority"] is None
    assert {r["rule"]: r["answers"] for r in mismatch["reasons"]} == {
        "security-few-digital-assets": {"digital": "minor"},
        "security-no-sensitive-data": {"information": ["none"]},
        "marketing-only": {"motivation": ["marketing"]},
    }
    assert "ISO 45001:2018" in mismatch["instead"]
    assert priorities(data)["iso45001"] == "essential"
    assert "iso27001" not in priorities(data)
    text = cli("advise", "--answers", str(ANSWERS / "factory.yaml"), "--today", TODAY).expect(0).stdout
    assert "Asked for, but the answers do not support it" in text
    assert "ISO/IEC 27001:2022 (not recommended)" in text
    assert "The answers make ISO 9001:2026, ISO 14001:2026 and ISO 45001:2018 essential instead." in text


def test_a_standard_asked_for_that_fits_is_no_mismatch(cli: Cli, tmp_path: Path) -> None:
    data = advice_of(cli, write_answers(tmp_path, regulation=["nis2"], wanted=["iso27001"]))
    assert data["mismatches"] == []
    assert next(r for r in data["recommendations"] if r["standard"] == "iso27001")["wanted"] is True


def test_a_mismatch_without_a_specific_reason_still_says_so(cli: Cli, tmp_path: Path) -> None:
    data = advice_of(cli, write_answers(tmp_path, wanted=["iso22301"], disruption="one-day"))
    assert data["mismatches"][0]["priority"] == "optional"
    assert [r["rule"] for r in data["mismatches"][0]["reasons"]] == ["no-reason"]


# -- integration -------------------------------------------------------------------------------------------------


def test_integration_names_the_shared_harmonized_clauses(cli: Cli) -> None:
    factory = advice_of(cli, ANSWERS / "factory.yaml")["integration"]
    assert factory["standards"] == ["ISO 9001:2026", "ISO 14001:2026", "ISO 45001:2018"]
    assert [h["clause"] for h in factory["headings"]] == ["4", "5", "6", "7", "8", "9", "10"]
    shared = [c["clause"] for c in factory["shared_clauses"]]
    assert {"4.3", "5.2", "7.5.3", "9.2.2", "9.3", "10.2"} <= set(shared)
    assert "6.3" not in shared  # ISO 45001:2018 has no clause on planning changes
    assert "integrate on the harmonized structure" in factory["statement"]
    assert "4 Context of the organization" in factory["statement"] and "10 Improvement" in factory["statement"]
    fintech = advice_of(cli, ANSWERS / "fintech-dora.yaml")["integration"]
    assert fintech["standards"] == ["ISO/IEC 27001:2022", "ISO 22301:2019"]
    assert "6.3" in [c["clause"] for c in fintech["shared_clauses"]]


# -- the shipped example answers ---------------------------------------------------------------------------------

EXPECTED = {
    "software-startup.yaml": (["iso27001:2022"], ["iso9001"]),
    "factory.yaml": (["iso9001:2026", "iso14001:2026", "iso45001:2018"], ["iso27001"]),
    "logistics-nis2.yaml": (["iso9001:2026", "iso27001:2022", "iso22301:2019", "iso14001:2026", "iso45001:2018"], []),
    "fintech-dora.yaml": (["iso27001:2022", "iso22301:2019"], []),
    "construction.yaml": (["iso9001:2026", "iso14001:2026", "iso45001:2018", "iso27001:2022"], []),
}


def test_every_example_answers_file_is_checked() -> None:
    assert sorted(p.name for p in ANSWERS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_answers(cli: Cli, name: str) -> None:
    data = advice_of(cli, ANSWERS / name)
    standards, mismatched = EXPECTED[name]
    assert data["standards"] == standards
    assert [m["standard"] for m in data["mismatches"]] == mismatched
    for rec in data["recommendations"]:  # every recommendation names the answers that drove it
        assert rec["reasons"] and all(r["answers"] for r in rec["reasons"])
    assert data["scope"].endswith(".") and data["organization"] in data["scope"]


def test_nis2_logistics_firm_gets_security_and_continuity(cli: Cli) -> None:
    data = advice_of(cli, ANSWERS / "logistics-nis2.yaml")
    assert "security-nis2" in reasons(data, "iso27001")
    assert "continuity-nis2" in reasons(data, "iso22301")
    assert data["scope"] == ("Road freight, cross-docking and contract warehousing for retailers by Meridian Freight "
                             "GmbH, at its 4 sites, within a management system that meets ISO 9001:2026, ISO/IEC "
                             "27001:2022, ISO 22301:2019, ISO 14001:2026 and ISO 45001:2018.")


# -- formats -----------------------------------------------------------------------------------------------------


def test_json_shape(cli: Cli) -> None:
    data = advice_of(cli, ANSWERS / "software-startup.yaml")
    assert list(data) == ["isoctl", "format", "today", "organization", "answers", "recommendations", "standards",
                          "mismatches", "certificates", "integration", "scope", "not_indicated"]
    assert data["format"] == 1 and data["today"] == TODAY
    rec = data["recommendations"][0]
    assert list(rec) == ["standard", "edition", "display", "title", "topic", "priority", "wanted", "reasons"]
    assert list(rec["reasons"][0]) == ["rule", "priority", "reason", "answers"]
    assert data["answers"]["employees"] == 24 and data["answers"]["certificates"] == []
    assert data["not_indicated"] == ["ISO 14001:2026", "ISO 45001:2018"]


@pytest.mark.parametrize("fmt", ["text", "md"])
def test_golden_factory(cli: Cli, golden: Golden, fmt: str) -> None:
    run = cli("advise", "--answers", str(ANSWERS / "factory.yaml"), "--format", fmt, "--today", TODAY).expect(0)
    golden(f"advise/factory.{fmt}", run.stdout)


def test_output_file_and_same_bytes_twice(cli: Cli, tmp_path: Path) -> None:
    args = ("advise", "--answers", str(ANSWERS / "construction.yaml"), "--format", "md", "--today", TODAY)
    cli(*args, "-o", str(tmp_path / "a.md")).expect(0)
    cli(*args, "-o", str(tmp_path / "b.md")).expect(0)
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()
    assert (tmp_path / "a.md").read_text().startswith("# Needs analysis for Hollins & Reed Construction Ltd")


# -- bad answers files -------------------------------------------------------------------------------------------


BAD = """\
organization: Quiet Office Ltd
sector: mining
activities: bookkeeping for local shops
employees: many
digital: minor
disruption: week-or-more
motivation: [better-control]
quality_problems: maybe
hazards: [none, machinery]
certificates: [iso9002:2015]
sectr: manufacturing
"""


def test_every_problem_of_an_answers_file_is_located(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(BAD)
    run = cli("advise", "--answers", str(path)).expect(2, "invalid answers file (6 problems)")
    assert f"{path}:2:9: sector: expected one of software-it, financial-services" in run.stderr
    assert f"{path}:4:12: employees: expected a whole number; got 'many'" in run.stderr
    assert f"{path}:8:19: quality_problems: expected true or false; got 'maybe'" in run.stderr
    assert f"{path}:9:10: hazards: 'none' cannot be combined with other answers" in run.stderr
    assert f"{path}:10:15: certificates: unknown edition 'iso9002:2015'" in run.stderr
    assert f"{path}:11:1: unknown question 'sectr'; did you mean 'sector'?" in run.stderr


def test_missing_answer(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in QUIET.items() if k != "digital"}, sort_keys=False))
    cli("advise", "--answers", str(path)).expect(2, f"{path}:1:1: missing required field 'digital'")


@pytest.mark.parametrize(("text", "message"), [
    ("sector: [manufacturing\n", ":2:1: invalid YAML"),
    ("- sector: other\n", ":1:1: expected a mapping from question ids to answers"),
    ("", ":1:1: expected a mapping"),
])
def test_malformed_answers_file(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text)
    cli("advise", "--answers", str(path)).expect(2, f"{path}{message}")


def test_missing_answers_file_and_no_terminal(cli: Cli, tmp_path: Path) -> None:
    cli("advise", "--answers", str(tmp_path / "nope.yaml")).expect(2, "nope.yaml:1:1: cannot read file")
    run = cli("advise").expect(2, "asks its questions at a terminal, and there is none here")
    assert "--answers FILE.yaml" in run.stderr


# -- at a terminal -----------------------------------------------------------------------------------------------


def at_a_terminal(monkeypatch: pytest.MonkeyPatch, cwd: Path, args: list[str], typed: str) -> tuple[int, str, str]:
    """``isoctl ARGS`` as if stdin were a terminal, answering its questions with ``typed``."""
    from isoctl.cli import advise
    from isoctl.cli.app import app

    monkeypatch.setattr(advise, "_interactive", lambda: True)
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, args, input=typed, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


TYPED = "\n".join([
    "Kestrel Pay B.V.",          # organization
    "banking",                   # sector: not an answer, asked again
    "2",                         # sector: financial-services, by number
    "card acquiring",            # activities
    "lots",                      # employees: not a number, asked again
    "140",                       # employees
    "",                          # sites: the default, 1
    "iso27001",                  # customers_require, by name
    "1, 3",                      # regulation: nis2 and gdpr... by number
    "none, payment-data",        # information: none cannot be combined, asked again
    "payment-data, 2",           # information
    "core",                      # digital
    "",                          # footprint: default (nothing)
    "8",                         # hazards: none
    "hours",                     # disruption
    "n",                         # quality_problems
    "iso27001:2013",             # certificates
    "regulation",                # motivation
    "",                          # wanted: default (nothing)
]) + "\n"


def test_interactive_questions_one_at_a_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = at_a_terminal(monkeypatch, tmp_path, ["advise", "-f", "json", "--today", TODAY,
                                                          "--save-answers", "saved.yaml"], TYPED)
    assert code == 0, err
    assert "[2/16] Which sector does it work in?" in err
    assert "   2. financial-services: banking, insurance, payments, investment" in err
    assert "error: 'banking' is not one of the answers" in err
    assert "error: expected a whole number" in err
    assert "error: 'none' cannot be combined with other answers" in err
    data = json.loads(out[out.index("{\n"):])  # the runner echoes what was typed to stdout; a terminal shows it
    assert data["answers"]["sector"] == "financial-services" and data["answers"]["sites"] == 1
    assert data["answers"]["regulation"] == ["nis2", "gdpr"]
    assert data["answers"]["information"] == ["payment-data", "customer-data"]
    assert data["answers"]["hazards"] == ["none"] and data["answers"]["quality_problems"] is False
    assert priorities(data)["iso27001"] == "essential" and priorities(data)["iso22301"] == "essential"
    assert data["certificates"][0]["status"] == "ended"
    # the saved answers give the same advice from a script
    saved = tmp_path / "saved.yaml"
    assert "# Which sector does it work in?\nsector: financial-services\n" in saved.read_text()
    replay = CliRunner().invoke(__import__("isoctl.cli.app", fromlist=["app"]).app,
                                ["advise", "--answers", str(saved), "-f", "json", "--today", TODAY])
    assert replay.exit_code == 0 and json.loads(replay.stdout) == data


# -- init --answers ----------------------------------------------------------------------------------------------


def test_init_from_answers_scaffolds_the_recommended_standards(cli: Cli, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    run = cli("init", "plating", "--answers", str(ANSWERS / "factory.yaml"), "--yes").expect(0)
    root = tmp_path / "plating"
    assert "Created a workspace for Northfield Plating Ltd" in run.stdout
    assert "ISO/IEC 27001:2022 was asked for but is not in scope" in run.stdout
    manifest = yaml.safe_load((root / "isoctl.yaml").read_text())
    assert manifest["standards"] == ["iso9001:2026", "iso14001:2026", "iso45001:2018"]
    assert manifest["organization"]["name"] == "Northfield Plating Ltd"
    record = (root / "context" / "needs-analysis.md").read_text()
    assert "id: DOC-NEEDS-ANALYSIS\nkind: document\ntype: record\n" in record
    assert "clauses: ['hs:4.3']" in record
    assert "## Suggested scope" in record and "| Which hazardous work do its people do? |" in record
    # one first commit holds the analysis too, and check reads it without a finding against it
    import subprocess

    listed = subprocess.run(["git", "-C", str(root), "log", "--name-only", "--format=%s"], capture_output=True,
                            text=True, check=True).stdout
    assert listed.count("Start the management system with isoctl init") == 1
    assert "context/needs-analysis.md" in listed
    checked = cli("check", "--format", "json", cwd=root)
    assert checked.exit_code == 1  # a new system has clauses to fill in
    findings = json.loads(checked.stdout)["findings"]
    assert [f for f in findings if f["path"] == "context/needs-analysis.md" or f["record"] == "DOC-NEEDS-ANALYSIS"] == []
    assert not [f for f in findings if f["rule"] in ("parse-error", "schema-error", "unknown-reference")]


def test_init_answers_with_extra_standard_and_org(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    cli("init", "bb", "--answers", str(ANSWERS / "software-startup.yaml"), "--standard", "iso9001:2015",
        "--org", "Brightbyte Group", "--no-git", "--yes").expect(0)
    manifest = yaml.safe_load((tmp_path / "bb" / "isoctl.yaml").read_text())
    assert manifest["standards"] == ["iso27001:2022", "iso9001:2015"]
    assert manifest["organization"]["name"] == "Brightbyte Group"
    assert not (tmp_path / "bb" / ".git").exists()


def test_init_answers_refused_with_an_example_and_when_nothing_is_recommended(cli: Cli, tmp_path: Path) -> None:
    cli("init", "x", "--example", "acme-logistics", "--answers", str(ANSWERS / "factory.yaml")).expect(
        2, "cannot be combined with --answers")
    cli("init", "y", "--answers", str(write_answers(tmp_path)), "--no-git", "--yes").expect(2, "recommend no standard")
    assert not (tmp_path / "y").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("sector: [\n")
    cli("init", "z", "--answers", str(bad), "--no-git", "--yes").expect(2, "invalid answers file")
    assert not (tmp_path / "z").exists()


# -- the table itself --------------------------------------------------------------------------------------------


def test_a_broken_decision_table_is_refused_with_every_problem_located(tmp_path: Path) -> None:
    from isoctl.core.advise import load_table
    from isoctl.errors import CatalogError

    text = (REPO / "standards" / "advice" / "advice.yaml").read_text()
    text = text.replace("when: {hazards: {one_of: [driving, manual-handling, lone-work]}}",
                        "when: {hazard: {one_of: [driving]}}")
    text = text.replace("when: {footprint: {one_of: [waste]}}", "when: {footprint: {one_of: [wastes]}}")
    text = text.replace("  - id: quality-problems\n", "  - id: quality-demanded\n")
    text = text.replace("    type: number\n    prompt: At how many sites or locations does it work?\n    default: 1\n",
                        "    type: number\n    prompt: At how many sites or locations does it work?\n    default: one\n")
    broken = tmp_path / "advice.yaml"
    broken.write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_table(broken)
    messages = [f"{p.location.line}: {p.message}" for p in caught.value.problems]
    assert any(m.endswith("no question 'hazard'") for m in messages)
    assert any(m.endswith("'wastes' is not an answer to footprint") for m in messages)
    assert any(m.endswith("'quality-demanded' is used twice") for m in messages)
    assert any(m.endswith("the default does not suit a number question") for m in messages)
    assert len(messages) == 4


def test_docs_describe_every_question_rule_and_mismatch_of_the_table() -> None:
    from isoctl.core.advise import load_table

    docs = (REPO / "docs" / "advise.md").read_text()
    table = load_table()
    for name in [*table.question_ids, *(r.id for r in table.rules), *(m.id for m in table.mismatches)]:
        assert f"| `{name}` |" in docs, name
    shown = yaml.safe_load(docs.split("```yaml\n")[1].split("```")[0])
    assert shown == yaml.safe_load((ANSWERS / "factory.yaml").read_text())


def test_installed_command_asks_on_a_real_terminal_and_refuses_without_one(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    from helpers import isoctl_command, run_isoctl

    run_isoctl("advise", cwd=tmp_path).expect(2, "there is none here")  # stdin is /dev/null
    run_isoctl("advise", "--answers", str(ANSWERS / "fintech-dora.yaml"), "--today", TODAY, cwd=tmp_path).expect(
        0, "ISO/IEC 27001:2022 and ISO 22301:2019 integrate on the harmonized structure")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*isoctl_command(), "advise", "-f", "json", "--today", TODAY], cwd=tmp_path,
                            stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    os.close(follower)
    os.write(leader, TYPED.encode())
    out, err = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, err.decode()
    assert b"[16/16] Which standards is it asking for or considering, if any?" in err
    assert b"note: these answers were not kept; add --save-answers FILE.yaml" in err
    assert json.loads(out)["standards"] == ["iso27001:2022", "iso22301:2019"]
