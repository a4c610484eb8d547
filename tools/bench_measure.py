#!/usr/bin/python3
"""What `oomlab measure` adds to the command it measures, printed side by side with the bare command
in one run (interleaved, so that the machine's load falls on both alike): the start-up cost for
`true`, and the wall-time ratio for a CPU-bound program of about one second (tests/fixtures/programs/
spin). Speeds of a shared machine: a benchmark that prints them, never a test that asserts them.

Aims: under 20 ms added at start, under 2% on the ratio.

    /usr/bin/python3 tools/bench_measure.py [--build build] [--repeat 15]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def wall_seconds(command):
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def side_by_side(bare, measured, repeat):
    """Medians of the bare and the measured command, run alternately."""
    bare_times, measured_times = [], []
    for _ in range(repeat):
        bare_times.append(wall_seconds(bare))
        measured_times.append(wall_seconds(measured))
    return statistics.median(bare_times), statistics.median(measured_times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=REPO / "build")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    oomlab = str(args.build / "oomlab")
    spin = str(args.build / "tests" / "fixtures" / "programs" / "spin")
    with tempfile.TemporaryDirectory(prefix="oomlab-bench-measure-") as results:
        measure = [oomlab, "measure", "--results", results, "--"]
        bare_true, measured_true = side_by_side(["/bin/true"], [*measure, "/bin/true"], args.repeat)
        bare_spin, measured_spin = side_by_side([spin, "1"], [*measure, spin, "1"], max(3, args.repeat // 3))
    print(f"{'':34} {'bare':>10} {'measured':>10} {'added':>12}")
    print(f"{'start-up: true':34} {bare_true * 1e3:>8.1f}ms {measured_true * 1e3:>8.1f}ms "
          f"{(measured_true - bare_true) * 1e3:>10.1f}ms   (aim: under 20 ms)")
    print(f"{'CPU-bound: spin 1 s':34} {bare_spin:>9.3f}s {measured_spin:>9.3f}s "
          f"{(measured_spin / bare_spin - 1):>11.1%}   (aim: under 2%)")
    print("The measured figures include the records written, the cgroup made and removed (as root), and the summary.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
