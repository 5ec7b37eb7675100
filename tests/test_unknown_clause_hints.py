"""Clauses of another edition: where the transition tables say they went, and which edition ``standards show`` means.

A workspace moved to a new edition by hand (or a record written from an old
checklist) names clauses that the edition in scope does not have.
``unknown-clause`` then says which edition the clause is from and where it
is now: renumbered, split into several controls, merged into one, or gone.
``isoctl standards show`` reads a family (``iso9001:10.3``) as the edition in
scope of the workspace it runs in, and as the current edition elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

TODAY = "2026-12-02"
ISO27001_2022 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2022]")
ISO27001_2013 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2013]")
ISO9001_2026 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2026]")
MIGRATE_2022 = " — 'isoctl migrate --to iso27001:2022' rewrites such references while isoctl.yaml still names iso27001:2013"
MIGRATE_2026 = " — 'isoctl migrate --to iso9001:2026' rewrites such references while isoctl.yaml still names iso9001:2015"


def unknown_clauses(cli: Cli, root: Path) -> list[str]:
    """``isoctl check --select unknown-clause``: each finding as ``path:line:col: message``, in the order shown."""
    result = cli("check", str(root), "-f", "json", "--select", "unknown-clause", "--today", TODAY)
    assert result.exit_code in (0, 1), result.stderr
    found = json.loads(result.stdout)["findings"]
    return [f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in found if f["rule"] == "unknown-clause"]


def issue(*clauses: str) -> str:
    return f"id: ISS-1\nkind: issue\ntype: internal\ntitle: Access reviews\nclauses: [{', '.join(clauses)}]\n"


def test_27001_2013_controls_in_a_2022_workspace_say_where_they_went(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"issue.yaml": issue("iso27001:A.9.2.1", "iso27001:A.18.2.3", "iso27001:A.9.1.1",
                                               "iso27001:A.10", "iso27001:A.99.1")}, manifest=ISO27001_2022)
    assert unknown_clauses(cli, root) == [
        # renumbered: one control for one
        "issue.yaml:5:11: unknown clause 'iso27001:A.9.2.1': iso27001-2022 has no clause A.9.2.1; A.9.2.1 is ISO/IEC "
        "27001:2013 (User registration and de-registration), which in 2022 is A.5.16 (Identity management)" + MIGRATE_2022,
        # split: one 2013 control became two 2022 controls
        "issue.yaml:5:29: unknown clause 'iso27001:A.18.2.3': iso27001-2022 has no clause A.18.2.3; A.18.2.3 is ISO/IEC "
        "27001:2013 (Technical compliance review), which in 2022 is split into A.5.36 (Compliance with policies, rules "
        "and standards for information security) and A.8.8 (Management of technical vulnerabilities)" + MIGRATE_2022,
        # merged: two 2013 controls became one
        "issue.yaml:5:48: unknown clause 'iso27001:A.9.1.1': iso27001-2022 has no clause A.9.1.1; A.9.1.1 is ISO/IEC "
        "27001:2013 (Access control policy), which in 2022 is merged into A.5.15 (Access control)" + MIGRATE_2022,
        # removed: a 2013 domain heading has no 2022 counterpart (and nothing for migrate to do)
        "issue.yaml:5:66: unknown clause 'iso27001:A.10': iso27001-2022 has no clause A.10; A.10 is ISO/IEC 27001:2013 "
        "(Cryptography), with no counterpart in 2022 (domain heading 'Cryptography' dropped; 2022 groups Annex A "
        "controls by theme instead)",
        # in no edition at all: no hint to give
        "issue.yaml:5:81: unknown clause 'iso27001:A.99.1': iso27001-2022 has no clause A.99.1",
    ]


def test_the_hint_about_migrate_holds(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """Switched by hand, the references are reported; with the old edition back, migrate rewrites them all."""
    root = make_workspace({"issue.yaml": issue("iso27001:A.9.2.1", "iso27001:A.18.2.3")}, manifest=ISO27001_2022)
    assert all(line.endswith(MIGRATE_2022) for line in unknown_clauses(cli, root))
    make_workspace(manifest=ISO27001_2013)
    migrated = cli("migrate", str(root), "--to", "iso27001:2022", "--allow-dirty", "--today", TODAY)
    assert migrated.exit_code == 0, migrated.stderr
    assert unknown_clauses(cli, root) == []
    assert "clauses: [iso27001:A.5.16, iso27001:A.5.36, iso27001:A.8.8]" in (root / "issue.yaml").read_text(encoding="utf-8")


def test_9001_10_3_in_a_2026_workspace_merged_into_10_1(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"issue.yaml": issue("iso9001:10.3", "iso9001-2015:10.3")}, manifest=ISO9001_2026)
    merged = ("10.3 is ISO 9001:2015 (Continual improvement), which in 2026 is merged into 10.1 (Continual improvement)"
              + MIGRATE_2026)
    assert unknown_clauses(cli, root) == [
        f"issue.yaml:5:11: unknown clause 'iso9001:10.3': iso9001-2026 has no clause 10.3; {merged}",
        "issue.yaml:5:25: unknown clause 'iso9001-2015:10.3': iso9001-2015 is not in scope; the edition in scope is "
        f"iso9001-2026; {merged}",
    ]


def test_2022_controls_in_a_2013_workspace_point_back_and_to_the_move(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"issue.yaml": issue("iso27001:A.5.16", "iso27001:A.5.7")}, manifest=ISO27001_2013)
    move = " — to use the 2022 numbering, move to it with 'isoctl migrate --to iso27001:2022'"
    assert unknown_clauses(cli, root) == [
        "issue.yaml:5:11: unknown clause 'iso27001:A.5.16': iso27001-2013 has no clause A.5.16; A.5.16 is ISO/IEC "
        "27001:2022 (Identity management), which corresponds to A.9.2.1 (User registration and de-registration) in 2013"
        + move,
        "issue.yaml:5:28: unknown clause 'iso27001:A.5.7': iso27001-2013 has no clause A.5.7; A.5.7 is ISO/IEC 27001:2022 "
        "(Threat intelligence), new in that edition, with no counterpart in 2013" + move,
    ]


def test_hints_reach_soa_rows_audits_and_exclusions(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(
        {
            "soa.yaml": "id: SOA-9.2.1\nkind: control\ntitle: User registration\ncontrol: iso27001:A.9.2.1\n"
                        "applicable: true\nstatus: implemented\njustification: Joiners and leavers.\n",
            "audit.yaml": "id: AUD-1\nkind: audit\ntitle: Q1\ntype: internal\nstatus: planned\ndate: 2027-02-01\n"
                          "scope: [iso9001:10.3]\n",
        },
        manifest=ISO9001_2026.replace("[iso9001:2026]", "[iso9001:2026, iso27001:2022]")
        + "exclusions:\n  - clause: iso9001:10.3\n    justification: Improvement is run by the group.\n",
    )
    found = unknown_clauses(cli, root)
    assert [line.split(": unknown clause")[0] for line in found] == ["audit.yaml:7:9", "isoctl.yaml:8:13", "soa.yaml:4:10"]
    assert all(line.endswith(MIGRATE_2026) for line in found[:2])
    assert "which in 2022 is A.5.16 (Identity management)" in found[2]


def test_action_new_names_where_the_clause_went(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({}, manifest=ISO9001_2026)
    result = cli("action", "new", "-t", "improvement", "--title", "x", "--clause", "iso9001:10.3", cwd=root)
    assert result.exit_code == 2
    assert "error: --clause iso9001:10.3: iso9001-2026 has no clause 10.3; 10.3 is ISO 9001:2015" in result.stderr
    assert "merged into 10.1 (Continual improvement)" in result.stderr and "Traceback" not in result.stderr
    assert not list(root.rglob("ACT-*.yaml"))


def test_clauses_of_the_edition_in_scope_get_no_hint(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"issue.yaml": issue("iso9001:10.3", "iso9001-2015:10.3", "hs:10.2")})  # a 2015 workspace
    assert unknown_clauses(cli, root) == []


# -- isoctl standards show --------------------------------------------------------------------------------------------


def first_line(cli: Cli, *args: str, cwd: Path | None = None) -> str:
    result = cli("standards", "show", *args, cwd=cwd)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()[0]


@pytest.mark.parametrize("args", [("iso9001:10.3",), ("iso9001", "10.3"), ("ISO 9001", "10.3")])
def test_show_in_a_2015_workspace_means_the_2015_clause(cli: Cli, make_workspace: MakeWorkspace, args: tuple[str, ...]) -> None:
    root = make_workspace()
    assert first_line(cli, *args, cwd=root) == "iso9001-2015 10.3 Continual improvement"
    (root / "documents" / "procedures").mkdir(parents=True)
    assert first_line(cli, *args, cwd=root / "documents" / "procedures") == "iso9001-2015 10.3 Continual improvement"


def test_show_in_a_workspace_keeps_an_explicit_edition_and_shows_the_family_tree_in_scope(
    cli: Cli, make_workspace: MakeWorkspace
) -> None:
    root = make_workspace()
    assert first_line(cli, "iso9001-2026:10.1", cwd=root) == "iso9001-2026 10.1 Continual improvement"
    assert first_line(cli, "iso9001:2026", "6.1.3", cwd=root) == "iso9001-2026 6.1.3 Actions to address opportunities"
    assert first_line(cli, "iso27001:A.5.15", cwd=root).startswith("iso27001-2022 A.5.15")  # not in scope: current
    tree = cli("standards", "show", "iso9001", "--depth", "1", cwd=root)
    assert tree.exit_code == 0 and "(iso9001-2015, superseded)" in tree.stdout.splitlines()[0]
    data = json.loads(cli("standards", "show", "iso9001:8.5.1", "-f", "json", cwd=root).stdout)
    assert data["edition"] == "iso9001-2015"


def test_show_outside_a_workspace_means_the_current_edition(cli: Cli) -> None:
    assert first_line(cli, "iso9001:10.1") == "iso9001-2026 10.1 Continual improvement"
    result = cli("standards", "show", "iso9001:10.3")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: iso9001-2026 has no clause '10.3'\n"
        "hint: 10.3 is ISO 9001:2015 (Continual improvement), which in 2026 is merged into 10.1 (Continual "
        "improvement); 'isoctl standards show iso9001-2015:10.3' shows it\n"
    )


def test_show_a_2026_clause_in_a_2015_workspace_points_to_its_edition(cli: Cli, make_workspace: MakeWorkspace) -> None:
    result = cli("standards", "show", "iso9001:6.1.3", cwd=make_workspace())
    assert result.exit_code == 2
    assert result.stderr == (
        "error: iso9001-2015 has no clause '6.1.3'\n"
        "hint: 6.1.3 is ISO 9001:2026 (Actions to address opportunities), new in that edition, with no counterpart in "
        "2015; 'isoctl standards show iso9001-2026:6.1.3' shows it\n"
    )


@pytest.mark.parametrize(
    "manifest",
    [
        MANIFEST.replace("standards: [iso9001:2015]", "standards: iso9001:2015"),  # not a list
        MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001, bogus:1999, 42]"),  # nothing usable
        "- just\n- a list\n",
    ],
)
def test_show_in_a_workspace_with_a_broken_scope_falls_back_to_the_current_edition(
    cli: Cli, make_workspace: MakeWorkspace, manifest: str
) -> None:
    root = make_workspace(manifest=manifest)
    assert first_line(cli, "iso9001:10.1", cwd=root) == "iso9001-2026 10.1 Continual improvement"
