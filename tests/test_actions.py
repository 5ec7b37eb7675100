"""``isoctl action``: raising, listing, showing, updating and closing actions, as users and scripts do it.

Round-trip edits are checked as golden diffs (tests/golden/roundtrip/) of
real files with comments, flow mappings, block scalars, sequences, front
matter and CRLF line endings: the diff is the whole change, so every line
outside it survived byte for byte.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli, GitRepo, Golden, MakeWorkspace, isoctl_command, isolate_git, read_until_closed

TODAY = "2026-07-01"
DATA = REPO / "tests" / "data" / "roundtrip"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def log_ws(make_workspace: MakeWorkspace) -> Path:
    """A workspace whose actions folder holds the round-trip fixtures."""
    return make_workspace({f"actions/{p.name}": p.read_text(encoding="utf-8") for p in DATA.iterdir()})


def diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{name}", f"b/{name}", n=2))


def env() -> dict[str, str]:
    return {**os.environ, "ISOCTL_TODAY": TODAY, "PYTHONDONTWRITEBYTECODE": "1"}


# -- action new ---------------------------------------------------------------------------------------------------


def test_new_takes_the_next_id_and_writes_a_valid_record_in_the_actions_folder(cli: Cli, golden: Golden, log_ws: Path) -> None:
    (log_ws / "audits").mkdir()
    (log_ws / "audits" / "findings.yaml").write_text("- {id: ACT-0007, kind: action, type: ofi, title: x, raised_on: 2026-01-01}\n")
    result = cli("action", "new", "--type", "nonconformity", "--title", "Pallet wrap: wrong gauge", "--clause", "iso9001:10.2",
                 "--clause", "hs:10.2", "--owner", "akhan", "--raised-by", "jsmith", "--due", "2026-08-31", "--severity", "minor",
                 "--source", "monitoring", "--description", "Wrap tore on 3 pallets.\nSupplier changed the gauge.", cwd=log_ws)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ACT-0071 actions/ACT-0071.yaml\n"  # highest was ACT-0070 (in improvement.md)
    golden("roundtrip/new-record.yaml", (log_ws / "actions" / "ACT-0071.yaml").read_text(encoding="utf-8"))
    check = cli("check", "--format", "json", "--exit-zero", cwd=log_ws)
    bad = [f for f in json.loads(check.stdout)["findings"] if f["path"] == "actions/ACT-0071.yaml"]
    assert bad == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "ACT-0001 actions/ACT-0001.yaml"),
        ({"capa/a.yaml": "- {id: ACT-00041, kind: action, type: ofi, title: x, raised_on: 2026-01-01}\n"
                         "- {id: ACT-00042, kind: action, type: ofi, title: y, raised_on: 2026-01-01}\n",
          "actions/b.yaml": "{id: ACT-9, kind: action, type: ofi, title: z, raised_on: 2026-01-01}\n"},
         "ACT-00043 capa/ACT-00043.yaml"),
        ({"log.yaml": "- id: ACT-9999\n  kind: action\n  type: ofi\n  title: x\n  raised_on: 2026-01-01\n"},
         "ACT-10000 ACT-10000.yaml"),
    ],
    ids=["empty-workspace", "wider-ids-in-the-busiest-folder", "root-folder-past-9999"],
)
def test_new_id_width_and_folder_follow_the_workspace(cli: Cli, make_workspace: MakeWorkspace, files: dict[str, str],
                                                         expected: str) -> None:
    root = make_workspace(files)
    result = cli("action", "new", "-t", "ofi", "--title", "Idea", cwd=root)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == expected
    assert (root / expected.split()[1]).is_file()


def test_new_without_type_or_title_off_a_terminal_is_exit_2_and_writes_nothing(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({})
    result = cli("action", "new", "--owner", "akhan", cwd=root)
    assert result.exit_code == 2
    assert "missing --type and --title" in result.stderr
    assert not (root / "actions").exists()


def test_new_asks_for_type_and_title_on_a_terminal(cli: Cli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from isoctl.cli import action
    from isoctl.cli.app import app

    root = make_workspace({})
    monkeypatch.setattr(action, "stdin_is_terminal", lambda: True)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["action", "new"], input="idea\nofi\n  Shorter quotes \n")
    assert result.exit_code == 0, result.output
    assert "'idea' is not one of" in result.output
    text = (root / "actions" / "ACT-0001.yaml").read_text()
    assert "type: ofi\n" in text and "title: Shorter quotes\n" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "akahn"], "--owner: 'akahn' is not a person in isoctl.yaml"),
        (["--raised-by", "nobody"], "--raised-by: 'nobody' is not a person in isoctl.yaml"),
        (["--clause", "iso9001:11.1"], "--clause iso9001:11.1: iso9001-2015 has no clause 11.1"),
        (["--clause", "iso14001:6.1"], "iso14001 is not in scope"),
        (["--due", "31/12/2026"], "--due: '31/12/2026' is not a date; write YYYY-MM-DD"),
        (["--raised-on", "2026-05-01", "--due", "2026-04-01"], "due 2026-04-01 is before raised_on 2026-05-01"),
        (["--severity", "huge"], "Invalid value for '--severity'"),
    ],
)
def test_new_refuses_invalid_input_before_writing(cli: Cli, make_workspace: MakeWorkspace, args: list[str],
                                                   message: str) -> None:
    root = make_workspace({})
    result = cli("action", "new", "-t", "nonconformity", "--title", "x", *args, cwd=root)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(root.rglob("ACT-*.yaml"))


def test_unknown_owner_gets_the_closest_person(cli: Cli, make_workspace: MakeWorkspace) -> None:
    result = cli("action", "new", "-t", "ofi", "--title", "x", "--owner", "akahn", cwd=make_workspace({}))
    assert result.exit_code == 2
    assert "hint: did you mean akhan?" in result.stderr


def test_new_points_editors_at_the_schema_when_the_workspace_has_one(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({".isoctl/schema/record.json": "{}", "actions/a.yaml": "[]\n"})
    assert cli("action", "new", "-t", "ofi", "--title", "x", cwd=root).exit_code == 0
    first = (root / "actions" / "ACT-0001.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../.isoctl/schema/record.json"


def test_parallel_new_never_share_an_id_or_a_file(make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"actions/log.yaml": (DATA / "log.yaml").read_text()})
    titles = [f"Parallel action {i}" for i in range(6)]
    procs = [subprocess.Popen([sys.executable, "-m", "isoctl", "action", "new", "-t", "ofi", "--title", t], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()) for t in titles]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in outputs]
    ids = [out.split()[0] for out, _ in outputs]
    assert sorted(ids) == [f"ACT-{n:04d}" for n in range(44, 50)]
    for (out, _), title in zip(outputs, titles, strict=True):
        assert f"title: {title}\n" in (root / out.split()[1]).read_text()
    assert sorted(p.name for p in (root / "actions").iterdir()) == sorted([f"{i}.yaml" for i in ids] + ["log.yaml"])


# -- action list and show -----------------------------------------------------------------------------------------


def test_list_shows_open_actions_by_due_date_undated_last_with_overdue_marked(cli: Cli, log_ws: Path) -> None:
    result = cli("action", "list", cwd=log_ws)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["ACT-0042", "ACT-0041", "ACT-0070", "ACT-0043", "ACT-0050",
                                                         "ACT-0051", "ACT-0052"]
    assert "2026-03-31 (92d overdue)" in lines[1]
    assert "2026-09-30" in lines[3] and "overdue" not in lines[3]
    assert lines[-1] == "7 actions, 2 overdue"
    assert "\x1b[" not in result.stdout  # no colour off a terminal


@pytest.mark.parametrize(("columns", "headers"), [
    (120, ["ID", "DUE", "STATUS", "TYPE", "SEVERITY", "OWNER", "TITLE"]),
    (80, ["ID", "DUE", "STATUS", "TITLE"]),  # the least needed columns go first; the id never
    (60, ["ID", "DUE", "TITLE"]),
])
def test_list_on_a_narrow_terminal_keeps_the_id(log_ws: Path, columns: int, headers: list[str]) -> None:
    # rich squashed the ID column to nothing at 80 columns; a long id pushed every other column out
    import pty

    long_id = "ACT-" + "x" * 80
    log = log_ws / "actions" / "long.yaml"
    log.write_text(f"id: {long_id}\nkind: action\ntype: ofi\ntitle: A long one\nraised_on: 2026-06-01\n",
                   encoding="utf-8")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*isoctl_command(), "action", "list"], cwd=log_ws, stdout=follower,
                            stderr=subprocess.PIPE, env={**env(), "NO_COLOR": "1", "COLUMNS": str(columns)})
    os.close(follower)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", read_until_closed(leader).decode("utf-8").replace("\r", ""))  # bold
    os.close(leader)
    assert proc.wait(timeout=30) == 0
    lines = shown.splitlines()
    assert lines[0].split() == headers
    assert max(len(line) for line in lines) <= columns
    assert [line.split()[0] for line in lines[1:-1]][:2] == ["ACT-0042", "ACT-0041"]
    assert any(line.startswith("ACT-xxxxxxxxxxxxxxxxxxx…") for line in lines)  # cut, not pushing the rest out


def test_list_filters(cli: Cli, log_ws: Path) -> None:
    def ids(*args: str) -> list[str]:
        result = cli("action", "list", "--format", "json", *args, cwd=log_ws)
        assert result.exit_code == 0, result.stderr
        return [a["id"] for a in json.loads(result.stdout)["actions"]]

    assert ids("--status", "closed") == ["ACT-0060"]
    assert ids("--status", "all")[-2:] == ["ACT-0052", "ACT-0060"] and len(ids("--status", "all")) == 8
    assert ids("--overdue") == ["ACT-0042", "ACT-0041"]
    assert ids("--overdue", "--today", "2026-04-15") == ["ACT-0042"]
    assert ids("--owner", "jsmith") == ["ACT-0043", "ACT-0051"]
    assert ids("--type", "nonconformity", "--type", "incident") == ["ACT-0042", "ACT-0043", "ACT-0051"]
    assert ids("--clause", "hs:10.2") == ["ACT-0042"]  # hs:10.2 is iso9001 10.2 here
    assert ids("--clause", "iso9001:10") == ["ACT-0042"]  # a parent clause takes in its sub-clauses
    assert ids("--clause", "iso9001:7.1") == []


def test_list_refuses_an_unknown_owner_or_clause(cli: Cli, log_ws: Path) -> None:
    owner = cli("action", "list", "--owner", "jsmit", cwd=log_ws)
    assert owner.exit_code == 2 and "did you mean jsmith?" in owner.stderr
    clause = cli("action", "list", "--clause", "iso9001:42", cwd=log_ws)
    assert clause.exit_code == 2 and "iso9001-2015 has no clause 42" in clause.stderr


def test_list_json_and_csv_are_stable(cli: Cli, golden: Golden, log_ws: Path) -> None:
    as_json = cli("action", "list", "--status", "all", "--format", "json", cwd=log_ws).stdout
    golden("roundtrip/list.json", as_json.replace(json.loads(as_json)["isoctl"], "VERSION"))
    golden("roundtrip/list.csv", cli("action", "list", "--status", "all", "--format", "csv", cwd=log_ws).stdout)
    assert cli("action", "list", "--status", "all", "--format", "csv", cwd=log_ws).stdout == \
        cli("action", "list", "--status", "all", "--format", "csv", cwd=log_ws).stdout


def test_list_warns_about_broken_action_records_and_lists_the_rest(cli: Cli, log_ws: Path) -> None:
    (log_ws / "actions" / "bad.yaml").write_text("id: ACT-0080\nkind: action\ntype: ofi\ntitle: x\nraised_on: 2026-01-01\nstatus: done\n")
    result = cli("action", "list", cwd=log_ws)
    assert result.exit_code == 0
    assert "warning: ACT-0080 at actions/bad.yaml:1 is not a valid action record: status: expected one of" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("7 actions")


def test_show_text_lists_every_field(cli: Cli, golden: Golden, log_ws: Path) -> None:
    result = cli("action", "show", "ACT-0042", cwd=log_ws)
    assert result.exit_code == 0
    golden("roundtrip/show-ACT-0042.txt", result.stdout)
    assert "status:            in-progress (overdue by 92 days, due 2026-03-31)" in result.stdout


def test_show_json_and_short_ids(cli: Cli, log_ws: Path) -> None:
    shown = json.loads(cli("action", "show", "42", "--format", "json", cwd=log_ws).stdout)
    assert shown["id"] == "ACT-0042" and shown["path"] == "actions/log.yaml" and shown["line"] == 13
    assert shown["root_cause"] == "the label template was copied from the old job"
    assert shown["overdue"] is True and shown["days_overdue"] == 92
    md = json.loads(cli("action", "show", "act-70", "-f", "json", cwd=log_ws).stdout)
    assert md["path"] == "actions/improvement.md" and md["body"].startswith("# Publish the environmental report")


def test_every_action_field_has_a_place_in_show() -> None:
    from isoctl.actions.formats import SHOW_ORDER
    from isoctl.model.records import Action

    assert set(SHOW_ORDER) | {"id", "title", "kind"} == set(Action.model_fields)


@pytest.mark.parametrize(
    ("wanted", "message", "hint"),
    [
        ("ACT-0045", "no action 'ACT-0045' in this workspace", "hint: closest: ACT-0043, ACT-0042, ACT-0041"),
        ("ACT-O042", "no action 'ACT-O042'", "closest: ACT-0042"),
    ],
)
def test_unknown_id_is_exit_2_with_the_closest_ids(cli: Cli, log_ws: Path, wanted: str, message: str, hint: str) -> None:
    for command in (["show", wanted], ["update", wanted, "--due", "2026-12-31"],
                    ["close", wanted, "--verified-by", "jsmith", "--effective"]):
        result = cli("action", *command, cwd=log_ws)
        assert result.exit_code == 2
        assert message in result.stderr and hint in result.stderr


def test_ids_that_are_not_one_action_are_refused(cli: Cli, log_ws: Path) -> None:
    (log_ws / "risks.yaml").write_text("- {id: RSK-1, kind: risk, title: Fire}\n- {id: ACT-0050, kind: risk, title: Twin}\n")
    assert "RSK-1 at risks.yaml:1 is a risk, not an action" in cli("action", "show", "RSK-1", cwd=log_ws).stderr
    duplicate = cli("action", "show", "ACT-0050", cwd=log_ws)
    assert duplicate.exit_code == 2
    assert "ACT-0050 is defined 2 times (actions/flow.yaml:2, risks.yaml:2)" in duplicate.stderr


# -- round-trip edits -----------------------------------------------------------------------------------------------

EDITS = [
    ("log.yaml", "close-middle", ["close", "ACT-0042", "--verified-by", "jsmith", "--effective", "--note", "No wrong labels since March"]),
    ("log.yaml", "update-fields", ["update", "ACT-0042", "--root-cause", "Template copied: no owner", "--due", "2026-04-30",
                                   "--correction", "Relabelled\nthe same day", "--title", "Wrong labels, batch 7"]),
    ("log.yaml", "update-append", ["update", "ACT-0041", "--status", "in-progress", "--severity", "minor",
                                   "--description", "Quote template\nwith fewer fields"]),
    ("log.yaml", "update-null", ["update", "ACT-0043", "--root-cause", "Checklist not in the cab", "--corrective-action",
                                 "Checklist fixed in the cab"]),
    ("flow.yaml", "close-flow", ["close", "ACT-0051", "--verified-by", "akhan", "--effective", "--note", "Checked: on time, all of them"]),
    ("flow.yaml", "not-effective-flow", ["close", "ACT-0052", "--verified-by", "akhan", "--not-effective", "--on", "2026-06-20"]),
    ("flow.yaml", "update-quoted", ["update", "ACT-0050", "--title", "Label printer: queue", "--owner", "jsmith"]),
    ("single.yaml", "verify-closed", ["close", "ACT-0060", "--verified-by", "jsmith", "--effective"]),
    ("single.yaml", "reopen", ["close", "ACT-0060", "--verified-by", "jsmith", "--not-effective", "--note", "Late again in June"]),
    ("improvement.md", "close-front-matter", ["close", "ACT-0070", "--verified-by", "jsmith", "--effective", "--on", "2026-06-30"]),
]


@pytest.mark.parametrize(("name", "case", "args"), EDITS, ids=[case for _, case, _ in EDITS])
def test_edits_change_only_what_they_must(cli: Cli, golden: Golden, log_ws: Path, name: str, case: str, args: list[str]) -> None:
    path = log_ws / "actions" / name
    before = path.read_text(encoding="utf-8")
    result = cli("action", *args, cwd=log_ws)
    assert result.exit_code == 0, result.stderr
    golden(f"roundtrip/{case}.diff", diff(before, path.read_text(encoding="utf-8"), name))
    check = json.loads(cli("check", "--format", "json", "--exit-zero", cwd=log_ws).stdout)
    assert [f for f in check["findings"] if f["rule"] in ("parse-error", "schema-error", "unknown-reference")] == []


def test_new_keys_follow_the_files_own_conventions(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example log writes verification as a flow mapping with ``"on"`` quoted; a closure does the same."""
    monkeypatch.setenv("ISOCTL_TODAY", "2026-11-21")  # the example's date
    root = tmp_path / "acme"
    shutil.copytree(REPO / "examples" / "acme-logistics", root)
    path = root / "actions" / "2026.yaml"
    before = path.read_text(encoding="utf-8")
    result = cli("action", "close", "ACT-0251", "--verified-by", "skhan", "--effective", "--force", "--note", "Sent",
                 "--on", "2026-11-21", cwd=root)
    assert result.exit_code == 0, result.stderr
    changed = [line for line in diff(before, path.read_text(encoding="utf-8"), "2026.yaml").splitlines()
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-  status: open", "+  status: closed", "+  closed_on: 2026-11-21",
                       '+  verification: {"on": 2026-11-21, by: skhan, effective: true, note: Sent}']


def test_crlf_files_keep_crlf_and_change_the_same_lines(cli: Cli, golden: Golden, log_ws: Path) -> None:
    path = log_ws / "actions" / "log.yaml"
    lf = path.read_bytes()
    path.write_bytes(lf.replace(b"\n", b"\r\n"))
    result = cli("action", *EDITS[0][2], cwd=log_ws)
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes()
    assert after.count(b"\r\n") == after.count(b"\n")  # every line ends in CRLF, the new ones too
    expected = (REPO / "tests" / "golden" / "roundtrip" / "close-middle.diff").read_text(encoding="utf-8")
    assert diff(lf.decode(), after.decode().replace("\r\n", "\n"), "log.yaml") == expected


def test_a_byte_order_mark_and_the_file_mode_survive(cli: Cli, log_ws: Path) -> None:
    path = log_ws / "actions" / "single.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    path.chmod(0o640)
    assert cli("action", "close", "ACT-0060", "--verified-by", "jsmith", "--effective", cwd=log_ws).exit_code == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf# Complaint from Customer B")
    assert (path.stat().st_mode & 0o777) == 0o640


def test_closing_a_nonconformity_needs_root_cause_and_corrective_action(cli: Cli, log_ws: Path) -> None:
    path = log_ws / "actions" / "log.yaml"
    before = path.read_bytes()
    refused = cli("action", "close", "ACT-0043", "--verified-by", "jsmith", "--effective", cwd=log_ws)
    assert refused.exit_code == 2
    assert "cannot close ACT-0043: an incident needs root_cause and corrective_action before it is closed" in refused.stderr
    assert "--root-cause TEXT --corrective-action TEXT" in refused.stderr
    assert path.read_bytes() == before
    forced = cli("action", "close", "ACT-0043", "--verified-by", "jsmith", "--effective", "--force", cwd=log_ws)
    assert forced.exit_code == 0
    shown = json.loads(cli("action", "show", "ACT-0043", "-f", "json", cwd=log_ws).stdout)
    assert shown["status"] == "closed" and shown["closed_on"] == TODAY
    assert shown["verification"] == {"on": TODAY, "by": "jsmith", "effective": True, "note": None}


def test_a_check_the_day_of_closing_is_said_at_once_and_closed_on_records_it_well(cli: Cli, log_ws: Path) -> None:
    # ACT-0042 (a nonconformity with its root cause and corrective action) closed and found effective today:
    # the command says what check will say of it, and how to record the closure when the action was completed
    rushed = cli("action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective", cwd=log_ws).expect(0)
    said = (f"ACT-0042 (nonconformity) was closed on {TODAY} and found effective on {TODAY}, the same day: too soon "
            "to see whether the corrective action works (verification_min_days: 30)")
    assert rushed.stderr.splitlines() == [
        f"warning: {said}; 'isoctl check' reports this as rushed-closure",
        "hint: give --closed-on with the day the corrective action was completed, at least 30 days before the check, "
        "or verify again once it has had time to work",
    ]
    check = cli("check", "--select", "rushed-closure", "-f", "json", cwd=log_ws)
    assert [f["message"] for f in json.loads(check.stdout)["findings"]] == [said]
    # the same check, with the day the corrective action was completed: nothing to say, to check either
    done = cli("action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective", "--force",
               "--closed-on", "2026-05-15", cwd=log_ws).expect(0)
    assert done.stderr == ""
    shown = json.loads(cli("action", "show", "ACT-0042", "-f", "json", cwd=log_ws).stdout)
    assert (shown["status"], shown["closed_on"], shown["verification"]["on"]) == ("closed", "2026-05-15", TODAY)
    check = cli("check", "--select", "rushed-closure", "-f", "json", cwd=log_ws)
    assert json.loads(check.stdout)["findings"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--effective", "--on", "2026-06-20", "--closed-on", "2026-06-25"],
     "--closed-on 2026-06-25 is after the check (--on 2026-06-20): an action is checked once closed"),
    (["--effective", "--on", "2030-01-01"],
     "--on 2030-01-01 is after today (2026-07-01): a check is recorded once it has happened"),
    (["--effective", "--closed-on", "2026-07-02"],
     "--closed-on 2026-07-02 is after today (2026-07-01): a closure is recorded once it has happened"),
    (["--not-effective", "--closed-on", "2026-06-01"],
     "--closed-on goes with --effective: an action found not effective stays open"),
    (["--effective", "--closed-on", "2026-01-01"], "ACT-0042: closed_on 2026-01-01 is before raised_on 2026-02-03"),
])
def test_a_closure_date_that_cannot_be_is_refused(cli: Cli, log_ws: Path, args: list[str], message: str) -> None:
    path = log_ws / "actions" / "log.yaml"
    before = path.read_bytes()
    cli("action", "close", "ACT-0042", "--verified-by", "jsmith", *args, cwd=log_ws).expect(2, message)
    assert path.read_bytes() == before


def test_an_action_raised_in_the_future_is_refused(cli: Cli, log_ws: Path) -> None:
    before = sorted(p.name for p in (log_ws / "actions").iterdir())
    cli("action", "new", "-t", "ofi", "--title", "Later", "--raised-on", "2099-05-05", cwd=log_ws).expect(
        2, "--raised-on 2099-05-05 is after today (2026-07-01): an action is raised once it has happened")
    assert sorted(p.name for p in (log_ws / "actions").iterdir()) == before
    cli("action", "new", "-t", "ofi", "--title", "Today", "--raised-on", TODAY, cwd=log_ws).expect(0)


ALIASES = """\
- id: ACT-A1
  kind: action
  title: First
  type: ofi
  raised_on: 2026-05-01
  status: open
  due: &d 2026-12-01
  clauses: &c [iso9001:10.2]
- id: ACT-A2
  kind: action
  title: Second
  type: nonconformity
  raised_on: 2026-05-02
  status: open
  due: *d
- id: ACT-A3
  kind: action
  title: Third
  type: nonconformity
  raised_on: 2026-05-03
  status: open
  root_cause: Worn seal
  corrective_action: New seal
  clauses: *c
"""


def test_records_that_end_with_an_alias_are_edited_in_place(cli: Cli, make_workspace: MakeWorkspace) -> None:
    # an alias's node is its anchor's, written in another record: edits once landed there and were refused
    root = make_workspace({"actions/aliases.yaml": ALIASES})
    path = root / "actions" / "aliases.yaml"
    cli("action", "update", "ACT-A2", "--root-cause", "Label fell off", cwd=root).expect(0)
    cli("action", "close", "ACT-A3", "--verified-by", "jsmith", "--effective", "--closed-on", "2026-05-10",
        "--on", "2026-06-20", cwd=root).expect(0)
    text = path.read_text(encoding="utf-8")
    assert "  due: *d\n  root_cause: Label fell off\n- id: ACT-A3" in text
    assert "  clauses: *c\n  closed_on: 2026-05-10\n" in text
    assert text.startswith(ALIASES.split("- id: ACT-A2")[0])  # the anchors' record untouched
    before = path.read_bytes()
    cli("action", "update", "ACT-A1", "--due", "2027-02-28", cwd=root).expect(
        2, "editing ACT-A1 would break the file")  # ACT-A2 still names the anchor it would remove
    assert path.read_bytes() == before
    cli("action", "update", "ACT-A2", "--due", "2027-01-31", cwd=root).expect(0)  # the alias itself replaced
    assert "  due: 2027-01-31\n  root_cause: Label fell off\n" in path.read_text(encoding="utf-8")
    shown = json.loads(cli("action", "show", "ACT-A3", "-f", "json", cwd=root).stdout)
    assert (shown["status"], shown["clauses"]) == ("closed", ["iso9001:10.2"])


def test_not_effective_keeps_the_action_open(cli: Cli, log_ws: Path) -> None:
    result = cli("action", "close", "ACT-0042", "--verified-by", "akhan", "--not-effective", "--note", "Wrong labels again", cwd=log_ws)
    assert result.exit_code == 0
    assert "ACT-0042 stays open (in-progress)" in result.stdout
    shown = json.loads(cli("action", "show", "ACT-0042", "-f", "json", cwd=log_ws).stdout)
    assert shown["status"] == "in-progress" and shown["closed_on"] is None
    assert shown["verification"]["effective"] is False
    assert "ACT-0042" in cli("action", "list", "--format", "csv", cwd=log_ws).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["close", "ACT-0042", "--verified-by", "jsmith"], "say whether the action worked: --effective or --not-effective"),
        (["close", "ACT-0042", "--verified-by", "jsmth", "--effective"], "--verified-by: 'jsmth' is not a person in isoctl.yaml"),
        (["close", "ACT-0042", "--effective"], "Missing option '--verified-by'"),
        (["close", "ACT-0042", "--verified-by", "jsmith", "--effective", "--on", "2026-01-01"],
         "ACT-0042: closed_on 2026-01-01 is before raised_on 2026-02-03"),
        (["close", "ACT-0060", "--verified-by", "jsmith", "--effective", "--on", "2026-05-20"],
         "--on 2026-05-20: ACT-0060 was closed on 2026-06-01"),
        (["update", "ACT-0042", "--status", "closed"], "close an action with 'isoctl action close'"),
        (["update", "ACT-0042"], "nothing to update"),
        (["update", "ACT-0042", "--due", "2026-01-01"], "ACT-0042: due 2026-01-01 is before raised_on 2026-02-03"),
        (["update", "ACT-0042", "--owner", "nobody"], "--owner: 'nobody' is not a person"),
    ],
)
def test_bad_edits_are_exit_2_and_leave_the_file_alone(cli: Cli, log_ws: Path, args: list[str], message: str) -> None:
    before = {p.name: p.read_bytes() for p in (log_ws / "actions").iterdir()}
    result = cli("action", *args, cwd=log_ws)
    assert result.exit_code == 2
    assert message in result.stderr
    assert {p.name: p.read_bytes() for p in (log_ws / "actions").iterdir()} == before


def test_closing_twice_needs_force_and_an_unchanged_update_writes_nothing(cli: Cli, log_ws: Path) -> None:
    close = ["action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective"]
    assert cli(*close, cwd=log_ws).exit_code == 0
    again = cli(*close, cwd=log_ws)
    assert again.exit_code == 2 and "already closed and was verified effective on 2026-07-01" in again.stderr
    path = log_ws / "actions" / "log.yaml"
    stamp = path.stat().st_mtime_ns
    same = cli("action", "update", "ACT-0042", "--due", "2026-03-31", cwd=log_ws)
    assert same.exit_code == 0 and same.stdout.startswith("ACT-0042 unchanged")
    assert path.stat().st_mtime_ns == stamp


def test_reopening_a_closed_action_drops_closed_on(cli: Cli, log_ws: Path) -> None:
    result = cli("action", "update", "ACT-0060", "--status", "open", cwd=log_ws)
    assert result.exit_code == 0 and "(status, closed_on)" in result.stdout
    text = (log_ws / "actions" / "single.yaml").read_text()
    assert "closed_on" not in text and text.endswith("status: open\n")


def test_an_invalid_record_is_not_edited(cli: Cli, log_ws: Path) -> None:
    path = log_ws / "actions" / "bad.yaml"
    path.write_text("id: ACT-0080\nkind: action\ntype: ofi\ntitle: x\nraised_on: 2026-01-01\nstauts: open\n")
    result = cli("action", "update", "ACT-0080", "--due", "2026-12-31", cwd=log_ws)
    assert result.exit_code == 2
    assert "ACT-0080 at actions/bad.yaml:1 is not a valid action record: unknown field 'stauts'" in result.stderr
    assert "stauts: open\n" in path.read_text()


@pytest.mark.parametrize("failing", ["replace", "write"])
def test_a_failed_write_leaves_the_original_whole_and_no_temp_file(cli: Cli, log_ws: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    failing: str) -> None:
    from isoctl.files import atomic

    folder = log_ws / "actions"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    if failing == "replace":
        def broken_replace(*_: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("isoctl.actions.writes.os.replace", broken_replace)
    else:
        real = atomic.write_all

        def half_then_fail(fd: int, data: bytes, *, sync: bool = True) -> None:
            real(fd, data[: len(data) // 2], sync=sync)
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(atomic, "write_all", half_then_fail)
    result = cli("action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective", cwd=log_ws)
    assert result.exit_code == 2
    assert "cannot write actions/log.yaml" in result.stderr and "left as it was" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temp file, no lock file, same bytes


def test_parallel_edits_of_one_file_all_land(log_ws: Path) -> None:
    jobs = [("ACT-0041", "2026-08-01"), ("ACT-0042", "2026-08-02"), ("ACT-0043", "2026-08-03")]
    procs = [subprocess.Popen([sys.executable, "-m", "isoctl", "action", "update", i, "--due", due], cwd=log_ws,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()) for i, due in jobs]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    text = (log_ws / "actions" / "log.yaml").read_text()
    assert all(f"due: {due}" in text for _, due in jobs)
    assert not [p for p in (log_ws / "actions").iterdir() if p.name.startswith(".")]


def test_a_lock_held_by_a_live_process_times_out_clearly_and_a_dead_ones_is_broken(cli: Cli, log_ws: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.actions import writes

    lock = writes.lock_path((log_ws / "actions" / "log.yaml").resolve())
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock.write_text(f"{holder.pid} {socket.gethostname()}\n")
        monkeypatch.setattr(writes, "LOCK_TIMEOUT", 0.3)
        held = cli("action", "update", "ACT-0042", "--due", "2026-12-31", cwd=log_ws)
        assert held.exit_code == 2
        assert "log.yaml is being edited by another isoctl" in held.stderr and str(lock) in held.stderr
    finally:
        holder.kill()
        holder.wait()
    assert cli("action", "update", "ACT-0042", "--due", "2026-12-31", cwd=log_ws).exit_code == 0  # its owner is gone
    assert not lock.exists()


# -- git -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def repo(log_ws: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """The round-trip workspace committed, in a repository whose configured user is Amir Khan."""
    isolate_git(monkeypatch)  # isoctl's own commits see this repository's user, not the machine's
    repo = GitRepo.init(log_ws)
    repo.git("config", "user.name", "Amir Khan")
    repo.git("config", "user.email", "akhan@example.org")
    repo.commit("start")
    return repo


def test_commit_records_exactly_the_touched_file_as_the_configured_user(cli: Cli, repo: GitRepo) -> None:
    repo.write("notes.yaml", "- {id: N-1, kind: issue, type: internal, title: Staged, not ours}\n")
    repo.git("add", "notes.yaml")
    result = cli("action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective", "--commit", cwd=repo.root)
    assert result.exit_code == 0, result.stderr
    assert repo.git("log", "-1", "--format=%s|%an|%ae") == "action: close ACT-0042 (effective)|Amir Khan|akhan@example.org"
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == ["actions/log.yaml"]
    assert repo.git("status", "--porcelain").splitlines() == ["A  notes.yaml"]  # still staged, still not committed
    new = cli("action", "new", "-t", "ofi", "--title", "Idea", "--commit", cwd=repo.root)
    assert new.exit_code == 0, new.stderr
    assert repo.git("log", "-1", "--format=%s") == "action: new ACT-0071 (ofi)"
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == ["actions/ACT-0071.yaml"]
    update = cli("action", "update", "ACT-0041", "--due", "2026-12-31", "--commit", cwd=repo.root)
    assert update.exit_code == 0
    assert repo.git("log", "-1", "--format=%s") == "action: update ACT-0041 (due)"


def test_commit_outside_a_repository_is_refused_before_writing(cli: Cli, log_ws: Path) -> None:
    if any((d / ".git").exists() for d in log_ws.parents):
        pytest.fail("the temp directory is inside a git repository; this test needs one that is not")
    before = (log_ws / "actions" / "log.yaml").read_bytes()
    result = cli("action", "close", "ACT-0042", "--verified-by", "jsmith", "--effective", "--commit", cwd=log_ws)
    assert result.exit_code == 2 and "is not in a git repository" in result.stderr
    assert (log_ws / "actions" / "log.yaml").read_bytes() == before


# -- what the commands read ---------------------------------------------------------------------------------------


def test_edits_parse_only_the_file_they_touch(cli: Cli, log_ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.actions import edit, query
    from isoctl.workspace import load

    def no_full_load(*_: object, **__: object) -> None:
        raise AssertionError("an action command loaded the whole workspace")

    monkeypatch.setattr(load, "load_workspace", no_full_load)
    (log_ws / "other.yaml").write_text("id: [unclosed\n")  # a broken file elsewhere is grepped, never parsed
    parsed: list[str] = []
    for module in (query, edit):
        real = module.read

        def spy(relative: str, text: str, real: Callable[[str, str], object] = real) -> object:
            parsed.append(relative)
            return real(relative, text)

        monkeypatch.setattr(module, "read", spy)
    assert cli("action", "close", "ACT-0051", "--verified-by", "akhan", "--effective", cwd=log_ws).exit_code == 0
    assert cli("action", "show", "ACT-0042", cwd=log_ws).exit_code == 0
    assert set(parsed) == {"actions/flow.yaml", "actions/log.yaml"}


@pytest.mark.parametrize(("args", "imported"), [(["show", "ACT-0042"], False), (["list"], False),
                                                (["update", "ACT-0042", "--due", "2026-12-31"], True)])
def test_ruamel_is_imported_only_by_edits(log_ws: Path, args: list[str], imported: bool) -> None:
    code = ("import sys; sys.argv = ['isoctl', 'action', *sys.argv[1:]]\nfrom isoctl.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('ruamel.yaml' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=log_ws, capture_output=True, text=True, env=env(),
                          check=False)
    assert done.stderr.strip().splitlines()[-1] == str(imported)


def test_cli_vocabularies_match_the_action_model() -> None:
    from isoctl.cli import action
    from isoctl.model.records import kind_fields

    fields = kind_fields("action")
    assert [t.value for t in action.ActionType] == list(fields["type"] or ())
    assert [s.value for s in action.Severity] == list(fields["severity"] or ())
    assert [s.value for s in action.Source] == list(fields["source"] or ())
    assert [s.value for s in action.Status] == list(fields["status"] or ())


def test_the_library_closes_actions_without_the_cli(log_ws: Path) -> None:
    import datetime as dt

    from isoctl.actions.context import ActionContext
    from isoctl.actions.lifecycle import close_action

    written = close_action(ActionContext.open(log_ws), "ACT-0051", verified_by="akhan", effective=True, on=dt.date(2026, 7, 2))
    assert (written.id, written.relative, written.changed) == ("ACT-0051", "actions/flow.yaml", ("status", "closed_on", "verification"))
    assert "status: closed, closed_on: 2026-07-02, verification: {on: 2026-07-02, by: akhan, effective: true}}" in \
        (log_ws / "actions" / "flow.yaml").read_text()
