#!/usr/bin/python3
"""What each tool says about one process tree whose answer is known: 4 children that each touch 64 MiB
and hold it at the same time (tests/fixtures/programs/hold_children), so the tree's true peak is
about 256 MiB and its largest process about 64 MiB.

It runs the program under `/usr/bin/time -v`, under mprof `--include-children` (Debian's
python3-memory-profiler) and under `oomlab measure`, and writes what each one reported to
results/<machine-id>/measure/peak-tools.json, which the report shows (report/measured.py). With
--readme it also rewrites the table between the markers in README.md from that file, so the README's
figures are measured, never typed.

    /usr/bin/python3 tools/compare_peak_tools.py [--results DIR] [--readme README.md]
"""

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHILDREN, MIB_EACH = 4, 64
README_START, README_END = "<!-- peak-tools:start -->", "<!-- peak-tools:end -->"


def program_command(build):
    return [str(build / "tests" / "fixtures" / "programs" / "hold_children"), str(CHILDREN), str(MIB_EACH), "together"]


def time_v(command):
    """/usr/bin/time -v's 'Maximum resident set size': wait4's ru_maxrss, the largest single process."""
    completed = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=True)
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))
    return kib * 1024


def mprof(command):
    """mprof run --include-children: the highest sample (every 0.1 s) of the RSS summed over the tree."""
    executable = shutil.which("python3-mprof") or shutil.which("mprof")
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="oomlab-mprof-") as folder:
        data = Path(folder) / "mprof.dat"
        subprocess.run([executable, "run", "--include-children", "-o", str(data), *command],
                       capture_output=True, text=True, check=True)
        samples = [float(line.split()[1]) for line in data.read_text().splitlines() if line.startswith("MEM ")]
    return int(max(samples) * MIB) if samples else None


def oomlab_measure(oomlab, command, results):
    completed = subprocess.run([str(oomlab), "measure", "--results", str(results), "--json", "--name", "peak-tools",
                                "--", *command], capture_output=True, text=True, check=True)
    [record] = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    return record


def comparison(oomlab, build, results):
    command = program_command(build)
    record = oomlab_measure(oomlab, command, results)
    rows = [
        {"tool": "`/usr/bin/time -v` (wait4's ru_maxrss)", "says": "the largest single process", "bytes": time_v(command)},
        {"tool": "mprof run --include-children", "says": "the RSS summed over the tree, sampled every 0.1 s",
         "bytes": mprof(command)},
        {"tool": "a task manager (the RSS sum, oomlab's 20 ms samples)", "says": "every process's RSS added up",
         "bytes": record.get("rss_sum_peak_bytes")},
        {"tool": "`smem` (the PSS sum, oomlab's samples)", "says": "shared pages split between their sharers",
         "bytes": record.get("pss_sum_peak_bytes")},
        {"tool": "`oomlab measure` (the run's memory cgroup)",
         "says": "the true simultaneous peak of the tree" + ("" if record.get("tree_peak_source") == "cgroup"
                                                                 else " (sampled here: no memory cgroup)"),
         "bytes": record.get("tree_peak_bytes")},
    ]
    return {"program": " ".join(["hold_children", *command[1:]]),
            "expected": f"{CHILDREN} × {MIB_EACH} MiB held at once: a tree peak of about {CHILDREN * MIB_EACH} MiB, "
                        f"the largest process about {MIB_EACH} MiB",
            "tools": rows, "recorded_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "env": record.get("env", {})}


def markdown_table(result):
    lines = ["| tool | what it reports | says |", "|---|---|---:|"]
    for row in result["tools"]:
        value = "not installed" if row["bytes"] is None else f"{row['bytes'] / MIB:.1f} MiB"
        lines.append(f"| {row['tool']} | {row['says']} | {value} |")
    env = result.get("env", {})
    lines.append("")
    lines.append(f"`{result['program']}` ({result['expected']}), measured {result['recorded_at']} on "
                 f"`{env.get('machine_id', '?')}` (kernel {env.get('kernel', '?')}) by `tools/compare_peak_tools.py`.")
    return "\n".join(lines)


def update_readme(readme, result):
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + markdown_table(result) + "\n" + text[end:], encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=REPO / "build")
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--readme", type=Path, help="rewrite the table between the peak-tools markers of this file")
    args = parser.parse_args(argv)
    oomlab = args.build / "oomlab"
    if not Path(program_command(args.build)[0]).exists():
        print(f"compare_peak_tools: {program_command(args.build)[0]} is missing: build the tests' programs first "
              f"(`make build`)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="oomlab-peak-tools-") as scratch:
        result = comparison(oomlab, args.build, scratch)
    machine = result["env"].get("machine_id", "unknown")
    out = args.results / machine / "measure" / "peak-tools.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(markdown_table(result))
    print(f"compare_peak_tools: wrote {out}", file=sys.stderr)
    if args.readme:
        update_readme(args.readme, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
