"""The shipped examples come with a management review prepared and an internal audit programme planned.

Each example, replayed from its history as ``isoctl init --example`` makes
it, holds a draft review made by ``isoctl review prepare`` and the audits
``isoctl audit plan --write`` proposed. Running the commands again at the
README date refreshes the draft rather than adding a second one, proposes
no audit beyond those planned, and hands the auditor a checklist for a
planned audit; the planned audits, once held, keep auditors independent
and rotated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from helpers import Cli, GitRepo

TODAY = "2026-11-21"
EXAMPLES = REPO / "examples"

#: Per example: the draft review and its meeting day, the programme file and its start, a new audit of it.
RHYTHM = {
    "acme-logistics": ("reviews/MR-2027-01-19.yaml", "2027-01-19", "audits/internal/programme-2027-03-12.yaml",
                       "2027-03-12", "AUD-2028-01"),
    "nimbus-cloud": ("reviews/MR-2027-10-19.yaml", "2027-10-19", "audits/programme-2027-01-13.yaml", "2027-01-13",
                     "AUD-2027-04"),
    "paper-iso": ("reviews/MR-2026-12-08.yaml", "2026-12-08", "audits/programme-2026-12-01.yaml", "2026-12-01",
                  "AUD-2026-02"),
}


@pytest.fixture
def made(replayed_examples: dict[str, Path]) -> dict[str, Path]:
    """Each example made into a repository, as ``init --example`` makes it (once per test process: see conftest)."""
    assert set(RHYTHM) <= set(replayed_examples)
    return replayed_examples


def checked(cli: Cli, root: Path, *options: str) -> dict[str, Any]:
    run = cli("check", "--today", TODAY, "--format", "json", "--exit-zero", *options, cwd=root)
    assert run.exit_code == 0, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def records(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize("name", ["acme-logistics", "nimbus-cloud"])
def test_a_living_example_stays_clean_with_its_draft_and_programme(cli: Cli, made: dict[str, Path], name: str) -> None:
    data = checked(cli, made[name])
    assert data["summary"]["error"] == 0 and data["summary"]["warning"] == 0
    draft, _, programme, _, _ = RHYTHM[name]
    assert (made[name] / draft).is_file() and (made[name] / programme).is_file()


def test_the_paper_example_gains_no_finding_from_its_draft_or_programme(cli: Cli, made: dict[str, Path]) -> None:
    draft, _, programme, _, _ = RHYTHM["paper-iso"]
    findings = checked(cli, made["paper-iso"])["findings"]
    assert [f for f in findings if f["path"] in (draft, programme)] == []
    rules = {f["rule"] for f in findings}
    assert {"missing-management-review", "audit-programme-gap", "auditor-not-independent"} <= rules, \
        "a draft is no review held, and planned audits are no audits done"


@pytest.mark.parametrize("name", sorted(RHYTHM))
def test_preparing_the_review_again_refreshes_the_draft(cli: Cli, made: dict[str, Path], name: str,
                                                         tmp_path: Path) -> None:
    draft, day, _, _, _ = RHYTHM[name]
    root = made[name]
    before = (root / draft).read_bytes()
    reviews = sorted(p.name for p in (root / draft).parent.iterdir())
    run = cli("review", "prepare", "--today", TODAY, "--date", day, "--dry-run", "-o", str(tmp_path / "pack.md"),
              cwd=root)
    assert run.exit_code == 0, run.stderr
    assert f"draft review {Path(draft).stem} would have its inputs refreshed" in run.stderr
    assert (root / draft).read_bytes() == before and sorted(p.name for p in (root / draft).parent.iterdir()) == reviews
    assert not GitRepo(root).dirty()
    pack = (tmp_path / "pack.md").read_text(encoding="utf-8")
    assert day in pack
    if name == "acme-logistics":  # the programme planned after the draft is among the audits planned next now
        assert "AUD-2027-05 (internal) on 2027-06-26" in pack and "AUD-2027-05" not in before.decode()


@pytest.mark.parametrize("name", sorted(RHYTHM))
def test_what_a_person_wrote_in_the_draft_is_kept(cli: Cli, made: dict[str, Path], name: str, tmp_path: Path) -> None:
    draft, day, _, _, _ = RHYTHM[name]
    copy = tmp_path / name
    copy.mkdir()
    for path in made[name].rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(made[name]).parts:
            target = copy / path.relative_to(made[name])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    before = (copy / draft).read_text(encoding="utf-8")
    run = cli("review", "prepare", "--today", TODAY, "--date", day, "--write", "-o", str(tmp_path / "pack.md"),
              cwd=copy)
    assert run.exit_code == 0, run.stderr
    after = (copy / draft).read_text(encoding="utf-8")
    assert after.split("inputs:")[0] == before.split("inputs:")[0], "chair, attendees and status as written"
    assert after.split("\noutputs:")[1] == before.split("\noutputs:")[1]
    review = records(copy / draft)[0]
    assert review["status"] == "draft" and review["chair"] in review["attendees"]


@pytest.mark.parametrize("name", sorted(RHYTHM))
def test_planning_again_keeps_the_planned_audits(cli: Cli, made: dict[str, Path], name: str) -> None:
    _, _, programme, start, _ = RHYTHM[name]
    root = made[name]
    run = cli("audit", "plan", "--today", TODAY, "--cycle-start", start, "--format", "json", cwd=root)
    assert run.exit_code == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["notes"] == [], "independence and rotation hold for every audit planned"
    assert {a["status"] for a in plan["audits"]} == {"existing"}
    planned = {r["id"] for r in records(root / programme)}
    assert planned <= {a["id"] for a in plan["audits"]}
    again = cli("audit", "plan", "--today", TODAY, "--cycle-start", start, "--write", cwd=root)
    assert again.exit_code == 0, again.stderr
    assert "nothing written" in again.stderr and not GitRepo(root).dirty()


@pytest.mark.parametrize("name", sorted(RHYTHM))
def test_a_checklist_for_a_planned_audit(cli: Cli, made: dict[str, Path], name: str) -> None:
    _, _, programme, _, audit = RHYTHM[name]
    planned = next(r for r in records(made[name] / programme) if r["id"] == audit)
    run = cli("audit", "checklist", audit, "--today", TODAY, cwd=made[name])
    assert run.exit_code == 0, run.stderr
    head = run.stdout.splitlines()
    assert head[0].startswith(f"# Audit checklist {audit}:")
    assert f"internal audit · planned · {planned['date']} · auditor {planned['auditor']}" in head[2]
    assert all(f"## Process {area}:" in run.stdout for area in planned["scope"] if area.startswith("PRC-"))


@pytest.mark.parametrize("name", sorted(RHYTHM))
def test_once_held_the_programme_keeps_auditors_independent_and_rotated(cli: Cli, made: dict[str, Path], name: str,
                                                                          tmp_path: Path) -> None:
    """Every planned internal audit marked done, three years on: only the paper example's old audits fail."""
    copy = tmp_path / name
    for path in made[name].rglob("*.yaml"):
        relative = path.relative_to(made[name])
        if ".git" in relative.parts:
            continue
        target = copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8")
        target.write_text(text.replace("status: planned", "status: done") if relative.parts[0] == "audits" else text,
                          encoding="utf-8")
    run = cli("check", "--today", "2030-06-30", "--select", "auditor-rotation", "--select", "auditor-not-independent",
              "--format", "json", "--exit-zero", cwd=copy)
    assert run.exit_code == 0, run.stderr
    failing = sorted(f["message"].split(":")[0] for f in json.loads(run.stdout)["findings"])
    assert failing == (["AUD-2024-01", "AUD-2025-01", "AUD-2026-01"] if name == "paper-iso" else [])


@pytest.mark.parametrize(("name", "chair"), [("acme-logistics", "dgreaves"), ("nimbus-cloud", "mkrause")])
def test_every_review_held_names_its_chair_from_top_management(made: dict[str, Path], name: str, chair: str) -> None:
    manifest = yaml.safe_load((made[name] / "isoctl.yaml").read_text(encoding="utf-8"))
    top = {p["id"] for p in manifest["people"] if p.get("top_management")}
    reviews = [r for path in sorted((made[name] / "reviews").glob("*.yaml")) for r in records(path)]
    held = [r for r in reviews if r.get("status") != "draft"]
    assert len(held) == 3 and all(r["chair"] == chair and chair in top for r in held)
