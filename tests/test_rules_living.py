"""The time-aware rules (design §4.2), failing and passing, on real workspaces through the real CLI.

Each case is a workspace, a fixed ``--today`` and the findings a user sees
(``file:line:col: message``). Thresholds come from isoctl.yaml ``settings``;
the evaluation date from ``--today`` or ``ISOCTL_TODAY``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

TODAY = "2026-11-21"
IMS = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2015, iso14001:2015, iso45001:2018]")
ISO27001 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2022]")


def findings(cli: Cli, root: Path, rule: str, *, today: str | None = TODAY) -> set[str]:
    """``isoctl check --select RULE`` as a user runs it: the findings as ``path:line:col: message``."""
    args = ["check", str(root), "-f", "json", "--select", rule] + (["--today", today] if today else [])
    result = cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == rule]
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in found) else 0)
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in found}


def settings(**values: int) -> str:
    return MANIFEST + "settings: {" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}\n"


COMMON = ["previous_actions", "context_changes", "interested_party_changes", "nonconformities", "monitoring_results",
          "audit_results", "objectives", "resources", "risks_and_opportunities", "improvement_opportunities"]
QUALITY = ["customer_satisfaction", "process_performance", "external_providers"]
ENVIRONMENT = ["compliance_obligations", "significant_aspects", "communications"]
SAFETY = ["worker_participation", "incidents", "compliance_obligations"]


def review(record_id: str, date: str, attendees: str = "[jsmith, akhan]", inputs: list[str] | None = None) -> str:
    keys = COMMON + QUALITY if inputs is None else inputs
    body = "".join(f"  {key}: reviewed\n" for key in dict.fromkeys(keys))
    return (f"id: {record_id}\nkind: review\ntitle: Management review\ndate: {date}\nattendees: {attendees}\n"
            + (f"inputs:\n{body}" if body else ""))


ACTIONS = """\
- id: ACT-0042
  kind: action
  type: nonconformity
  title: Wrong labels shipped
  raised_on: 2026-10-01
  due: 2026-11-09
  status: in-progress
- {id: ACT-0043, kind: action, type: ofi, title: Shorter quotes, raised_on: 2026-10-01, due: 2026-11-20}
- {id: ACT-0044, kind: action, type: ofi, title: Due today, raised_on: 2026-10-01, due: 2026-11-21}
- {id: ACT-0045, kind: action, type: ofi, title: Done late, raised_on: 2026-01-01, due: 2026-02-01, status: closed}
- {id: ACT-0046, kind: action, type: ofi, title: Dropped, raised_on: 2026-01-01, due: 2026-02-01, status: cancelled}
- {id: ACT-0047, kind: action, type: ofi, title: No date, raised_on: 2026-01-01}
"""

CLOSED = """\
- id: ACT-1
  kind: action
  type: nonconformity
  title: Wrong labels
  raised_on: 2026-02-03
  correction: Batch relabelled
  status: closed
- id: ACT-2
  kind: action
  type: incident
  title: Forklift collision
  raised_on: 2026-03-01
  root_cause: "Blind corner at aisle 4"
  corrective_action: "  "
  status: closed
  verification: {on: 2026-06-01, by: jsmith, effective: false, note: Another near miss in May}
- id: ACT-3
  kind: action
  type: nonconformity
  title: Expired calibration
  raised_on: 2026-03-01
  root_cause: No reminder in the calendar
  corrective_action: Calibration due dates added to the maintenance plan
  status: closed
  verification: {on: 2026-06-01, by: jsmith, effective: true}
- {id: ACT-4, kind: action, type: improvement, title: Shorter quotes, raised_on: 2026-02-04, status: closed}
- {id: ACT-5, kind: action, type: nonconformity, title: Still open, raised_on: 2026-02-04}
"""

FINDINGS = """\
id: AUD-1
kind: audit
title: Warehouse audit
type: internal
status: done
date: 2026-06-09
findings:
  - {id: F1, type: minor, clause: iso9001:7.1.5, description: Probe check missed}
  - {id: F2, type: major, description: No calibration records at all}
  - {id: F3, type: observation, description: Labels could be clearer}
  - {id: F4, type: minor, description: Training record missing, action: ACT-1}
"""

DOCUMENTS = """\
- {id: DOC-1, kind: document, type: procedure, title: Handling, status: approved, approved_on: 2024-01-10}
- {id: DOC-2, kind: document, type: procedure, title: Picking, status: approved, approved_on: 2026-06-01, review_every_days: 90}
- {id: DOC-3, kind: document, type: procedure, title: Loading, status: approved, approved_on: 2020-01-01, next_review: 2026-11-01}
- {id: DOC-4, kind: document, type: form, title: Checklist, status: approved}
- {id: DOC-5, kind: document, type: procedure, title: Returns, status: draft, approved_on: 2020-01-01}
- {id: DOC-6, kind: document, type: policy, title: Policy, status: approved, approved_on: 2026-01-10}
- {id: DOC-7, kind: document, type: manual, title: Manual, status: approved, approved_on: 2020-01-01, next_review: 2027-01-31}
- {id: DOC-8, kind: document, type: procedure, title: Old, status: obsolete, approved_on: 2019-01-01}
"""

OBJECTIVES = """\
- {id: OBJ-1, kind: objective, title: OTIF, target: 98, direction: increase}
- id: OBJ-2
  kind: objective
  title: Complaints per 10k orders
  target: 2
  direction: decrease
  measurements:
    - {date: 2026-03-31, value: 3.1}
    - {date: 2026-05-01, value: 2.9}
- {id: OBJ-3, kind: objective, title: Fuel, target: 9, direction: increase, measurements: [{date: 2026-12-31, value: 8}]}
- {id: OBJ-4, kind: objective, title: Waste, target: 90, direction: increase, measurements: [{date: 2026-10-31, value: 88}]}
"""

COMPETENCE = """\
- {id: CMP-1, kind: competence, title: First aid, person: akhan, course: First aid at work, expires_on: 2026-10-01}
- {id: CMP-2, kind: competence, title: Forklift, person: jsmith, course: Counterbalance forklift, expires_on: 2025-05-01}
- {id: CMP-3, kind: competence, title: Forklift, person: jsmith, course: Counterbalance forklift, expires_on: 2028-05-01}
- {id: CMP-4, kind: competence, title: Internal auditor, person: akhan, course: Auditor course, expires_on: 2027-01-01}
- {id: CMP-5, kind: competence, title: Induction, person: akhan, completed_on: 2020-01-01}
"""

INDEPENDENCE = {
    "p.yaml": "id: PRC-1\nkind: process\ntitle: Deliver\nowner: akhan\nclauses: [iso9001:8.5.1]\n",
    "d.yaml": "id: DOC-1\nkind: document\ntype: procedure\ntitle: Records\nstatus: draft\nowner: akhan\nclauses: [iso9001:7.5.1]\n",
    "a.yaml": """\
- {id: AUD-1, kind: audit, title: Delivery, type: internal, status: done, date: 2026-02-01, auditor: akhan, scope: [PRC-1]}
- {id: AUD-2, kind: audit, title: Records, type: internal, status: planned, date: 2026-12-01, auditor: akhan, scope: [iso9001:7.5]}
- {id: AUD-3, kind: audit, title: Both, type: internal, status: done, date: 2026-03-01, auditor: jsmith, scope: [PRC-1, iso9001:7.5]}
- {id: AUD-4, kind: audit, title: Both, type: internal, status: done, date: 2026-04-01, auditor: Pat Jones (Calder), scope: [PRC-1]}
- {id: AUD-5, kind: audit, title: Audit, type: internal, status: done, date: 2026-05-01, auditor: akhan, owner: akhan, clauses: [hs:9.2],
   scope: [iso9001:9.2]}
- {id: AUD-6, kind: audit, title: Supplier, type: supplier, status: done, date: 2026-05-01, auditor: akhan, scope: [PRC-1]}
""",
}

PROGRAMME = {
    "p.yaml": "id: PRC-1\nkind: process\ntitle: Resources\nowner: jsmith\nclauses: [iso9001:7.1]\n",
    "a.yaml": """\
- {id: AUD-1, kind: audit, title: System, type: internal, status: done, date: 2026-04-14, auditor: Pat Jones (Calder),
   scope: [hs:4, hs:5, hs:6, PRC-1, hs:7.2, hs:7.3, hs:7.4, hs:8, hs:9, hs:10]}
- {id: AUD-0, kind: audit, title: Records, type: internal, status: done, date: 2022-06-01, scope: [iso9001:7.5.1]}
- {id: AUD-2, kind: audit, title: Records, type: internal, status: planned, date: 2026-12-01, scope: [iso9001:7.5]}
- {id: AUD-3, kind: audit, title: Stage 2, type: certification, status: done, date: 2026-03-09, scope: [iso9001:7.5]}
""",
}

GAP = "isoctl.yaml:3:13: iso9001-2015 {}: not audited within 1095 days (audit_cycle_days); {}"
NEVER = "no internal audit has covered it"

CASES = [
    # rule, files, manifest, expected findings (empty: passes)
    ("overdue-action", {"a.yaml": ACTIONS}, MANIFEST,
     {"a.yaml:6:8: ACT-0042 is 12 days overdue (due 2026-11-09)",
      "a.yaml:8:94: ACT-0043 is 1 day overdue (due 2026-11-20)"}),
    ("overdue-action", {"a.yaml": ACTIONS.replace("due: 2026-11-09", "due: 2026-12-01").replace("due: 2026-11-20", "due: 2026-11-21")},
     MANIFEST, set()),
    ("closed-without-root-cause", {"a.yaml": CLOSED}, MANIFEST,
     {"a.yaml:7:11: ACT-1 (nonconformity) is closed without root_cause and corrective_action",
      "a.yaml:15:11: ACT-2 (incident) is closed without corrective_action"}),
    ("closed-without-root-cause", {"a.yaml": CLOSED.split("- id: ACT-1\n")[0] + "- id: ACT-3" + CLOSED.split("- id: ACT-3")[1]},
     MANIFEST, set()),
    ("closed-without-verification", {"a.yaml": CLOSED}, MANIFEST,
     {"a.yaml:7:11: ACT-1 (nonconformity) is closed without an effectiveness check (verification)",
      "a.yaml:16:57: ACT-2 is closed although its verification on 2026-06-01 by jsmith found it not effective"}),
    ("closed-without-verification", {"a.yaml": CLOSED.replace("effective: false", "effective: true")
                                     .replace("  correction: Batch relabelled\n  status: closed\n", "  status: open\n")},
     MANIFEST, set()),
    ("finding-without-action", {"a.yaml": FINDINGS}, MANIFEST,
     {"a.yaml:8:5: AUD-1 finding F1 (minor, iso9001:7.1.5) is linked to no action",
      "a.yaml:9:5: AUD-1 finding F2 (major) is linked to no action"}),
    ("finding-without-action",
     {"a.yaml": FINDINGS.replace("Probe check missed}", "Probe check missed, action: ACT-2}")
      .replace("at all}", "at all, action: ACT-3}")}, MANIFEST, set()),
    ("stale-document", {"d.yaml": DOCUMENTS}, MANIFEST,
     {"d.yaml:1:96: DOC-1 was due for review on 2025-01-09 (681 days ago)",
      "d.yaml:2:95: DOC-2 was due for review on 2026-08-30 (83 days ago)",
      "d.yaml:3:120: DOC-3 was due for review on 2026-11-01 (20 days ago)",
      "d.yaml:4:69: DOC-4 is approved but has neither approved_on nor next_review, so it cannot show when it was last reviewed"}),
    ("stale-document", {"d.yaml": "\n".join(DOCUMENTS.splitlines()[4:]) + "\n"}, MANIFEST, set()),
    ("missing-management-review", {}, MANIFEST,
     {"isoctl.yaml:1:1: no management review has been held; one is due at least every 365 days (management_review_days)"}),
    ("missing-management-review", {"r.yaml": review("MR-2027", "2027-01-20")}, MANIFEST,
     {"isoctl.yaml:1:1: no management review has been held; one is due at least every 365 days (management_review_days)"}),
    ("missing-management-review", {"r.yaml": review("MR-2025", "2025-01-20"), "s.yaml": review("MR-2024", "2024-01-22")},
     MANIFEST,
     {("isoctl.yaml:1:1: no management review within 365 days (management_review_days): the last, MR-2025, "
      "was held on 2025-01-20 (670 days ago)")}),
    ("missing-management-review", {"r.yaml": review("MR-2026", "2026-01-20")}, MANIFEST, set()),
    ("review-inputs-incomplete", {"r.yaml": review("MR-2026", "2026-01-20", inputs=COMMON + QUALITY[1:])}, MANIFEST,
     {"r.yaml:6:1: MR-2026 does not cover required inputs: iso9001: customer_satisfaction"}),
    ("review-inputs-incomplete",
     {"r.yaml": review("MR-2026", "2026-01-20", inputs=[k for k in COMMON + QUALITY + ENVIRONMENT + SAFETY
                                                         if k not in ("resources", "compliance_obligations", "communications")])},
     IMS,
     {("r.yaml:6:1: MR-2026 does not cover required inputs: all standards: resources; "
      "iso14001: compliance_obligations, communications; iso45001: compliance_obligations")}),
    ("review-inputs-incomplete", {"r.yaml": review("MR-2026", "2026-01-20", inputs=COMMON + QUALITY + ENVIRONMENT + SAFETY)},
     IMS, set()),
    ("review-inputs-incomplete", {"r.yaml": review("MR-2026", "2026-01-20", inputs=[])}, ISO27001,
     {"r.yaml:1:1: MR-2026 does not cover required inputs: all standards: " + ", ".join(COMMON)
      + "; iso27001: interested_party_feedback, risk_treatment"}),
    ("review-inputs-incomplete",  # an old incomplete review is history once a complete one is held
     {"r.yaml": review("MR-2026", "2026-01-20"), "s.yaml": review("MR-2024", "2024-01-20", inputs=COMMON)}, MANIFEST, set()),
    ("review-inputs-incomplete",  # ... but the latest is checked however old it is
     {"s.yaml": review("MR-2024", "2024-01-20", inputs=COMMON)}, MANIFEST,
     {("s.yaml:6:1: MR-2024 does not cover required inputs: iso9001: customer_satisfaction, process_performance, "
      "external_providers")}),
    ("top-management-absent", {"r.yaml": review("MR-2026", "2026-01-20", attendees="[akhan]")}, MANIFEST,
     {"r.yaml:5:1: MR-2026: no member of top management attended (top management in isoctl.yaml: jsmith)"}),
    ("top-management-absent", {"r.yaml": review("MR-2026", "2026-01-20", attendees="[akhan]")},
     MANIFEST.replace(", top_management: true", ""),
     {"r.yaml:5:1: MR-2026: no member of top management attended (no person in isoctl.yaml people has top_management: true)"}),
    ("top-management-absent", {"r.yaml": review("MR-2026", "2026-01-20"), "s.yaml": review("MR-2027", "2027-01-20", "[akhan]")},
     MANIFEST, set()),
    ("auditor-not-independent", INDEPENDENCE, MANIFEST,
     {"a.yaml:1:102: AUD-1: auditor akhan owns what this audit covers: PRC-1",
      "a.yaml:2:104: AUD-2: auditor akhan owns what this audit covers: DOC-1"}),
    ("auditor-not-independent", {**INDEPENDENCE, "a.yaml": "\n".join(INDEPENDENCE["a.yaml"].splitlines()[2:]) + "\n"},
     MANIFEST, set()),
    ("objective-not-measured", {"o.yaml": OBJECTIVES}, MANIFEST,
     {"o.yaml:1:3: OBJ-1 has no measurements",
      "o.yaml:7:3: OBJ-2 was last measured on 2026-05-01, 204 days ago (objective_measure_days: 120)",
      "o.yaml:10:77: OBJ-3 has no measurement dated on or before 2026-11-21"}),
    ("objective-not-measured", {"o.yaml": "\n".join(OBJECTIVES.splitlines()[-1:]) + "\n"}, MANIFEST, set()),
    ("expired-competence", {"c.yaml": COMPETENCE}, MANIFEST,
     {"c.yaml:1:105: CMP-1: akhan's First aid at work expired on 2026-10-01 (51 days ago)"}),
    ("expired-competence", {"c.yaml": "\n".join(COMPETENCE.splitlines()[1:]) + "\n"}, MANIFEST, set()),
    ("climate-undetermined", {"i.yaml": "id: ISS-1\nkind: issue\ntype: external\ntitle: Fuel prices\n"}, MANIFEST,
     {("isoctl.yaml:3:13: iso9001-2015 (Amd 1:2024): no issue records whether climate change is relevant "
      "(climate: relevant or not-relevant)")}),
    ("climate-undetermined", {}, MANIFEST.replace("[iso9001:2015]", "[iso27001:2013, iso9001:2026]"),
     {("isoctl.yaml:3:28: iso9001-2026 (2026 edition): no issue records whether climate change is relevant "
      "(climate: relevant or not-relevant)")}),
    ("climate-undetermined", {"i.yaml": "id: ISS-1\nkind: issue\ntype: external\ntitle: Heat waves\nclimate: not-relevant\n"},
     MANIFEST.replace("[iso9001:2015]", "[iso9001:2026]"), set()),
    ("audit-programme-gap", PROGRAMME, MANIFEST,
     {GAP.format("7.5.1 General", "last covered by AUD-0 on 2022-06-01"),
      GAP.format("7.5.2 Creating and updating", NEVER),
      GAP.format("7.5.3.1 (untitled paragraph)", NEVER),
      GAP.format("7.5.3.2 (untitled paragraph)", NEVER)}),
    ("audit-programme-gap", {**PROGRAMME, "a.yaml": PROGRAMME["a.yaml"].replace("hs:7.4,", "hs:7.4, hs:7.5,")}, MANIFEST, set()),
    ("audit-programme-gap",  # an excluded clause needs no audit
     {**PROGRAMME, "a.yaml": PROGRAMME["a.yaml"].replace("hs:7.4, hs:8,", "hs:7.4, hs:7.5, iso9001:8.1, iso9001:8.2, "
                                                         "iso9001:8.4, iso9001:8.5, iso9001:8.6, iso9001:8.7,")},
     MANIFEST + "exclusions:\n  - {clause: iso9001:8.3, justification: We build to customer drawings only.}\n", set()),
]


@pytest.mark.parametrize(("rule", "files", "manifest", "expected"), CASES)
def test_living_rule_cases(cli: Cli, make_workspace: MakeWorkspace, rule: str, files: dict[str, str], manifest: str,
                           expected: set[str]) -> None:
    assert findings(cli, make_workspace(files, manifest=manifest), rule) == expected


def test_every_living_rule_has_a_failing_and_a_passing_case() -> None:
    failing = {rule for rule, _, _, expected in CASES if expected}
    passing = {rule for rule, _, _, expected in CASES if not expected}
    assert failing == passing and len(failing) == 13


def test_annex_a_themes_and_controls_count_as_audited(cli: Cli, make_workspace: MakeWorkspace) -> None:
    audit = ("id: AUD-1\nkind: audit\ntitle: ISMS\ntype: internal\nstatus: done\ndate: 2026-05-05\n"
             "scope: [hs:4, hs:5, hs:6, hs:7, hs:8, hs:9, hs:10, iso27001:A.5, iso27001:A.6, iso27001:A.7, iso27001:A.8.1]\n")
    soa = "- {id: SOA-1, kind: control, title: Spare, control: iso27001:A.8.2, applicable: false, justification: n/a}\n"
    found = findings(cli, make_workspace({"a.yaml": audit, "soa.yaml": soa}, manifest=ISO27001), "audit-programme-gap")
    assert len(found) == 32  # A.8.3 to A.8.34; A.8.1 audited, A.8.2 excluded in the SoA
    assert ("isoctl.yaml:3:13: iso27001-2022 A.8.3 Information access restriction: not audited within 1095 days "
            "(audit_cycle_days); no internal audit has covered it") in found
    assert not any(" A.5." in f or " A.8.1 " in f or " A.8.2 " in f or " 9.2" in f for f in found)


@pytest.mark.parametrize(("setting", "files", "rule", "before", "after"), [
    ("management_review_days: 30", {"r.yaml": review("MR-2026", "2026-01-20")}, "missing-management-review", set(),
     {("isoctl.yaml:1:1: no management review within 30 days (management_review_days): the last, MR-2026, "
      "was held on 2026-01-20 (305 days ago)")}),
    ("document_review_days: 1100", {"d.yaml": DOCUMENTS.splitlines()[0] + "\n"}, "stale-document",
     {"d.yaml:1:96: DOC-1 was due for review on 2025-01-09 (681 days ago)"}, set()),
    ("objective_measure_days: 250", {"o.yaml": "\n".join(OBJECTIVES.splitlines()[1:9]) + "\n"}, "objective-not-measured",
     {"o.yaml:6:3: OBJ-2 was last measured on 2026-05-01, 204 days ago (objective_measure_days: 120)"}, set()),
    ("management_review_days: 1100",  # the older review is now inside the window, so its inputs count too
     {"r.yaml": review("MR-2026", "2026-01-20"), "s.yaml": review("MR-2024", "2024-01-20", inputs=COMMON)},
     "review-inputs-incomplete", set(),
     {("s.yaml:6:1: MR-2024 does not cover required inputs: iso9001: customer_satisfaction, process_performance, "
      "external_providers")}),
])
def test_thresholds_come_from_manifest_settings(cli: Cli, make_workspace: MakeWorkspace, setting: str, files: dict[str, str],
                                                rule: str, before: set[str], after: set[str]) -> None:
    assert findings(cli, make_workspace(files), rule) == before
    assert findings(cli, make_workspace(files, manifest=MANIFEST + f"settings: {{{setting}}}\n"), rule) == after


def test_a_shorter_audit_cycle_reports_every_clause_the_last_audit_covered(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {**PROGRAMME, "a.yaml": PROGRAMME["a.yaml"].replace("hs:7.4,", "hs:7.4, hs:7.5,")}
    found = findings(cli, make_workspace(files, manifest=settings(audit_cycle_days=200)), "audit-programme-gap")
    assert len(found) == 65  # every leaf clause of ISO 9001:2015: AUD-1 was 221 days ago
    assert GAP.replace("1095", "200").format("7.1.6 Organizational knowledge", "last covered by AUD-1 on 2026-04-14") in found


def test_today_comes_from_isoctl_today(cli: Cli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace({"a.yaml": ACTIONS, "c.yaml": COMPETENCE})
    monkeypatch.setenv("ISOCTL_TODAY", "2026-11-10")
    assert findings(cli, root, "overdue-action", today=None) == {"a.yaml:6:8: ACT-0042 is 1 day overdue (due 2026-11-09)"}
    monkeypatch.setenv("ISOCTL_TODAY", "2026-09-30")
    assert findings(cli, root, "expired-competence", today=None) == set()
    assert findings(cli, root, "expired-competence", today="2026-10-02") == {
        "c.yaml:1:105: CMP-1: akhan's First aid at work expired on 2026-10-01 (1 day ago)"}


def test_severity_of_a_living_rule_can_be_lowered_in_the_manifest(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"a.yaml": ACTIONS}, manifest=MANIFEST + "rules: {overdue-action: warning}\n")
    result = cli("check", str(root), "-f", "json", "--select", "overdue-action", "--today", TODAY)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and {f["severity"] for f in data["findings"]} == {"warning"}
    assert cli("check", str(root), "--select", "overdue-action", "--today", TODAY, "--fail-on", "warning").exit_code == 1
