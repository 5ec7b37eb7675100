"""Differential fuzzing of the caches: random edits to an example in git, each answered with and without caches.

Not part of the suite (it runs minutes, not seconds); run it after touching
anything the caches, the replay or lazy loading depend on::

    python tests/fuzz_cache.py --example paper-iso --seed 1 --steps 40 --command check-sarif

Each step makes one random change a user could make (an edit that keeps a
file's size within the same second, a date moved years back, broken YAML, a
file deleted, renamed, copied or linked, a folder linked, a touch, a commit
dated out of order, evidence added or removed, a file made unreadable, a named
pipe, a manifest edit, a checkout), runs the command with a cache once or
twice (so that replays are exercised too) and once with ``ISOCTL_NO_CACHE=1``,
and stops at the first difference in exit code or output, or any traceback,
leaving both outputs in the scratch directory. Exit status 0 when every step
agreed, 1 at a difference.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TODAY = "2026-11-20"
COMMANDS: dict[str, list[str]] = {
    "check-json": ["check", "--today", TODAY, "--format", "json"],
    "check-sarif": ["check", "--today", TODAY, "--format", "sarif"],
    "check-text": ["check", "--today", TODAY, "--format", "text"],
    "check-at": ["check", "--at", "HEAD~1", "--format", "json"],
    "gap": ["gap", "--today", TODAY, "--format", "json"],
    "history": ["history", "--today", TODAY, "--every", "commit", "--format", "json"],
    "pulse": ["pulse", "--today", TODAY, "--format", "json"],
    "report-md": ["report", "--today", TODAY, "--format", "md", "-o", "-"],
}

Change = Callable[[random.Random, Path], str]


def _records(ws: Path) -> list[Path]:
    return sorted(p for p in ws.rglob("*") if p.suffix in (".yaml", ".md") and ".git" not in p.parts
                  and p.is_file() and not p.is_symlink() and os.access(p, os.R_OK))


def _folders(ws: Path) -> list[Path]:
    return [p for p in ws.iterdir() if p.is_dir() and not p.is_symlink() and p.name != ".git"]


def _git(ws: Path, *args: str, date: str = "2026-06-01T10:00:00") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.com", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", *args], cwd=ws, env=env, capture_output=True, check=False)


def digit(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    text = path.read_text(encoding="utf-8")
    places = [m.start() for m in re.finditer(r"\d", text)]
    if places:
        at = rng.choice(places)
        path.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1:], encoding="utf-8")  # same size
    return f"digit in {path.relative_to(ws)}"


def year(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    text = path.read_text(encoding="utf-8")
    found = list(re.finditer(r"20(2[0-9])-", text))
    if found:
        match = rng.choice(found)
        path.write_text(text[:match.start()] + "2019-" + text[match.end():], encoding="utf-8")
    return f"year in {path.relative_to(ws)}"


def broken(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    text = path.read_text(encoding="utf-8")
    at = rng.randrange(len(text) + 1)
    path.write_text(text[:at] + rng.choice([": [", "\t", "- x\n  - y:", "&a *b", '"', "{"]) + text[at:], encoding="utf-8")
    return f"broke {path.relative_to(ws)}"


def delete(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    path.unlink()
    return f"deleted {path.relative_to(ws)}"


def rename(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    target = rng.choice(_folders(ws)) / f"r{rng.randrange(999)}{path.suffix}"
    path.rename(target)
    return f"renamed {path.relative_to(ws)} to {target.relative_to(ws)}"


def copy(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    shutil.copy(path, path.with_name(f"c{rng.randrange(999)}{path.suffix}"))
    return f"copied {path.relative_to(ws)}"


def link(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    target = path.with_name(f"l{rng.randrange(999)}{path.suffix}")
    if not target.exists():
        os.symlink(os.path.relpath(path, target.parent), target)
    return f"linked {target.relative_to(ws)}"


def folder_link(rng: random.Random, ws: Path) -> str:
    folder = rng.choice(_folders(ws))
    target = ws / f"dl{rng.randrange(99)}"
    if not target.exists():
        os.symlink(folder.name, target)
    return f"linked folder {target.name}"


def touch(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    os.utime(path)
    return f"touched {path.relative_to(ws)}"


def commit(rng: random.Random, ws: Path) -> str:
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "change", date=f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T10:00:00")
    return "committed"


def evidence(rng: random.Random, ws: Path) -> str:
    folder = ws / "evidence"
    present = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    if present and rng.random() < 0.5:
        path = rng.choice(present)
        path.unlink()
        return f"removed evidence {path.relative_to(ws)}"
    folder.mkdir(exist_ok=True)
    (folder / f"e{rng.randrange(99)}.pdf").write_bytes(b"%PDF-1.4\n")
    return "added evidence"


def unreadable(rng: random.Random, ws: Path) -> str:
    path = rng.choice(_records(ws))
    path.chmod(0)
    return f"made {path.relative_to(ws)} unreadable"


def pipe(rng: random.Random, ws: Path) -> str:
    target = rng.choice(_folders(ws)) / f"f{rng.randrange(99)}.yaml"
    if not target.exists():
        os.mkfifo(target)
    return f"named pipe {target.relative_to(ws)}"


def manifest(rng: random.Random, ws: Path) -> str:
    path = ws / "isoctl.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + rng.choice(["\n# a comment\n", "\nignore: [risks/**]\n", "\nrules:\n  overdue-action: info\n"]),
                    encoding="utf-8")
    return "edited the manifest"


def checkout(rng: random.Random, ws: Path) -> str:
    _git(ws, "checkout", "-q", "--", ".")
    return "checked out"


CHANGES: list[Change] = [digit, year, broken, delete, rename, copy, link, folder_link, touch, commit, evidence,
                         unreadable, pipe, manifest, checkout]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="acme-logistics", choices=sorted(p.name for p in EXAMPLES.iterdir()
                                                                              if (p / "isoctl.yaml").is_file()))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--command", default="check-json", choices=sorted(COMMANDS))
    parser.add_argument("--isoctl", default=shutil.which("isoctl") or "isoctl", help="the isoctl to run")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    scratch = Path(tempfile.mkdtemp(prefix="isoctl-fuzz-"))
    ws, cache = scratch / "ws", scratch / "cache"
    shutil.copytree(EXAMPLES / options.example, ws, symlinks=True)
    _git(ws, "init", "-q")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "start")
    base = {k: v for k, v in os.environ.items() if not k.startswith("ISOCTL_")}

    def run(cached: bool) -> tuple[int, bytes, bytes]:
        env = dict(base, ISOCTL_CACHE_DIR=str(cache)) if cached else dict(base, ISOCTL_NO_CACHE="1")
        done = subprocess.run([options.isoctl, COMMANDS[options.command][0], str(ws), *COMMANDS[options.command][1:]],
                              env=env, capture_output=True, timeout=300, check=False)
        return done.returncode, done.stdout, done.stderr

    steps: list[str] = []
    for step in range(options.steps):
        change = rng.choice(CHANGES)
        try:
            steps.append(change(rng, ws))
        except (OSError, IndexError, ValueError) as exc:
            steps.append(f"{change.__name__} could not: {exc}")
        cached = run(True)
        if rng.random() < 0.5:
            cached = run(True)
        fresh = run(False)
        if cached[:2] != fresh[:2] or b"Traceback" in cached[2] + fresh[2]:
            (scratch / "cached.out").write_bytes(cached[1])
            (scratch / "uncached.out").write_bytes(fresh[1])
            print(f"difference at step {step + 1} (exit {cached[0]} cached, {fresh[0]} not); the last steps: "
                  f"{'; '.join(steps[-5:])}\noutputs in {scratch}", file=sys.stderr)
            return 1
    print(f"{options.steps} steps agreed ({options.example}, {options.command}, seed {options.seed})")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
