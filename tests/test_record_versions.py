"""Every record's versions through a real history: what counts as a change, read from the text of each file."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import MANIFEST, GitRepo, policy

from isoctl.history import catfile, revisions, versions
from isoctl.history import cut as cut_module
from isoctl.history import split as split_module
from isoctl.history.cut import cut
from isoctl.history.split import split
from isoctl.workspace.files import wanted

LOG = """\
# Corrective action log
- id: ACT-1
  kind: action
  title: First
  raised_on: 2026-01-10
  evidence:
  - path: evidence/a.pdf
- id: "ACT-2"   # quoted, with a comment
  title: Second
  kind: action
  raised_on: 2026-02-10
  verification: {'on': 2026-03-01, by: jsmith, effective: true}
"""


def test_a_list_is_cut_into_its_records_by_their_text() -> None:
    pieces = cut("actions/log.yaml", LOG)
    assert pieces is not None and list(pieces) == ["ACT-1", "ACT-2"]
    assert pieces["ACT-1"][0] == "action" and pieces["ACT-1"][1].startswith("- id: ACT-1\n")
    assert pieces["ACT-2"][1].endswith("effective: true}\n")
    assert split("actions/log.yaml", LOG.encode())["ACT-2"][2] == "on=2026-03-01 raised_on=2026-02-10"


def test_a_single_record_and_a_markdown_record_are_one_piece_each() -> None:
    single = "id: ISS-1\nkind: issue\ntype: internal\ntitle: One\n"
    assert cut("context/iss.yaml", single) == {"ISS-1": ("issue", single)}
    page = "---\nid: POL-1\nkind: document\ntitle: Policy\n---\n# Heading\n"
    assert cut("documents/pol.md", page) == {"POL-1": ("document", page)}
    assert cut("README.md", "# Just a readme\n") == {}


OBJECTIVE = """\
id: OBJ-1   # lists written at the margin, as many editors write them
kind: objective
title: Fewer late deliveries
measurements:
- date: 2026-01-31
  value: 4
- date: 2026-02-28
  value: 3
evidence:
- path: evidence/kpi.xlsx
tags: [north]
"""


def test_a_single_record_whose_lists_start_at_the_margin_is_one_piece_read_from_its_text() -> None:
    assert cut("objectives/obj.yaml", OBJECTIVE) == {"OBJ-1": ("objective", OBJECTIVE)}
    kind, digest, stamps = split("objectives/obj.yaml", OBJECTIVE.encode())["OBJ-1"]
    assert (kind, stamps) == ("objective", "date=2026-01-31 date=2026-02-28")
    assert not digest.startswith("p")  # cut as text, not parsed
    # an item after a key that holds a value is no list of that key: left to the parser
    assert cut("objectives/obj.yaml", OBJECTIVE.replace("evidence:\n", "evidence: none\n")) is None
    assert cut("objectives/obj.yaml", '"id": OBJ-1\n' + OBJECTIVE.split("\n", 1)[1]) is None


@pytest.mark.parametrize("text", [
    "- &base\n  id: A\n  kind: issue\n- <<: *base\n  id: B\n",  # anchors and merges
    "- {id: A, kind: issue, title: flow}\n",  # a flow mapping per item
    "- id: A\n  kind: issue\n- id: A\n  kind: issue\n",  # a duplicated id
    "- id: A\n\tkind: issue\n",  # a tab
    "title: before the list\n- id: A\n  kind: issue\n",  # not a plain list
])
def test_text_it_cannot_follow_is_parsed_whole_instead(text: str) -> None:
    assert cut("x.yaml", text) is None
    parsed = split("x.yaml", text.encode())
    assert all(digest.startswith("p") for _, digest, _ in parsed.values())  # read by the parser


def test_a_file_that_does_not_parse_holds_nothing() -> None:
    assert split("x.yaml", b"- id: [unclosed\n  kind: issue\n") == {}
    assert split("x.yaml", b"\xff\xfe\x00bad") == {}


def test_a_document_stamp_ignores_comments_review_dates_and_quoting_but_not_a_heading() -> None:
    page = "---\nid: P\nkind: document\nstatus: approved\nversion: '2'\n# a comment\n---\n{body}"
    base = split("p.md", page.format(body="# Scope\nText\n").encode())["P"][2]
    commented = split("p.md", page.replace("# a comment", "# another\nnext_review: 2027-01-01")
                      .format(body="# Scope\nText\n").encode())["P"][2]
    requoted = split("p.md", page.replace("'2'", '"2"').format(body="# Scope\nText\n").encode())["P"][2]
    heading = split("p.md", page.format(body="# Purpose\nText\n").encode())["P"][2]
    assert base == commented == requoted
    assert heading.split()[0] == base.split()[0] and heading.split()[1] != base.split()[1]


def all_versions(root: Path) -> dict[str, list[tuple[int, str]]]:
    found = versions.RecordVersions([], root)
    found.advance(revisions.log(root))
    return {rid: [(v.index, v.path) for v in found.of(rid)] for rid in sorted(found.history)}


def test_versions_follow_records_by_id_across_files_and_commits(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("start", files={"isoctl.yaml": MANIFEST, "actions/log.yaml": LOG}, date="2026-01-01")  # 0
    repo.commit("edit ACT-2 only", files={"actions/log.yaml": LOG.replace("Second", "Second!")}, date="2026-01-02")  # 1
    repo.rename("actions/log.yaml", "capa/log.yaml")
    repo.commit("move the file", date="2026-01-03")  # 2: no record changed
    moved = (tmp_path / "qms" / "capa" / "log.yaml").read_text()
    repo.commit("drop ACT-1", files={"capa/log.yaml": moved[moved.index('- id: "ACT-2"'):]}, date="2026-01-04")  # 3
    repo.commit("bring ACT-1 back", files={"capa/log.yaml": moved}, date="2026-01-05")  # 4
    assert all_versions(repo.root) == {
        "ACT-1": [(0, "actions/log.yaml"), (4, "capa/log.yaml")],
        "ACT-2": [(0, "actions/log.yaml"), (1, "actions/log.yaml")],
    }


def test_the_cache_keeps_what_each_blob_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What each blob holds, and the text of the versions the rules parse (a document's), come from the cache the
    second time: no blob is read again, and what the rules read of a version is what they read the first time."""
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ISOCTL_STATE_DIR", str(tmp_path / "state"))
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("start", files={"isoctl.yaml": MANIFEST, "actions/log.yaml": LOG, **policy()}, date=dt.date(2026, 1, 1))
    repo.commit("edit", files=policy(body="We deliver on time, every time."), date=dt.date(2026, 1, 2))
    commits = revisions.log(repo.root)
    first = versions.RecordVersions([], repo.root)
    first.advance(commits)
    first.save()
    edits = first.of("POL-1")
    assert len(edits) == 2 and "every time" in str(first.facts(edits[1]))

    def refuse(root: Path, blobs: list[str], **_: object) -> Iterator[tuple[str, bytes]]:
        if blobs:
            raise AssertionError(f"blobs {blobs} read again")
        yield from ()

    monkeypatch.setattr(catfile, "read_blobs", refuse)
    second = versions.RecordVersions([], repo.root)
    second.advance(commits)  # everything from the cache: no blob read
    assert [v.stamps for v in second.of("ACT-2")] == ["on=2026-03-01 raised_on=2026-02-10"]
    assert second.facts_of(second.of("POL-1")) == first.facts_of(edits)


def test_a_text_read_from_git_is_kept_for_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A version's text that no split kept (the texts were over their cap, or kept by an older isoctl) is read from
    git once, then kept in the cache with the rest."""
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ISOCTL_STATE_DIR", str(tmp_path / "state"))
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("start", files={"isoctl.yaml": MANIFEST, **policy()}, date=dt.date(2026, 1, 1))
    repo.commit("edit", files=policy(body="We deliver on time, every time."), date=dt.date(2026, 1, 2))
    commits = revisions.log(repo.root)
    monkeypatch.setattr(split_module, "TEXTS_HELD", 0)
    split = versions.RecordVersions([], repo.root)
    split.advance(commits)
    split.save()  # what the blobs hold, and no text
    monkeypatch.setattr(split_module, "TEXTS_HELD", 16 * 1024 * 1024)
    reads: list[list[str]] = []
    real = catfile.read_blobs

    def counting(root: Path, blobs: list[str], **options: Any) -> Iterator[tuple[str, bytes | None]]:
        reads.append(list(blobs))
        return real(root, blobs, **options)

    monkeypatch.setattr(catfile, "read_blobs", counting)
    for run in range(3):
        versions_now = versions.RecordVersions([], repo.root)
        versions_now.advance(commits)
        assert "every time" in str(versions_now.facts_of(versions_now.of("POL-1"))[1])
        versions_now.save()
        assert [len(blobs) for blobs in reads if blobs] == [2], run  # the two texts, read in the first run only


def test_many_blobs_come_in_one_stream_and_missing_ones_say_so(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("start", files={"a.yaml": "x: 1\n", "b.yaml": "y: 2\n"}, date=dt.date(2026, 1, 1))
    blobs = [line.split()[2] for line in repo.git("ls-tree", "HEAD").splitlines()]
    answers = list(catfile.read_blobs(repo.root, [*blobs, "0" * 40]))
    assert [data for _, data in answers] == [b"x: 1\n", b"y: 2\n", None]


def _sleep_then_answer() -> int:
    import time

    time.sleep(30)
    return 1


def _fail() -> int:
    raise ValueError("no such blob")


def _helper() -> Any:
    from isoctl.workspace.forks import Helper, can_fork

    if not can_fork():
        pytest.skip("no helper process on this machine (one core, or not Linux)")
    return Helper.call("isoctl-test", _sleep_then_answer)


def test_a_helper_killed_mid_job_is_noticed_rather_than_waited_for() -> None:
    """The history's helpers may die (the OOM killer): isoctl must not wait for ever, but do the work itself."""
    import multiprocessing
    import os
    import signal
    import time

    helper = _helper()
    try:
        (process,) = [p for p in multiprocessing.active_children() if p.name == "isoctl-test"]
        time.sleep(0.3)
        os.kill(process.pid or 0, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(ChildProcessError, match="killed by signal 9"):
            helper.next()
        assert time.monotonic() - started < 10
    finally:
        helper.stop()
    assert not multiprocessing.active_children()


def test_a_helper_that_fails_says_why_and_one_that_is_stopped_is_gone() -> None:
    import multiprocessing

    from isoctl.workspace.forks import Helper

    failing = Helper.call("isoctl-test", _fail)
    assert failing is not None
    with pytest.raises(ChildProcessError, match="ValueError: no such blob"):
        failing.next()
    failing.stop()
    _helper().stop()  # half-way through its 30 seconds
    assert not multiprocessing.active_children()


def _big_then_mark(marker: Path) -> Any:
    yield b"x" * 2_000_000  # far more than a pipe holds: sent only as the parent reads it
    marker.write_text("the next piece of work went on meanwhile")
    yield "done"


def _marking(work: Callable[[Path], Any], marker: Path) -> Any:
    """A helper doing ``work``, which writes ``marker`` once it gets past its first answer."""
    from isoctl.workspace.forks import Helper, can_fork

    if not can_fork():
        pytest.skip("no helper process on this machine (one core, or not Linux)")
    helper = Helper.start("isoctl-test", work, marker)
    assert helper is not None
    return helper


def _appears(marker: Path) -> bool:
    """Whether ``marker`` is written within 20 seconds."""
    import time

    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return marker.exists()


def test_a_helper_works_on_while_its_answer_waits_to_be_read(tmp_path: Path) -> None:
    """A history read ahead is taken only once the workspace has loaded: the helper goes on splitting blobs."""
    marker = tmp_path / "marker"
    helper = _marking(_big_then_mark, marker)
    try:
        assert _appears(marker)  # nothing read yet
        assert helper.next() == b"x" * 2_000_000 and helper.next() == "done"
    finally:
        helper.stop()


def _big_sent_then_mark(marker: Path) -> Any:
    from isoctl.workspace.forks import SENT

    yield b"x" * 2_000_000
    yield SENT  # what follows waits until the answer is in the pipe
    marker.write_text("went on once the answer was read")
    yield "done"


def test_a_helper_that_asks_waits_until_its_answer_is_read_and_not_once_the_reader_is_gone(tmp_path: Path) -> None:
    """The history's helper hands over what the blobs hold before it encodes the user cache's JSON, which would
    keep the thread sending it from running; and it never waits for a parent that stopped listening."""
    import time

    marker = tmp_path / "marker"
    helper = _marking(_big_sent_then_mark, marker)
    try:
        time.sleep(1)
        assert not marker.exists()  # the answer is still waiting to be read
        assert helper.next() == b"x" * 2_000_000 and helper.next() == "done"
        assert marker.exists()
    finally:
        helper.stop()
    marker.unlink()
    deaf = _marking(_big_sent_then_mark, marker)
    try:
        deaf._receiver.close()  # the parent stops listening without stopping the helper
        assert _appears(marker)
    finally:
        deaf.stop()


_ORPHANS = """
import sys, time
from isoctl.workspace.forks import Helper

def big():
    yield b"x" * 2_000_000  # blocks in the pipe: the parent never reads it

first = Helper.start("isoctl-test", big)
second = Helper.start("isoctl-test", big)  # forked holding the first one's pipe, as the history helper is
print(first._process.pid, second._process.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_helpers_die_with_the_process_that_started_them(how: str) -> None:
    """A check killed by CI's timeout must not leave its helpers waiting for ever on a pipe nobody reads."""
    from helpers import left_after_killing

    from isoctl.workspace.forks import can_fork

    if not can_fork():
        pytest.skip("no helper process on this machine (one core, or not Linux)")
    assert left_after_killing(_ORPHANS, how) == []


def test_no_helper_is_forked_while_another_thread_runs() -> None:
    """A lock another thread holds as the process forks stays held in the child, which would hang on it."""
    import threading

    from isoctl.workspace.forks import Helper, can_fork

    _helper().stop()  # forking is possible here
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_fork() and Helper.call("isoctl-test", _sleep_then_answer) is None
    finally:
        release.set()
        other.join()
    assert can_fork()


def _random_item(rng: random.Random, number: int) -> str:
    """One list item in one of the ways people write them (and, now and then, one a reading by lines must refuse)."""
    record = f"ACT-{number}"
    body = rng.choice(["  title: Fix the printer\n", "  title: 'Quoted: title'\n  raised_on: 2026-01-0{d}\n",
                       "  evidence:\n  - path: e/{d}.pdf\n  - path: f.pdf\n", "  note: >-\n    Two\n    lines\n",
                       "  verification: {{'on': 2026-02-0{d}, by: jsmith}}\n", ""]).format(d=rng.randrange(1, 9))
    style = rng.randrange(40)
    if style == 0:
        return rng.choice([f"- id: {record}\n  kind: action\n  note: &n x\n", f"- id: {record}\n\tkind: action\n",
                           f"- id: {record}\n  title: no kind\n", f"- id: ACT-1\n  kind: action\n{body}",
                           f"---\n- id: {record}\n  kind: action\n", f"- id: {record}\n  kind: action\n  id: again\n"])
    if style < 5:
        return f"- kind: action\n  id: {record}\n{body}"
    if style < 9:
        return f"- id: \"{record}\"   # quoted\n  kind: action\n{body}"
    if style < 12:
        return f"-   id: {record}\n    kind: action\n" + body.replace("  ", "    ")
    if style < 15:
        return f"# a comment between items\n- id: {record}\n  kind: action\n{body}\n"
    return f"- id: {record}\n  kind: action\n{body}"


def _edit(rng: random.Random, items: list[str]) -> None:
    """What a commit does to a list: add, remove, rewrite or move a record, or touch the text around them."""
    where = rng.randrange(len(items))
    move = rng.randrange(9)
    if move == 0:
        items.insert(where, _random_item(rng, rng.randrange(100, 130)))
    elif move == 1 and len(items) > 1:
        items.pop(where)
    elif move == 2:
        items[where] = _random_item(rng, rng.randrange(100, 130))
    elif move == 3:  # a character anywhere in a record
        spot = rng.randrange(len(items[where]) + 1)
        items[where] = items[where][:spot] + rng.choice(["x", "\n", "- ", "\t", "&a ", ": ", "#", "-"]) + items[where][spot:]
    elif move == 4:  # the start of a record no longer starts one, or starts one differently
        items[where] = rng.choice(["-x", "  -", "-", "- ", "-\n  "]) + items[where].lstrip("-")
    elif move == 5 and where > 0:  # a record runs on into the next
        items[where - 1] = items[where - 1].rstrip("\n") + rng.choice(["", " ", "x"])
    elif move == 6 and len(items) > 1:
        other = rng.randrange(len(items))
        items[where], items[other] = items[other], items[where]
    elif move == 7:
        items[where] = items[where].replace("Fix", "Fixed", 1).replace("0", "1", 1)
    else:
        items.append(_random_item(rng, rng.randrange(100, 130)))


_A, _B, _C = ("- id: A\n  kind: action\n", "- id: B\n  kind: action\n", "- id: C\n  kind: action\n")


@pytest.mark.parametrize(("before", "after"), [
    (_A + _B + _C, _A + _B + _C + "-"),  # an empty item at the very end
    ("# Action log\n" + _A + _B + _C, "title: a lis\n" + _A + _B + _C),  # the header, as long, but not comments
    (_A + _B + _C, _A + "-x\n id: B\n kind: action\n" + _C),  # an item's start, now a line of the item before
    (_A + _B + _C, _A + "-" + _B[1:].replace(" ", "", 1) + _C),  # "- id" written "-id"
    (_A + _B + _C, _A + "# c\nid: X\nkind: action\n" + _B + _C),  # lines that are not an item, after one
    (_A + _B + _C, _A + _C),
    (_A + _B + _C, _A + _B + "# a comment\n" + _C),
])
def test_a_file_cut_again_after_an_edit_at_an_items_edge_is_cut_as_a_whole(before: str, after: str) -> None:
    earlier: split_module.Earlier = {}
    split("actions/log.yaml", before.encode(), earlier)
    assert split("actions/log.yaml", after.encode(), earlier) == split("actions/log.yaml", after.encode())


def test_cutting_a_file_again_from_its_last_version_gives_what_cutting_it_whole_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # each version's split must be the same whatever was split before it
    recuts = []
    cut_again = cut_module.cut_again

    def counted(old: cut_module.Cut, text: str) -> object:
        found = cut_again(old, text)
        recuts.append(found is not None)
        return found

    monkeypatch.setattr(split_module, "cut_again", counted)
    rng = random.Random(20261203)
    for _ in range(200):
        items = [_random_item(rng, number) for number in range(rng.randrange(1, 25))]
        header = rng.choice(["", "# Action log\n", "# Action log\n\n"])
        earlier: split_module.Earlier = {}
        for _ in range(12):
            text = header + "".join(items)
            assert split("actions/log.yaml", text.encode(), earlier) == split("actions/log.yaml", text.encode()), text
            _edit(rng, items)
            if rng.randrange(20) == 0:
                header = rng.choice(["", "# Action log, revised\n", "title: not a list\n"])
    assert len(recuts) > 1500 and sum(recuts) > 500  # many versions were cut from the one before


def test_the_texts_a_split_keeps_are_the_texts_git_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A split keeps the text of each new version of a document or objective (the rules that parse versions ask
    for those), so they are not read from git again: each kept text is what reading the version's blob and
    cutting it gives, in one process or split across a helper."""
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    rng = random.Random(20261203)
    repo = GitRepo.init(tmp_path / "qms")

    def as_documents(items: list[str]) -> list[str]:
        return [item.replace("kind: action", "kind: document") for item in items]

    items = as_documents([_random_item(rng, number) for number in range(8)])
    policy = "---\nid: DOC-MD\nkind: document\ntitle: Policy\nstatus: approved\n---\n# Policy\n\nText.\n"
    for day in range(1, 25):
        files = {"documents/list.yaml": "".join(items), "documents/policy.md": policy,
                 "actions/log.yaml": LOG.replace("Second", f"Second {day}")}
        if day == 1:
            files["isoctl.yaml"] = MANIFEST
        repo.commit(f"day {day}", files=files, date=dt.date(2026, 1, day))
        _edit(rng, items)
        items = as_documents(items)
        if rng.randrange(2):
            policy = policy.replace("Text", "Text, again", 1)
    commits = revisions.log(repo.root)
    kept = versions.RecordVersions([], repo.root, reading_ahead=False)
    kept.advance(commits)
    every = [version for record in kept.history.values() for version in record]
    documents = [version for version in every if version.kind == "document"]
    assert sum(version.digest in kept.texts.by_digest for version in documents) > 20
    assert not any(version.digest in kept.texts.by_digest for version in every if version.kind == "action")
    from_git = versions.RecordVersions([], repo.root, reading_ahead=False)
    from_git.advance(commits)
    from_git.texts = split_module.Texts()
    assert kept.texts_of(every) == from_git.texts_of(every)
    assert kept.facts_of(every) == from_git.facts_of(every)

    pairs = list(reversed({change.new_blob + (".md" if change.path.endswith(".md") else ""): change.path
                           for commit in commits for change in commit.changes
                           if change.status != "D" and wanted(change.path, [])}.items()))
    in_two, in_one = split_module.Texts(), split_module.Texts()
    assert split_module.split_in_two(repo.root, pairs, in_two) == split_module.split_blobs(repo.root, pairs, in_one)
    assert in_two.by_digest == in_one.by_digest == kept.texts.by_digest
