"""Substance and closure rules (issue "Nothing decays silently"): failing, passing and boundary cases through the real CLI.

Each case is a workspace and the findings a user sees (``file:line:col:
message``) for one rule, at a fixed ``--today``. Thresholds come from
isoctl.yaml ``settings``: ``hazard_high_rating``, ``independent_approval``,
``verification_min_days`` and ``recurrence_days``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

from isoctl.rules.substance import MIN_WORDS, placeholders, word_count

TODAY = "2026-11-21"
ISO27001 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2022]")

RULES = ("unsupported-implementation", "unfinished-document", "weak-hazard-controls", "approver-not-authorised",
         "rushed-closure", "recurring-nonconformity")


def findings(cli: Cli, root: Path, rule: str) -> set[str]:
    """``isoctl check --select RULE`` as a user runs it: the findings as ``path:line:col: message``."""
    result = cli("check", str(root), "-f", "json", "--select", rule, "--today", TODAY)
    assert result.exit_code == 0, result.stderr  # every rule here is a warning by default
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in json.loads(result.stdout)["findings"]
            if f["rule"] == rule}


def settings(**values: object) -> str:
    return MANIFEST + "settings: {" + ", ".join(f"{k}: {str(v).lower()}" for k, v in values.items()) + "}\n"


def words(count: int) -> str:
    """A paragraph of ``count`` words."""
    return " ".join(["word"] * count) + "\n"


def document(status: str, body: str, *, extra: str = "") -> str:
    """A Markdown document: five lines of front matter, a heading and a blank line, so the body proper starts on line 10."""
    return (f"---\nid: DOC-1\nkind: document\ntype: procedure\ntitle: Returns\nstatus: {status}{extra}\n---\n"
            f"# Returns\n\n{body}")


APPROVED = "status: approved"
NOTHING = ("nothing shows how: no implementation text, no evidence, and no approved document, other record or risk "
           "names the control")

SOA = """\
- {id: SOA-5.15, kind: control, title: Access, control: iso27001:A.5.15, applicable: true, justification: r, status: implemented}
- {id: SOA-5.16, kind: control, title: Identity, control: iso27001:A.5.16, applicable: true, justification: r,
   status: implemented, implementation: "Accounts are created from the HR starter form only"}
- {id: SOA-5.17, kind: control, title: Auth, control: iso27001:A.5.17, applicable: true, justification: r, status: implemented,
   evidence: [{url: "https://intranet.example.com/password-standard"}]}
- {id: SOA-5.18, kind: control, title: Rights, control: iso27001:A.5.18, applicable: true, justification: r, status: implemented}
- {id: SOA-5.19, kind: control, title: Suppliers, control: iso27001:A.5.19, applicable: true, justification: r, status: implemented}
- {id: SOA-5.20, kind: control, title: Agreements, control: iso27001:A.5.20, applicable: true, justification: r, status: implemented}
- {id: SOA-5.21, kind: control, title: ICT supply, control: iso27001:A.5.21, applicable: true, justification: r,
   status: implemented, clauses: [iso27001:A.5.21]}
- {id: SOA-5.22, kind: control, title: Monitoring, control: iso27001:A.5.22, applicable: true, justification: r, status: partial}
- {id: SOA-5.23, kind: control, title: Cloud, control: iso27001:A.5.23, applicable: false, justification: No cloud services}
- {id: SOA-8.1, kind: control, title: Endpoints, control: iso27001:A.8.1, applicable: true, justification: r, status: implemented}
- {id: SOA-8.2, kind: control, title: Privileged, control: iso27001:A.8.2, applicable: true, justification: r, status: implemented,
   implementation: "  "}
"""
LINKS = """\
- {id: PRO-ACCESS, kind: document, type: procedure, title: Access rights, status: approved, clauses: [iso27001:A.5.18]}
- {id: PRO-ENDPOINT, kind: document, type: procedure, title: Laptops, status: draft, clauses: [iso27001:A.8.1]}
- {id: RSK-1, kind: risk, title: Supplier breach, controls: [SOA-5.19, iso27001:A.5.20]}
"""

HAZARDS = """\
- {id: HAZ-1, kind: hazard, title: Dock edge, activity: Loading, hazard: Fall from the dock, rating: 15,
   controls: [{control: Loading procedure, level: administrative}, {control: Safety boots, level: ppe}]}
- {id: HAZ-2, kind: hazard, title: Dock edge, activity: Loading, hazard: Trailer creep, rating: 14,
   controls: [{control: Loading procedure, level: administrative}]}
- {id: HAZ-3, kind: hazard, title: Forklifts, activity: Picking, hazard: Struck by forklift, rating: 20,
   controls: [{control: Barrier between aisles and walkways, level: engineering}, {control: Hi-vis, level: ppe}]}
- {id: HAZ-4, kind: hazard, title: Noise, activity: Baling, hazard: Noise from the baler, rating: 16,
   controls: [{control: Ear defenders, level: ppe}]}
- {id: HAZ-5, kind: hazard, title: Cuts, activity: Unpacking, hazard: Knife cuts, controls: []}
- {id: HAZ-6, kind: hazard, title: Lifting, activity: Picking, hazard: Manual handling}
"""

POLICIES = """\
- {id: POL-1, kind: document, type: policy, title: Quality policy, status: approved, approved_by: akhan, owner: akhan}
- {id: POL-2, kind: document, type: policy, title: Safety policy, status: approved, approved_by: jsmith, owner: akhan}
- {id: POL-3, kind: document, type: policy, title: Old policy, status: draft, approved_by: akhan}
- {id: POL-4, kind: document, type: policy, title: Environment policy, status: approved, approved_by: pjones}
- {id: PRO-1, kind: document, type: procedure, title: Returns, status: approved, approved_by: akhan, owner: akhan}
- {id: PRO-2, kind: document, type: procedure, title: Picking, status: approved, approved_by: jsmith, owner: akhan}
"""


def action(record_id: str, raised: str, *, kind: str = "nonconformity", closed: str | None = None,
           verified: str | None = None, effective: bool = True, extra: str = "") -> str:
    """One action as a flow mapping on one line; closed when ``closed`` or ``verified`` is given."""
    fields = f"id: {record_id}, kind: action, type: {kind}, title: Problem, raised_on: {raised}"
    if closed or verified:
        fields += ", status: closed, root_cause: No check, corrective_action: Check added"
    if closed:
        fields += f", closed_on: {closed}"
    if verified:
        fields += f", verification: {{on: {verified}, by: jsmith, effective: {str(effective).lower()}}}"
    return "- {" + fields + extra + "}\n"


def too_soon(record_id: str, what: str, start: str, on: str, when: str, kind: str = "nonconformity", minimum: int = 30) -> str:
    return (f"{record_id} ({kind}) was {what} on {start} and found effective on {on}, {when}: too soon to see whether "
            f"the corrective action works (verification_min_days: {minimum})")


EARLIER = action("ACT-3", "2026-03-01", closed="2026-06-01", verified="2026-08-01", extra=", clauses: [iso9001:7.1.5]")
PROCESS = "id: PRC-1\nkind: process\ntitle: Goods in\nclauses: [iso9001:8.5.1]\n"


def recurred(record_id: str, raised: str, *, on: str = "clause iso9001:7.1.5", before: str = "ACT-3",
             closed: str = "2026-06-01", gap: str, kind: str = "nonconformity") -> str:
    return (f"{record_id} ({kind}, raised {raised}) is on {on}, like {before}, which was closed on {closed} with its "
            f"corrective action found effective, {gap} earlier (recurrence_days: 365): that corrective action did not "
            "stop it coming back")


CASES = [
    # rule, files, manifest, expected findings (empty: passes)
    ("unsupported-implementation", {"soa.yaml": SOA, "links.yaml": LINKS}, ISO27001,
     {f"soa.yaml:1:118: SOA-5.15 marks iso27001:A.5.15 implemented but {NOTHING}",
      f"soa.yaml:10:12: SOA-5.21 marks iso27001:A.5.21 implemented but {NOTHING}",  # naming itself is no support
      f"soa.yaml:13:119: SOA-8.1 marks iso27001:A.8.1 implemented but {NOTHING}",  # a draft shows nothing at work
      f"soa.yaml:14:120: SOA-8.2 marks iso27001:A.8.2 implemented but {NOTHING}"}),
    ("unsupported-implementation",
     {"soa.yaml": SOA, "links.yaml": LINKS + "- {id: PRO-2, kind: document, type: procedure, title: Rights, status: approved, "
      "clauses: [iso27001:A.5.15, iso27001:A.5.21, iso27001:A.8.1, iso27001:A.8.2]}\n"}, ISO27001, set()),
    ("unfinished-document", {"d.md": document("approved", "Goods come back to bay 3.\nTODO: list the sites\n" + words(40))},
     MANIFEST, {'d.md:11:1: DOC-1 is approved but still holds placeholder text: "TODO" on line 11'}),
    ("unfinished-document",
     {"d.md": document("approved", "Owner: [Insert name]. Lorem ipsum dolor.\n\nDates TBD, TBD and FIXME.\n" + words(40)),
      "e.md": document("approved", "Draft of 2026-01-15. Prompts only.\n" + words(40)).replace("DOC-1", "DOC-2")},
     MANIFEST,
     {'d.md:10:8: DOC-1 is approved but still holds placeholder text: "[Insert name]" on line 10, and 4 more on lines 10, 12',
      'e.md:10:1: DOC-2 is approved but still holds placeholder text: "Draft of 2026-01-15" (the draft note isoctl init '
      'writes) on line 10'}),
    ("unfinished-document",  # words that only look like placeholders, placeholders shown as code, and drafts
     {"d.md": document("approved", "Our TODOS list, xxx-large boxes, the TODO_LIST table and `TODO` markers.\n\n"
                                   "```\nFIXME: an example of a note\n```\n" + words(30)),
      "e.md": document("draft", "TODO: everything\n").replace("DOC-1", "DOC-2")}, MANIFEST, set()),
    ("unfinished-document", {"d.md": document("approved", words(MIN_WORDS - 1)),
                             "e.md": "---\nid: DOC-2\nkind: document\ntype: form\ntitle: Log\nstatus: approved\n---\n"},
     MANIFEST,
     {"d.md:6:9: DOC-1 is approved but its text has fewer than 30 words: too little for a finished document",
      "e.md:6:9: DOC-2 is approved but it has no text: too little for a finished document"}),
    ("unfinished-document", {"d.md": document("approved", words(MIN_WORDS))}, MANIFEST, set()),
    ("unfinished-document",  # a short note pointing at the real document; and a YAML record has no text to judge
     {"d.md": document("approved", "See the PDF.\n", extra="\npath: returns.pdf"), "returns.pdf": "%PDF-1.4\n",
      "e.yaml": "{id: DOC-2, kind: document, type: form, title: Checklist, status: approved}\n"}, MANIFEST, set()),
    ("weak-hazard-controls", {"h.yaml": HAZARDS}, MANIFEST,
     {"h.yaml:1:102: HAZ-1 (Fall from the dock) is rated 15 (hazard_high_rating: 15) but is controlled only by "
      "administrative controls and PPE: nothing eliminates, substitutes or engineers out the hazard",
      "h.yaml:7:99: HAZ-4 (Noise from the baler) is rated 16 (hazard_high_rating: 15) but is controlled only by PPE: "
      "nothing eliminates, substitutes or engineers out the hazard",
      "h.yaml:9:83: HAZ-5 (Knife cuts) has no controls recorded",
      "h.yaml:10:3: HAZ-6 (Manual handling) has no controls recorded"}),
    ("weak-hazard-controls", {"h.yaml": "\n".join(HAZARDS.splitlines()[2:6]) + "\n"}, MANIFEST, set()),
    ("approver-not-authorised", {"d.yaml": POLICIES}, MANIFEST,
     {"d.yaml:1:99: POL-1 is a policy approved by akhan (Amir Khan), who is not top management "
      "(top management in isoctl.yaml: jsmith)",
      "d.yaml:4:103: POL-4 is a policy approved by pjones, who is not a person in isoctl.yaml people, so not known to be "
      "top management (top management in isoctl.yaml: jsmith)"}),
    ("approver-not-authorised", {"d.yaml": POLICIES.replace("approved_by: akhan, owner: akhan}", "approved_by: jsmith}", 1)
                                 .replace("pjones", "jsmith")}, MANIFEST, set()),
    ("approver-not-authorised", {"d.yaml": POLICIES.splitlines()[4] + "\n"}, settings(independent_approval=True),
     {"d.yaml:1:95: PRO-1 was approved by its own owner, akhan; with independent_approval: true someone else must approve it"}),
    ("approver-not-authorised", {"d.yaml": POLICIES.splitlines()[5] + "\n"}, settings(independent_approval=True), set()),
    ("rushed-closure",
     {"a.yaml": action("ACT-1", "2026-05-01", closed="2026-06-01", verified="2026-06-01")
      + action("ACT-2", "2026-05-01", kind="incident", closed="2026-06-01", verified="2026-06-30")
      + action("ACT-3", "2026-05-20", closed="2026-06-10", verified="2026-06-01")},  # checked before closing: from raising
     MANIFEST,
     {"a.yaml:1:201: " + too_soon("ACT-1", "closed", "2026-06-01", "2026-06-01", "the same day"),
      "a.yaml:2:196: " + too_soon("ACT-2", "closed", "2026-06-01", "2026-06-30", "29 days later", kind="incident"),
      "a.yaml:3:201: " + too_soon("ACT-3", "raised", "2026-05-20", "2026-06-01", "12 days later")}),
    ("rushed-closure",
     {"a.yaml": action("ACT-1", "2026-05-01", closed="2026-06-01", verified="2026-07-01")  # exactly 30 days
      + action("ACT-2", "2026-05-01", closed="2026-06-01", verified="2026-07-02")
      + action("ACT-3", "2026-05-01", closed="2026-06-01", verified="2026-06-01", effective=False)  # found not to work
      + action("ACT-4", "2026-05-01", kind="improvement", closed="2026-06-01", verified="2026-06-01")}, MANIFEST, set()),
    ("recurring-nonconformity",
     {"a.yaml": EARLIER + action("ACT-9", "2026-09-01", extra=", clauses: [iso9001:7.1.5]")
      + action("ACT-10", "2027-06-01", kind="incident", extra=", clauses: [iso9001-2015:7.1.5]"),  # 365 days: the last
      "b.yaml": action("ACT-4", "2026-01-10", closed="2026-02-01", verified="2026-04-01", extra=", related: [PRC-1]")
      + action("ACT-5", "2026-03-01", extra=", related: [SUP-1, PRC-1]"), "p.yaml": PROCESS},
     MANIFEST,
     {"a.yaml:2:99: " + recurred("ACT-9", "2026-09-01", gap="92 days"),
      "a.yaml:3:95: " + recurred("ACT-10", "2027-06-01", on="clause iso9001-2015:7.1.5", gap="365 days", kind="incident"),
      "b.yaml:2:106: " + recurred("ACT-5", "2026-03-01", on="process PRC-1", before="ACT-4", closed="2026-02-01",
                                  gap="28 days")}),
    ("recurring-nonconformity",
     {"a.yaml": EARLIER + action("ACT-9", "2027-06-02", extra=", clauses: [iso9001:7.1.5]")  # 366 days later
      + action("ACT-10", "2026-05-01", extra=", clauses: [iso9001:7.1.5]")  # raised before ACT-3 was closed
      + action("ACT-11", "2026-09-01", extra=", clauses: [iso9001:7.1.6]")  # another clause
      + action("ACT-12", "2026-09-01", kind="ofi", extra=", clauses: [iso9001:7.1.5]"),  # not a nonconformity
      "b.yaml": action("ACT-4", "2026-01-10", closed="2026-02-01", verified="2026-04-01", effective=False,
                       extra=", related: [PRC-1], clauses: [iso9001:10.2, iso9001:8.7]")  # its check found it did not work
      + action("ACT-6", "2026-01-10", closed="2026-02-01", verified="2026-04-01", extra=", clauses: [iso9001:10.2, hs:10]")
      + action("ACT-5", "2026-03-01", extra=", related: [PRC-1], clauses: [iso9001:10.2, iso9001:8.7]")  # handling clauses
      + action("ACT-7", "2026-01-10", closed="2026-02-01", verified="2026-04-01", extra=", related: [SUP-1]")
      + action("ACT-8", "2026-03-01", extra=", related: [SUP-1]"),  # not a process
      "p.yaml": PROCESS, "s.yaml": "{id: SUP-1, kind: supplier, title: Hauler, service: Trunking}\n"}, MANIFEST, set()),
]


@pytest.mark.parametrize(("rule", "files", "manifest", "expected"), CASES)
def test_substance_and_closure_rule_cases(cli: Cli, make_workspace: MakeWorkspace, rule: str, files: dict[str, str],
                                          manifest: str, expected: set[str]) -> None:
    assert findings(cli, make_workspace(files, manifest=manifest), rule) == expected


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    failing = {rule for rule, _, _, expected in CASES if expected}
    passing = {rule for rule, _, _, expected in CASES if not expected}
    assert failing == passing == set(RULES)


@pytest.mark.parametrize(("rule", "files", "setting", "before", "after"), [
    ("weak-hazard-controls", {"h.yaml": HAZARDS.splitlines()[0] + "\n" + HAZARDS.splitlines()[1] + "\n"},
     {"hazard_high_rating": 16}, 1, 0),
    ("weak-hazard-controls", {"h.yaml": "\n".join(HAZARDS.splitlines()[2:4]) + "\n"}, {"hazard_high_rating": 14}, 0, 1),
    ("approver-not-authorised", {"d.yaml": POLICIES.splitlines()[4] + "\n"}, {"independent_approval": True}, 0, 1),
    ("rushed-closure", {"a.yaml": action("ACT-1", "2026-05-01", closed="2026-06-01", verified="2026-06-15")},
     {"verification_min_days": 14}, 1, 0),
    ("rushed-closure", {"a.yaml": action("ACT-1", "2026-05-01", closed="2026-06-01", verified="2026-07-15")},
     {"verification_min_days": 45}, 0, 1),
    ("recurring-nonconformity", {"a.yaml": EARLIER + action("ACT-9", "2026-09-01", extra=", clauses: [iso9001:7.1.5]")},
     {"recurrence_days": 91}, 1, 0),
    ("recurring-nonconformity", {"a.yaml": EARLIER + action("ACT-9", "2027-09-01", extra=", clauses: [iso9001:7.1.5]")},
     {"recurrence_days": 730}, 0, 1),
])
def test_thresholds_come_from_manifest_settings(cli: Cli, make_workspace: MakeWorkspace, rule: str, files: dict[str, str],
                                                setting: dict[str, object], before: int, after: int) -> None:
    assert len(findings(cli, make_workspace(files), rule)) == before
    assert len(findings(cli, make_workspace(files, manifest=settings(**setting)), rule)) == after


def test_the_threshold_is_named_in_the_message(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"a.yaml": action("ACT-1", "2026-05-01", closed="2026-06-01", verified="2026-06-15")},
                          manifest=settings(verification_min_days=20))
    assert findings(cli, root, "rushed-closure") == {
        "a.yaml:1:201: " + too_soon("ACT-1", "closed", "2026-06-01", "2026-06-15", "14 days later", minimum=20)}


def test_coverage_counts_the_same_controls_partial(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """The rule and the gap analysis agree: a control implemented on paper only is a partial clause too."""
    root = make_workspace({"soa.yaml": SOA, "links.yaml": LINKS}, manifest=ISO27001)
    data = json.loads(cli("check", str(root), "-f", "json", "--today", TODAY).stdout)
    partial = {f["message"].split()[1] for f in data["findings"]
               if f["rule"] == "partial-clause" and "implemented without implementation text or evidence" in f["message"]}
    reported = {f["message"].split()[2].removeprefix("iso27001:") for f in data["findings"]
                if f["rule"] == "unsupported-implementation"}
    assert reported == partial == {"A.5.15", "A.5.21", "A.8.1", "A.8.2"}


def test_a_catch_all_document_supports_no_control(cli: Cli, make_workspace: MakeWorkspace) -> None:
    # One document naming every control one by one, and every row set to implemented by search and replace.
    controls = [f"iso27001:A.8.{n}" for n in range(1, 22)]
    rows = "".join(f"- {{id: SOA-8.{n}, kind: control, title: C{n}, control: iso27001:A.8.{n}, applicable: true, "
                   f"justification: r, status: implemented}}\n" for n in range(1, 22))
    manual = ("- {id: MAN-ISMS, kind: document, type: manual, title: ISMS manual, status: approved, "
              f"clauses: [{', '.join(controls)}]}}\n")
    root = make_workspace({"soa.yaml": rows, "manual.yaml": manual}, manifest=ISO27001)
    assert len(findings(cli, root, "unsupported-implementation")) == 21
    # The same manual naming twenty controls is a real document that shows each of them at work.
    make_workspace({"manual.yaml": manual.replace(", iso27001:A.8.21", "")}, manifest=ISO27001)
    assert {f.split(": ")[1].split()[0] for f in findings(cli, root, "unsupported-implementation")} == {"SOA-8.21"}


def test_incident_handling_controls_are_not_a_recurrence(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """Every information security incident names the incident response controls; two incidents are not one problem."""
    files = {"a.yaml": action("ACT-1", "2026-01-10", kind="incident", closed="2026-02-01", verified="2026-04-01",
                              extra=", clauses: [iso27001:A.5.26, iso27001:A.7.9]")
             + action("ACT-2", "2026-03-01", kind="incident", extra=", clauses: [iso27001:A.5.26, iso27001:A.8.7]")}
    assert findings(cli, make_workspace(files, manifest=ISO27001), "recurring-nonconformity") == set()
    files["a.yaml"] = files["a.yaml"].replace("A.8.7", "A.7.9")
    assert findings(cli, make_workspace(files, manifest=ISO27001), "recurring-nonconformity") == {
        "a.yaml:2:111: " + recurred("ACT-2", "2026-03-01", kind="incident", on="clause iso27001:A.7.9", before="ACT-1",
                                    closed="2026-02-01", gap="28 days")}


def test_approved_init_drafts_are_unfinished(cli: Cli, tmp_path: Path) -> None:
    """Marking `isoctl init`'s scaffolded documents approved, unchanged, must not pass."""
    cli("init", "ws", "--org", "Acme Ltd", "--standard", "iso9001:2015", "--standard", "iso45001:2018", "--no-git",
        cwd=tmp_path).expect(0)
    root = tmp_path / "ws"
    drafts = sorted(p for p in root.rglob("*.md") if "status: draft" in p.read_text(encoding="utf-8"))
    assert len(drafts) >= 4  # the policies, the scope, document control
    for path in drafts:
        path.write_text(path.read_text(encoding="utf-8").replace("status: draft", APPROVED), encoding="utf-8")
    found = findings(cli, root, "unfinished-document")
    assert {line.split(":", 1)[0] for line in found} == {str(p.relative_to(root).as_posix()) for p in drafts}
    assert all("(the draft note isoctl init writes)" in line for line in found)
    # with the draft note gone, the TODO prompts still hold them back
    for path in drafts:
        text = path.read_text(encoding="utf-8")
        path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("Draft of ")) + "\n",
                        encoding="utf-8")
    assert all('"TODO" on line' in line for line in findings(cli, root, "unfinished-document"))


@pytest.mark.parametrize(("body", "expected"), [
    ("TODO: write", ["TODO"]),
    ("(TBD) and XXX.", ["TBD", "XXX"]),
    ("todo, TODOs, TODOS, XXXL, xxx-large, TODO-list, FIXMEs, Todo", []),
    ("[insert site name] <Insert date> LOREM Ipsum", ["[insert site name]", "<Insert date>", "LOREM Ipsum"]),
    ("As drafted: Draft of 2026-01-15", []),  # the draft note opens a line
    ("Use `TODO` in code", []),
    ("~~~\nTODO\n~~~\nTODO", ["TODO"]),
])
def test_placeholders_are_whole_words(body: str, expected: list[str]) -> None:
    assert [p.text for p in placeholders(body)] == expected


def test_word_count_leaves_out_headings() -> None:
    assert word_count("# A heading of five words\n\nOne two three.\n## More\nIt's well-known, 2026.\n") == 6


IMS = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2015, iso27001:2022, iso45001:2018]")
#: One finding of each rule.
FAILING = {
    "soa.yaml": SOA.splitlines()[0] + "\n",
    "d.md": document("approved", "TODO: write it\n" + words(40)),
    "h.yaml": HAZARDS.splitlines()[0] + "\n" + HAZARDS.splitlines()[1] + "\n",
    "p.yaml": POLICIES.splitlines()[0] + "\n",
    "a.yaml": EARLIER.replace("2026-08-01", "2026-06-01") + action("ACT-9", "2026-09-01", extra=", clauses: [iso9001:7.1.5]"),
}


@pytest.mark.parametrize("level", ["error", "off"])
def test_severity_of_each_rule_can_be_overridden_in_the_manifest(cli: Cli, make_workspace: MakeWorkspace, level: str) -> None:
    root = make_workspace(FAILING, manifest=IMS + "rules: {" + ", ".join(f"{r}: {level}" for r in RULES) + "}\n")
    result = cli("check", str(root), "-f", "json", "--today", TODAY, *(a for r in RULES for a in ("--select", r)))
    found = json.loads(result.stdout)["findings"]
    if level == "off":
        assert result.exit_code == 0 and found == []
    else:
        assert result.exit_code == 1 and {f["rule"] for f in found} == set(RULES)
        assert {f["severity"] for f in found} == {"error"}


def test_findings_reach_the_counts_and_every_ci_format(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(FAILING, manifest=IMS)
    select = [a for r in RULES for a in ("--select", r)]

    def run(fmt: str) -> str:
        result = cli("check", str(root), "-f", fmt, "--today", TODAY, *select)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    data = json.loads(run("json"))
    assert sorted(f["rule"] for f in data["findings"]) == sorted(RULES)
    assert data["summary"]["warning"] == len(RULES) and data["summary"]["error"] == 0
    sarif = json.loads(run("sarif"))["runs"][0]
    assert {r["ruleId"] for r in sarif["results"]} == set(RULES)
    assert {r["level"] for r in sarif["results"]} == {"warning"}
    assert set(RULES) <= {r["id"] for r in sarif["tool"]["driver"]["rules"]}
    junit = ET.fromstring(run("junit"))  # warnings below --fail-on error: passing cases, the build is green
    assert not list(junit.iter("failure"))
    strict = cli("check", str(root), "-f", "junit", "--fail-on", "warning", "--today", TODAY, *select)
    failures = {f.get("type") for f in ET.fromstring(strict.stdout).iter("failure")}
    assert strict.exit_code == 1 and set(RULES) <= failures
    github = run("github").splitlines()
    assert {line.split("title=", 1)[1].split("::", 1)[0] for line in github if line.startswith("::warning")} == set(RULES)
    gitlab = json.loads(run("gitlab"))
    assert {issue["check_name"] for issue in gitlab} == set(RULES)
    assert {issue["severity"] for issue in gitlab} == {"minor"}
