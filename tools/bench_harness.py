#!/usr/bin/env python3
"""What watching a measurement costs: the sampler's interval and its CPU share, printed, not asserted.

These are speeds of a shared machine (another program on the other core changes them), so they live
in a benchmark, never in `make test`. `make bench-harness` runs it; the figures it prints are the
ones the closing notes and DESIGN quote.

Usage: bench_harness.py [--oomlab build/oomlab] [--repeat 5]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Measurements whose children live long enough to judge the watcher: a single process writing
# 256 MiB with NumPy and in C++, noops (the interpreter's start; a C++ child of a few milliseconds)
# and a process tree.
CASES = (
    ("calibrate py numpy 256 MiB", ["calibrate", "--lang", "py", "--variant", "numpy", "--size", "256"]),
    ("calibrate cpp buffer 256 MiB", ["calibrate", "--lang", "cpp", "--variant", "buffer", "--size", "256"]),
    ("calibrate py noop", ["calibrate", "--lang", "py", "--variant", "noop", "--size", "64"]),
    # A C++ child of ~10 ms: the fixed cost of starting and reaping it dominates its share.
    ("calibrate cpp noop (short child)", ["calibrate", "--lang", "cpp", "--variant", "noop", "--size", "1"]),
    ("processes py tree (quick)", ["processes", "--lang", "py", "--variant", "fork_inherit_numpy_n4",
                                   "--scale", "quick"]),
)


def run_case(oomlab, arguments, repeat):
    with tempfile.TemporaryDirectory(prefix="oomlab-bench-harness-") as results:
        completed = subprocess.run([oomlab, "run", *arguments, "--repeat", str(repeat), "--results", results],
                                   capture_output=True, text=True)
        records = [json.loads(line) for path in Path(results).rglob("*.jsonl")
                   for line in path.read_text().splitlines() if line.strip()]
    measured = [r for r in records if r.get("outcome") == "ok" and "sampler_cpu_fraction" in r]
    if not measured:
        return None, completed.stderr.strip().splitlines()[-1:] or ["no record"]
    return measured, None


def summary(values):
    return statistics.median(values), max(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oomlab", default=str(REPO / "build" / "oomlab"))
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    print(f"{'case':34} {'runs':>4} {'cpu share median':>17} {'max':>7} {'interval median':>16}")
    every_fraction = []
    for label, arguments in CASES:
        records, problem = run_case(options.oomlab, arguments, options.repeat)
        if records is None:
            print(f"{label:34} skipped: {' '.join(problem)}")
            continue
        fractions = [r["sampler_cpu_fraction"] for r in records]
        intervals = [r["timeline"]["sample_interval_seconds"] for r in records]
        every_fraction += fractions
        median_fraction, max_fraction = summary(fractions)
        print(f"{label:34} {len(records):>4} {median_fraction:>16.2%} {max_fraction:>7.2%} "
              f"{statistics.median(intervals) * 1e3:>13.2f} ms")
    floor = REPO / "build" / "tests" / "fixtures" / "programs" / "wake_floor"
    if floor.exists():
        # What a bare wake-up costs here now (another program on the machine moves it a lot): the
        # part of the watcher's share that no watcher at this interval can avoid.
        microseconds, share = map(float, subprocess.run([str(floor), "20", "100"], capture_output=True, text=True,
                                                        check=True).stdout.split())
        print(f"{'floor: a bare 20 ms wake-up loop':34} {100:>4} {share:>16.2%} {'':>7} {microseconds:>10.1f} us/wake")
    if every_fraction:
        median_fraction, max_fraction = summary(every_fraction)
        print(f"{'all':34} {len(every_fraction):>4} {median_fraction:>16.2%} {max_fraction:>7.2%}")
        print("targets: median under 0.5%, maximum under 2% (the parent's CPU time over the child's wall time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
