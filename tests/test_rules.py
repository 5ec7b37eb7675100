"""Every rule, failing and passing, on real workspaces: the cases double as the rules' examples."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

ISO27001 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2022]")
WITH_EXCLUSION = MANIFEST + "exclusions:\n  - clause: CLAUSE\nJUSTIFICATION"


def excluding(clause: str, justification: str) -> str:
    return WITH_EXCLUSION.replace("CLAUSE", clause).replace("JUSTIFICATION", justification)


def run(cli: Cli, make_workspace: MakeWorkspace, files: Mapping[str, str], *, manifest: str = MANIFEST, rule: str) -> set[str]:
    root = make_workspace(files, manifest=manifest)
    result = cli("check", str(root), "-f", "json", "--today", "2026-11-21", "--select", rule)
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    found = [f for f in data["findings"] if f["rule"] == rule]
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in found) else 0)
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in found}


CASES: list[tuple[str, dict[str, str], str, set[str] | None]] = [
    # rule, files, manifest, expected findings (empty = passes)
    ("duplicate-id",
     {"a.yaml": "id: ACT-1\nkind: action\ntype: ofi\ntitle: a\nraised_on: 2026-01-01\n",
      "b.yaml": "- {id: ACT-2, kind: action, type: ofi, title: b, raised_on: 2026-01-01}\n"
                "- {id: ACT-1, kind: action, type: ofi, title: c, raised_on: 2026-01-01}\n"},
     MANIFEST, {"b.yaml:2:8: duplicate id 'ACT-1' (first used at a.yaml:1)"}),
    ("duplicate-id",
     {"a.yaml": "- {id: ACT-1, kind: action, type: ofi, title: a, raised_on: 2026-01-01}\n"
                "- {id: ACT-2, kind: action, type: ofi, title: b, raised_on: 2026-01-01}\n"},
     MANIFEST, set()),
    ("unknown-reference",
     {"p.yaml": "id: PRO-1\nkind: process\ntitle: Deliver\nowner: jsmtih\nkpis: [OBJ-1, RSK-1]\nrisks: [RSK-9]\n",
      "r.yaml": "id: RSK-1\nkind: risk\ntitle: Late trucks\nowner: akhan\n",
      "m.yaml": "id: MR-1\nkind: review\ntitle: Review\ndate: 2026-05-01\nattendees: [jsmith, nobody]\nactions: [RSK-1]\n"
                "chair: jsmiht\n",
      "a.yaml": "id: AUD-1\nkind: audit\ntitle: Q1 audit\ntype: internal\nstatus: done\ndate: 2026-02-01\nauditor: akahn\n"
                "scope: [iso9001:8.5, PRO-1, PRO-7]\nfindings:\n  - {id: F1, type: minor, action: ACT-404}\n"},
     MANIFEST,
     {"p.yaml:4:8: owner: 'jsmtih' is not a person in isoctl.yaml people",
      "p.yaml:5:8: kpis: no record with id 'OBJ-1'",
      "p.yaml:5:15: kpis: 'RSK-1' is a risk, not an objective",
      "p.yaml:6:9: risks: no record with id 'RSK-9'",
      "m.yaml:5:21: attendees: 'nobody' is not a person in isoctl.yaml people",
      "m.yaml:6:11: actions: 'RSK-1' is a risk, not an action",
      "m.yaml:7:8: chair: 'jsmiht' is not a person in isoctl.yaml people",
      "a.yaml:7:10: auditor: 'akahn' is not a person in isoctl.yaml people (write an external auditor's full name)",
      "a.yaml:8:29: scope: 'PRO-7' is neither a clause reference nor a record id",
      "a.yaml:10:35: findings[0].action: no record with id 'ACT-404'"}),
    ("unknown-reference",
     {"p.yaml": "id: PRO-1\nkind: process\ntitle: Deliver\nowner: jsmith\nkpis: [OBJ-1]\n",
      "o.yaml": "id: OBJ-1\nkind: objective\ntitle: On time\ntarget: 98\ndirection: increase\n",
      "a.yaml": "id: AUD-1\nkind: audit\ntitle: Stage 2\ntype: certification\nstatus: done\ndate: 2026-02-01\n"
                "auditor: Pat Jones (Example Cert)\nscope: [hs:9.2, PRO-1]\n"},
     MANIFEST, set()),
    ("unknown-clause",
     {"d.md": "---\nid: PRO-1\nkind: document\ntype: procedure\ntitle: Handling\nstatus: approved\n"
              "clauses: [iso9001:8.5.9, iso14001:6.1.2, hs:11.1, 'clause 8', iso9001-2026:6.1.3, iso9001:8.5.1]\n---\nText\n",
      "a.yaml": "id: AUD-1\nkind: audit\ntitle: Q1 audit\ntype: internal\nstatus: done\ndate: 2026-02-01\nscope: [iso9001:12.1]\n"
                "findings: [{id: F1, type: observation, clause: iso9001:7.9}]\n"},
     MANIFEST,
     {"d.md:7:11: unknown clause 'iso9001:8.5.9': iso9001-2015 has no clause 8.5.9",
      "d.md:7:26: unknown clause 'iso14001:6.1.2': iso14001 is not in scope (isoctl.yaml standards)",
      "d.md:7:42: unknown clause 'hs:11.1': the harmonized structure has no clause 11.1",
      "d.md:7:51: unknown clause 'clause 8': 'clause 8' is not a clause reference (write family:clause, e.g. iso9001:8.5.1 or hs:9.2)",
      "d.md:7:63: unknown clause 'iso9001-2026:6.1.3': iso9001-2026 is not in scope; the edition in scope is iso9001-2015; "
      "6.1.3 is ISO 9001:2026 (Actions to address opportunities), new in that edition, with no counterpart in 2015 — "
      "to use the 2026 numbering, move to it with 'isoctl migrate --to iso9001:2026'",
      "a.yaml:7:9: unknown clause 'iso9001:12.1': iso9001-2015 has no clause 12.1",
      "a.yaml:8:48: unknown clause 'iso9001:7.9': iso9001-2015 has no clause 7.9"}),
    ("unknown-clause",
     {"d.yaml": "id: PRO-1\nkind: document\ntype: procedure\ntitle: H\nstatus: approved\n"
                "clauses: [iso9001:8.5.1, iso9001-2015:7.1.5.2, hs:7.5.3, iso9001:8]\n"},
     MANIFEST, set()),
    ("unknown-clause",
     {"soa.yaml": "id: SOA-1\nkind: control\ntitle: Policy\ncontrol: iso27001:5.2\napplicable: true\n"},
     ISO27001, {"soa.yaml:4:10: unknown clause 'iso27001:5.2': iso27001-2022 5.2 is not an Annex A control"}),
    ("unjustified-exclusion",
     {}, excluding("iso9001:9.2", "    justification: We do not audit.\n"),
     {"isoctl.yaml:8:5: iso9001-2015 9.2 cannot be excluded: " + "A requirement can be declared not applicable only when it "
      "cannot be applied within the scope of the system and leaving it out does not affect the ability to deliver "
      "conforming products and services; the justification is kept with the scope statement (4.3)."}),
    ("unjustified-exclusion",
     {}, excluding("iso9001:8.3", ""),
     {"isoctl.yaml:8:5: exclusion of iso9001-2015 8.3 needs a justification"}),
    ("unjustified-exclusion",
     {}, excluding("iso9001:8.3", "    justification: We build to customer drawings only.\n"),
     set()),
    ("unjustified-exclusion",
     {"soa.yaml": "- {id: SOA-1, kind: control, title: x, control: iso27001:A.7.4, applicable: false}\n"
                  "- {id: SOA-2, kind: control, title: y, control: iso27001:A.7.5, applicable: false, justification: Cloud only.}\n"},
     ISO27001, {"soa.yaml:1:77: SoA row excludes iso27001:A.7.4 without a justification"}),
]


POLICY = ("---\nid: POL-Q\nkind: document\ntype: policy\ntitle: Quality policy\nstatus: {status}\n"
          "approved_by: jsmith\napproved_on: 2026-01-10\nclauses: [iso9001:5.2, iso9001:7.1.6]\n---\nText\n")
ONLY_ISO27001_A5_1 = ISO27001

CASES += [
    ("unmapped-clause", {}, MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2015]  # in scope"),
     None),  # checked below: every leaf clause is reported on a workspace with no records
    ("missing-soa-entry",
     {"soa.yaml": "".join(f"- {{id: S{i}, kind: control, title: c, control: iso27001:A.{i}, applicable: true, status: implemented, "
                          f"justification: needed}}\n" for i in ["5.1", "8.34"])},
     ISO27001, None),
    ("path-outside-workspace",
     {"d.yaml": "id: D\nkind: document\ntype: form\ntitle: Form\nstatus: approved\npath: /etc/hosts\n"}, MANIFEST,
     {"d.yaml:6:7: path '/etc/hosts' leads outside the workspace"}),
    ("path-outside-workspace",
     {"d.yaml": "id: D\nkind: document\ntype: form\ntitle: Form\nstatus: approved\npath: forms/f.txt\n", "forms/f.txt": "x"},
     MANIFEST, set()),
]


@pytest.mark.parametrize(("rule", "files", "manifest", "expected"), [c for c in CASES if c[3] is not None])
def test_rule_cases(cli: Cli, make_workspace: MakeWorkspace, rule: str, files: dict[str, str], manifest: str,
                    expected: set[str]) -> None:
    assert run(cli, make_workspace, files, manifest=manifest, rule=rule) == expected


def test_every_rule_is_documented_with_a_failing_and_a_passing_example(cli: Cli) -> None:
    from isoctl.rules import all_rules

    for rule in all_rules().values():
        assert "Fails:" in rule.doc and "Passes:" in rule.doc, rule.id
        assert len(rule.summary) > 10
    listed = cli("rules").stdout
    assert all(rule_id in listed for rule_id in all_rules())
    one = cli("rules", "duplicate-id")
    assert one.exit_code == 0 and "Fails:" in one.stdout
    assert cli("rules", "duplicate-ids").exit_code == 2


def test_severity_overrides_and_unknown_rules_in_the_manifest(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"a.yaml": "- {id: A, kind: issue, type: internal, title: a}\n- {id: A, kind: issue, type: internal, title: b}\n"}
    root = make_workspace(files, manifest=MANIFEST + "rules:\n  duplicate-id: warning\n  unmaped-clause: off\n")
    result = cli("check", str(root), "-f", "json", "--select", "duplicate-id", "--select", "schema-error")
    found = {(f["rule"], f["severity"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert found == {
        ("duplicate-id", "warning", "duplicate id 'A' (first used at a.yaml:1)"),
        ("schema-error", "error", "rules: unknown rule 'unmaped-clause'; did you mean 'unmapped-clause'?"),
    }


def test_off_in_the_manifest_silences_a_rule(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"a.yaml": "- {id: A, kind: issue, type: internal, title: a}\n- {id: A, kind: issue, type: internal, title: b}\n"}
    root = make_workspace(files, manifest=MANIFEST + "rules: {duplicate-id: 'off'}\n")
    result = cli("check", str(root), "-f", "json", "--select", "duplicate-id")
    assert json.loads(result.stdout)["findings"] == [] and result.exit_code == 0


def test_unmapped_clause_reports_every_leaf_without_evidence(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    found = run(cli, make_workspace, {}, rule="unmapped-clause")
    edition = catalogs.editions["iso9001-2015"]
    leaves = [c for c in edition.clauses if edition.is_leaf(c)]
    assert len(found) == len(leaves) == 65
    assert "isoctl.yaml:3:13: iso9001-2015 7.1.6 Organizational knowledge: no record addresses this clause" in found


def test_unmapped_clause_passes_once_each_clause_has_evidence(cli: Cli, make_workspace: MakeWorkspace) -> None:
    found = run(cli, make_workspace, {"p.md": POLICY.format(status="approved")}, rule="unmapped-clause")
    assert not any(" 5.2.1 " in f or " 7.1.6 " in f for f in found)
    partial = run(cli, make_workspace, {"p.md": POLICY.format(status="approved")}, rule="partial-clause")
    assert not any(" 5.2.2 " in f for f in partial)


def test_missing_soa_entry_names_each_control_without_a_row(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = dict(CASES[-3][1])
    found = run(cli, make_workspace, files, manifest=ISO27001, rule="missing-soa-entry")
    assert len(found) == 91
    assert "isoctl.yaml:3:13: iso27001-2022 A.8.12 Data leakage prevention: no SoA row (control record)" in found
    assert not any(" A.5.1 " in f or " A.8.34 " in f for f in found)


def test_partial_clause_lists_its_reasons(cli: Cli, make_workspace: MakeWorkspace) -> None:
    found = run(cli, make_workspace, {"p.md": POLICY.format(status="draft")}, rule="partial-clause")
    assert {f for f in found if " 5.2." in f or " 7.1.6 " in f} == {
        "isoctl.yaml:3:13: iso9001-2015 5.2.1 Establishing the quality policy: only draft documents: POL-Q",
        "isoctl.yaml:3:13: iso9001-2015 5.2.2 Communicating the quality policy: no document (type=policy, status=approved); "
        "only draft documents: POL-Q",
        "isoctl.yaml:3:13: iso9001-2015 7.1.6 Organizational knowledge: only draft documents: POL-Q",
    }
    stale = run(cli, make_workspace, {"p.md": POLICY.format(status="approved").replace("2026-01-10", "2024-01-10")},
                rule="partial-clause")
    assert "isoctl.yaml:3:13: iso9001-2015 7.1.6 Organizational knowledge: POL-Q was due for review on 2025-01-09" in stale
