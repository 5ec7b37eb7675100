"""Benchmarks for isoctl: medians of repeated runs, and ratios against floors timed in the same run.

    python benchmarks/bench.py catalogs [--runs 15]
    python benchmarks/bench.py check [--records 5000] [--files 500] [--runs 7] [--keep DIR]

``catalogs`` times loading every built-in catalog inside one process, cold
(YAML parsed and validated) and warm (validated JSON from the user cache),
against the floor of parsing the same files with libyaml's C loader and no
validation at all. It also times whole processes: ``isoctl standards list
--format json`` warm, against a bare ``python -c pass``.

``check`` generates a workspace (benchmarks/generate.py) and times whole
processes on it: the floor is a bare Python process that parses every record
file with libyaml's ``CSafeLoader`` (Markdown: only the front matter) and
nothing else; against it, ``isoctl check --format json`` cold (no cache, and a
fresh empty cache directory) and warm (a primed cache). It also times
``isoctl --help`` against a bare argparse program's ``--help``, and
``isoctl --version``. ``--keep DIR`` writes the workspace to DIR and leaves it
there for profiling.

Benchmarks are not tests: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-21"  # the generator's anchor date


def median_ms(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def process(args: list[str], env: dict[str, str]) -> Callable[[], object]:
    return lambda: subprocess.run(args, check=True, capture_output=True, env=env)


def bench_catalogs(runs: int) -> None:
    import yaml

    from isoctl.catalog import load as catalog_load

    files = sorted(catalog_load.builtin_dir().rglob("*.yaml"))
    size = sum(p.stat().st_size for p in files)
    cache_dir = tempfile.mkdtemp(prefix="isoctl-bench-cache-")
    os.environ["ISOCTL_CACHE_DIR"] = cache_dir

    def floor() -> None:
        for path in files:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)

    def cold() -> None:
        os.environ["ISOCTL_NO_CACHE"] = "1"
        try:
            catalog_load.load()
        finally:
            del os.environ["ISOCTL_NO_CACHE"]

    catalog_load.load()  # fill the cache
    packaged = Path(cache_dir) / "packaged" / "catalogs.json"
    catalog_load.compile_builtin(packaged)

    def from_wheel() -> None:
        os.environ["ISOCTL_NO_CACHE"] = "1"
        original = catalog_load._packaged
        catalog_load._packaged = lambda: packaged  # type: ignore[assignment]
        try:
            catalog_load.load()
        finally:
            catalog_load._packaged = original  # type: ignore[assignment]
            del os.environ["ISOCTL_NO_CACHE"]

    results = {
        "floor: libyaml parse, no validation": median_ms(floor, runs),
        "load, cold (parse + validate)": median_ms(cold, runs),
        "load, warm (validated JSON cache)": median_ms(catalog_load.load, runs),
        "load, first run of an installed wheel": median_ms(from_wheel, runs),
    }
    env = {**os.environ, "ISOCTL_CACHE_DIR": cache_dir}
    isoctl = [sys.executable, "-m", "isoctl"]
    results["process: python -c pass"] = median_ms(process([sys.executable, "-c", "pass"], env), runs)
    results["process: isoctl --version"] = median_ms(process([*isoctl, "--version"], env), runs)
    results["process: isoctl standards list -f json (warm)"] = median_ms(
        process([*isoctl, "standards", "list", "-f", "json"], env), runs
    )

    print(f"{len(files)} catalog files, {size / 1024:.0f} KiB, {runs} runs each, medians:")
    base = results["floor: libyaml parse, no validation"]
    for name, value in results.items():
        ratio = f"{value / base:5.2f}x floor" if name.startswith("load") else ""
        print(f"  {name:<48} {value:8.1f} ms  {ratio}")


# The floor of `check`: find the record files as isoctl does, parse each with libyaml, nothing else.
FLOOR = r"""
import os, re, sys, yaml
front = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
parsed = 0
for directory, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    for name in sorted(files):
        if name.startswith(".") or not name.endswith((".yaml", ".yml", ".md")):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            text = handle.read()
        if name.endswith(".md"):
            match = front.match(text)
            if not match or not re.search(r"^kind\s*:", match.group(1), re.M):
                continue
            text = match.group(1)
        yaml.load(text, Loader=yaml.CSafeLoader)
        parsed += 1
print(parsed)
"""

# A CLI of about isoctl's shape with nothing but argparse: the floor for --help.
ARGPARSE_HELP = """
import argparse
parser = argparse.ArgumentParser(prog="isoctl", description="Compliance as code for ISO management systems.")
parser.add_argument("-V", "--version", action="version", version="isoctl 0")
sub = parser.add_subparsers(title="commands")
for name, text in [("check", "Validate every record and report findings and coverage."),
                   ("gap", "Show the clause-by-clause coverage matrix."),
                   ("rules", "List the rules."), ("standards", "Browse the clause catalogs.")]:
    sub.add_parser(name, help=text)
parser.parse_args()
"""

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
LOAD_RULES = ("parse-error", "schema-error")
VALIDITY_RULES = (*LOAD_RULES, "duplicate-id", "unknown-reference", "unknown-clause")


FLOOR_NAME = "floor: python + libyaml CSafeLoader, every file"


def interleaved(cases: dict[str, tuple[list[str], dict[str, str], Callable[[], object] | None]], runs: int
                ) -> dict[str, float]:
    """Median ms of each process, the cases taking turns so that a busy machine slows them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (args, env, setup) in cases.items():
            if setup is not None:
                setup()
            started = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, env=env)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def isoctl_command() -> list[str]:
    """The installed entry point next to this interpreter (what users run), else ``python -m isoctl``."""
    script = shutil.which("isoctl", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "isoctl"]


def record_files(root: Path) -> list[Path]:
    """Every file the floor parses (the manifest included): YAML, and Markdown with a front matter."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.endswith((".yaml", ".yml", ".md")):
                path = Path(directory, name)
                if name.endswith(".md"):
                    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
                    if not match or not re.search(r"^kind\s*:", match.group(1), re.M):
                        continue
                found.append(path)
    return found


def bench_check(records: int, files: int, runs: int, keep: Path | None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import generate

    if keep is not None and keep.exists() and any(keep.iterdir()):
        print(f"--keep {keep}: not empty; give a new or empty directory", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="isoctl-bench-check-"))
    root = keep.resolve() if keep else scratch / "workspace"
    try:
        started = time.perf_counter()
        generate(root, records, files)
        generated = time.perf_counter() - started
        paths = record_files(root)
        size = sum(p.stat().st_size for p in paths)

        # Run from bytecode, as an installed copy does, even where PYTHONDONTWRITEBYTECODE is set: compiled
        # files go to the scratch directory, never into the source tree, and the priming runs below fill it.
        base = {k: v for k, v in os.environ.items() if not k.startswith("ISOCTL_") and k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        isoctl = isoctl_command()
        check = [*isoctl, "check", "--format", "json", "--exit-zero", "--today", TODAY, str(root)]
        floor = [sys.executable, "-c", FLOOR, str(root)]
        no_cache = {**base, "ISOCTL_NO_CACHE": "1"}
        warm_dir = scratch / "cache-warm"
        warm = {**base, "ISOCTL_CACHE_DIR": str(warm_dir)}
        fresh = {**base}

        def new_cache() -> None:
            fresh["ISOCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-cold-", dir=scratch)

        help_program = scratch / "argparse_help.py"
        help_program.write_text(ARGPARSE_HELP, encoding="utf-8")

        parsed = subprocess.run(floor, check=True, capture_output=True, text=True, env=base).stdout.strip()
        for prime in ([sys.executable, "-c", "pass"], [sys.executable, str(help_program), "--help"],
                      [*isoctl, "--help"], [*isoctl, "--version"]):
            subprocess.run(prime, check=True, capture_output=True, env=base)
        cold_out = subprocess.run(check, check=True, capture_output=True, text=True, env=no_cache).stdout
        warm_out = subprocess.run(check, check=True, capture_output=True, text=True, env=warm).stdout  # primes
        warm_out = subprocess.run(check, check=True, capture_output=True, text=True, env=warm).stdout

        results = interleaved({
            FLOOR_NAME: (floor, base, None),
            "check, cold (ISOCTL_NO_CACHE=1)": (check, no_cache, None),
            "check, cold (fresh empty cache dir)": (check, fresh, new_cache),
            "check, warm (primed cache dir)": (check, warm, None),
            "python -c pass": ([sys.executable, "-c", "pass"], base, None),
            "argparse program --help": ([sys.executable, str(help_program), "--help"], base, None),
            "isoctl --help": ([*isoctl, "--help"], warm, None),
            "isoctl --version": ([*isoctl, "--version"], warm, None),
        }, runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # caches and the workspace, unless it is --keep's
    if keep is not None:
        print(f"workspace kept in {root}")

    print(f"workspace: {records} records in {files} files (+ isoctl.yaml), {size / 1e6:.2f} MB in {len(paths)} "
          f"parsed files, generated in {generated:.1f} s")
    print(f"isoctl: {' '.join(isoctl)}; {runs} interleaved runs each (after a priming run), medians:")
    floor_ms = results[FLOOR_NAME]
    ratios = {
        "check, cold (ISOCTL_NO_CACHE=1)": (floor_ms, "floor", 1.6),
        "check, cold (fresh empty cache dir)": (floor_ms, "floor", 1.6),
        "check, warm (primed cache dir)": (floor_ms, "floor", 0.7),
        "isoctl --help": (results["argparse program --help"], "argparse --help", 4.0),
        "isoctl --version": (results["python -c pass"], "python -c pass", None),
    }
    for name, value in results.items():
        note = ""
        if name in ratios:
            reference, label, target = ratios[name]
            note = f"{value / reference:5.2f}x {label}" + (f"  (target <= {target:g})" if target else "")
        print(f"  {name:<48} {value:8.1f} ms  {note}")

    problems = verify(cold_out, max(1, records), max(1, min(files, records)))
    if warm_out != cold_out:
        problems.append("the warm run's output differs from the cold run's")
    if parsed != str(len(paths)):
        problems.append(f"the floor parsed {parsed} files, expected {len(paths)}")
    for problem in problems:
        print(f"  ! {problem}")
    return 1 if problems else 0


HISTORY_FLOOR = r"""
import re, subprocess, sys, yaml
root = sys.argv[1]
log = subprocess.run(["git", "-C", root, "log", "--raw", "--no-abbrev", "--no-renames", "--format=%H"],
                     capture_output=True, text=True, check=True).stdout
blobs = {}
for line in log.splitlines():
    if line.startswith(":"):
        meta, path = line.split("\t", 1)
        sha = meta.split()[3]
        if sha != "0" * 40 and path.endswith((".yaml", ".yml", ".md")) and not path.split("/")[-1].startswith("."):
            blobs[sha] = path
cat = subprocess.run(["git", "-C", root, "cat-file", "--batch"], input="\n".join(blobs).encode() + b"\n",
                     capture_output=True, check=True).stdout
pos = count = 0
while pos < len(cat):
    newline = cat.index(b"\n", pos)
    size = int(cat[pos:newline].split()[2])
    text = cat[newline + 1:newline + 1 + size].decode()
    pos = newline + 1 + size + 1
    if text.startswith("---"):
        match = re.match(r"---\n(.*?)\n---", text, re.S)
        text = match.group(1) if match else ""
    yaml.load(text, Loader=yaml.CSafeLoader)
    count += 1
print(count)
"""


def bench_history(records: int, files: int, commits: int, runs: int) -> int:
    """``isoctl history`` cold and warm against git log + cat-file + libyaml of every changed blob;
    ``check --at`` an old commit against ``check``; ``report`` against ``check``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import generate

    scratch = Path(tempfile.mkdtemp(prefix="isoctl-bench-history-"))
    root = scratch / "workspace"
    try:
        started = time.perf_counter()
        generate(root, records, files, commits=commits)
        generated = time.perf_counter() - started
        base = {k: v for k, v in os.environ.items() if not k.startswith("ISOCTL_") and k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        isoctl = isoctl_command()
        fresh = {**base}

        def new_cache() -> None:
            fresh["ISOCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-cold-", dir=scratch)

        new_cache()
        warm = {**base, "ISOCTL_CACHE_DIR": str(scratch / "cache-warm")}
        history = [*isoctl, "history", "--format", "json", str(root)]
        back = max(1, min(commits - 1, 1000))
        check = [*isoctl, "check", "--format", "json", "--exit-zero", "--today", TODAY, str(root)]
        check_at = [*check, "--at", f"HEAD~{back}"]
        report = [*isoctl, "report", "--format", "html", "--today", TODAY, "-o", str(scratch / "report.html"), str(root)]
        floor = [sys.executable, "-c", HISTORY_FLOOR, str(root)]
        blobs = subprocess.run(floor, check=True, capture_output=True, text=True, env=base).stdout.strip()
        for command in (history, check, check_at):
            subprocess.run(command, check=True, capture_output=True, env=warm)  # prime the warm cache
        has_report = subprocess.run([*isoctl, "report", "--help"], capture_output=True, env=base).returncode == 0
        cases: dict[str, tuple[list[str], dict[str, str], Callable[[], None] | None]] = {
            "floor: git log --raw + cat-file + libyaml": (floor, base, None),
            "history, cold (fresh cache dir)": (history, fresh, new_cache),
            "history, warm": (history, warm, None),
            "check at HEAD (warm)": (check, warm, None),
            f"check --at HEAD~{back} (warm)": (check_at, warm, None),
        }
        if has_report:
            subprocess.run(report, check=True, capture_output=True, env=warm)
            cases["report --format html (warm)"] = (report, warm, None)
        results = interleaved(cases, runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"repository: {records} records in {files} files, {commits} commits ({blobs} changed record blobs), "
          f"generated in {generated:.1f} s; {runs} interleaved runs each, medians:")
    floor_ms = results["floor: git log --raw + cat-file + libyaml"]
    check_ms = results["check at HEAD (warm)"]
    ratios = {
        "history, cold (fresh cache dir)": (floor_ms, "floor", 1.3),
        "history, warm": (floor_ms, "floor", 0.2),
        f"check --at HEAD~{back} (warm)": (check_ms, "check at HEAD", 1.5),
        "report --format html (warm)": (check_ms, "check at HEAD", 3.0),
    }
    for name, value in results.items():
        note = ""
        if name in ratios:
            reference, label, target = ratios[name]
            note = f"{value / reference:5.2f}x {label}  (target <= {target:g})"
        print(f"  {name:<48} {value:9.1f} ms  {note}")
    return 0


def verify(output: str, records: int, files: int) -> list[str]:
    """Problems with a check run's JSON: a wrong count or a finding that means the generator is wrong."""
    try:
        document = json.loads(output)
    except ValueError as exc:
        return [f"check output is not JSON: {exc}"]
    summary = document["summary"]
    findings = document["findings"]
    counted = Counter(f["rule"] for f in findings)
    print(f"check output: JSON, {summary['records']} records in {summary['files']} files; findings: "
          + (", ".join(f"{rule} {n}" for rule, n in counted.most_common()) or "none"))
    problems = []
    if summary["records"] != records or summary["files"] != files:
        problems.append(f"expected {records} records in {files} files, got {summary['records']} in {summary['files']}")
    bad = [f for f in findings if f["rule"] in VALIDITY_RULES]
    if bad:
        problems.append(f"{len(bad)} findings mean the generator wrote invalid records; the first:")
        problems += [f"  {f['path']}:{f['line']}:{f['column']}: {f['rule']}: {f['message']}" for f in bad[:10]]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    cat = sub.add_parser("catalogs", help="time loading the built-in catalogs")
    cat.add_argument("--runs", type=int, default=15)
    chk = sub.add_parser("check", help="time 'isoctl check' on a generated workspace against a libyaml floor")
    chk.add_argument("--records", type=int, default=5000)
    chk.add_argument("--files", type=int, default=500)
    chk.add_argument("--runs", type=int, default=7)
    chk.add_argument("--keep", type=Path, metavar="DIR", help="generate the workspace in DIR and leave it there")
    his = sub.add_parser("history", help="time 'isoctl history', 'check --at' and 'report' on a generated repository")
    his.add_argument("--records", type=int, default=5000)
    his.add_argument("--files", type=int, default=500)
    his.add_argument("--commits", type=int, default=2000)
    his.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "history":
        return bench_history(args.records, args.files, args.commits, args.runs)
    if args.what == "catalogs":
        bench_catalogs(args.runs)
    elif args.what == "check":
        return bench_check(args.records, args.files, args.runs, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
