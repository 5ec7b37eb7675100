"""Smaller points of the report and the gap matrix: which findings are new or resolved, counts in the right number,
an exclusion's justification printed once, gap Markdown that says whose system, when and at which commit."""

from __future__ import annotations

from pathlib import Path

from helpers import Cli, GitRepo, MakeWorkspace
from helpers import make_workspace as write_workspace

TODAY = "2026-11-21"
OPEN = ("id: ACT-1\nkind: action\ntype: improvement\ntitle: Label the bays\nraised_on: 2026-01-05\ndue: 2026-03-31\n"
        "owner: akhan\n")
CLOSED = OPEN + "status: closed\nclosed_on: 2026-04-20\n"
POLICY = ("---\nid: POL-Q\nkind: document\ntype: policy\ntitle: Quality policy\nstatus: approved\nversion: '1'\n"
          "approved_by: jsmith\napproved_on: 2024-01-10\nclauses: [iso9001:5.2]\n---\n"
          "# Quality policy\n\nWe make parts to drawing, on time, and we learn from every complaint we get.\n")


def test_since_lists_which_findings_are_new_and_which_resolved(cli: Cli, make_workspace: MakeWorkspace) -> None:
    repo = GitRepo.init(make_workspace({"actions/ACT-1.yaml": OPEN}))
    repo.commit("Raise ACT-1", date="2026-01-05")
    repo.commit("Close ACT-1, add the policy", date="2026-05-02",
                files={"actions/ACT-1.yaml": CLOSED, "docs/POL.md": POLICY})
    result = cli("report", "-f", "md", "--today", TODAY, "--since", "HEAD~1", cwd=repo.root)
    assert result.exit_code == 0, result.stderr
    changes = result.stdout.split("## Changes since")[1].split("## Document register")[0]
    new = changes.split("New findings (")[1].split("Resolved findings (")[0]
    resolved = changes.split("Resolved findings (")[1]
    assert "| warning | stale-document | POL-Q was due for review on 2025-01-09 (681 days ago) | docs/POL.md:" in new
    assert "| error | overdue-action | ACT-1 is 235 days overdue (due 2026-03-31) | actions/ACT-1.yaml:" in resolved
    assert "overdue-action" not in new and "stale-document" not in resolved
    assert "1 record added, 1 changed, 0 removed" in changes
    html = cli("report", "--today", TODAY, "--since", "HEAD~1", cwd=repo.root).stdout
    section = html.split('<section id="changes">')[1].split("</section>")[0]
    assert "<h3>New findings (" in section and "<td>ACT-1 is 235 days overdue (due 2026-03-31)</td>" in section


def test_counts_take_the_right_number(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"docs/POL.md": POLICY})
    html = cli("report", "--today", TODAY, cwd=root).stdout
    living = html.split('<section id="living">')[1].split("</section>")[0]
    tile = html.split('<ul class="tiles">')[1].split("</ul>")[0]
    count = living.count('<tr><td class="status s-')
    assert f"<b>{count}</b>living-system finding{'s' if count != 1 else ''}</li>" in tile
    assert "1 document, 0 revisions." in html and "· 1 record ·" in html


def test_an_exclusion_is_justified_once(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = ("isoctl: 1\norganization: {name: Test Ltd}\nstandards: [iso9001:2015]\n"
                "exclusions:\n  - {clause: 'iso9001:8.3', justification: We make parts to customer drawings only.}\n"
                "people:\n  - {id: jsmith, name: Jane Smith, role: MD, top_management: true}\n")
    md = cli("report", "-f", "md", "--today", TODAY, cwd=make_workspace(manifest=manifest)).stdout
    assert md.count("We make parts to customer drawings only.") == 1  # in the exclusions list of the scope
    coverage = md.split("## Clause coverage")[1]
    assert "| 8.3.2 | Design and development planning | excluded |  | excluded with iso9001:8.3, justified under Exclusions |" in coverage


def test_gap_markdown_names_the_organisation_day_and_commit_and_labels_paragraphs(
        cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    repo = GitRepo.init(make_workspace())
    repo.commit("Start", date="2026-01-05")
    md = cli("gap", "-f", "md", "--today", TODAY, cwd=repo.root).stdout
    assert md.startswith(f"# Gap analysis — Test Ltd\n\nAs of {TODAY} · commit {repo.sha(short=8)} · isoctl ")
    assert "| 4.4.1 | (part of 4.4 Quality management system and its processes) | missing |" in md
    assert "untitled" not in md
    (repo.root / "notes.yaml").write_text("- {id: ISS-1, kind: issue, type: internal, title: Skills}\n", encoding="utf-8")
    dirty = cli("gap", "-f", "md", "--today", TODAY, cwd=repo.root).stdout
    assert f"· commit {repo.sha(short=8)} with uncommitted changes ·" in dirty
    plain = cli("gap", "-f", "md", "--today", TODAY, cwd=write_workspace(tmp_path / "plain"))
    assert "· not a git repository ·" in plain.stdout


def test_a_finding_whose_figures_moved_is_neither_new_nor_resolved() -> None:
    import datetime as dt

    from isoctl.history.diff import Diff, Revision
    from isoctl.model.result import Finding
    from isoctl.report.registers import finding_changes

    def finding(rule: str, message: str, record: str | None = None) -> Finding:
        return Finding(rule, "info", message, "isoctl.yaml", record=record)

    then = [finding("single-contributor", "Jane made all 11 record changes"), finding("overdue-action", "ACT-1 late", "ACT-1")]
    now = [finding("single-contributor", "Jane made all 12 record changes"), finding("overdue-action", "ACT-2 late", "ACT-2")]
    diff = Diff("0", dt.date(2026, 11, 21), Revision(None), Revision(None), (), (), (), (), (), tuple(now), tuple(then))
    changes = finding_changes(diff)
    assert [f.message for f in changes.new] == ["ACT-2 late"]
    assert [f.message for f in changes.resolved] == ["ACT-1 late"]
    assert [(a.message, b.message) for a, b in changes.updated] == [("Jane made all 11 record changes",
                                                                      "Jane made all 12 record changes")]
