"""``isoctl migrate``: moving a workspace to a newer edition, as users run it on real repositories.

The migrations are checked as golden diffs (tests/golden/migrate/) of every
file of real workspaces (tests/data/migrate/): multi-record YAML with
comments, single-record files, Markdown front matter, flow and block lists,
quoted and plain references, a CRLF file. The diff is the whole change, so
every other byte survived. Failures are provoked for real (a tmpfs out of
inodes, a file that cannot be renamed over) and must leave every file as it
was.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli, GitRepo, Golden, isolate_git, make_workspace

TODAY = "2026-11-21"
DATA = REPO / "tests" / "data" / "migrate"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    isolate_git(monkeypatch)


def workspace(tmp_path: Path, name: str) -> GitRepo:
    """The fixture ``name`` as a git repository with one dated commit (a clean working tree)."""
    root = tmp_path / name
    shutil.copytree(DATA / name, root)
    repo = GitRepo.init(root)
    repo.git("config", "user.name", "Tom Bell")  # who isoctl's own commits are by
    repo.git("config", "user.email", "tbell@example.org")
    repo.commit("Management system as certified", date="2026-06-01")
    return repo


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` outside ``.git``, dot-files included (a temp or lock file left behind shows)."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative == ".git" or relative.startswith(".git/") or not path.is_file():
            continue
        found[relative] = path.read_bytes()
    return found


def changes(before: dict[str, bytes], after: dict[str, bytes]) -> str:
    """A unified diff of every file that changed or appeared (CRLF shown as ``\\r``), in path order."""
    out = []
    for name in sorted(set(before) | set(after)):
        old = before.get(name, b"").decode().replace("\r", "\\r")
        new = after.get(name, b"").decode().replace("\r", "\\r")
        if old != new:
            out += difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        f"a/{name}" if name in before else "/dev/null", f"b/{name}", n=1)
    return "".join(out)


def findings(cli: Cli, root: Path, rule: str) -> list[dict[str, object]]:
    result = json.loads(cli("check", "--format", "json", "--exit-zero", cwd=root).stdout)
    return [f for f in result["findings"] if f["rule"] == rule]


# --- the three transitions --------------------------------------------------------------------------------------


def test_iso27001_2013_moves_to_2022_with_only_the_references_changed(cli: Cli, golden: Golden, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    before = tree(repo.root)

    dry = cli("migrate", "--to", "iso27001:2022", "--dry-run", cwd=repo.root).expect(0)
    assert tree(repo.root) == before
    golden("migrate/iso27001-2013-to-2022.txt", dry.stdout)

    done = cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(0)
    golden("migrate/iso27001-2013-to-2022.diff", changes(before, tree(repo.root)))
    # the same report, but for what the headline says happened
    assert done.stdout.replace("(written)", "(dry run: nothing was written)") == dry.stdout
    assert findings(cli, repo.root, "unknown-clause") == []
    assert findings(cli, repo.root, "duplicate-id") == []
    assert findings(cli, repo.root, "unknown-reference") == []


def test_new_controls_get_rows_that_check_reports_until_someone_decides(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(0)
    rows = repo.root / "soa" / "iso27001-2022-new-controls.yaml"
    assert rows.read_text().count("applicable: true  # undecided: assess this control") == 11
    partial = {f["clause"]: str(f["message"]) for f in findings(cli, repo.root, "partial-clause")}
    assert "SoA row SOA-A.5.7: status not set" in partial["iso27001:A.5.7"]
    assert "SoA row SOA-A.5.7: no justification" in partial["iso27001:A.5.7"]
    soa = {row["control"]: row for row in json.loads(cli("soa", "--format", "json", cwd=repo.root).stdout)["controls"]}
    assert soa["A.5.7"]["record"] == "SOA-A.5.7" and soa["A.5.7"]["applicable"] is True
    assert soa["A.5.16"]["record"] == "SOA-A.5.16"  # renamed: SOA-A.9.2.1 was plainly its number
    assert soa["A.5.18"]["record"] == "SOA-A.9.2.2" and soa["A.5.18"]["duplicates"] == ["SOA-A.9.2.5"]

    # deciding a row (excluded, with the reason) takes it off the list
    rows.write_text(rows.read_text().replace(
        "  control: iso27001:A.8.11\n  applicable: true  # undecided: assess this control",
        "  control: iso27001:A.8.11\n  applicable: false\n  justification: No personal data in test systems."))
    partial = {f["clause"] for f in findings(cli, repo.root, "partial-clause")}
    assert "iso27001:A.8.11" not in partial and "iso27001:A.8.10" in partial


def test_iso9001_and_iso14001_move_to_2026_one_after_the_other(cli: Cli, golden: Golden, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "qems-2015")
    start = tree(repo.root)

    report = cli("migrate", "--to", "iso9001:2026", cwd=repo.root).expect(0).stdout
    after_9001 = tree(repo.root)
    golden("migrate/iso9001-2015-to-2026.diff", changes(start, after_9001))
    assert "iso9001:6.1.3: 6.1.3 Actions to address opportunities is new in iso9001:2026" in report
    assert "10.1 Continual improvement merges iso9001:2015 10.1, 10.3" in report
    assert "5.2 Policy is now 5.2 Quality policy" in report
    repo.commit("Move ISO 9001 to the 2026 edition", date="2026-11-21")

    report = cli("migrate", "--to", "iso14001:2026", "--format", "md", cwd=repo.root).expect(0).stdout
    golden("migrate/iso14001-2015-to-2026.diff", changes(after_9001, tree(repo.root)))
    golden("migrate/iso14001-2015-to-2026.md", report)
    assert findings(cli, repo.root, "unknown-clause") == []
    # the CRLF file kept CRLF on every line
    procedure = (repo.root / "improvement" / "procedure.yaml").read_bytes()
    assert procedure.count(b"\r\n") == procedure.count(b"\n")


def test_dry_run_changes_no_byte_and_writes_the_report_where_asked(cli: Cli, golden: Golden, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "qems-2015")
    before = tree(repo.root)
    out = tmp_path / "migration.md"
    result = cli("migrate", "--to", "iso14001:2026", "--dry-run", "-o", str(out), cwd=repo.root).expect(0)
    assert result.stdout == ""
    assert out.read_text().startswith("# Migration iso14001:2015 → iso14001:2026 (dry run: nothing was written)")
    as_json = json.loads(cli("migrate", "--to", "iso14001:2026", "--dry-run", "--format", "json", cwd=repo.root).stdout)
    migration = as_json["migration"]
    assert (migration["from"], migration["to"], migration["dry_run"], migration["written"]) == (
        "iso14001-2015", "iso14001-2026", True, False)
    assert {f["path"] for f in migration["files"]} == {"isoctl.yaml", "audits/internal.yaml", "improvement/actions.yaml",
                                                      "improvement/procedure.yaml", "system/risks.yaml"}
    readiness = {r["family"]: r for r in migration["readiness"]}
    assert readiness["iso14001"]["after"]["standard"] == "iso14001-2026"
    assert readiness["iso9001"]["before"] == readiness["iso9001"]["after"]
    assert tree(repo.root) == before
    assert not repo.dirty()


def test_row_ids_follow_the_workspaces_own_pattern_and_a_split_control_gets_a_row(cli: Cli, tmp_path: Path) -> None:
    """One file per SoA row, ids without the ``A.`` and with dashes: renamed rows and new rows are spelled
    alike; the second successor of a split control that no row describes gets a row, marked as such."""
    root = tmp_path / "rows"
    files = {
        "soa/SOA-9-2-1.yaml": "id: SOA-9-2-1\nkind: control\ntitle: User registration\ncontrol: iso27001:A.9.2.1\n"
                              "applicable: true\njustification: Monthly joiners.\nstatus: implemented\n",
        "soa/SOA-18-2-3.yaml": "id: SOA-18-2-3\nkind: control\ntitle: Technical compliance review\n"
                               "control: iso27001:A.18.2.3\napplicable: true\njustification: Yearly scan.\n"
                               "status: implemented\n",
        "context/odd.yaml": "id: SOA-5-7\nkind: issue\ntype: internal\ntitle: An id that looks like a row's\n",
    }
    make_workspace(root, files, manifest="isoctl: 1\norganization: {name: Rows Ltd}\nstandards: [iso27001:2013]\n")
    repo = GitRepo.init(root)
    repo.commit("SoA", date="2026-06-01")
    report = cli("migrate", "--to", "iso27001:2022", cwd=root).expect(0).stdout
    assert "SOA-9-2-1  id: SOA-9-2-1 → SOA-5-16  (renamed)" in report
    assert (root / "soa" / "SOA-9-2-1.yaml").read_text().startswith("id: SOA-5-16\n")  # the file keeps its name
    assert (root / "soa" / "SOA-18-2-3.yaml").read_text().startswith("id: SOA-18-2-3\n")  # two successors: kept
    rows = (root / "soa" / "iso27001-2022-new-controls.yaml").read_text()
    assert "- id: SOA-5-7-2\n" in rows  # SOA-5-7 is taken
    assert "# split from A.18.2.3 (row SOA-18-2-3)\n- id: SOA-8-8\n" in rows
    assert "A.8.8 Management of technical vulnerabilities: split from A.18.2.3 (row SOA-18-2-3); row SOA-8-8 was added" in report
    assert findings(cli, root, "duplicate-id") == []
    assert findings(cli, root, "missing-soa-entry") != []  # only the rows it had, and the new ones: a gap stays a gap


# --- all or nothing ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def small_filesystem(folder: Path, options: str) -> Iterator[None]:
    """``folder`` moved onto a real tmpfs mounted with ``options`` (a skip where this machine cannot mount)."""
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                             check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip() or 'mount failed'}")
    try:
        for name, data in saved.items():
            (folder / name).write_bytes(data)
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def test_a_file_that_cannot_be_written_leaves_every_file_as_it_was(cli: Cli, tmp_path: Path) -> None:
    """soa/ sits on a filesystem with inodes for its files and their locks only: the temp files of the files
    before it are written, then soa/annex-a.yaml's cannot be."""
    repo = workspace(tmp_path, "iso27001-2013")
    # the root of the tmpfs, its two files and three lock files (two files and the new one)
    with small_filesystem(repo.root / "soa", "size=64k,nr_inodes=6"):
        before = tree(repo.root)
        cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(2, "cannot write soa/annex-a.yaml: No space left "
                                                                        "on device; nothing was changed")
        assert tree(repo.root) == before  # no temp, lock or backup file either
    assert not repo.dirty()


def test_a_failure_while_publishing_puts_back_the_files_already_replaced(cli: Cli, tmp_path: Path) -> None:
    """soa/teleworking.yaml, the last file in path order, is a mount point that nothing can be renamed over:
    every file published before it is restored, the new file of SoA rows removed."""
    repo = workspace(tmp_path, "iso27001-2013")
    target = repo.root / "soa" / "teleworking.yaml"
    mounted = subprocess.run(["mount", "--bind", str(target), str(target)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode().strip() or 'mount failed'}")
    try:
        before = tree(repo.root)
        cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(2, "every file was left as it was")
        assert tree(repo.root) == before
    finally:
        subprocess.run(["umount", str(target)], capture_output=True, check=False)
    assert not repo.dirty()


# --- git ----------------------------------------------------------------------------------------------------------


def test_uncommitted_changes_are_refused_unless_allowed(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "qems-2015")
    repo.write("notes.txt", "work in progress\n")
    before = tree(repo.root)
    cli("migrate", "--to", "iso9001:2026", cwd=repo.root).expect(2, "uncommitted changes")
    assert tree(repo.root) == before
    cli("migrate", "--to", "iso9001:2026", "--dry-run", cwd=repo.root).expect(0)  # a dry run is always fine
    cli("migrate", "--to", "iso9001:2026", "--commit", "--allow-dirty", cwd=repo.root).expect(2, "--commit")
    assert tree(repo.root) == before
    cli("migrate", "--to", "iso9001:2026", "--allow-dirty", cwd=repo.root).expect(0)
    assert b"iso9001:2026" in (repo.root / "isoctl.yaml").read_bytes()


def test_outside_git_a_migration_needs_allow_dirty(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(DATA / "qems-2015", root)
    cli("migrate", "--to", "iso9001:2026", cwd=root).expect(2, "not in a git repository")
    cli("migrate", "--to", "iso9001:2026", "--commit", "--allow-dirty", cwd=root).expect(2, "not in a git repository")
    cli("migrate", "--to", "iso9001:2026", "--allow-dirty", cwd=root).expect(0)
    assert b"iso9001:2026" in (root / "isoctl.yaml").read_bytes()


def test_commit_makes_one_commit_of_the_migration_with_a_summary(cli: Cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    head = repo.sha()
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, "2026-11-21T12:00:00+00:00")
    result = cli("migrate", "--to", "iso27001:2022", "--commit", cwd=repo.root).expect(0)
    assert repo.git("rev-list", "--count", f"{head}..HEAD") == "1"
    assert not repo.dirty()  # the new file of SoA rows is in the commit too
    assert repo.git("log", "-1", "--format=%an <%ae> %aI") == "Tom Bell <tbell@example.org> 2026-11-21T12:00:00+00:00"
    message = repo.git("log", "-1", "--format=%B")
    assert message.startswith("Migrate iso27001:2013 to iso27001:2022\n\n")
    assert "values rewritten in 7 files, 11 SoA rows added" in message
    assert "- New controls to assess: 11" in message
    assert "soa/iso27001-2022-new-controls.yaml" in repo.files()
    assert f"committed {repo.sha(short=10)}" in result.stderr
    assert "committed as" in result.stdout


# --- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "iso27001:2031"], "unknown edition 'iso27001:2031'"),
    (["--to", "iso45001:2018"], "iso45001 is not in scope of this workspace (standards: iso27001:2013)"),
    (["--to", "hs"], "the harmonized structure is not an edition"),
    (["--to", "iso27001:2022", "--dry-run", "--commit"], "a dry run writes nothing"),
])
def test_what_cannot_run_says_why_and_exits_2(cli: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    before = tree(repo.root)
    cli("migrate", *args, cwd=repo.root).expect(2, message)
    assert tree(repo.root) == before


def test_no_table_back_to_an_older_edition_and_nothing_to_do_on_the_same(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    cli("migrate", "--to", "iso27001:2022", "--commit", cwd=repo.root).expect(0)
    cli("migrate", "--to", "iso27001:2013", cwd=repo.root).expect(
        2, "no transition table from iso27001:2022 to iso27001:2013")
    result = cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(0)
    assert "the workspace is on iso27001:2022 already: nothing to migrate" in result.stdout
    assert not repo.dirty()


def test_a_file_that_does_not_parse_stops_the_migration_before_anything_is_written(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    repo.commit("Broken", files={"risks/broken.yaml": "- id: RSK-9\n  kind: [risk\n"})
    before = tree(repo.root)
    cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(2, "risks/broken.yaml:")
    assert tree(repo.root) == before


def test_an_output_that_cannot_take_the_report_is_refused_before_anything_is_written(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    before = tree(repo.root)
    cli("migrate", "--to", "iso27001:2022", "-o", str(tmp_path), cwd=repo.root).expect(2, "is a directory")
    cli("migrate", "--to", "iso27001:2022", "-o", str(tmp_path / "no" / "such.md"), cwd=repo.root).expect(
        2, "does not exist")
    cli("migrate", "--to", "iso27001:2022", "-o", "soa/report.yaml", cwd=repo.root).expect(2, "read as a record")
    assert tree(repo.root) == before
    assert not repo.dirty()


def test_help_lists_the_exit_codes(cli: Cli, golden: Golden) -> None:
    result = cli("migrate", "--help").expect(0)
    golden("help/isoctl-migrate.txt", result.stdout)


# --- the byte-exact editor on layouts the fixtures do not have ------------------------------------------------------


EDGE_CASES = [
    # (name, text, edits, expected)
    ("every item of a block list goes",
     "id: A\nkind: issue\nclauses:\n  - x:1   # one\n  - x:2\ntags: [t]\n",
     {None: [("list", ("clauses",), ((), ()))]},
     "id: A\nkind: issue\nclauses: []\ntags: [t]\n"),
    ("the first items of a flow list go",
     "id: A\nclauses: [ x:1 ,  x:2, x:3 ]\n",
     {None: [("list", ("clauses",), ((), (), None))]},
     "id: A\nclauses: [ x:3 ]\n"),
    ("a later item of a flow list goes, another becomes two",
     "id: A\nclauses: [x:1, 'x:2', x:3]\n",
     {None: [("list", ("clauses",), (("x:9", "x:8"), (), None))]},
     "id: A\nclauses: [x:9, x:8, x:3]\n"),
    ("an item becomes two on the last line of a file without a line break",
     "- id: A\n  clauses:\n    - \"x:1\"",
     {0: [("list", ("clauses",), (("x:5", "x:6"),))]},
     "- id: A\n  clauses:\n    - \"x:5\"\n    - \"x:6\""),
    ("a scalar becomes a flow list",
     "---\r\nid: A\r\nkind: issue\r\nclauses: 'x:1'\r\n---\r\nBody: clauses: x:1\r\n",
     {None: [("scalar", ("clauses",), ("x:2", "x:3"))]},
     "---\r\nid: A\r\nkind: issue\r\nclauses: ['x:2', 'x:3']\r\n---\r\nBody: clauses: x:1\r\n"),
]


@pytest.mark.parametrize(("name", "text", "edits", "expected"), EDGE_CASES, ids=[case[0] for case in EDGE_CASES])
def test_the_editor_changes_only_the_references(name: str, text: str, edits: dict[int | None, list[tuple[object, ...]]],
                                                expected: str) -> None:
    from isoctl.actions.migrate.rewrite import ListEdit, ScalarEdit, apply

    made = {index: [ListEdit(path, items) if how == "list" else ScalarEdit(path, items)  # type: ignore[arg-type]
                    for how, path, items in found] for index, found in edits.items()}
    relative = "record.md" if text.startswith("---") else "record.yaml"
    assert apply(text, relative, made) == expected


def test_the_editor_refuses_a_reference_reached_through_a_merge_key() -> None:
    from isoctl.actions.migrate.rewrite import ListEdit, apply
    from isoctl.errors import EditError

    text = "- &base {id: A, kind: issue, clauses: [x:1]}\n- <<: *base\n  id: B\n"
    with pytest.raises(EditError, match="alias or merge key"):
        apply(text, "r.yaml", {1: [ListEdit(("clauses",), (("x:2",),))]})


def test_a_byte_order_mark_and_the_file_mode_survive(cli: Cli, tmp_path: Path) -> None:
    repo = workspace(tmp_path, "iso27001-2013")
    path = repo.root / "soa" / "teleworking.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    path.chmod(0o640)
    repo.commit("BOM", date="2026-06-02")
    cli("migrate", "--to", "iso27001:2022", cwd=repo.root).expect(0)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid: SOA-A.6.7\n")
    assert (path.stat().st_mode & 0o777) == 0o640
