"""The history read ahead: a helper the command starts as it begins, before it knows the commit or what the manifest
says, gives the answer one process gives, is not taken for another commit, and is not started (or is let go) when
the rules it reads for are off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MANIFEST, GitRepo, policy, run_isoctl

from isoctl.cli import _may_read_versions
from isoctl.history import ahead, versions

TODAY = "2026-11-21"
READERS = versions.READS_VERSIONS


def actions(prefix: str) -> str:
    return "".join(f"- id: {prefix}-{n}\n  kind: action\n  type: nonconformity\n  title: Action {n}\n"
                   f"  raised_on: 2026-0{n}-10\n  raised_by: akhan\n" for n in range(1, 6))


def repository(tmp_path: Path, manifest: str) -> GitRepo:
    """A year of history the three rules that read every record's versions all have something to say about,
    with a folder of drafts that the manifest may tell isoctl to ignore."""
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("Start", files={"isoctl.yaml": manifest}, date="2025-01-05")
    repo.commit("Write up the year's actions", files={"actions/log.yaml": actions("ACT"),
                                                      "drafts/actions.yaml": actions("DRAFT")}, date="2026-06-20")
    repo.commit("Approve the policy", files=policy(), date="2026-07-01")
    repo.commit("Reword it", files={**policy(body="We deliver on time, every time."),
                                    "drafts/actions.yaml": actions("DRAFT").replace("Action", "Draft")},
                date="2026-08-01")
    return repo


@pytest.mark.parametrize("manifest", [
    pytest.param(MANIFEST, id="plain"),
    pytest.param(MANIFEST + "ignore: [drafts/]\n", id="ignore-as-a-list"),
    # a single pattern is one the helper cannot read before validation: it splits every file, which serves too
    pytest.param(MANIFEST + "ignore: drafts/\n", id="ignore-as-one-string"),
    pytest.param(MANIFEST + "rules: {late-recording: off, changed-after-approval: off, static-objectives: off}\n",
                 id="its-rules-off-in-the-manifest"),
])
def test_the_history_read_ahead_gives_the_answer_one_process_gives(tmp_path: Path, manifest: str) -> None:
    root = repository(tmp_path, manifest).root
    answers = {}
    for name, env in (("ahead", {}), ("one process", {"ISOCTL_NO_PARALLEL": "1"})):
        run = run_isoctl("check", "-f", "json", "--today", TODAY, cwd=root,
                         env={**env, "ISOCTL_CACHE_DIR": str(tmp_path / f"cache-{name.replace(' ', '-')}")})
        answers[name] = (run.exit_code, run.stdout, run.stderr)
    assert answers["ahead"] == answers["one process"]
    found = {f["rule"]: f for f in json.loads(answers["ahead"][1])["findings"]}
    if "rules:" in manifest:
        assert not set(READERS) & set(found)
        return
    assert found["changed-after-approval"]["path"] == "documents/quality-policy.md"
    counted = "5 of the 5 events" if "drafts/" in manifest else "10 of the 10 events"  # the drafts' or not
    assert found["late-recording"]["message"].startswith(counted)


def test_a_history_read_ahead_up_to_another_commit_is_not_taken(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    repo = repository(tmp_path, MANIFEST)
    head = repo.sha()
    versions.read_ahead(repo.root)  # as the command line starts it: HEAD, whatever that is
    try:
        assert ahead.commits_ahead(repo.root, repo.sha("HEAD~1")) is None
        commits = ahead.commits_ahead(repo.root, head)
        assert commits is not None and [c.sha for c in commits][-1] == head and len(commits) == 4
    finally:
        ahead.cancel_ahead()


@pytest.mark.parametrize(("args", "reads"), [
    ([], True),
    (["--ignore", "late-recording", "--ignore", "static-objectives"], True),
    (["--ignore", "late-recording", "--ignore=changed-after-approval", "--ignore", "static-objectives"], False),
    (["--select", "overdue-action"], False),
    (["--select=overdue-action", "--select", "static-objectives"], True),
    (["--select", "static-objectives", "--ignore", "static-objectives"], False),
    (["--ignore"], True),
])
def test_the_history_is_read_ahead_only_when_the_options_leave_a_rule_that_needs_it(args: list[str],
                                                                                    reads: bool) -> None:
    assert _may_read_versions(args) is reads
