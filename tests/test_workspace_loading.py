"""Loading a workspace: record files of every shape, and every kind of bad input as a located finding."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace


def findings(cli: Cli, root: Path, *extra: str) -> list[dict[str, Any]]:
    result = cli("check", str(root), "--format", "json", "--today", "2026-11-21", "--select", "parse-error",
                 "--select", "schema-error", "--select", "path-outside-workspace", "--select", "duplicate-id",
                 "--select", "unknown-reference", "--select", "unknown-clause", *extra)
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


def located(items: list[dict[str, Any]]) -> set[str]:
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['rule']}: {f['message']}" for f in items}


ACTION = """\
id: ACT-3
kind: action
type: nonconformity
title: Late deliveries in week 12
raised_on: 2026-03-20
raised_by: akhan
owner: akhan
status: {status}
"""


def test_three_shapes_of_record_file(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({
        "actions/ACT-3.yaml": ACTION.format(status="open"),
        "actions/log.yml": "- {id: ACT-4, kind: action, type: ofi, title: A, raised_on: 2026-01-02}\n"
                           "- {id: ACT-5, kind: action, type: ofi, title: B, raised_on: 2026-01-03}\n",
        "policies/quality.md": "---\nid: POL-Q\nkind: document\ntype: policy\ntitle: Quality policy\nstatus: draft\n---\n# Policy\n",
        "README.md": "# Not a record\n",
        "notes/meeting.md": "---\ntitle: Jekyll page\nlayout: post\n---\nplain page\n",
        ".github/workflows/ci.yml": "on: push\n",
        ".gitlab-ci.yml": "stages: [test]\n",
        "drafts/wip.yaml": "this: is ignored\n",
    }, manifest=MANIFEST + "ignore: [drafts/]\n")
    data = json.loads(cli("check", str(root), "-f", "json", "--exit-zero").stdout)
    assert data["summary"]["records"] == 4 and data["summary"]["files"] == 3
    assert [f for f in data["findings"] if f["rule"] in ("parse-error", "schema-error")] == []


def test_schema_error_message_matches_the_documented_form(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"actions/ACT-3.yaml": ACTION.format(status="done")})
    assert located(findings(cli, root)) == {
        "actions/ACT-3.yaml:8:9: schema-error: status: expected one of open, in-progress, closed, cancelled; got 'done'"
    }


def test_every_error_in_every_file_is_reported(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({
        "a.yaml": "- {id: A-1, kind: action, type: ofi, title: x, raised_on: 2026-13-01}\n"
                  "- {id: A-2, kind: acton, title: y}\n"
                  "- {id: A-3, kind: risk, title: z, likelihood: 9, likelyhood: 2}\n"
                  "- just text\n",
        "b.md": "---\nid: D-1\nkind: document\ntitle: Doc\ntype: policy\nstatus: aproved\nowner: [jsmith]\n---\nbody\n",
        "c.yaml": "id: C-1\nkind: issue\ntitle: Energy prices\n",
    })
    assert located(findings(cli, root)) == {
        "a.yaml:1:59: schema-error: raised_on: expected a date YYYY-MM-DD; got '2026-13-01'",
        "a.yaml:2:19: schema-error: kind: expected one of issue, party, document, process, risk, aspect, hazard, "
        "obligation, control, objective, action, audit, review, competence, supplier, asset, activity, exercise; "
        "got 'acton'; did you mean 'action'?",
        "a.yaml:3:47: schema-error: likelihood: input should be less than or equal to 5",
        "a.yaml:3:50: schema-error: unknown field 'likelyhood'; did you mean 'likelihood'?",
        "a.yaml:4:3: schema-error: expected a mapping of keys to values; got 'just text'",
        "b.md:6:9: schema-error: status: expected one of draft, approved, obsolete; got 'aproved'",
        "b.md:7:8: schema-error: owner: expected text; got a list",
        "c.yaml:1:1: schema-error: missing required field 'type'",
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: A\nkind: issue\ntitle: [unclosed\n", "bad.yaml:4:1: parse-error: invalid YAML: while parsing a flow sequence"),
        ("id: A\nkind: issue\nid: B\n", "bad.yaml:3:1: parse-error: invalid YAML: duplicate key 'id' (first defined on line 1)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "bad.yaml:1:1: parse-error: binary file (contains NUL bytes)"),
        ("id: A\ntitle: caf\xe9\n".encode("latin-1"), "bad.yaml:2:11: parse-error: not valid UTF-8 (byte 0xe9)"),
        # after a BOM, the bad byte and its column are those an editor shows (the BOM is not a column)
        (b"\xef\xbb\xbfid: A\ntitle: caf\xe9\n", "bad.yaml:2:11: parse-error: not valid UTF-8 (byte 0xe9)"),
        (b"\xef\xbb\xbfid: caf\xe9\n", "bad.yaml:1:8: parse-error: not valid UTF-8 (byte 0xe9)"),
        ("", "bad.yaml:1:1: schema-error: empty file"),
        ("42\n", "bad.yaml:1:1: schema-error: not a record: expected a mapping with kind: or a list of them; got a number (42)"),
        ("just some words\n", "bad.yaml:1:1: schema-error: not a record: expected a mapping with kind: or a list of them; got text"),
        ("[]\n", "bad.yaml:1:1: schema-error: an empty list: expected a record (a mapping with kind:) or a list of records"),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [" + ", ".join(["*a"] * 10) + "]\nc: &c [" + ", ".join(["*b"] * 10)
         + "]\nd: &d [" + ", ".join(["*c"] * 10) + "]\ne: &e [" + ", ".join(["*d"] * 10) + "]\nf: [" + ", ".join(["*e"] * 10)
         + "]\n", "bad.yaml:1:1: parse-error: YAML aliases expand to more than"),
    ],
)
def test_bad_files_are_located_findings(cli: Cli, make_workspace: MakeWorkspace, content: str | bytes, expected: str) -> None:
    root = make_workspace({"bad.yaml": content, "good.yaml": "id: G\nkind: issue\ntype: internal\ntitle: fine\n"})
    started = time.perf_counter()
    found = located(findings(cli, root))
    assert time.perf_counter() - started < 30
    assert any(line.startswith(expected) for line in found), found


def test_huge_file_is_refused_without_reading_it(cli: Cli, make_workspace: MakeWorkspace) -> None:
    from isoctl.files.yamlio import MAX_BYTES

    root = make_workspace({})
    with (root / "huge.yaml").open("wb") as handle:
        handle.truncate(MAX_BYTES + 10)
    (found,) = [f for f in findings(cli, root) if f["path"] == "huge.yaml"]
    assert found["rule"] == "parse-error" and "over the" in found["message"]


def test_symlinks_out_of_the_workspace_are_not_followed(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("id: S\nkind: issue\ntype: internal\ntitle: secret\n", encoding="utf-8")
    root = make_workspace({})
    os.symlink(outside / "secret.yaml", root / "linked.yaml")
    os.symlink(outside, root / "linkdir")
    result = findings(cli, root)
    messages = located(result)
    assert any(m.startswith("linked.yaml:1:1: path-outside-workspace: symlink to a file outside") for m in messages)
    assert any(m.startswith("linkdir:1:1: path-outside-workspace: symlink to a directory outside") for m in messages)
    assert json.loads(cli("check", str(root), "-f", "json", "--exit-zero").stdout)["summary"]["records"] == 0


def test_evidence_paths_must_stay_inside_and_exist(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({
        "evidence/cal.txt": "calibration certificate\n",
        "r.yaml": "id: R\nkind: issue\ntype: internal\ntitle: t\nevidence:\n"
                  "  - {path: evidence/cal.txt}\n  - {path: ../../etc/passwd}\n  - {path: evidence/missing.pdf}\n"
                  "  - {url: 'https://example.com/x'}\n",
    })
    assert located(findings(cli, root)) == {
        "r.yaml:7:12: path-outside-workspace: path '../../etc/passwd' leads outside the workspace",
        "r.yaml:8:12: unknown-reference: file 'evidence/missing.pdf' does not exist in the workspace",
    }


def test_manifest_problems(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso9001:2015, iso9002:2015]") + "colour: blue\n"
    root = make_workspace({}, manifest=manifest)
    found = located(findings(cli, root))
    assert "isoctl.yaml:7:1: schema-error: unknown field 'colour'" in found
    assert any(m.startswith("isoctl.yaml:3:27: schema-error: standards: unknown edition 'iso9002:2015'") for m in found)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("isoctl: 2\norganization: {name: x}\nstandards: [iso9001:2015]\n", "isoctl.yaml:1:9: workspace format version 2 is not supported"),
        ("organization: {name: x}\n", "workspace format version missing is not supported"),
        ("isoctl: 1\nstandards: [iso9001:2015\n", "isoctl.yaml:3:1: invalid YAML"),
        ("- a list\n", "isoctl.yaml:1:1: expected a mapping"),
    ],
)
def test_unusable_manifest_exits_2(cli: Cli, make_workspace: MakeWorkspace, manifest: str, message: str) -> None:
    root = make_workspace({}, manifest=manifest)
    result = cli("check", str(root))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_no_workspace_found_exits_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert "no isoctl.yaml found" in result.stderr and "isoctl init" in result.stderr


def test_workspace_is_found_by_walking_up(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"deep/er/r.yaml": "id: R\nkind: issue\ntype: internal\ntitle: t\n"})
    result = cli("check", "-f", "json", "--exit-zero", cwd=root / "deep" / "er")
    data = json.loads(result.stdout)
    assert data["summary"]["records"] == 1 and data["workspace"]["root"] == "../.."
