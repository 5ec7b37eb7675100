"""Benchmarks for isoctl: medians of repeated runs, and ratios against floors timed in the same run.

    python benchmarks/bench.py catalogs [--runs 15]

``catalogs`` times loading every built-in catalog inside one process, cold
(YAML parsed and validated) and warm (validated JSON from the user cache),
against the floor of parsing the same files with libyaml's C loader and no
validation at all. It also times whole processes: ``isoctl standards list
--format json`` warm, against a bare ``python -c pass``.

Benchmarks are not tests: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)  # noqa: S506

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    cat = sub.add_parser("catalogs", help="time loading the built-in catalogs")
    cat.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if args.what == "catalogs":
        bench_catalogs(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
