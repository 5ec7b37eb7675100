"""Registers kept alive, evidence that ages, and what both do to coverage: on real workspaces through the real CLI.

Rules: ``stale-record``, ``noncompliant-obligation``, ``stale-evidence``,
``future-evidence`` (and ``unknown-reference`` for an action's ``related``).
Each case is a workspace, ``--today 2026-11-21`` and the findings a user sees
(``file:line:col: message``); boundaries are the day on and the day after a
cadence.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

TODAY = "2026-11-21"
IMS = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2015, iso14001:2015, iso45001:2018]")
ISO27001 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2022]")
RULES = ("stale-record", "noncompliant-obligation", "stale-evidence", "future-evidence")


def findings(cli: Cli, root: Path, rule: str) -> set[str]:
    """``isoctl check --select RULE`` as a user runs it: the findings as ``path:line:col: message``."""
    result = cli("check", str(root), "-f", "json", "--select", rule, "--today", TODAY)
    assert result.exit_code in (0, 1), result.stderr
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == rule]
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in found) else 0)
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in found}


def gap(cli: Cli, root: Path) -> dict[str, dict[str, object]]:
    """``isoctl gap -f json``: each clause (``iso9001-2015 7.1.6``) with its status and reasons."""
    result = cli("gap", str(root), "-f", "json", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    return {f"{c['standard']} {c['clause']}": c for c in json.loads(result.stdout)["clauses"]}


# One record of each register, each one day past its 365-day cadence (2025-11-20), and some that are not.
REGISTERS = """\
- {id: RSK-7, kind: risk, title: Key customer lost, reviewed_on: 2012-05-01}
- {id: RSK-8, kind: risk, title: Fuel prices, reviewed_on: 2025-11-20}
- {id: RSK-9, kind: risk, title: On the day, reviewed_on: 2025-11-21}
- {id: RSK-10, kind: risk, title: Never reviewed}
- {id: RSK-11, kind: risk, title: Reviewed ahead, reviewed_on: 2026-12-01}
- {id: ASP-1, kind: aspect, title: Diesel, activity: Deliveries, aspect: Exhaust, impact: Air quality, reviewed_on: 2025-11-20}
- {id: HAZ-1, kind: hazard, title: Forklifts, activity: Loading, hazard: Collision, reviewed_on: 2025-11-20}
- {id: OBL-1, kind: obligation, title: Duty of care, source: EPA 1990 s.34, evaluated_on: 2025-11-20, compliant: true}
- {id: SUP-1, kind: supplier, title: Hauliers, service: Subcontracted haulage, evaluated_on: 2025-11-20}
- {id: BIA-1, kind: activity, title: Dispatch, reviewed_on: 2025-11-20}
- {id: AST-1, kind: asset, title: Warehouse system, reviewed_on: 2025-11-20}
"""
ON_TIME = REGISTERS.replace("2025-11-20", "2025-11-21").replace("2012-05-01", "2026-01-01").replace(
    "title: Never reviewed}", "title: Never reviewed, reviewed_on: 2026-06-30}")
LATE = "was last reviewed on 2025-11-20; {} every 365 days (review_days.{}), so it is 1 day overdue"

OBLIGATIONS = """\
- {id: OBL-1, kind: obligation, title: Waste carrier checks, source: Waste regs, evaluated_on: 2026-05-01, compliant: false}
- {id: OBL-2, kind: obligation, title: Noise at work, source: Noise regs, evaluated_on: 2026-05-01, compliant: false}
- {id: OBL-3, kind: obligation, title: LEV testing, source: COSHH reg 9, compliant: false, clauses: [iso45001:8.1.2]}
- {id: OBL-4, kind: obligation, title: Fire risk assessment, source: Fire order, evaluated_on: 2026-02-01, compliant: false}
- {id: OBL-5, kind: obligation, title: Packaging returns, source: Packaging regs, evaluated_on: 2026-02-01, compliant: true}
- {id: OBL-6, kind: obligation, title: F-gas, source: F-gas regs}
- {id: OBL-7, kind: obligation, title: Drivers' hours, source: Transport act, evaluated_on: 2026-03-01, compliant: false}
"""
OBLIGATION_ACTIONS = """\
- {id: ACT-2, kind: action, type: nonconformity, title: Hearing protection, raised_on: 2026-05-02, related: [OBL-2]}
- {id: ACT-3, kind: action, type: nonconformity, title: LEV test, raised_on: 2026-05-02, status: in-progress,
   clauses: [iso45001:8.1.2]}
- {id: ACT-4, kind: action, type: nonconformity, title: Fire doors, raised_on: 2026-02-02, related: [OBL-4], status: closed}
- {id: ACT-7, kind: action, type: improvement, title: Tachographs, raised_on: 2026-03-02, related: [OBL-7], status: cancelled}
"""

STALE = """\
- id: DOC-1
  kind: document
  type: procedure
  title: Handling
  status: approved
  approved_on: 2026-01-10
  evidence:
    - {path: e.txt, date: 2024-01-10}
    - {path: e.txt, date: 2025-11-20}
- {id: DOC-2, kind: document, type: procedure, title: Draft, status: draft, evidence: [{path: e.txt, date: 2020-01-01}]}
- {id: DOC-3, kind: document, type: procedure, title: On the day, status: approved, approved_on: 2026-01-10,
   evidence: [{path: e.txt, date: 2025-11-21}]}
- {id: DOC-4, kind: document, type: procedure, title: Undated, status: approved, approved_on: 2026-01-10,
   evidence: [{path: e.txt, date: 2020-01-01}, {path: e.txt}]}
- {id: PRC-1, kind: process, title: Deliver, clauses: [iso9001:8.5.1, iso9001:8.5.2], evidence: [{url: 'https://example.com/kpi', date: 2024-06-30}]}
- {id: AST-1, kind: asset, title: Forklift, evidence: [{path: e.txt, date: 2020-01-01}]}
- {id: BIA-1, kind: activity, title: Dispatch, evidence: [{path: e.txt, date: 2020-01-01}]}
- {id: ACT-1, kind: action, type: ofi, title: Old, raised_on: 2020-01-01, status: closed, clauses: [iso9001:8.5.1],
   evidence: [{path: e.txt, date: 2020-01-01}]}
"""
EVIDENCE_AGE = ", {} days ago; evidence behind a current record may be at most 365 days old (evidence_max_age_days)"

FUTURE = """\
- id: ACT-1
  kind: action
  type: nonconformity
  title: Written ahead
  raised_on: 2026-11-22
  due: 2027-01-31
  status: closed
  closed_on: 2026-12-05
  verification: {on: 2027-01-05, by: jsmith, effective: true}
  evidence: [{path: e.txt, date: 2026-11-22}]
- {id: RSK-1, kind: risk, title: Ahead, reviewed_on: 2027-01-01}
- {id: OBL-1, kind: obligation, title: Ahead, source: Regs, evaluated_on: 2026-12-01, compliant: true}
- {id: DOC-1, kind: document, type: policy, title: Ahead, status: approved, approved_on: 2026-12-01, next_review: 2027-12-01}
- {id: AUD-1, kind: audit, title: Held ahead, type: internal, status: done, date: 2026-12-01}
- {id: AUD-2, kind: audit, title: Planned, type: internal, status: planned, date: 2026-12-01}
- {id: OBJ-1, kind: objective, title: OTIF, target: 98, direction: increase, due: 2027-12-31,
   measurements: [{date: 2026-10-31, value: 97}, {date: 2026-12-31, value: 98}]}
- {id: CMP-1, kind: competence, title: First aid, person: akhan, completed_on: 2026-12-01, expires_on: 2029-12-01}
- {id: CMP-2, kind: competence, title: Forklift, person: akhan, completed_on: 2026-11-21, expires_on: 2029-11-21}
- {id: MR-1, kind: review, title: Held ahead, date: 2026-12-10, inputs: {resources: enough}}
- {id: MR-2, kind: review, title: In the calendar, date: 2026-12-10, attendees: [jsmith]}
- {id: EX-1, kind: exercise, title: Held ahead, date: 2026-12-10, scenario: Site loss, outcome: Recovered in 3 hours}
- {id: EX-2, kind: exercise, title: In the calendar, date: 2026-12-10, scenario: Site loss}
"""
CERTIFIED = MANIFEST + """\
certification:
  iso9001:
    issued: 2026-12-01
    expires: 2029-11-30
    audits:
      - {type: certification, date: 2026-12-02, status: done}
      - {type: surveillance, date: 2027-11-30, status: planned}
"""
AHEAD = "a record cannot show what has not happened yet; correct the date"

CASES = [
    # rule, files, manifest, expected findings (empty: passes)
    ("stale-record", {"r.yaml": REGISTERS}, IMS, {
        ("r.yaml:1:66: RSK-7 was last reviewed on 2012-05-01; risks and opportunities are reviewed every 365 days "
         "(review_days.risk), so it is 4,952 days overdue"),
        "r.yaml:2:60: RSK-8 " + LATE.format("risks and opportunities are reviewed", "risk"),
        ("r.yaml:4:8: RSK-10 has no reviewed_on, so nothing shows it was ever reviewed; risks and opportunities are "
         "reviewed every 365 days (review_days.risk)"),
        "r.yaml:6:117: ASP-1 " + LATE.format("environmental aspects are reviewed", "aspect"),
        "r.yaml:7:98: HAZ-1 " + LATE.format("hazards are reviewed", "hazard"),
        ("r.yaml:8:91: OBL-1 was last evaluated for compliance on 2025-11-20; compliance with obligations is evaluated "
         "every 365 days (review_days.obligation), so it is 1 day overdue"),
        ("r.yaml:9:94: SUP-1 was last evaluated on 2025-11-20; suppliers are evaluated every 365 days "
         "(review_days.supplier), so it is 1 day overdue"),
        "r.yaml:10:61: BIA-1 " + LATE.format("activities of the business impact analysis are reviewed", "activity"),
        "r.yaml:11:66: AST-1 " + LATE.format("assets of the inventory are reviewed", "asset"),
    }),
    ("stale-record", {"r.yaml": ON_TIME}, IMS, set()),
    ("noncompliant-obligation", {"o.yaml": OBLIGATIONS, "a.yaml": OBLIGATION_ACTIONS}, IMS, {
        ("o.yaml:1:119: OBL-1 was evaluated not compliant on 2026-05-01 and no open action addresses it; "
         "raise one with related: [OBL-1]"),
        ("o.yaml:4:119: OBL-4 was evaluated not compliant on 2026-02-01 and no open action addresses it; ACT-4 is "
         "closed, so evaluate compliance again or raise a new action"),
        ("o.yaml:7:116: OBL-7 was evaluated not compliant on 2026-03-01 and no open action addresses it; "
         "raise one with related: [OBL-7]"),
    }),
    ("noncompliant-obligation",
     {"o.yaml": OBLIGATIONS, "a.yaml": OBLIGATION_ACTIONS.replace("status: closed", "status: open").replace(
         "status: cancelled", "status: in-progress") + "- {id: ACT-1, kind: action, type: ofi, title: Checks, "
         "raised_on: 2026-05-02, related: [OBL-1]}\n"}, IMS, set()),
    ("stale-evidence", {"s.yaml": STALE, "e.txt": "evidence\n"}, MANIFEST, {
        "s.yaml:9:27: DOC-1 is approved, but its newest evidence, 'e.txt', is dated 2025-11-20" + EVIDENCE_AGE.format(366),
        ("s.yaml:15:137: PRC-1 counts toward iso9001:8.1 and 3 more clauses, but its evidence, 'https://example.com/kpi', "
         "is dated 2024-06-30" + EVIDENCE_AGE.format(874)),
        ("s.yaml:16:76: AST-1 counts toward iso9001:7.1.3 and 2 more clauses, but its evidence, 'e.txt', is dated "
         "2020-01-01" + EVIDENCE_AGE.format("2,516")),
    }),
    ("stale-evidence", {"s.yaml": STALE.replace("2025-11-20", "2025-11-21").replace("2024-06-30", "2026-06-30")
                        .replace("title: Forklift, evidence: [{path: e.txt, date: 2020-01-01}]", "title: Forklift"),
                        "e.txt": "evidence\n"}, MANIFEST, set()),
    ("future-evidence", {"f.yaml": FUTURE, "e.txt": "evidence\n"}, CERTIFIED, {
        f"f.yaml:5:14: ACT-1: raised_on is 2026-11-22, 1 day after today (2026-11-21): {AHEAD}",
        f"f.yaml:8:14: ACT-1: closed_on is 2026-12-05, 14 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:9:22: ACT-1: verification.on is 2027-01-05, 45 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:10:34: ACT-1: evidence[0].date is 2026-11-22, 1 day after today (2026-11-21): {AHEAD}",
        f"f.yaml:11:54: RSK-1: reviewed_on is 2027-01-01, 41 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:12:75: OBL-1: evaluated_on is 2026-12-01, 10 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:13:90: DOC-1: approved_on is 2026-12-01, 10 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:14:83: AUD-1: date is 2026-12-01, 10 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:17:57: OBJ-1: measurements[1].date is 2026-12-31, 40 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:18:80: CMP-1: completed_on is 2026-12-01, 10 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:20:53: MR-1: date is 2026-12-10, 19 days after today (2026-11-21): {AHEAD}",
        f"f.yaml:22:55: EX-1: date is 2026-12-10, 19 days after today (2026-11-21): {AHEAD}",
        f"isoctl.yaml:9:13: the iso9001 certificate's issue date is 2026-12-01, 10 days after today (2026-11-21): {AHEAD}",
        ("isoctl.yaml:12:37: the iso9001 certification audit marked done is 2026-12-02, 11 days after today "
         f"(2026-11-21): {AHEAD}"),
    }),
    ("future-evidence",
     {"f.yaml": FUTURE.replace("2026-11-22", "2026-11-21").replace("2026-12-05", "2026-11-21").replace("2027-01-05", "2026-11-21")
      .replace("2027-01-01", "2026-11-01").replace("2026-12-01", "2026-11-01").replace("2026-12-31", "2026-11-21")
      .replace("2026-12-10, inputs", "2026-11-10, inputs").replace("2026-12-10, scenario: Site loss, outcome",
                                                                   "2026-11-10, scenario: Site loss, outcome"),
      "e.txt": "evidence\n"},
     CERTIFIED.replace("issued: 2026-12-01", "issued: 2026-11-21").replace("2026-12-02, status: done", "2026-11-20, status: done"),
     set()),
    ("unknown-reference", {"a.yaml": "- {id: ACT-1, kind: action, type: ofi, title: Checks, raised_on: 2026-05-02, "
                                     "related: [OBL-1, OBL-9]}\n"
                                     "- {id: OBL-1, kind: obligation, title: Waste, source: Regs}\n"}, MANIFEST,
     {"a.yaml:1:95: related: no record with id 'OBL-9'"}),
    ("unknown-reference", {"a.yaml": "- {id: ACT-1, kind: action, type: ofi, title: Checks, raised_on: 2026-05-02, "
                                     "related: [OBL-1, PRC-1]}\n- {id: OBL-1, kind: obligation, title: Waste, source: Regs}\n"
                                     "- {id: PRC-1, kind: process, title: Deliver}\n"}, MANIFEST, set()),
]


@pytest.mark.parametrize(("rule", "files", "manifest", "expected"), CASES)
def test_rule_cases(cli: Cli, make_workspace: MakeWorkspace, rule: str, files: dict[str, str], manifest: str,
                    expected: set[str]) -> None:
    assert findings(cli, make_workspace(files, manifest=manifest), rule) == expected


def test_every_rule_here_has_a_failing_and_a_passing_case_and_documents_both() -> None:
    from isoctl.rules import all_rules

    failing = {rule for rule, _, _, expected in CASES if expected}
    passing = {rule for rule, _, _, expected in CASES if not expected}
    assert failing == passing == {*RULES, "unknown-reference"}
    rules = all_rules()
    for rule_id in RULES:
        assert rules[rule_id].category == "living"
        assert "Fails:" in rules[rule_id].doc and "Passes:" in rules[rule_id].doc
    assert [rules[r].severity for r in RULES] == ["warning", "error", "warning", "error"]
    assert "default 365" in rules["stale-record"].doc and "default 365" in rules["stale-evidence"].doc


def test_isoctl_rules_shows_the_examples(cli: Cli) -> None:
    for rule_id in RULES:
        shown = cli("rules", rule_id)
        assert shown.exit_code == 0 and "Fails:" in shown.stdout and "Passes:" in shown.stdout


def test_cadences_come_from_settings_and_dates_may_be_optional(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"r.yaml": REGISTERS}
    longer = IMS + "settings:\n  review_days: {risk: 730, hazard: 366}\n  review_date_optional: [risk]\n"
    found = findings(cli, make_workspace(files, manifest=longer), "stale-record")
    assert not any(f.startswith(("r.yaml:2:", "r.yaml:4:", "r.yaml:7:")) for f in found)  # RSK-8 in time, RSK-10 optional
    assert ("r.yaml:1:66: RSK-7 was last reviewed on 2012-05-01; risks and opportunities are reviewed every 730 days "
            "(review_days.risk), so it is 4,587 days overdue") in found
    assert len(found) == 6  # RSK-7 and the five other registers still on 365 days
    shorter = findings(cli, make_workspace(files, manifest=IMS + "settings: {review_days: {risk: 1}}\n"), "stale-record")
    assert "r.yaml:3:59: RSK-9 was last reviewed on 2025-11-21; risks and opportunities are reviewed every 1 day " \
           "(review_days.risk), so it is 364 days overdue" in shorter


def test_evidence_age_comes_from_settings(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"s.yaml": STALE, "e.txt": "evidence\n"}
    root = make_workspace(files, manifest=MANIFEST + "settings: {evidence_max_age_days: 3000}\n")
    assert findings(cli, root, "stale-evidence") == set()
    root = make_workspace(files, manifest=MANIFEST + "settings: {evidence_max_age_days: 30}\n")
    assert "s.yaml:12:35: DOC-3 is approved, but its evidence, 'e.txt', is dated 2025-11-21, 365 days ago; evidence " \
           "behind a current record may be at most 30 days old (evidence_max_age_days)" in findings(cli, root, "stale-evidence")


IMPLEMENTED = "- {{id: SOA-{n}, kind: control, title: Control {n}, control: 'iso27001:A.5.{n}', applicable: true, " \
              "justification: Needed, status: implemented{extra}}}\n"


def test_implemented_controls_without_support_or_with_stale_support_are_partial(cli: Cli, make_workspace: MakeWorkspace) -> None:
    old = ", evidence: [{path: e.txt, date: 2024-01-10}]"
    soa = "".join([
        IMPLEMENTED.format(n=1, extra=""),  # nothing shows it at work
        IMPLEMENTED.format(n=2, extra=", implementation: Access reviewed quarterly in the IdP"),
        IMPLEMENTED.format(n=3, extra=", evidence: [{path: e.txt}]"),
        IMPLEMENTED.format(n=4, extra=""),  # named by an approved procedure
        IMPLEMENTED.format(n=5, extra=""),  # named by a draft only
        IMPLEMENTED.format(n=6, extra=old),  # its only support is evidence from 2024
        IMPLEMENTED.format(n=7, extra=old + ", implementation: Screening on hire"),
        IMPLEMENTED.format(n=8, extra=", evidence: [{path: e.txt, date: 2025-11-21}]"),  # 365 days: fresh
        "- {id: SOA-9, kind: control, title: Control 9, control: 'iso27001:A.5.9', applicable: true, justification: Needed, "
        "status: partial}\n",
    ])
    docs = ("- {id: PRO-4, kind: document, type: procedure, title: Threat intel, status: approved, approved_on: 2026-06-01, "
            "clauses: ['iso27001:A.5.4']}\n"
            "- {id: PRO-5, kind: document, type: procedure, title: Contacts, status: draft, clauses: ['iso27001:A.5.5']}\n")
    root = make_workspace({"soa.yaml": soa, "d.yaml": docs, "e.txt": "evidence\n"}, manifest=ISO27001)
    clauses = gap(cli, root)
    status = {n: (clauses[f"iso27001-2022 A.5.{n}"]["status"], clauses[f"iso27001-2022 A.5.{n}"]["reasons"])
              for n in range(1, 10)}
    assert status[1] == ("partial", ["SoA row SOA-1: implemented without implementation text or evidence"])
    assert status[5] == ("partial", ["SoA row SOA-5: implemented without implementation text or evidence"])
    assert status[6] == ("partial", ["evidence older than 365 days: SOA-6 (2024-01-10)"])
    assert status[9] == ("partial", ["SoA row SOA-9: status partial"])
    assert {n for n, (s, _) in status.items() if s == "covered"} == {2, 3, 4, 7, 8}
    text = cli("gap", str(root), "--today", TODAY, "-f", "md").stdout
    assert "implemented without implementation text or evidence" in text and "evidence older than 365 days" in text


def test_is_supported_is_the_one_test_of_an_implemented_control(make_workspace: MakeWorkspace) -> None:
    from isoctl import load_workspace
    from isoctl.analysis.coverage import is_supported
    from isoctl.analysis.evidence import collect
    from isoctl.model.records import Control

    soa = IMPLEMENTED.format(n=1, extra="") + IMPLEMENTED.format(n=2, extra=", implementation: '  '") \
        + IMPLEMENTED.format(n=3, extra="") + IMPLEMENTED.format(n=4, extra=", evidence: [{url: 'https://example.com/x'}]") \
        + IMPLEMENTED.format(n=5, extra="") + IMPLEMENTED.format(n=6, extra="") + IMPLEMENTED.format(n=7, extra="")
    docs = ("- {id: PRO-3, kind: document, type: procedure, title: Roles, status: approved, approved_on: 2026-06-01, "
            "clauses: ['iso27001:A.5.3']}\n"
            "- {id: SOA-X, kind: control, title: Other row, control: 'iso27001:A.5.9', applicable: false, justification: n/a,"
            " clauses: ['iso27001:A.5.1']}\n"
            "- {id: RSK-1, kind: risk, title: Phishing, controls: [SOA-5, 'iso27001:A.5.6', 'iso27001:A.5']}\n"
            "- {id: POL-1, kind: document, type: policy, title: Whole theme, status: approved, approved_on: 2026-06-01, "
            "clauses: ['iso27001:A.5']}\n"
            "- {id: PRO-7, kind: document, type: procedure, title: Draft, status: draft, clauses: ['iso27001:A.5.7']}\n")
    workspace = load_workspace(make_workspace({"soa.yaml": soa, "d.yaml": docs}, manifest=ISO27001))
    evidence = collect(workspace.records, workspace.catalogs, workspace.editions)
    supported = {r.id: is_supported(r.model, evidence) for r in workspace.records if isinstance(r.model, Control)}
    # SOA-1: another row names it; SOA-2: blank text; SOA-7: a draft only; the whole theme A.5 supports no control
    assert supported == {"SOA-1": True, "SOA-2": False, "SOA-3": True, "SOA-4": True, "SOA-5": True, "SOA-6": True,
                         "SOA-7": False, "SOA-X": False}


def test_a_clause_whose_only_support_is_stale_evidence_is_partial(cli: Cli, make_workspace: MakeWorkspace) -> None:
    process = ("- {{id: DOC-K, kind: document, type: manual, title: Know-how, status: approved, approved_on: 2026-06-01, "
               "clauses: [iso9001:7.1.6], evidence: [{{path: e.txt, date: {}}}]}}\n")
    root = make_workspace({"p.yaml": process.format("2025-11-20"), "e.txt": "evidence\n"})
    item = gap(cli, root)["iso9001-2015 7.1.6"]
    assert (item["status"], item["reasons"]) == ("partial", ["evidence older than 365 days: DOC-K (2025-11-20)"])
    found = findings(cli, root, "partial-clause")
    assert ("isoctl.yaml:3:13: iso9001-2015 7.1.6 Organizational knowledge: evidence older than 365 days: "
            "DOC-K (2025-11-20)") in found
    assert gap(cli, make_workspace({"p.yaml": process.format("2025-11-21")}))["iso9001-2015 7.1.6"]["status"] == "covered"
    # another record without dated evidence also supports the clause: it is covered again
    also = "- {id: PRC-2, kind: process, title: Lessons learnt, clauses: [iso9001:7.1.6]}\n"
    root = make_workspace({"p.yaml": process.format("2025-11-20") + also})
    assert gap(cli, root)["iso9001-2015 7.1.6"]["status"] == "covered"
    # the records of events are as old as the event: an audit with old evidence still supports the clause
    audit = ("- {id: AUD-1, kind: audit, title: Knowledge, type: internal, status: done, date: 2020-01-01, "
             "clauses: [iso9001:7.1.6], evidence: [{path: e.txt, date: 2020-01-01}]}\n")
    assert gap(cli, make_workspace({"p.yaml": process.format("2025-11-20") + audit}))["iso9001-2015 7.1.6"]["status"] == "covered"


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("override", ["error", "info", "off"])
def test_severity_can_be_set_in_the_manifest(cli: Cli, make_workspace: MakeWorkspace, rule: str, override: str) -> None:
    files, manifest = next((f, m) for r, f, m, e in CASES if r == rule and e)
    root = make_workspace(files, manifest=manifest + f"rules: {{{rule}: '{override}'}}\n")
    result = cli("check", str(root), "-f", "json", "--select", rule, "--today", TODAY)
    found = json.loads(result.stdout)["findings"]
    if override == "off":
        assert found == [] and result.exit_code == 0
    else:
        assert found and {f["severity"] for f in found} == {override}
        assert result.exit_code == (1 if override == "error" else 0)


def test_findings_reach_the_counts_and_every_ci_format(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {
        "r.yaml": REGISTERS.splitlines()[0] + "\n",
        "o.yaml": OBLIGATIONS.splitlines()[0] + "\n",
        "s.yaml": STALE,
        "f.yaml": FUTURE.split("- {id: RSK-1")[0],
        "e.txt": "evidence\n",
    }
    root = make_workspace(files, manifest=IMS)
    args = ["check", str(root), "--today", TODAY, *[a for r in RULES for a in ("--select", r)]]
    data = json.loads(cli(*args, "-f", "json").stdout)
    by_rule = {r: [f for f in data["findings"] if f["rule"] == r] for r in RULES}
    assert all(by_rule.values())
    assert data["summary"]["error"] == len(by_rule["noncompliant-obligation"]) + len(by_rule["future-evidence"])
    assert data["summary"]["warning"] == len(by_rule["stale-record"]) + len(by_rule["stale-evidence"])
    sarif = json.loads(cli(*args, "-f", "sarif").stdout)["runs"][0]
    assert {r["ruleId"] for r in sarif["results"]} == set(RULES)
    assert set(RULES) <= {r["id"] for r in sarif["tool"]["driver"]["rules"]}
    suites = ET.fromstring(cli(*args, "-f", "junit", "--fail-on", "warning").stdout)  # the warnings fail too
    assert {f.get("type") for f in suites.iter("failure")} >= set(RULES)
    github = cli(*args, "-f", "github").stdout
    assert all(f"title={r}::" in github for r in RULES)
    gitlab = json.loads(cli(*args, "-f", "gitlab").stdout)
    assert {issue["check_name"] for issue in gitlab} == set(RULES)
