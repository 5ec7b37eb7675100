"""Benchmarks for isoctl: medians of repeated runs, and ratios against floors timed in the same run.

    python benchmarks/bench.py catalogs [--runs 15]
    python benchmarks/bench.py check [--sizes 5000,20000,50000] [--shapes registers,small] [--repeat 3]
                                     [--keep DIR]
    python benchmarks/bench.py history [--records 5000] [--files 500] [--commits 2000] [--runs 3]

``catalogs`` times loading every built-in catalog inside one process, cold
(YAML parsed and validated) and warm (validated JSON from the user cache),
against the floor of parsing the same files with libyaml's C loader and no
validation at all. It also times whole processes: ``isoctl standards list
--format json`` warm, against a bare ``python -c pass``.

``check`` times ``isoctl check --format json`` as users run it: whole
processes of the installed command (imports count), with the user cache on.
For each shape of workspace (benchmarks/generate.py: ``registers``, about
1 KB a record in files of about ten; ``small``, about 220 bytes a record, ten
to a file, many findings) at each size (``--sizes``, in records), it generates
the workspace and times, taking turns (``--repeat`` rounds, three times as many for
5,000 records or fewer; medians):

* the floor: a bare Python process that parses every record file with
  libyaml's ``CSafeLoader`` (Markdown: only the front matter) and nothing else;
* cold: a check with a fresh, empty cache directory (``ISOCTL_CACHE_DIR``);
* warm: a check with the cache of the last run, nothing changed since;
* edit: a check after retitling one record in one file, with that cache;
* imports: a bare process importing what a check after an edit cannot do
  without (the record models, to validate the edited file, and the rules, to
  run them again), and nothing else;
* watch: after the rounds, one ``check --watch`` left running, and the time
  from each edit to its saying it checked again (as many edits as rounds).

Once per workspace it also times, inside one process that has loaded the
workspace, the analysis alone (coverage and every rule, what a process kept
running between checks would still do after an edit; median of five).

It prints each workspace's medians, then a table of all of them with the
ratios cold/floor, warm/floor and edit/warm, imports/warm and analysis/warm
(the least an edit can cost in a new process, and in one kept running,
against an unchanged check), the watch's median and watch/edit, and the
startup of the command
(``isoctl --help`` against a bare argparse program's ``--help``, ``isoctl
--version`` against ``python -c pass``). ``--keep DIR`` writes the workspaces
to DIR/SHAPE-RECORDS and leaves them there for profiling. The default run
(three sizes, two shapes, three rounds) takes about eleven minutes on two cores.

``history`` generates a repository (``--commits``) and times ``isoctl
history`` and ``isoctl pulse`` cold (fresh cache) and warm against the floor
of ``git log --raw``, ``git cat-file --batch`` and libyaml over every changed
record blob; ``check`` with the rules that read history against the same
without them, both cold and after a new commit with the caches the run
before left (a developer's next check, or CI that keeps its cache);
``check --at`` an old commit and ``report`` against a warm ``check`` that
computes its output (``-o FILE``: an unchanged plain
``check`` is answered by replaying the last run's output, which neither
``--at`` nor ``report`` can do, so it is shown but not the baseline), and
``report --format pdf`` against the HTML report.

Benchmarks are not tests: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import itertools
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
        catalog_load._packaged = lambda: packaged
        try:
            catalog_load.load()
        finally:
            catalog_load._packaged = original
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

# What a check after an edit must import before it can do anything, and nothing else: the record models (to validate
# the edited file) and the rules (to run them again), pydantic's plugin lookup answered as isoctl answers it.
EDIT_IMPORTS = r"""
import os
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
import isoctl.cli
isoctl.cli._no_plugin_lookup()
import isoctl.model.records
from isoctl.rules import all_rules
all_rules()
"""

# The analysis alone (coverage and every rule) of a loaded workspace, timed inside one process: what a process kept
# running between checks would still do after an edit. Prints the median ms of argv[3] runs.
ANALYSIS = r"""
import datetime, gc, statistics, sys, time
gc.disable()  # as the command line runs
from isoctl.core.analyse import analyse
from isoctl.workspace.load import load_workspace
workspace = load_workspace(sys.argv[1], save=False)
today = datetime.date.fromisoformat(sys.argv[2])
samples = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    analyse(workspace, today)
    samples.append((time.perf_counter() - started) * 1000)
print(statistics.median(samples))
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


def interleaved(cases: Mapping[str, tuple[list[str], dict[str, str], Callable[[], object] | None]], runs: int
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


#: The workspace shapes ``check`` times by default (benchmarks/generate.py describes them).
SHAPES = ("registers", "small")
COLD = "check, cold (fresh cache dir)"
WARM = "check, warm (nothing changed)"
EDIT = "check, one record file edited"
IMPORTS = "python importing the models and rules, no more"
_TITLE = re.compile(r"^(\s*(?:- )?title: )(.*)$", re.M)


@dataclass
class CheckRun:
    """The medians of one workspace (one shape at one size), in ms."""

    shape: str
    records: int
    files: int
    megabytes: float
    floor: float
    cold: float
    warm: float
    edit: float
    imports: float
    analysis: float
    watched: float


def title_editor(paths: list[Path]) -> Callable[[], None]:
    """A setup step that retitles one record of one YAML file, differently each time (the edit users make)."""
    plain = [p for p in paths if p.suffix == ".yaml" and p.name != "isoctl.yaml"
             and (match := _TITLE.search(p.read_text(encoding="utf-8"))) and match.group(2)[:1] not in "'\">|"]
    target = plain[len(plain) // 2]
    edits = itertools.count(1)

    def edit() -> None:
        text = target.read_text(encoding="utf-8")
        target.write_text(_TITLE.sub(lambda m: f"{m.group(1)}Edited title {next(edits)}", text, count=1),
                          encoding="utf-8")

    return edit


def bench_check(sizes: list[int], shapes: list[str], repeat: int, keep: Path | None) -> int:
    """``isoctl check`` as users run it, on each shape at each size; then the startup of the command."""
    if keep is not None and keep.exists() and any(keep.iterdir()):
        print(f"--keep {keep}: not empty; give a new or empty directory", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="isoctl-bench-check-"))
    # Run from bytecode, as an installed copy does, even where PYTHONDONTWRITEBYTECODE is set: compiled
    # files go to the scratch directory, never into the source tree, and the priming runs fill it. The
    # cache's signing key lives in the scratch directory too: users have one from their first run.
    base = {k: v for k, v in os.environ.items() if not k.startswith("ISOCTL_") and k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    base["ISOCTL_STATE_DIR"] = str(scratch / "state")
    isoctl = isoctl_command()
    print(f"isoctl: {' '.join(isoctl)}; {repeat} interleaved runs of each case ({3 * repeat} for workspaces of "
          f"{SMALL_RECORDS} records or fewer), after priming runs; medians")
    runs: list[CheckRun] = []
    status = 0
    try:
        for shape in shapes:
            for records in sizes:
                root = (keep.resolve() / f"{shape}-{records}") if keep else scratch / f"{shape}-{records}"
                run, problems = _check_workspace(root, shape, records, repeat, isoctl, base, scratch)
                runs.append(run)
                status |= 1 if problems else 0
                if not keep:
                    shutil.rmtree(root, ignore_errors=True)
        _startup(isoctl, base, scratch, repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # caches and workspaces, unless they are --keep's
    if keep is not None:
        print(f"workspaces kept in {keep}")
    print()
    print(f"{'shape':<10} {'records':>8} {'files':>6} {'MB':>6} {'floor ms':>9} {'cold ms':>9} {'warm ms':>9} "
          f"{'edit ms':>9} {'cold/floor':>10} {'warm/floor':>10} {'edit/warm':>9} {'imports/warm':>12} "
          f"{'analysis/warm':>13} {'watch ms':>9} {'watch/edit':>10}")
    for r in runs:
        print(f"{r.shape:<10} {r.records:>8} {r.files:>6} {r.megabytes:>6.1f} {r.floor:>9.0f} {r.cold:>9.0f} "
              f"{r.warm:>9.0f} {r.edit:>9.0f} {r.cold / r.floor:>10.2f} {r.warm / r.floor:>10.2f} "
              f"{r.edit / r.warm:>9.2f} {r.imports / r.warm:>12.2f} {r.analysis / r.warm:>13.2f} {r.watched:>9.0f} "
              f"{r.watched / r.edit:>10.2f}")
    return status


#: Workspaces of at most this many records are timed in three times the rounds (see :func:`rounds_for`).
SMALL_RECORDS = 5000


def rounds_for(records: int, repeat: int) -> int:
    """Rounds for a workspace: ``repeat``, tripled for one of :data:`SMALL_RECORDS` or fewer.

    Its cases take well under a second each, where a busy moment of the
    machine moves a median of three the most (the floor of the smallest
    workspace has been seen anywhere from 330 to 600 ms); three times the
    rounds cost about a minute.
    """
    return repeat * 3 if records <= SMALL_RECORDS else repeat


def _check_workspace(root: Path, shape: str, records: int, repeat: int, isoctl: list[str], base: dict[str, str],
                     scratch: Path) -> tuple[CheckRun, list[str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import generate

    started = time.perf_counter()
    files = generate(root, records, max(1, records // 10), shape=shape)
    generated = time.perf_counter() - started
    paths = record_files(root)
    size = sum(p.stat().st_size for p in paths)
    check = [*isoctl, "check", "--format", "json", "--exit-zero", "--today", TODAY, str(root)]
    floor = [sys.executable, "-c", FLOOR, str(root)]
    warm = {**base, "ISOCTL_CACHE_DIR": str(scratch / f"cache-warm-{shape}-{records}")}
    fresh = {**base}
    edit = title_editor(paths)

    def new_cache() -> None:
        if "ISOCTL_CACHE_DIR" in fresh:
            shutil.rmtree(fresh["ISOCTL_CACHE_DIR"], ignore_errors=True)
        fresh["ISOCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-cold-", dir=scratch)

    def output(env: dict[str, str]) -> str:
        return subprocess.run(check, check=True, capture_output=True, text=True, env=env).stdout

    parsed = subprocess.run(floor, check=True, capture_output=True, text=True, env=base).stdout.strip()
    new_cache()
    cold_out = output(fresh)
    output(warm)  # fills the warm cache
    warm_out = output(warm)
    edit()
    edit_out = output(warm)
    results = interleaved({
        FLOOR_NAME: (floor, base, None),
        COLD: (check, fresh, new_cache),
        WARM: (check, warm, None),
        EDIT: (check, warm, edit),
        IMPORTS: ([sys.executable, "-c", EDIT_IMPORTS], base, None),
    }, rounds_for(records, repeat))
    analysis_ms = float(subprocess.run([sys.executable, "-c", ANALYSIS, str(root), TODAY, "5"], check=True,
                                       capture_output=True, text=True, env=warm).stdout)
    watched_ms = watched_edits([*check, "--watch"], warm, edit, rounds_for(records, repeat))
    shutil.rmtree(fresh["ISOCTL_CACHE_DIR"], ignore_errors=True)
    shutil.rmtree(warm["ISOCTL_CACHE_DIR"], ignore_errors=True)

    print()
    print(f"{shape}, {records} records: {files} files (+ isoctl.yaml), {size / 1e6:.2f} MB in {len(paths)} parsed "
          f"files, {size / records:.0f} bytes a record; generated in {generated:.1f} s; "
          f"{rounds_for(records, repeat)} rounds")
    problems = verify(cold_out, records, files)
    if warm_out != cold_out:
        problems.append("the warm run's output differs from the cold run's")
    problems += [f"after the edit: {p}" for p in verify(edit_out, records, files, quiet=True)]
    if parsed != str(len(paths)):
        problems.append(f"the floor parsed {parsed} files, expected {len(paths)}")
    floor_ms = results[FLOOR_NAME]
    notes = {COLD: f"{results[COLD] / floor_ms:5.2f}x floor", WARM: f"{results[WARM] / floor_ms:5.2f}x floor",
             EDIT: f"{results[EDIT] / results[WARM]:5.2f}x warm", IMPORTS: f"{results[IMPORTS] / results[WARM]:5.2f}x warm"}
    for name, value in results.items():
        print(f"  {name:<48} {value:8.1f} ms  {notes.get(name, '')}")
    print(f"  {'analysis alone, in a loaded process (median of 5)':<48} {analysis_ms:8.1f} ms  "
          f"{analysis_ms / results[WARM]:5.2f}x warm")
    print(f"  {'check --watch: an edit to its new output':<48} {watched_ms:8.1f} ms  "
          f"{watched_ms / results[EDIT]:5.2f}x edit")
    for problem in problems:
        print(f"  ! {problem}")
    run = CheckRun(shape, records, files, size / 1e6, floor_ms, results[COLD], results[WARM], results[EDIT],
                   results[IMPORTS], analysis_ms, watched_ms)
    return run, problems


def watched_edits(watch: list[str], env: dict[str, str], edit: Callable[[], None], rounds: int) -> float:
    """Median ms from an edit to ``check --watch`` saying it checked again, over ``rounds`` edits of one running
    watch (which ends with Ctrl-C, as a user ends it)."""
    import queue
    import signal
    import threading

    process = subprocess.Popen(watch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put("")

    def wait_for(what: str) -> None:
        while what not in (line := lines.get(timeout=600)):
            if not line:
                raise RuntimeError(f"check --watch ended (exit {process.wait()}) before saying {what!r}")

    threading.Thread(target=read, daemon=True).start()
    samples = []
    try:
        wait_for("watch: watching")
        for _ in range(rounds):
            started = time.perf_counter()
            edit()
            wait_for("watch: checked again")
            samples.append((time.perf_counter() - started) * 1000)
            wait_for("watch: watching")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return statistics.median(samples)


def _startup(isoctl: list[str], base: dict[str, str], scratch: Path, repeat: int) -> None:
    """``isoctl --help`` against a bare argparse program's ``--help``, and ``isoctl --version``."""
    help_program = scratch / "argparse_help.py"
    help_program.write_text(ARGPARSE_HELP, encoding="utf-8")
    env = {**base, "ISOCTL_CACHE_DIR": str(scratch / "cache-startup")}
    cases: dict[str, tuple[list[str], dict[str, str], Callable[[], object] | None]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], base, None),
        "argparse program --help": ([sys.executable, str(help_program), "--help"], base, None),
        "isoctl --help": ([*isoctl, "--help"], env, None),
        "isoctl --version": ([*isoctl, "--version"], env, None),
    }
    for args, case_env, _ in cases.values():
        subprocess.run(args, check=True, capture_output=True, env=case_env)
    results = interleaved(cases, max(repeat, 5))
    print()
    print("startup, medians:")
    notes = {"isoctl --help": f"{results['isoctl --help'] / results['argparse program --help']:5.2f}x argparse --help",
             "isoctl --version": f"{results['isoctl --version'] / results['python -c pass']:5.2f}x python -c pass"}
    for name, value in results.items():
        print(f"  {name:<48} {value:8.1f} ms  {notes.get(name, '')}")


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
    """``isoctl history`` and ``pulse`` cold and warm against git log + cat-file + libyaml of every changed blob;
    ``check`` with the rules that read history against the same without them, cold and after a new commit;
    ``check --at`` an old commit against ``check``; ``report`` against ``check``, and the PDF report against the
    HTML one."""
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
        base["ISOCTL_STATE_DIR"] = str(scratch / "state")
        isoctl = isoctl_command()
        fresh = {**base}

        def new_cache() -> None:
            fresh["ISOCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-cold-", dir=scratch)

        new_cache()
        warm = {**base, "ISOCTL_CACHE_DIR": str(scratch / "cache-warm")}
        history = [*isoctl, "history", "--format", "json", str(root)]
        pulse = [*isoctl, "pulse", "--format", "json", "--today", TODAY, str(root)]
        back = max(1, min(commits - 1, 1000))
        check = [*isoctl, "check", "--format", "json", "--exit-zero", "--today", TODAY, str(root)]
        check_at = [*check, "--at", f"HEAD~{back}"]
        # -o: a check that is never answered by replaying the last run's output (see isoctl.cli.replay), so it
        # loads its result from the cache and renders it, as --at and report do; the baseline they are held to
        computed = [*check, "-o", str(scratch / "check.json")]
        from isoctl.rules import all_rules

        no_history = [*check, *(arg for rule_id, rule in all_rules().items() if rule.category == "history"
                                for arg in ("--ignore", rule_id))]
        plain = {**base}

        def new_plain_cache() -> None:
            plain["ISOCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-plain-", dir=scratch)

        new_plain_cache()
        report = [*isoctl, "report", "--format", "html", "--today", TODAY, "-o", str(scratch / "report.html"), str(root)]
        report_pdf = [*isoctl, "report", "--format", "pdf", "--today", TODAY, "-o", str(scratch / "report.pdf"), str(root)]
        floor = [sys.executable, "-c", HISTORY_FLOOR, str(root)]
        blobs = subprocess.run(floor, check=True, capture_output=True, text=True, env=base).stdout.strip()
        for command in (history, pulse, check, check_at, computed):
            subprocess.run(command, check=True, capture_output=True, env=warm)  # prime the warm cache
        has_report = subprocess.run([*isoctl, "report", "--help"], capture_output=True, env=base).returncode == 0
        cases: dict[str, tuple[list[str], dict[str, str], Callable[[], None] | None]] = {
            "floor: git log --raw + cat-file + libyaml": (floor, base, None),
            "history, cold (fresh cache dir)": (history, fresh, new_cache),
            "history, warm": (history, warm, None),
            "pulse, cold (fresh cache dir)": (pulse, fresh, new_cache),
            "pulse, warm": (pulse, warm, None),
            # (the two cold checks, a second each, are timed on their own below, in three times the rounds)
            "check at HEAD (warm, replayed)": (check, warm, None),
            "check at HEAD (warm, -o FILE: not replayed)": (computed, warm, None),
            f"check --at HEAD~{back} (warm)": (check_at, warm, None),
        }
        if has_report:
            subprocess.run(report, check=True, capture_output=True, env=warm)
            cases["report --format html (warm)"] = (report, warm, None)
            cases["report --format pdf (warm)"] = (report_pdf, warm, None)
        results = interleaved(cases, runs)
        # A ratio of two short runs moves the most with a busy moment (a fifth, with three rounds): these two
        # take turns on their own, in three times the rounds, which costs about half a minute.
        pair = interleaved({
            "check at HEAD, cold (fresh cache dir)": (check, fresh, new_cache),
            "check at HEAD, cold, history rules off": (no_history, plain, new_plain_cache),
        }, 3 * runs)
        # After a new commit, with the caches the run before left (a developer's next check, CI with its cache
        # kept): the same pair. Last, as it adds a commit to the repository each round.
        after = {**base, "ISOCTL_CACHE_DIR": str(scratch / "cache-after")}
        after_plain = {**base, "ISOCTL_CACHE_DIR": str(scratch / "cache-after-plain")}
        subprocess.run(check, check=True, capture_output=True, env=after)
        subprocess.run(no_history, check=True, capture_output=True, env=after_plain)
        commit = new_commit(root)
        pair.update(interleaved({
            "check, new commit (caches of the run before)": (check, after, commit),
            "check, new commit, history rules off": (no_history, after_plain, None),
        }, 3 * runs))
        order = list(results)  # shown where they were: after pulse, before the warm checks
        at = order.index("check at HEAD (warm, replayed)")
        results = {**{name: results[name] for name in order[:at]}, **pair,
                   **{name: results[name] for name in order[at:]}}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"repository: {records} records in {files} files, {commits} commits ({blobs} changed record blobs), "
          f"generated in {generated:.1f} s; {runs} interleaved runs each ({3 * runs} for the two cold checks), medians:")
    floor_ms = results["floor: git log --raw + cat-file + libyaml"]
    check_ms = results["check at HEAD (warm, -o FILE: not replayed)"]
    ratios = {
        "history, cold (fresh cache dir)": (floor_ms, "floor", 1.3),
        "history, warm": (floor_ms, "floor", 0.2),
        "pulse, cold (fresh cache dir)": (floor_ms, "floor", 1.3),
        "check at HEAD, cold (fresh cache dir)": (results["check at HEAD, cold, history rules off"],
                                                  "history rules off", 1.5),
        "check, new commit (caches of the run before)": (
            results["check, new commit, history rules off"], "history rules off", 1.5),
        f"check --at HEAD~{back} (warm)": (check_ms, "check at HEAD, not replayed", 1.5),
        "report --format html (warm)": (check_ms, "check at HEAD, not replayed", 3.0),
        "report --format pdf (warm)": (results.get("report --format html (warm)", 0.0), "report html", 2.0),
    }
    for name, value in results.items():
        note = ""
        if name in ratios:
            reference, label, target = ratios[name]
            note = f"{value / reference:5.2f}x {label}  (target <= {target:g})"
        print(f"  {name:<48} {value:9.1f} ms  {note}")
    return 0


def new_commit(root: Path) -> Callable[[], None]:
    """A setup that commits the edit :func:`title_editor` makes in the repository at ``root``, dated :data:`TODAY`."""
    edit = title_editor(record_files(root))
    stamp = f"{TODAY}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def commit() -> None:
        edit()
        subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "--quiet",
                        "--all", "--message", "Retitle a record"], cwd=root, check=True, env=env)

    return commit


def verify(output: str, records: int, files: int, *, quiet: bool = False) -> list[str]:
    """Problems with a check run's JSON: a wrong count or a finding that means the generator is wrong."""
    try:
        document = json.loads(output)
    except ValueError as exc:
        return [f"check output is not JSON: {exc}"]
    summary = document["summary"]
    findings = document["findings"]
    counted = Counter(f["rule"] for f in findings)
    if not quiet:
        print(f"  check output: JSON, {summary['records']} records in {summary['files']} files; "
              f"{len(findings)} findings: " + (", ".join(f"{rule} {n}" for rule, n in counted.most_common()) or "none"))
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
    chk = sub.add_parser("check", help="time 'isoctl check' on generated workspaces against a libyaml floor")
    chk.add_argument("--sizes", type=_numbers, default=[5000, 20000, 50000], metavar="N,N,...",
                     help="records in each workspace (default: 5000,20000,50000)")
    chk.add_argument("--shapes", type=_shapes, default=list(SHAPES), metavar="SHAPE,...",
                     help=f"workspace shapes (default: {','.join(SHAPES)})")
    chk.add_argument("--repeat", "--runs", dest="repeat", type=int, default=3, metavar="N",
                     help="interleaved runs of each case; medians are reported (default: 3)")
    chk.add_argument("--keep", type=Path, metavar="DIR", help="generate the workspaces in DIR and leave them there")
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
        return bench_check(args.sizes, args.shapes, args.repeat, args.keep)
    return 0


def _numbers(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"give positive numbers: {text!r}")
    return numbers


def _shapes(text: str) -> list[str]:
    shapes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if not shapes or unknown:
        raise argparse.ArgumentTypeError(f"shapes are {', '.join(SHAPES)}; got {text!r}")
    return shapes


if __name__ == "__main__":
    sys.exit(main())
