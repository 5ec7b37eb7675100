"""Hostile workspaces, as far as reading files goes: every case is a finding or a clear error, never a hang or a crash.

Each case starts from a committed copy of examples/acme-logistics and adds
one hostile thing: a named pipe, a device, a socket, a symlink loop, an
alias bomb, an unreadable folder, a file name that is not UTF-8, a tree a
thousand folders deep... Whatever could hang runs in a child process with a
timeout; the rest runs in-process.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli, GitRepo, Run, committed_example, isoctl_command, run_isoctl

NEW_ACTION = ("action", "new", "-t", "ofi", "--title", "Try it", "--owner", "rokafor", "--due", "2027-01-01",
              "--severity", "none", "--source", "suggestion", "-d", "A test action")


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    root = tmp_path / "acme"
    committed_example(root)
    return root


def findings_of(run: Run) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(run.stdout)["findings"]
    return found


def finding_at(run: Run, path: str) -> dict[str, Any]:
    found = [f for f in findings_of(run) if f["path"] == path]
    assert found, f"no finding at {path}:\n{run.stdout}"
    return found[0]


def isoctl_limited(*args: str, cwd: Path, memory: int | None = None, drop_file_access: bool = False,
                   timeout: float = 30) -> Run:
    """isoctl in a child process: with at most ``memory`` bytes of address space, or without root's file access.

    The interpreter lives below /root (mode 700), so another user could not
    even start it; dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH instead
    makes root obey file modes as that user would.
    """

    def prepare() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if drop_file_access:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, out of the bounding set
                if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    os._exit(99)

    env = {**os.environ, "NO_COLOR": "1", "ISOCTL_NO_CACHE": "1"}
    proc = subprocess.run([*isoctl_command(), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout, check=False, preexec_fn=prepare)
    if proc.returncode == 99:
        pytest.skip("cannot drop root's file access here (no CAP_SETPCAP), so nothing is unreadable to it")
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


# 1. named pipes, devices, sockets


def test_named_pipes_are_findings_for_every_command(acme: Path) -> None:
    os.mkfifo(acme / "x.yaml")
    os.mkfifo(acme / "actions" / "y.md")
    check = run_isoctl("check", "-f", "json", cwd=acme, timeout=20).expect(1, "not a regular file (a named pipe)")
    assert {f["path"] for f in findings_of(check) if f["rule"] == "parse-error"} == {"x.yaml", "actions/y.md"}
    run_isoctl("action", "list", cwd=acme, timeout=20).expect(0, "ACT-0251")
    run_isoctl("report", "-o", "report.html", cwd=acme, timeout=20, env={"ISOCTL_NO_CACHE": "1"}).expect(0)
    run_isoctl(*NEW_ACTION, cwd=acme, timeout=20).expect(0, "ACT-0252")


def test_named_pipe_in_a_local_catalog_folder_is_a_catalog_error(acme: Path) -> None:
    (acme / "catalogs").mkdir()
    os.mkfifo(acme / "catalogs" / "local.yaml")
    manifest = acme / "isoctl.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "catalogs: [catalogs]\n", encoding="utf-8")
    run_isoctl("standards", "list", cwd=acme, timeout=20).expect(2, "catalogs/local.yaml:1:1: not a regular file")


def test_devices_and_sockets_are_not_read(acme: Path, cli: Cli) -> None:
    os.mknod(acme / "actions" / "null.yaml", 0o600 | 0o020000, os.makedev(1, 3))  # a character device, /dev/null
    os.symlink("/dev/zero", acme / "zero.yaml")
    os.symlink("/dev/urandom", acme / "random.yaml")
    here = Path.cwd()
    os.chdir(acme)  # a socket's path must be short
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind("sock.yaml")
    finally:
        os.chdir(here)
    try:
        check = cli("check", "-f", "json", cwd=acme).expect(1)
    finally:
        server.close()
    assert "not a regular file (a device)" in finding_at(check, "actions/null.yaml")["message"]
    assert "not a regular file (a socket)" in finding_at(check, "sock.yaml")["message"]
    assert finding_at(check, "zero.yaml")["message"] == "symlink to a file outside the workspace (/dev/zero)"
    assert finding_at(check, "random.yaml")["rule"] == "path-outside-workspace"


# 2. symlink loops


def test_symlink_loops_are_findings_at_the_link(acme: Path, cli: Cli) -> None:
    os.symlink("self.yaml", acme / "self.yaml")
    os.symlink("b.yaml", acme / "actions" / "a.yaml")
    os.symlink("a.yaml", acme / "actions" / "b.yaml")
    os.symlink("looped", acme / "looped")  # not a record's name: nothing to say
    check = cli("check", "-f", "json", cwd=acme).expect(1)
    for path in ("self.yaml", "actions/a.yaml", "actions/b.yaml"):
        found = finding_at(check, path)
        assert (found["rule"], found["line"], found["message"]) == ("parse-error", 1, "symlink loop: the link leads back to itself")
    cli("action", "list", cwd=acme).expect(0, "ACT-0251")
    # committed, the same loops give the same answer at that commit
    GitRepo(acme).commit("links", date="2026-02-01")
    at_head = cli("check", "-f", "json", "--at", "HEAD", cwd=acme).expect(1)
    for path in ("self.yaml", "actions/a.yaml", "actions/b.yaml"):
        assert finding_at(at_head, path)["message"] == "symlink loop: the link leads back to itself"


# 3. alias bombs


def test_aliases_of_a_long_string_are_refused_quickly_and_in_little_memory(acme: Path) -> None:
    # 1.5 MB that names a 1 MB string 170,000 times: few nodes, but 170 GB once expanded
    text = ("- id: ISS-99\n  kind: issue\n  type: external\n  title: Bomb\n  owner: dgreaves\n"
            f"  description: &a {'x' * 1_000_000}\n  tags: [{','.join(['*a'] * 170_000)}]\n")
    (acme / "context" / "bomb.yaml").write_text(text, encoding="utf-8")
    check = isoctl_limited("check", "-f", "json", cwd=acme, memory=768 << 20, timeout=10)
    check.expect(1, "YAML aliases expand to more than")
    found = finding_at(check, "context/bomb.yaml")
    assert (found["rule"], found["line"], found["column"]) == ("parse-error", 1, 1)  # the whole document


def test_merges_of_a_large_mapping_are_refused_while_building(acme: Path) -> None:
    # 40 KB whose 2,000 merges would copy 4 million keys
    keys = "".join(f"  k{number}: v\n" for number in range(2_000))
    text = "defaults: &d\n" + keys + "items:\n" + "  - <<: *d\n" * 2_000
    (acme / "bomb.yaml").write_text(text, encoding="utf-8")
    check = isoctl_limited("check", "-f", "json", cwd=acme, memory=768 << 20, timeout=10)
    check.expect(1, "YAML merges (<<) copy more than 200,000 keys")
    assert finding_at(check, "bomb.yaml")["rule"] == "parse-error"


@pytest.mark.parametrize("levels", [63, 64, 600, 995])
def test_deep_nesting_is_refused_at_the_line_that_goes_too_deep(acme: Path, cli: Cli, levels: int) -> None:
    # 600 levels once broke the parse helper's pickling (a traceback on stderr); 995 passed libyaml and broke the
    # building of the data (a message at 1:1); 64 levels are the most a document may nest, the record's mapping one
    text = "id: RSK-D\nkind: risk\ntitle: Deep\nowner: skhan\ntags: " + "[" * levels + "]" * levels + "\n"
    (acme / "risks" / "deep.yaml").write_text(text, encoding="utf-8")
    run = cli("check", "-f", "json", "--today", "2026-11-21", cwd=acme).expect(1)
    assert run.stderr == ""
    found = finding_at(run, "risks/deep.yaml")
    if levels <= 63:
        assert found["rule"] == "schema-error"  # read, then refused by the schema: tags are text
    else:
        assert (found["rule"], found["message"]) == ("parse-error", "YAML nested more than 64 levels deep; refusing it")
        assert (found["line"], found["column"]) == (5, 7 + 63)  # the 64th bracket opens the 65th level


def test_aliases_that_nest_one_another_deep_are_refused(acme: Path, cli: Cli) -> None:
    # twenty anchors, each 40 levels deep around the one before: 800 levels once built
    lines = ["a0: &a0 " + "[" * 40 + "]" * 40] + [f"a{n}: &a{n} " + "[" * 40 + f"*a{n - 1}" + "]" * 40
                                                   for n in range(1, 20)]
    (acme / "risks" / "nested-aliases.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = cli("check", "-f", "json", "--today", "2026-11-21", cwd=acme).expect(1)
    assert run.stderr == ""
    found = finding_at(run, "risks/nested-aliases.yaml")
    assert (found["rule"], found["line"], found["message"]) == (
        "parse-error", 1, "YAML aliases nest more than 64 levels deep; refusing it")


def test_a_huge_file_once_committed_costs_no_memory_later(tmp_path: Path) -> None:
    # 100 MB committed once and deleted: every read of the history meets it (the rules that read history, the
    # report's document register, --at); reading it whole took about ten times its size
    repo = committed_example(tmp_path / "acme")
    line = "- kind: action\n  # " + "x" * 200 + "\n"
    repo.commit("A huge log", files={"actions/huge.yaml": line * 470_000}, date="2026-01-20")
    repo.remove("actions/huge.yaml")
    repo.commit("Remove it again", date="2026-01-21")
    def limited(*args: str) -> Run:
        return isoctl_limited(*args, cwd=repo.root, memory=768 << 20, timeout=60)

    limited("check", "-f", "json", "--today", "2026-03-01").expect(1)
    at = limited("check", "--at", "HEAD~1", "-f", "json")
    assert finding_at(at, "actions/huge.yaml")["message"] == \
        f"file is {len(line) * 470_000:,} bytes, over the 2,097,152-byte limit for a record file"
    limited("report", "-o", str(tmp_path / "pack.html")).expect(0)
    limited("history", "--every", "commit", "-f", "json").expect(0)


# 4. unreadable files and folders


def test_unreadable_files_and_folders_are_findings(acme: Path) -> None:
    (acme / "actions" / "2025.yaml").chmod(0)
    (acme / "risks").chmod(0)
    check = isoctl_limited("check", "-f", "json", cwd=acme, drop_file_access=True)
    check.expect(1, "Permission denied")
    assert finding_at(check, "actions/2025.yaml")["message"] == "cannot read file: Permission denied"
    assert finding_at(check, "risks")["message"] == "cannot read directory: Permission denied"
    assert finding_at(check, "risks")["rule"] == "parse-error"


# 5. front matter that never closes


def test_markdown_record_whose_front_matter_never_closes_is_a_parse_error(acme: Path, cli: Cli) -> None:
    (acme / "policies" / "open.md").write_text("---\nkind: document\nid: DOC-77\ntitle: Open\n\n# Policy\n", encoding="utf-8")
    (acme / "policies" / "rule.md").write_text("---\n\nA horizontal rule, then prose.\n", encoding="utf-8")
    check = cli("check", "-f", "json", cwd=acme).expect(1, "front matter is not closed")
    assert finding_at(check, "policies/open.md")["rule"] == "parse-error"
    assert not [f for f in findings_of(check) if f["path"] == "policies/rule.md"]


# 6. large Markdown


def test_large_markdown_without_front_matter_is_not_a_record(acme: Path, cli: Cli) -> None:
    (acme / "handbook.md").write_text("# Handbook\n" + "All about the warehouse.\n" * 130_000, encoding="utf-8")
    # front matter for a static site, without kind: a page, not a record
    (acme / "site.md").write_text("---\ntitle: Warehouse\nlayout: page\n---\n" + "All about it.\n" * 200_000,
                                  encoding="utf-8")
    check = cli("check", "-f", "json", cwd=acme).expect(0)
    assert not [f for f in findings_of(check) if f["path"] in ("handbook.md", "site.md")]
    (acme / "big.md").write_text("---\nkind: document\nid: DOC-88\n---\n" + "All about it.\n" * 200_000, encoding="utf-8")
    check = cli("check", "-f", "json", cwd=acme).expect(1, "over the 2,097,152-byte limit")
    assert finding_at(check, "big.md")["rule"] == "parse-error"


def test_markdown_notes_in_another_encoding_are_not_records(acme: Path, cli: Cli) -> None:
    # a Windows-1252 note without front matter is no record, in the tree and at a commit; one with front matter is
    (acme / "notes.md").write_bytes("# Notes\n\nCaf\u00e9 supplier visit, \u20ac40 spent.\n".encode("cp1252"))
    (acme / "record.md").write_bytes("---\nid: DOC-77\nkind: document\n---\nCaf\u00e9\n".encode("cp1252"))
    GitRepo(acme).commit("Notes", date="2026-11-20", files={})
    for args in ((), ("--at", "HEAD")):
        check = cli("check", "-f", "json", "--today", "2026-11-21", *args, cwd=acme).expect(1)
        assert not [f for f in findings_of(check) if f["path"] == "notes.md"]
        found = finding_at(check, "record.md")
        assert (found["rule"], found["line"], found["message"]) == (
            "parse-error", 5, "not valid UTF-8 (byte 0xe9); save the file as UTF-8")


def test_a_huge_committed_handbook_is_looked_at_not_held(tmp_path: Path) -> None:
    # git gives a blob whole: a long handbook committed is streamed past, keeping only its beginning, to see
    # that it is prose; a huge record beside it is still refused, by its size
    import tracemalloc

    import isoctl

    repo = committed_example(tmp_path / "acme")
    repo.commit("The handbook, and a huge record", date="2026-01-20", files={
        "handbook.md": "# Handbook\n" + "All about the warehouse, chapter and verse.\n" * 700_000,
        "policies/big.md": "---\nkind: document\nid: DOC-88\n---\n" + "All about it.\n" * 200_000,
    })
    size = (repo.root / "handbook.md").stat().st_size
    tracemalloc.start()
    try:
        result = isoctl.evaluate(repo.root, at="HEAD", history=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(f.rule, f.path) for f in result.findings if f.path in ("handbook.md", "policies/big.md")] == \
        [("parse-error", "policies/big.md")]
    assert size > 30_000_000 and peak < size // 2, f"{peak:,} bytes at the peak for a {size:,}-byte handbook"


# 7. the parse helper dies


def test_a_killed_parse_helper_is_reported_not_waited_for(acme: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.workspace import forks, parallel

    if not forks.can_fork():
        pytest.skip("no helper process on this machine (one core, or not Linux)")

    def killed(items: object) -> object:  # runs in the forked helper: what the OOM killer does
        os.kill(os.getpid(), signal.SIGKILL)
        return None

    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")  # every file is parsed, enough to fork the helper
    monkeypatch.setattr(parallel, "_parse_clean", killed)
    cli("check", cwd=acme).expect(3, "helper process parsing records was killed by signal 9")


# 8. UTF-16


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_records_are_told_to_convert(acme: Path, cli: Cli, encoding: str) -> None:
    (acme / "wide.yaml").write_bytes("kind: document\nid: DOC-16\ntitle: Wide\n".encode(encoding))
    check = cli("check", "-f", "json", cwd=acme).expect(1)
    assert finding_at(check, "wide.yaml")["message"].startswith("UTF-16: convert to UTF-8")


# 9. file names that are not UTF-8


def test_file_names_that_are_not_utf8_render_in_every_format(acme: Path, cli: Cli) -> None:
    name = os.fsencode(acme / "actions") + b"/caf\xe9.yaml"
    with open(name, "wb") as handle:
        handle.write(b"kind: nope\n")
    cli("check", "-f", "text", cwd=acme).expect(1, "actions/caf\\xe9.yaml")
    assert "actions/caf%E9.yaml" in cli("check", "-f", "sarif", cwd=acme).expect(1).stdout
    check = cli("check", "-f", "json", cwd=acme).expect(1)
    assert finding_at(check, "actions/caf\\xe9.yaml")["rule"] == "schema-error"  # the same name as git gives it


# 10. symlinked records


def test_a_symlinked_record_is_read_once_in_the_tree_and_at_a_commit(acme: Path, cli: Cli) -> None:
    os.symlink("2024.yaml", acme / "actions" / "again.yaml")
    os.symlink("../actions/2025.yaml", acme / "policies" / "actions.yaml")
    GitRepo(acme).commit("link two action files", date="2026-11-21")
    now = cli("check", "-f", "json", cwd=acme).expect(0)
    then = cli("check", "--at", "HEAD", "-f", "json", cwd=acme).expect(0)
    # git keeps only the links, so a commit never had them twice; the working tree now reads them once too
    for run in (now, then):
        assert not [f for f in findings_of(run) if f["rule"] == "duplicate-id"]
        assert json.loads(run.stdout)["summary"]["records"] == 237


# 11. deep trees


def test_a_manifest_linked_outside_the_workspace_is_refused_unread(acme: Path, cli: Cli, tmp_path: Path) -> None:
    manifest = acme / "isoctl.yaml"
    before = cli("check", "-f", "json", "--today", "2026-03-01", cwd=acme)
    outside = tmp_path / "elsewhere.yaml"  # a valid manifest: were it read, the commands would work
    shutil.move(manifest, outside)
    manifest.symlink_to(outside)
    said = f"isoctl.yaml is a link to a file outside the workspace ({outside}); isoctl reads only files inside it"
    for args in (("check",), ("gap",), ("report", "-o", "pack.html"), ("history",), ("standards", "list"),
                 ("action", "list")):
        cli(*args, cwd=acme).expect(2, said)
    assert not (acme / "pack.html").exists()
    # a link to a file inside the workspace is the file (in a dot-folder, which holds no records)
    manifest.unlink()
    (acme / ".config").mkdir()
    shutil.move(outside, acme / ".config" / "isoctl.yaml")
    manifest.symlink_to(Path(".config") / "isoctl.yaml")
    after = cli("check", "-f", "json", "--today", "2026-03-01", cwd=acme)
    assert after.exit_code == before.exit_code
    assert json.loads(after.stdout)["summary"] == json.loads(before.stdout)["summary"]


def test_a_tree_deeper_than_the_python_stack_is_walked(cli: Cli) -> None:
    # Outside pytest's temporary folders: their clean-up recurses, and would fail on this tree if it were left behind.
    outside = Path(tempfile.mkdtemp(prefix="isoctl-deep-"))
    acme = outside / "acme"
    committed_example(acme)
    levels = 1100
    here = Path.cwd()
    os.chdir(acme)
    try:
        for _ in range(levels):  # one level at a time: the full path grows past what one call may name
            os.mkdir("d")
            os.chdir("d")
        Path("r.yaml").write_text("kind: nope\n", encoding="utf-8")
    finally:
        os.chdir(here)
    try:
        check = cli("check", "-f", "json", cwd=acme).expect(1)
        assert finding_at(check, "d/" * levels + "r.yaml")["rule"] == "schema-error"
    finally:
        _remove_deep(acme, levels)
        shutil.rmtree(outside)


def _remove_deep(parent: Path, levels: int) -> None:
    """Remove the tree of ``d`` folders bottom up: pytest's own clean-up (shutil.rmtree) recurses and would fail on it."""
    here = Path.cwd()
    os.chdir(parent)
    try:
        for _ in range(levels - 1):
            os.chdir("d")
        os.unlink("d/r.yaml")
        for _ in range(levels):
            os.rmdir("d")
            os.chdir("..")
    finally:
        os.chdir(here)
