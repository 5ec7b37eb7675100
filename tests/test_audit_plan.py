"""``isoctl audit plan``: an internal audit programme that reaches everything within the cycle, by independent,
rotated auditors, with the load spread over auditors and quarters, written only as new files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import Cli, GitRepo, Run, committed_example, make_workspace, run_isoctl

TODAY = "2026-11-21"
RULES = ("--select", "auditor-not-independent", "--select", "auditor-rotation", "--select", "audit-programme-gap")
#: Stated balance: no quarter carries more than this many area visits above the mean of the non-empty quarters,
#: and no auditor more than this many above the auditor with the fewest (GROUPING in isoctl.core.audit_plan, + 1).
QUARTER_SLACK = 2
AUDITOR_SLACK = 4


def plan_json(cli: Cli, root: Path, *extra: str) -> dict[str, Any]:
    run = cli("audit", "plan", str(root), "--today", TODAY, "-f", "json", *extra)
    assert run.exit_code == 0, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def held(root: Path) -> None:
    """Pretend every audit of the programme (the new file and audits planned already) has been held."""
    for path in root.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if "status: planned" in text and "kind: audit" in text:
            path.write_text(text.replace("status: planned", "status: done"), encoding="utf-8")


def findings(cli: Cli, root: Path, today: str) -> list[dict[str, Any]]:
    run = cli("check", str(root), "--today", today, *RULES, "-f", "json", "--exit-zero")
    assert run.exit_code == 0, run.stderr
    return list(json.loads(run.stdout)["findings"])


def write_plan(cli: Cli, root: Path, *extra: str) -> tuple[dict[str, Any], str, Run]:
    run = cli("audit", "plan", str(root), "--today", TODAY, "-f", "json", "--write", *extra)
    assert run.exit_code == 0, run.stderr
    match = re.search(r"wrote (\d+) planned audits to (\S+)", run.stderr)
    assert match, run.stderr
    return json.loads(run.stdout), match[2], run


@pytest.mark.parametrize("example", ["acme-logistics", "nimbus-cloud", "paper-iso"])
def test_a_plan_on_each_example_reaches_everything_and_the_audit_rules_pass_once_it_is_held(
        cli: Cli, tmp_path: Path, example: str) -> None:
    root = tmp_path / example
    committed_example(root, example)
    for programme in root.glob("audits/**/programme-*.yaml"):  # planned from scratch, without the example's own
        programme.unlink()
    before = snapshot(root)
    data, relative, _ = write_plan(cli, root)
    after = snapshot(root)
    assert set(after) - set(before) == {relative}  # one new file ...
    assert all(after[name] == content for name, content in before.items())  # ... and no existing byte changed
    processes = {a["area"] for a in data["areas"] if a["kind"] == "process"}
    scoped = {entry for audit in data["audits"] for entry in audit["scope"]}
    assert processes and processes <= scoped
    assert all(area["audits"] for area in data["areas"])  # every area has an audit in the period
    # an area audited before is audited again before it falls due (its last audit plus its interval), unless it
    # falls due within the first quarter (then: in the first year)
    start = dt.date.fromisoformat(data["programme"]["start"])
    audits = {a["id"]: a for a in data["audits"]}
    for area in data["areas"]:
        first = min((audits[i] for i in area["audits"]), key=lambda a: a["date"])
        if area["last_audited"] is None or first["status"] == "existing":
            continue
        due = dt.date.fromisoformat(area["last_audited"]) + dt.timedelta(days=round(12 // area["per_cycle"] * 365.25 / 4))
        latest = due if due >= start + dt.timedelta(days=92) else start + dt.timedelta(days=366)
        assert dt.date.fromisoformat(first["date"]) <= latest, (area, first)
    # independence holds while the audits are only planned
    mine = [f for f in findings(cli, root, TODAY) if f["path"] == relative]
    assert not [f for f in mine if f["rule"] == "auditor-not-independent"]
    # held as planned, on the last day of the programme: every clause audited within the cycle, by independent,
    # rotated auditors (findings on audits the example had planned itself are the example's own)
    held(root)
    last = data["programme"]["end"]
    after_held = findings(cli, root, last)
    assert not [f for f in after_held if f["rule"] == "audit-programme-gap"]
    assert not [f for f in after_held if f["path"] == relative]


def generated(root: Path, processes: int = 50) -> Path:
    """A 9001 + 14001 system of ``processes`` processes, owned round-robin by eight people, with risks and
    records of every clause owned by their process owners."""
    people = [{"id": "ceo", "name": "Chief Executive", "role": "CEO", "top_management": True}]
    staff = [f"p{n:02d}" for n in range(1, 11)]
    people += [{"id": person, "name": f"Person {person}", "role": "Staff"} for person in staff]
    manifest = {"isoctl": 1, "organization": {"name": "Generated Ltd"}, "standards": ["iso9001:2015", "iso14001:2015"],
                "people": people}
    clauses = ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4",
               "7.5", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "9.1", "9.2", "9.3", "10.1", "10.2", "10.3"]
    lines: list[str] = []
    risks: list[str] = []
    for n in range(1, processes + 1):
        owner = staff[n % 8]  # p09 and p10 own nothing: always independent
        clause = clauses[n % len(clauses)]
        lines.append(f"- {{id: PRC-{n:03d}, kind: process, title: Process {n}, owner: {owner}, "
                     f"clauses: ['iso9001:{clause}'], risks: [RSK-{n:03d}]}}")
        rating = (n % 5) + 1
        risks.append(f"- {{id: RSK-{n:03d}, kind: risk, title: Risk {n}, owner: {owner}, likelihood: {rating}, "
                     f"impact: {rating}, clauses: ['iso9001:6.1']}}")
    return make_workspace(root, {"processes.yaml": "\n".join(lines) + "\n", "risks.yaml": "\n".join(risks) + "\n"},
                          manifest=manifest)


def test_a_fifty_process_workspace_is_covered_by_independent_rotated_auditors_with_a_balanced_load(
        cli: Cli, tmp_path: Path) -> None:
    root = generated(tmp_path / "gen")
    data, _, _ = write_plan(cli, root, "--years", "6")  # two cycles of 1095 days: rotation matters
    areas = {a["area"]: a for a in data["areas"]}
    assert sum(a["kind"] == "process" for a in areas.values()) == 50
    audits = {a["id"]: a for a in data["audits"]}
    # coverage: every area at least once a cycle (the first visit within the first cycle, then evenly spaced)
    quarters = len(data["load"]["quarters"])
    assert quarters == 24
    for area in areas.values():
        visits = sorted(audits[i]["quarter"] for i in area["audits"])
        assert visits and visits[0] <= 12, area
        assert all(b - a <= 12 for a, b in itertools.pairwise(visits)), area
        assert len(visits) >= 2 * area["per_cycle"] - 1, area
    # independence: nobody audits a process they own
    text = (root / "processes.yaml").read_text()
    owners = dict(re.findall(r"id: (PRC-\d+), kind: process, title: Process \d+, owner: (\w+)", text))
    for audit in audits.values():
        for entry in audit["scope"]:
            assert owners.get(entry) != audit["auditor"], (entry, audit)
    # rotation: no auditor visits an area in two consecutive cycles of 12 quarters
    for area in areas.values():
        by_cycle: dict[int, set[str]] = {}
        for audit_id in area["audits"]:
            audit = audits[audit_id]
            by_cycle.setdefault((audit["quarter"] - 1) // 12, set()).add(audit["auditor"])
        assert not by_cycle.get(0, set()) & by_cycle.get(1, set()), area
    # balance, per quarter and per auditor
    loads = [n for n in data["load"]["quarters"] if n]
    assert max(loads) <= math.ceil(sum(loads) / len(loads)) + QUARTER_SLACK, data["load"]["quarters"]
    per_auditor = data["load"]["auditors"]
    assert set(per_auditor) == {f"p{n:02d}" for n in range(1, 11)}  # top management is not in the default pool
    assert max(per_auditor.values()) - min(per_auditor.values()) <= AUDITOR_SLACK, per_auditor
    # and the rules agree: planned, then held
    assert {f["rule"] for f in findings(cli, root, TODAY)} <= {"audit-programme-gap"}  # nothing held yet
    held(root)
    assert findings(cli, root, data["programme"]["end"]) == []


def test_riskier_areas_with_nonconformities_and_many_changes_are_audited_more_often(tmp_path: Path, cli: Cli) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    manifest = {"isoctl": 1, "organization": {"name": "Test Ltd"}, "standards": ["iso9001:2015"],
                "people": [{"id": "boss", "name": "Boss", "role": "MD", "top_management": True},
                           {"id": "ann", "name": "Ann", "role": "QA"}, {"id": "bob", "name": "Bob", "role": "Ops"},
                           {"id": "cat", "name": "Cat", "role": "Sales"}]}
    files = {
        "processes.yaml": "- {id: PRC-RISKY, kind: process, title: Risky, owner: bob, risks: [RSK-1]}\n"
                          "- {id: PRC-BUSY, kind: process, title: Busy, owner: cat}\n",
        "calm.yaml": "- {id: PRC-CALM, kind: process, title: Calm, owner: cat}\n",  # changes are counted per file
        "risks.yaml": "- {id: RSK-1, kind: risk, title: Big risk, owner: bob, likelihood: 4, impact: 5}\n",
        "audits.yaml": "- {id: AUD-2026-01, kind: audit, title: Audit, type: internal, status: done, date: 2026-05-01,\n"
                       "   auditor: ann, scope: [iso9001:7.1], findings: [{id: F1, type: minor, clause: iso9001:7.1.5,"
                       " action: ACT-1}]}\n",
    }
    make_workspace(repo.root, files, manifest=manifest)
    repo.commit("the system", date="2025-12-01")
    for n in range(6):  # the busy process changes month after month
        busy = files["processes.yaml"].replace("title: Busy,", f"title: Busy {n},")
        repo.commit(f"busy {n}", files={"processes.yaml": busy}, date=f"2026-0{n + 1}-10")
        repo.commit(f"note {n}", files={"notes.md": f"note {n}\n"}, date=f"2026-0{n + 1}-11")
    data = plan_json(cli, repo.root)
    areas = {a["area"]: a for a in data["areas"]}
    assert areas["PRC-RISKY"]["per_cycle"] >= 2 and "high risk (rated 20)" in areas["PRC-RISKY"]["reasons"]
    assert "nonconformities in the last cycle (1 minor)" in areas["iso9001:7.1"]["reasons"]
    assert any(r.startswith("records changed often") for r in areas["PRC-BUSY"]["reasons"])
    assert not areas["PRC-CALM"]["reasons"] and areas["PRC-CALM"]["per_cycle"] == 1
    assert areas["iso9001:7.1"]["last_audited"] == "2026-05-01"


def test_writing_again_adds_nothing_and_every_format_is_deterministic(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "paper"
    committed_example(root, "paper-iso")
    first = cli("audit", "plan", str(root), "--today", TODAY, "-f", "xlsx", "-o", str(tmp_path / "a.xlsx"))
    second = cli("audit", "plan", str(root), "--today", TODAY, "-f", "xlsx", "-o", str(tmp_path / "b.xlsx"))
    assert first.exit_code == second.exit_code == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "a.xlsx").read_bytes()))
    assert book.sheetnames == ["audits", "areas", "balance"]
    assert [c.value for c in book["audits"][3]] == ["audit", "date", "quarter", "auditor", "status", "scope"]
    data, relative, _ = write_plan(cli, root)
    assert [a["id"] for a in data["audits"]][:1] == [book["audits"]["A4"].value]
    before = snapshot(root)
    again = cli("audit", "plan", str(root), "--today", TODAY, "--write")
    assert again.exit_code == 0 and "nothing written" in again.stderr
    assert snapshot(root) == before
    assert "(planned already)" in again.stdout
    digest = hashlib.sha256((root / relative).read_bytes()).hexdigest()
    assert digest == hashlib.sha256(before[relative]).hexdigest()


def test_markdown_plan_of_the_paper_example(cli: Cli, tmp_path: Path, golden: Any) -> None:
    root = tmp_path / "paper"
    committed_example(root, "paper-iso")
    run = cli("audit", "plan", str(root), "--today", TODAY, "-f", "md")
    assert run.exit_code == 0, run.stderr
    golden("audit/plan-paper-iso.md", run.stdout)


def test_today_from_the_environment_auditors_and_errors(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "paper"
    committed_example(root, "paper-iso")
    run = run_isoctl("audit", "plan", "-f", "json", "--auditor", "rkaur", "--auditor", "Jane Roe (Example Audit Ltd)",
                     cwd=root, env={"ISOCTL_TODAY": "2027-02-01"})
    run.expect(0)
    data = json.loads(run.stdout)
    assert data["programme"]["start"] == "2027-02-01" and data["today"] == "2027-02-01"
    assert data["programme"]["auditors"] == ["Jane Roe (Example Audit Ltd)", "rkaur"]
    chosen = {a["auditor"] for a in data["audits"] if a["status"] == "new"}
    assert {"Jane Roe (Example Audit Ltd)", "rkaur"} <= chosen
    # where the rules leave neither free (rkaur's own areas, a rotation due), the plan says it needs someone else
    assert all(a.startswith("external auditor to be appointed (cycle ") for a in chosen - {"Jane Roe (Example Audit Ltd)", "rkaur"})
    cli("audit", "plan", str(root), "--auditor", "rkaurr").expect(2, "'rkaurr' is not a person in isoctl.yaml")
    cli("audit", "plan", str(root), "--years", "0").expect(2, "plan for 1 to 10 years")
    cli("audit", "plan", str(root), "--cycle-start", "soon").expect(2, "--cycle-start: 'soon' is not a date")
    cli("audit", "plan", str(tmp_path / "nowhere")).expect(2)
    bosses = {"isoctl": 1, "organization": {"name": "Two Bosses Ltd"}, "standards": ["iso9001:2015"],
              "people": [{"id": "a", "name": "A", "top_management": True}, {"id": "b", "name": "B", "top_management": True}]}
    cli("audit", "plan", str(make_workspace(tmp_path / "bosses", manifest=bosses))).expect(2, "no auditors to plan with")
    (tmp_path / "empty").mkdir()
    cli("audit", "plan", cwd=tmp_path / "empty").expect(2, "isoctl.yaml")


def test_audits_planned_already_are_kept_and_their_rule_breaks_are_pointed_out(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "acme"
    committed_example(root, "acme-logistics")
    # the example's 2027 audits as first planned, before their auditors were rotated, and without its programme
    (next(root.glob("audits/**/programme-*.yaml"))).unlink()
    planned = root / "audits" / "internal" / "2027-planned.yaml"
    text = planned.read_text(encoding="utf-8")
    for audit, auditor in (("AUD-2027-02", "ehughes"), ("AUD-2027-03", "bcarter"), ("AUD-2027-04", "ahill")):
        head, rest = text.split(f"- id: {audit}\n")
        text = head + f"- id: {audit}\n" + re.sub(r"auditor: \w+", f"auditor: {auditor}", rest, count=1)
    planned.write_text(text, encoding="utf-8")
    run = cli("audit", "plan", str(root), "--today", TODAY, "-f", "json")
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    kept = {a["id"]: a for a in data["audits"] if a["status"] == "existing"}
    assert set(kept) == {"AUD-2027-01", "AUD-2027-02", "AUD-2027-03", "AUD-2027-04"}
    assert kept["AUD-2027-02"]["auditor"] == "ehughes" and "PRC-WAREHOUSE" in kept["AUD-2027-02"]["areas"]
    # the example's own 2027 plan repeats 2024's auditors on the same areas in the next cycle: said before it is held
    told = sorted(re.findall(r"note: (AUD-\d{4}-\d{2}) \(planned already\): its auditor audits", run.stderr))
    assert told == ["AUD-2027-02", "AUD-2027-03", "AUD-2027-04"]
    held(root)
    rotation = {f["record"] for f in findings(cli, root, "2027-12-31") if f["rule"] == "auditor-rotation"}
    assert rotation == set(told)  # what the rule says once they are held


def test_write_refuses_a_folder_leading_outside_and_never_reuses_an_id_of_a_record_that_does_not_load(
        cli: Cli, make_workspace: Any, tmp_path: Path) -> None:
    root = make_workspace({
        "processes.yaml": "- {id: PRC-A, kind: process, title: A, owner: akhan}\n",
        # a schema error: this record does not load, but its id is taken all the same
        "broken.yaml": "- {id: AUD-2027-01, kind: audit, title: Old, type: internal, status: planned, date: 2027-02-30}\n",
        ".isoctl/schema/record.json": "{}\n",
    })
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "audits").symlink_to(outside, target_is_directory=True)
    run = cli("audit", "plan", str(root), "--today", "2027-01-04", "--auditor", "jsmith", "-f", "json", "--write")
    run.expect(2, "audits/programme-2027-01-04.yaml would be written outside the workspace; nothing was written")
    assert run.stdout == ""  # no plan shown as if it had been added
    assert list(outside.iterdir()) == []
    (root / "audits").unlink()
    data, relative, _ = write_plan(cli, root, "--cycle-start", "2027-01-04", "--auditor", "jsmith")
    assert "AUD-2027-01" not in [a["id"] for a in data["audits"]]
    assert relative == "audits/programme-2027-01-04.yaml"
    written = (root / relative).read_text(encoding="utf-8")
    assert written.startswith("# yaml-language-server: $schema=../.isoctl/schema/record.json\n# Internal audit programme")
    assert "  status: planned\n" in written and "  auditor: jsmith\n" in written
