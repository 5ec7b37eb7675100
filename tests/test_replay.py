"""An unchanged ``check`` or ``gap`` is answered from the cache before anything heavy is imported, and only then.

These run the installed command in a subprocess: replay happens in the
console script's entry point, before the command line is built.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import GitRepo, make_workspace, open_action

ACTION = open_action(due="2026-02-01")


def isoctl_command() -> list[str]:
    script = Path(sys.executable).parent / "isoctl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "isoctl"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ISOCTL_", "GIT_", "GITHUB_"))}
    return {**base, "ISOCTL_CACHE_DIR": str(tmp_path / "cache"), "ISOCTL_STATE_DIR": str(tmp_path / "state"),
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    git = GitRepo.init(tmp_path / "repo")
    make_workspace(git.root, {"actions/ACT-1.yaml": ACTION})
    git.commit("Start", date="2026-01-10")
    settle()
    return git


def settle() -> None:
    """Let a second pass: git re-reads files written in the second its index was written ("racily clean")
    and rewrites the index, which a replay rightly treats as a change (it costs one more full run, nothing else)."""
    time.sleep(1.1)


def run(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str, bool]:
    """Exit code, stdout, stderr (without import timings), and whether the analysis was imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from isoctl.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)
    timings = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    stderr = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))
    analysed = any(line.rstrip().endswith(("isoctl.core.analyse", "typer")) for line in timings)
    return done.returncode, done.stdout, stderr, analysed


def test_a_repeated_check_is_replayed_without_importing_the_analysis(repo: GitRepo, env: dict[str, str]) -> None:
    args = ("check", "-f", "json", "--today", "2026-03-01")
    first = run(env, repo.root, *args)
    assert first[0] == 1 and first[3]  # overdue action: findings; computed
    second = run(env, repo.root, *args)
    assert second[:3] == first[:3]
    assert not second[3]  # answered before typer or the analysis were imported
    plain = subprocess.run([*isoctl_command(), *args], cwd=repo.root, env={**env, "ISOCTL_NO_CACHE": "1"},
                           capture_output=True, text=True)
    assert (plain.returncode, plain.stdout) == first[:2]


def test_anything_that_can_change_the_answer_runs_it_again(repo: GitRepo, env: dict[str, str]) -> None:
    args = ["check", "-f", "json", "--today", "2026-03-01"]
    cwd = repo.root
    run(env, cwd, *args)
    assert not run(env, cwd, *args)[3]
    changes: dict[str, Callable[[], object]] = {
        "edit": lambda: (repo.root / "actions" / "ACT-1.yaml").write_text(ACTION.replace("due: 2026-02-01", "due: 2026-04-01")),
        "new file": lambda: (repo.root / "notes.txt").write_text("x"),
        "empty folder": lambda: (repo.root / "evidence").mkdir(),
        "commit": lambda: repo.commit("A commit", files={"README.md": "hello\n"}, date="2026-02-01"),
        "other day": lambda: args.__setitem__(-1, "2026-03-02"),
        "env": lambda: env.__setitem__("NO_COLOR", "1"),
    }
    for name, change in changes.items():
        change()
        code, out, _, analysed = run(env, cwd, *args)
        assert analysed, name
        plain = subprocess.run([*isoctl_command(), *args], cwd=cwd, env={**env, "ISOCTL_NO_CACHE": "1"},
                               capture_output=True, text=True)
        assert (code, out) == (plain.returncode, plain.stdout), name
    assert run(env, repo.root / "actions", *args)[3]  # from another directory the root shows differently


def test_notes_are_replayed_too(repo: GitRepo, env: dict[str, str], tmp_path: Path) -> None:
    for day in ("2026-01-20", "2026-01-25"):
        repo.commit(f"Work on {day}", files={"README.md": day}, date=day)
    clone = tmp_path / "clone"
    repo.git("clone", "--quiet", "--depth", "1", f"file://{repo.root}", str(clone))
    settle()
    first = run(env, clone, "check", "--today", "2026-03-01")
    second = run(env, clone, "check", "--today", "2026-03-01")
    assert "shallow clone" in first[2]
    assert second[:3] == first[:3] and not second[3]


def test_output_files_and_at_are_never_replayed(repo: GitRepo, env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    for _ in range(2):
        code, _, _, analysed = run(env, repo.root, "check", "-f", "json", "-o", str(target))
        assert analysed and code == 1 and target.exists()
        target.unlink()
    for _ in range(2):
        assert run(env, repo.root, "check", "--at", "HEAD", "-f", "json")[3]


@pytest.mark.parametrize("args", [("check", "-f", "sarif"), ("gap",)])
def test_an_answer_from_the_results_cache_imports_no_record_model(repo: GitRepo, env: dict[str, str], tmp_path: Path,
                                                                  args: tuple[str, ...]) -> None:
    """``-o`` is never replayed, but its second run takes the Result from the cache: the same file, and neither the
    record models nor the rules that build findings are imported (only the formats' own modules)."""
    target = tmp_path / "out"
    code = "import sys; from isoctl.cli import main\ntry:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n" \
           "print(sorted(m for m in sys.modules if m in ('isoctl.model.records', 'isoctl.core.analyse')), file=sys.stderr)"
    outputs, imported = [], []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code, *args, "-o", str(target), "--today", "2026-03-01"],
                              cwd=repo.root, env=env, capture_output=True, text=True)
        outputs.append(target.read_bytes())
        imported.append(done.stderr.strip().splitlines()[-1])
    assert outputs[0] == outputs[1]
    assert imported == ["['isoctl.core.analyse', 'isoctl.model.records']", "[]"]


def test_a_damaged_recording_is_run_again(repo: GitRepo, env: dict[str, str]) -> None:
    """The facts of a recording are read before its output; the output is still verified before it is written."""
    args = ("check", "-f", "json", "--today", "2026-03-01")
    first = run(env, repo.root, *args)
    assert not run(env, repo.root, *args)[3]
    [entry] = (Path(env["ISOCTL_CACHE_DIR"]) / "replay").glob("*.json")
    signed = entry.read_bytes()
    damages = {
        "output changed": signed.replace(b'"overdue-action"', b'"overdue-actiox"'),
        "output cut": signed[:signed.index(b"\n", signed.index(b"\n") + 1) + 1],
        "facts not JSON": signed.replace(b'{"root"', b'{root"', 1),
        "facts only": signed[:signed.index(b"\n") + 1],
    }
    for name, damaged in damages.items():
        assert damaged != signed, name
        entry.write_bytes(damaged)
        code, out, err, analysed = run(env, repo.root, *args)
        assert analysed, name
        assert (code, out, err) == first[:3], name
        assert not run(env, repo.root, *args)[3], name  # and recorded afresh


def test_a_planted_recording_is_not_acted_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recording not signed with this user's key is a miss before anything in it is used: the directory its
    facts name is never walked (so a planted cache cannot make isoctl read files elsewhere)."""
    import json

    from isoctl.cli import replay
    from isoctl.core import keys
    from isoctl.files import cache

    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ISOCTL_STATE_DIR", str(tmp_path / "state"))
    elsewhere = make_workspace(tmp_path / "elsewhere", {"actions/ACT-1.yaml": ACTION})
    walked: list[Path] = []
    real = keys.fingerprint

    def spying(root: Path, **kwargs: bool) -> str | None:
        walked.append(Path(root))
        return real(root, **kwargs)

    monkeypatch.setattr(keys, "fingerprint", spying)
    facts = {"root": str(elsewhere), "start": str(elsewhere), "state": "x", "code": 0, "stderr": ""}
    body = json.dumps(facts).encode() + b"\nplanted output"
    key = "0" * 32
    planted = tmp_path / "cache" / replay.SECTION / f"{key}.json"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(json.dumps({"key": key, "mac": "0" * 64}).encode() + b"\n" + body)
    assert replay._recorded(key) is None and walked == []
    cache.write_bytes(replay.SECTION, key, body)  # signed: now its facts are checked (and found stale)
    assert replay._recorded(key) is None and walked == [elsewhere]
