"""The cache is an optimisation only: it never changes an answer, never crashes a run, and stays bounded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli, GitRepo, make_workspace

from isoctl.files import cache

ACTION = """\
id: ACT-1
kind: action
type: improvement
title: Label the racking
owner: jsmith
raised_on: 2026-01-10
status: open
evidence:
  - {path: evidence/audit}
"""


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory (and signing key) of this test's own."""
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ISOCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("ISOCTL_NO_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    git = GitRepo.init(tmp_path / "repo")
    make_workspace(git.root, {"actions/ACT-1.yaml": ACTION, "evidence/audit/.keep": ""})
    git.commit("Start", date="2026-01-10")
    git.commit("Second", files={"actions/ACT-2.yaml": ACTION.replace("ACT-1", "ACT-2")}, date="2026-02-10")
    return git


def entries(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*.json") if p.is_file())


def check(cli: Cli, root: Path, *extra: str) -> tuple[int, str]:
    run = cli("check", "-f", "json", "--today", "2026-03-01", *extra, cwd=root)
    return run.exit_code, run.stdout


def test_a_symlinked_directory_added_to_a_dirty_tree_is_seen(repo: GitRepo, cli: Cli, own_cache: Path,
                                                              tmp_path: Path) -> None:
    (repo.root / "actions" / "ACT-3.yaml").write_text(ACTION.replace("ACT-1", "ACT-3"))  # uncommitted
    first = check(cli, repo.root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text(ACTION.replace("ACT-1", "ACT-9"))
    (repo.root / "linked").symlink_to(outside, target_is_directory=True)
    second = check(cli, repo.root)
    assert second != first
    assert "path-outside-workspace" in second[1]


def test_an_evidence_folder_that_disappears_is_seen(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    (repo.root / "evidence" / "audit" / ".keep").unlink()  # now an empty folder: still there
    first = json.loads(check(cli, repo.root)[1])
    (repo.root / "evidence" / "audit").rmdir()
    second = json.loads(check(cli, repo.root)[1])
    assert len(second["findings"]) > len(first["findings"])
    assert any("evidence/audit" in f["message"] for f in second["findings"])


def test_a_forged_entry_is_not_believed(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    """An entry rewritten to say "no findings", with its digest recomputed the way anyone could, is a miss."""
    (repo.root / "actions" / "ACT-1.yaml").write_text("id: [unclosed\n")
    code, out = check(cli, repo.root)
    assert code == 1 and "parse-error" in out
    for path in entries(own_cache / "results"):
        header, _, body = path.read_bytes().partition(b"\n")
        meta = json.loads(header)
        data = json.loads(body)
        data["findings"] = []
        forged = json.dumps(data).encode()
        import hashlib

        meta["mac"] = hashlib.sha256(meta["key"].encode() + b"\0" + forged).hexdigest()
        path.write_bytes(json.dumps(meta).encode() + b"\n" + forged)
    assert check(cli, repo.root) == (code, out)


def test_a_deeply_nested_entry_is_a_miss_not_a_crash(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    expected = check(cli, repo.root)
    for path in entries(own_cache):
        header = path.read_bytes().partition(b"\n")[0]
        path.write_bytes(header + b"\n" + b"[" * 200_000 + b"]" * 200_000)
    assert check(cli, repo.root) == expected
    assert cache.loads(b"[" * 100 + b"]" * 100) is None
    assert cache.loads(b'["[[[[", {"a": [1]}]') == ["[[[[", {"a": [1]}]


COMMANDS = [
    ("check", "-f", "json", "--today", "2026-03-01"),
    ("check", "--at", "HEAD~1", "-f", "sarif"),
    ("gap", "-f", "csv", "--today", "2026-03-01"),
    ("soa", "-f", "json", "--today", "2026-03-01"),
    ("diff", "HEAD~1", "--today", "2026-03-01", "-f", "json"),
    ("history", "--every", "commit", "-f", "json"),
    ("report", "-f", "md", "--today", "2026-03-01", "--since", "HEAD~1"),
    ("standards", "show", "iso9001:2015", "-f", "json"),
    ("action", "list", "-f", "json"),
]


@pytest.mark.parametrize("poison", ["garbage", "truncated", "swapped"])
def test_every_command_gives_the_same_output_with_a_poisoned_cache(repo: GitRepo, cli: Cli, own_cache: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   poison: str) -> None:
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    clean = [cli(*command, cwd=repo.root) for command in COMMANDS]
    monkeypatch.delenv("ISOCTL_NO_CACHE")
    for command in COMMANDS:  # fill the cache
        cli(*command, cwd=repo.root)
    files = entries(own_cache)
    assert files, "the commands cached nothing"
    contents = [p.read_bytes() for p in files]
    for index, path in enumerate(files):
        if poison == "garbage":
            path.write_bytes(b"\x00\xff not json {{{")
        elif poison == "truncated":
            path.write_bytes(contents[index][: len(contents[index]) // 2])
        else:  # a valid entry of another key in every file
            path.write_bytes(contents[(index + 1) % len(contents)])
    poisoned = [cli(*command, cwd=repo.root) for command in COMMANDS]
    for command, want, got in zip(COMMANDS, clean, poisoned, strict=True):
        assert (got.exit_code, got.stdout) == (want.exit_code, want.stdout), command


def test_the_cache_stays_under_its_cap(repo: GitRepo, cli: Cli, own_cache: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_MAX_MB", "1")
    for day in range(1, 29):
        cli("check", "-f", "json", "--today", f"2026-03-{day:02d}", cwd=repo.root)
        cli("gap", "-f", "json", "--today", f"2026-04-{day:02d}", cwd=repo.root)
    size = sum(p.stat().st_size for p in entries(own_cache))
    assert 0 < size <= 1024 * 1024


def test_least_recently_used_entries_go_first(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = {"x": "y" * 300_000}
    cache.write("results", "a" * 32, blob)
    cache.write("results", "b" * 32, blob)
    old = (own_cache / "results" / f"{'a' * 32}.json")
    os.utime(old, (1, 1))
    os.utime(own_cache / "results" / f"{'b' * 32}.json", (2, 2))
    assert cache.read("results", "a" * 32) == blob  # a hit makes "a" the most recently used
    monkeypatch.setenv("ISOCTL_CACHE_MAX_MB", "1")
    cache.write("results", "c" * 32, blob)
    cache.write("results", "d" * 32, blob)
    assert cache.read("results", "a" * 32) == blob
    assert cache.read("results", "b" * 32) is None


def test_writes_keep_a_running_total_instead_of_listing_the_cache_each_time(own_cache: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    listed = []
    entries_of = cache.entry_files
    monkeypatch.setattr(cache, "entry_files", lambda base: listed.append(base) or entries_of(base))
    for n in range(2 * cache.RECOUNT_EVERY):
        cache.write("results", f"{n:032d}", {"n": n})
    assert 1 <= len(listed) <= 3  # the first write counts, then once every RECOUNT_EVERY writes
    ledger = json.loads((own_cache / cache.LEDGER).read_text())
    assert ledger["bytes"] == sum(p.stat().st_size for p in entries(own_cache))
    assert all(cache.read("results", f"{n:032d}") == {"n": n} for n in range(2 * cache.RECOUNT_EVERY))


@pytest.mark.parametrize("ledger", ["garbage", '{"bytes": -5, "writes": 0}', '{"bytes": 1.5, "writes": 0}', "[1, 2]",
                                    '{"bytes": 0, "writes": 0}', "fifo", "symlink"])
def test_an_odd_or_understated_ledger_is_counted_again_and_the_cap_holds(own_cache: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         ledger: str) -> None:
    blob = {"x": "y" * 300_000}
    for n in range(4):  # 1.2 MB, written while the cap was the default
        cache.write("results", f"{n:032d}", blob)
    path = own_cache / cache.LEDGER
    path.unlink()
    if ledger == "fifo":
        os.mkfifo(path)
    elif ledger == "symlink":
        (tmp_path / "elsewhere").write_text('{"bytes": 0, "writes": 0}')
        path.symlink_to(tmp_path / "elsewhere")
    else:  # "bytes": 0 is what two runs writing at once can leave: each missed the other's entries
        path.write_text(ledger)
    monkeypatch.setenv("ISOCTL_CACHE_MAX_MB", "1")
    for n in range(cache.RECOUNT_EVERY):
        cache.write("results", f"small{n:027d}", {"n": n})
    assert sum(p.stat().st_size for p in entries(own_cache)) <= 1024 * 1024
    assert cache.read("results", f"small{cache.RECOUNT_EVERY - 1:027d}") == {"n": cache.RECOUNT_EVERY - 1}
    assert path.is_file() and not path.is_symlink()  # replaced by a real count, not written through the link
    if ledger == "symlink":
        assert (tmp_path / "elsewhere").read_text() == '{"bytes": 0, "writes": 0}'


def test_cache_info_and_clear(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    check(cli, repo.root)
    info = json.loads(cli("cache", "info", "-f", "json").stdout)
    assert info["directory"] == str(own_cache) and info["entries"] >= 2 and info["bytes"] > 0
    assert {s["name"] for s in info["sections"]} >= {"results", "workspaces"}
    text = cli("cache", "info").stdout
    assert str(own_cache) in text and "results" in text
    assert cli("cache", "clear").exit_code == 0
    assert entries(own_cache) == []
    assert json.loads(cli("cache", "info", "-f", "json").stdout)["entries"] == 0
    (own_cache / "keep-me.txt").write_text("not ours")
    cli("cache", "clear")
    assert (own_cache / "keep-me.txt").exists()  # only entries are removed
    assert not (own_cache / cache.LEDGER).exists()  # and their running total


def test_a_shared_cache_directory_loses_none_of_other_programs_files(repo: GitRepo, cli: Cli, own_cache: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # ISOCTL_CACHE_DIR=~/.cache, or a CI cache folder: other programs keep JSON there too, in sections of their own
    # and in directories named like isoctl's; eviction past the cap and 'cache clear' must leave all of them alone
    theirs = [own_cache / "otherapp" / f"state{n}.json" for n in range(3)]
    theirs += [own_cache / "results" / "notes.json", own_cache / "results" / ("f" * 32 + ".json"),
               own_cache / "usage", own_cache / cache.LEDGER.replace("usage", "usage-notes")]
    for path in theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": path.stem, "data": "z" * 400_000}) + "\n")
    before = {path: path.read_bytes() for path in theirs}
    monkeypatch.setenv("ISOCTL_CACHE_MAX_MB", "1")
    assert check(cli, repo.root)[0] in (0, 1)
    for n in range(cache.RECOUNT_EVERY + 1):  # past the cap, and past a recount
        cache.write("results", f"{n:032d}", {"x": "y" * 20_000})
    cli("cache", "clear").expect(0)
    assert {path: path.read_bytes() for path in theirs} == before
    assert not [p for p in entries(own_cache / "results") if p.name.startswith("0")]  # isoctl's own entries went


def test_cache_clear_in_a_workspace_keeps_its_evidence(repo: GitRepo, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    evidence = repo.root / "evidence" / "export.json"
    evidence.parent.mkdir(exist_ok=True)
    evidence.write_text('{"exported": true}\n')
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(repo.root))
    cli("cache", "clear", cwd=repo.root).expect(0)
    assert evidence.read_text() == '{"exported": true}\n'


def test_every_section_isoctl_writes_is_one_it_owns(own_cache: Path) -> None:
    with pytest.raises(ValueError, match="not one of isoctl's sections"):
        cache.write("otherapp", "a" * 32, {"x": 1})
    cache.write("results", "a" * 32, {"x": 1})
    assert cache.read("results", "a" * 32) == {"x": 1}


def test_no_cache_writes_nothing(repo: GitRepo, cli: Cli, own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    check(cli, repo.root)
    assert not own_cache.exists()
    assert "off" in cli("cache", "info").stdout


def test_an_unwritable_cache_only_costs_speed(repo: GitRepo, cli: Cli, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(blocked / "cache"))
    monkeypatch.setenv("ISOCTL_STATE_DIR", str(blocked / "state"))
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    want = check(cli, repo.root)
    monkeypatch.delenv("ISOCTL_NO_CACHE")
    assert check(cli, repo.root) == want


def test_a_named_pipe_among_the_records_is_refused_not_read(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    os.mkfifo(repo.root / "actions" / "pipe.yaml")
    for _ in range(2):  # computed, then from the cache: neither blocks on the pipe
        code, out = check(cli, repo.root)
        assert code == 1
        assert any(f["path"] == "actions/pipe.yaml" and "not a regular file" in f["message"]
                   for f in json.loads(out)["findings"])


def test_the_key_walks_any_depth_of_folders(tmp_path: Path) -> None:
    import sys

    from isoctl.core.keys import fingerprint

    here = tmp_path
    for _ in range(300):
        here = here / "d"
        here.mkdir()
    (here / "x.yaml").write_text("id: A\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)  # the folders go deeper than any recursion could
    try:
        first = fingerprint(tmp_path)
        (here / "x.yaml").write_text("id: B\n")
        second = fingerprint(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert first is not None and second not in (None, first)


def test_the_history_record_cache_is_bounded_and_keeps_the_last_tree(own_cache: Path, tmp_path: Path) -> None:
    from isoctl.workspace.record_cache import RecordCache

    store = RecordCache(tmp_path, history=True, max_bytes=10_000)
    store.put("tree-blob", True, "t" * 4_000)
    store.pin(["tree-blob"])
    for n in range(100):  # a walk through many commits: 100 KB of records passes through
        store.put(f"blob-{n}", True, "r" * 1_000)
    held = sum(len(records) for _, records in store.used.values())
    assert held <= 10_000 + 4_000
    assert "tree-blob" in store and "blob-99" in store and "blob-0" not in store
    store.save()
    again = RecordCache(tmp_path, history=True, max_bytes=10_000)
    assert again.get("tree-blob") == (True, "t" * 4_000)  # the next walk starts where this one ended
    assert again.get("blob-0") is None


def test_a_named_pipe_planted_as_an_entry_is_a_miss(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    expected = check(cli, repo.root)
    for path in entries(own_cache):
        path.unlink()
        os.mkfifo(path)
    assert check(cli, repo.root) == expected  # would block for ever if the pipe were opened for reading


def test_a_tree_edited_while_it_is_evaluated_keeps_no_answer(repo: GitRepo, own_cache: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import isoctl
    from isoctl.core import evaluate as core

    real = core.analyse_workspace

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        (repo.root / "actions" / "ACT-1.yaml").write_text(ACTION.replace("Label", "Relabel"))
        return result

    monkeypatch.setattr(core, "analyse_workspace", edited_meanwhile)
    isoctl.evaluate(repo.root, today="2026-03-01")
    assert not (own_cache / "results").exists() or not entries(own_cache / "results")
    monkeypatch.setattr(core, "analyse_workspace", real)
    isoctl.evaluate(repo.root, today="2026-03-01")
    assert entries(own_cache / "results")  # an undisturbed evaluation is kept


@pytest.mark.parametrize("damage", ["short", "long", "sizes", "index"])
def test_a_signed_record_entry_whose_index_disagrees_with_its_body_is_a_miss(repo: GitRepo, cli: Cli, own_cache: Path,
                                                                            damage: str) -> None:
    """Records are kept after a one-line index of blob sizes: an index that does not describe the bytes after it
    (even one signed with the user's own key) is a miss, and the records are read again."""
    expected = check(cli, repo.root)
    for path in entries(own_cache / "workspaces"):
        cache.write_bytes("workspaces", path.stem, _damaged(path.read_bytes().partition(b"\n")[2], damage))
    for answer in entries(own_cache / "results") + entries(own_cache / "replay"):
        answer.unlink()  # no answer to give again: the records are read
    assert check(cli, repo.root) == expected


def _damaged(body: bytes, damage: str) -> bytes:
    header, _, records = body.partition(b"\n")
    index = json.loads(header)
    assert [blob for blob, _, _ in index["index"]] and records.startswith(b"[{")
    if damage == "short":
        return body[:-1]
    if damage == "long":
        return body + b" "
    if damage == "sizes":
        index["index"] = [[blob, sequence, size + 1] for blob, sequence, size in index["index"]]
    else:
        index["index"] = {"not": "a list"}
    return json.dumps(index).encode() + b"\n" + records


def test_unchanged_record_files_are_not_read_again(tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record file whose size, times and inode are those it had when hashed (well before) is not read again."""
    import builtins
    import time

    from isoctl.core import keys
    from isoctl.files import hashes

    monkeypatch.setattr(hashes, "RACY_NS", 0)
    root = make_workspace(tmp_path / "ws", {"actions/ACT-1.yaml": ACTION, "actions/ACT-2.yaml": ACTION})
    time.sleep(0.05)
    opened: list[str] = []

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(hashes, "open", counting_open, raising=False)
    first = keys.fingerprint(root)
    assert any(name.endswith("ACT-1.yaml") for name in opened)
    opened.clear()
    hashes.ContentHashes._open.clear()  # as a new process would: what was hashed comes from the user cache
    assert keys.fingerprint(root) == first and opened == []
    (root / "actions" / "ACT-2.yaml").write_text(ACTION.replace("Label", "Clean"), encoding="utf-8")
    assert keys.fingerprint(root) != first
    assert [Path(name).name for name in opened] == ["ACT-2.yaml"]


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(repo: GitRepo, cli: Cli, own_cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Size and modification time can be kept by an edit (``touch -r``, a tool restoring times); the inode's
    change time cannot, so the file is read again and the answer follows the edit."""
    import time

    from isoctl.core import keys
    from isoctl.files import hashes

    monkeypatch.setattr(hashes, "RACY_NS", 0)
    target = repo.root / "actions" / "ACT-1.yaml"
    time.sleep(0.05)
    before = check(cli, repo.root)
    files = keys.fingerprint(repo.root)
    info = target.stat()
    time.sleep(0.05)
    edited = ACTION.replace("status: open", "status: 0pen")  # the same length: an invalid status
    assert len(edited) == len(ACTION)
    target.write_text(edited, encoding="utf-8")
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    assert keys.fingerprint(repo.root) != files
    out = check(cli, repo.root)[1]
    assert "0pen" in out and out != before[1]


def test_what_the_history_holds_is_kept_for_the_next_run(repo: GitRepo, cli: Cli, own_cache: Path) -> None:
    """A check that reads the history keeps what each blob of it holds, so the next evaluation reads no blob twice."""
    from isoctl.history import revisions, versions

    check(cli, repo.root)
    assert entries(own_cache / "versions")
    blobs = {change.new_blob for commit in revisions.log(repo.root) for change in commit.changes
             if change.path.startswith("actions/")}
    kept = versions.RecordVersions([], repo.root, reading_ahead=False).known
    assert blobs and blobs <= set(kept)
    assert {record for items in kept.values() for record in items} == {"ACT-1", "ACT-2"}


def test_the_hashes_of_deleted_files_are_forgotten(tmp_path: Path, own_cache: Path) -> None:
    from isoctl.core import keys
    from isoctl.files.hashes import ContentHashes

    root = make_workspace(tmp_path / "ws", {"actions/ACT-1.yaml": ACTION, "actions/ACT-2.yaml": ACTION})
    keys.fingerprint(root)
    assert {"actions/ACT-1.yaml", "actions/ACT-2.yaml"} <= set(ContentHashes.of(root.resolve()).known)
    (root / "actions" / "ACT-2.yaml").unlink()
    keys.fingerprint(root)
    ContentHashes._open.clear()
    kept = ContentHashes.of(root.resolve()).known
    assert "actions/ACT-1.yaml" in kept and "actions/ACT-2.yaml" not in kept


def test_an_edit_rewrites_only_the_record_entries_that_held_the_file(tmp_path: Path, cli: Cli, own_cache: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A working tree's records are spread over several entries by blob: after one file changes, the others
    are not written again, and the check says what a check without any cache says."""
    files = {f"actions/ACT-{n}.yaml": ACTION.replace("ACT-1", f"ACT-{n}") for n in range(1, 41)}
    root = make_workspace(tmp_path / "ws", files)
    check(cli, root)
    before = {path.name: path.stat().st_ino for path in entries(own_cache / "workspaces")}
    assert len(before) > 4  # forty files: spread over most of the entries
    edited = root / "actions" / "ACT-7.yaml"
    edited.write_text(edited.read_text().replace("Label the racking", "Label every rack"))
    answer = check(cli, root)
    after = {path.name: path.stat().st_ino for path in entries(own_cache / "workspaces")}
    assert after.keys() == before.keys()
    assert 1 <= sum(after[name] != before[name] for name in before) <= 2  # a new file replaced each rewritten one
    assert "Label every rack" in b"".join(path.read_bytes() for path in entries(own_cache / "workspaces")).decode()
    assert answer == check(cli, root)
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    assert answer == check(cli, root)


RISK = """\
id: RSK-{n}
kind: risk
title: Risk {n}
owner: jsmith
likelihood: 2
impact: 3
"""


def test_after_an_edit_only_the_edited_file_is_read_and_findings_elsewhere_are_still_placed(
        tmp_path: Path, cli: Cli, own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading takes the records of a file its stat vouches for from the cache without reading it; a finding
    that appears in such a file because another one changed is located in it all the same."""
    import time

    from isoctl.files import hashes, yamlio

    monkeypatch.setattr(hashes, "RACY_NS", 0)
    files = {f"risks/RSK-{n}.yaml": RISK.format(n=n) for n in range(1, 9)}
    # the reference sits on line 9 of its file, after a comment: only the file's text can say so
    files["actions/ACT-1.yaml"] = ACTION.replace("status: open\n", "status: open\n# raised at the May review\nrelated: [RSK-3]\n")
    root = make_workspace(tmp_path / "ws", files)
    time.sleep(0.05)
    first = check(cli, root)
    read: list[str] = []
    real = yamlio.read_bytes

    def counting(path: Path, **kwargs: Any) -> bytes:
        read.append(Path(path).relative_to(root).as_posix())
        return real(path, **kwargs)

    monkeypatch.setattr(yamlio, "read_bytes", counting)
    (root / "risks" / "RSK-3.yaml").write_text(RISK.format(n=33), encoding="utf-8")  # RSK-3 is gone
    time.sleep(0.05)
    second = check(cli, root)
    assert "related:" not in first[1]
    found = [f for f in json.loads(second[1])["findings"] if f["message"].startswith("related:")]
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("actions/ACT-1.yaml", 9, 11)]
    # of the record files: the edited one, and the one a new finding was located in (the manifest is always read)
    assert sorted(set(read) - {"isoctl.yaml"}) == ["actions/ACT-1.yaml", "risks/RSK-3.yaml"]
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    assert check(cli, root) == second


def test_a_rule_that_reads_the_text_of_a_file_left_unread_gets_it(tmp_path: Path, cli: Cli, own_cache: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An approved document's placeholder is placed on its line of the file, and the message names that line,
    when the document's records came from the cache without its file being read (another file was edited)."""
    import time

    from isoctl.files import hashes

    monkeypatch.setattr(hashes, "RACY_NS", 0)
    files = {f"risks/RSK-{n}.yaml": RISK.format(n=n) for n in range(1, 4)}
    files["policy.md"] = ("---\nid: POL-1\nkind: document\ntype: procedure\ntitle: Returns\nstatus: approved\n---\n"
                          "# Returns\n\nGoods come back to bay 3.\nTODO: list the sites\n" + "word " * 40 + "\n")
    root = make_workspace(tmp_path / "ws", files)
    time.sleep(0.05)
    first = check(cli, root, "--today", "2026-11-21")
    (root / "risks" / "RSK-2.yaml").write_text(RISK.format(n=2).replace("impact: 3", "impact: 4"), encoding="utf-8")
    time.sleep(0.05)
    second = check(cli, root, "--today", "2026-11-21")
    found = [(f["path"], f["line"], f["column"], f["message"]) for f in json.loads(second[1])["findings"]
             if f["rule"] == "unfinished-document"]
    assert found == [("policy.md", 11, 1, 'POL-1 is approved but still holds placeholder text: "TODO" on line 11')]
    assert first == second
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    assert check(cli, root, "--today", "2026-11-21") == second


def test_a_history_is_read_from_git_once_and_follows_a_clone_that_fetches_more(tmp_path: Path, own_cache: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit list up to a sha comes from the cache the second time, equal to what git said; a shallow clone
    that fetches the rest of its history gets the whole history, for the same HEAD."""
    from isoctl.history import git, log_cache, revisions

    origin = GitRepo.init(tmp_path / "origin")
    make_workspace(origin.root, {"actions/ACT-1.yaml": ACTION})
    origin.commit("Start", date="2026-01-10")
    for month in range(2, 7):
        origin.commit(f"Work {month}", files={f"actions/ACT-{month}.yaml": ACTION.replace("ACT-1", f"ACT-{month}")},
                      date=f"2026-0{month}-10")
    clone = tmp_path / "clone"
    origin.git("clone", "--quiet", "--depth", "2", f"file://{origin.root}", str(clone))
    head = git.head_state(clone)[0]
    assert head is not None
    logs: list[tuple[str, ...]] = []
    real = git.run

    def counting(root: Path, *args: str) -> bytes:
        if args[0] == "log":
            logs.append(args)
        return real(root, *args)

    monkeypatch.setattr(git, "run", counting)
    shallow = revisions.log(clone, until=head)
    assert [c.subject for c in shallow] == ["Work 5", "Work 6"] and len(logs) == 1
    assert revisions.log(clone, until=head) == shallow and len(logs) == 1  # from the cache
    git.run(clone, "fetch", "--quiet", "--unshallow")
    whole = revisions.log(clone, until=head)
    assert len(logs) == 2 and [c.subject for c in whole] == ["Start", *(f"Work {m}" for m in range(2, 7))]
    assert revisions.log(clone, until=head) == whole and len(logs) == 2
    assert revisions.log(clone, until="HEAD") == whole and len(logs) == 3  # a name, not a sha: always asked of git
    for damaged in ([["not", "a", "commit"]], {"a": 1}, [[*["x"] * 8, "no"]]):
        for entry in entries(own_cache / log_cache.SECTION):
            cache.write(log_cache.SECTION, entry.stem, damaged)
        assert revisions.log(clone, until=head) == whole
    assert len(logs) == 6


def test_a_history_that_continues_the_last_one_kept_asks_git_only_for_its_new_commits(
        tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a new commit, the history is the kept one and what git says of the commits since; it is exactly the
    history git gives whole, through merges (of changes, of nothing, of a branch holding all), commits outside the
    workspace and empty commits. A branch off the line, an older commit and a rewritten commit are read whole."""
    from isoctl.history import git, revisions

    repo = GitRepo.init(tmp_path / "repo")
    root = make_workspace(repo.root / "ms", {"actions/ACT-1.yaml": ACTION})
    line = [repo.commit("Start", date="2026-01-05")]

    def action(number: int) -> dict[str, str]:
        return {f"ms/actions/ACT-{number}.yaml": ACTION.replace("ACT-1", f"ACT-{number}")}

    line.append(repo.commit("Outside only", files={"README.md": "readme\n"}, date="2026-01-06"))
    line.append(repo.commit("Work 2", files=action(2), date="2026-01-07"))
    repo.git("commit", "--quiet", "--allow-empty", "--message", "Nothing", date="2026-01-08")
    line.append(repo.sha())
    repo.branch("feature")  # a branch with work in the workspace, while the main line moves on
    repo.checkout("feature")
    repo.commit("Feature 3", files=action(3), date="2026-01-09")
    repo.commit("Feature 4", files=action(4), date="2026-01-10")
    repo.checkout("main")
    line.append(repo.commit("Work 5", files=action(5), date="2026-01-11"))
    line.append(repo.merge("feature", "Merge feature", date="2026-01-12"))
    repo.branch("docs")  # a branch outside the workspace only
    repo.checkout("docs")
    repo.commit("Docs", files={"docs.txt": "words\n"}, date="2026-01-13")
    repo.checkout("main")
    line.append(repo.merge("docs", "Merge docs", date="2026-01-14"))
    repo.branch("ahead")  # a branch holding everything the merge brings: the merge's tree is the branch's
    repo.checkout("ahead")
    repo.commit("Ahead 6", files=action(6), date="2026-01-15")
    repo.checkout("main")
    line.append(repo.merge("ahead", "Merge ahead", date="2026-01-16"))
    line.append(repo.commit("Work 7", files=action(7), date="2026-01-17"))

    asked: list[str] = []
    real = git.run

    def counting(where: Path, *args: str) -> bytes:
        if args[0] == "log":
            asked.append(next(arg for arg in args[1:] if not arg.startswith("-")))  # the revisions asked for
        return real(where, *args)

    monkeypatch.setattr(git, "run", counting)
    for sha in line:  # each new commit of the line, as a check after each commit would read it
        asked.clear()
        assert revisions.log(root, until=sha) == revisions._logged(root, sha, git.layout(root)[2])
        assert asked[0] == sha if sha == line[0] else asked[0].endswith(".." + sha), asked
    assert [c.subject for c in revisions.log(root, until=line[-1])] == [
        "Start", "Work 2", "Work 5", "Merge feature", "Merge ahead", "Work 7"]

    side = line[4]  # a branch that left the line before its last kept commit: read whole
    repo.git("checkout", "--quiet", "-b", "side", side)
    fork = repo.commit("Side 8", files=action(8), date="2026-01-18")
    for sha in (fork, line[2]):  # and an older commit of the line itself
        asked.clear()
        assert revisions.log(root, until=sha) == revisions._logged(root, sha, git.layout(root)[2]) and asked[0] == sha
    repo.git("commit", "--quiet", "--amend", "--message", "Side 8, reworded", date="2026-01-18")
    asked.clear()
    rewritten = revisions.log(root, until=repo.sha())
    assert [c.subject for c in rewritten][-1] == "Side 8, reworded" and asked[0] == repo.sha()


def test_a_git_directory_with_odd_files_is_read_without_caching_its_history(tmp_path: Path, own_cache: Path) -> None:
    """A FIFO, a link or a folder where git keeps its shallow list, grafts or replacement refs is never opened
    (reading a FIFO would wait for ever): the history is then just not cached."""
    from isoctl.history import log_cache

    sha = "a" * 40
    plain = tmp_path / "plain"
    (plain / "refs" / "replace").mkdir(parents=True)
    keys = log_cache.Keys.of(tmp_path, plain, b"", "--format=x")
    assert keys.history(sha) is not None
    assert keys.history("HEAD") is None  # only a sha names a fixed history
    odd = {"fifo": lambda path: os.mkfifo(path), "link": lambda path: path.symlink_to("/etc/hostname"),
           "folder": lambda path: path.mkdir()}
    for name, make in odd.items():
        for where in ("shallow", "refs/replace/" + "b" * 40):
            common = tmp_path / f"{name}-{where.count('/')}"
            (common / "refs" / "replace").mkdir(parents=True)
            make(common / where)
            found = log_cache.Keys.of(tmp_path, common, b"", "--format=x").history(sha)
            assert found is None or (name == "folder" and "replace" in where), (name, where)
