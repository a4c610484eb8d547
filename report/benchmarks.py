"""Google Benchmark JSON files (results/<machine-id>/<experiment>.benchmark.json, written by `oomlab bench`).

A benchmark is named `BM_<kernel>_<type>/<working-set bytes>`, so throughput against working-set size is
drawn for any experiment without knowing its kernels. The machine's caches come from the JSON's context.
"""

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from report import records as rec
from report.units import format_bytes, format_seconds

SUFFIX = ".benchmark.json"
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass
class BenchRow:
    name: str                # BM_scale_add_float/32768
    family: str              # BM_scale_add_float
    kernel: str              # scale_add
    type: str                # float (the last word of the family; "" if it has one word)
    working_set_bytes: int   # the first numeric argument, or None
    seconds_per_iteration: float
    bytes_per_second: float = None
    items_per_second: float = None
    label: str = ""


@dataclass
class BenchmarkRun:
    machine_id: str
    experiment: str
    path: Path
    context: dict
    rows: list = field(default_factory=list)
    freshness: str = ""
    freshness_detail: str = ""

    def caches(self):
        """[(label, bytes)] of the data caches, smallest first: ("L1d", 49152), ("L2", 2097152), …"""
        found = []
        for cache in self.context.get("caches") or []:
            if not isinstance(cache, dict) or cache.get("type") == "Instruction":
                continue
            level, size = cache.get("level"), cache.get("size")
            if isinstance(level, int) and isinstance(size, (int, float)) and size > 0:
                found.append((f"L{level}" + ("d" if cache.get("type") == "Data" else ""), int(size)))
        return sorted(set(found), key=lambda item: item[1])

    def level_of(self, size_bytes):
        """Where a working set of this size lives: the smallest cache that holds it, else "DRAM"."""
        for label, size in self.caches():
            if size_bytes <= size:
                return label
        return "DRAM" if self.caches() else ""


def parse_name(name):
    """(family, kernel, type, first numeric argument or None) of "BM_scale_add_float/32768"."""
    family, *arguments = str(name).split("/")
    argument = next((int(a) for a in arguments if a.isdigit()), None)
    words = family[3:] if family.startswith("BM_") else family
    kernel, _, type_ = words.rpartition("_")
    return family, (kernel or type_), (type_ if kernel else ""), argument


def _rows(benchmarks):
    """BenchRows from the JSON's benchmarks: per-repetition runs merged by their median; aggregates used
    only when the file holds nothing else (--benchmark_report_aggregates_only)."""
    iterations = [b for b in benchmarks if isinstance(b, dict) and b.get("run_type", "iteration") == "iteration"
                  and not b.get("error_occurred")]
    if not iterations:
        iterations = [b for b in benchmarks if isinstance(b, dict) and b.get("aggregate_name") == "median"]
    by_name = {}
    for bench in iterations:
        name = bench.get("run_name") or bench.get("name")
        if name:
            by_name.setdefault(name, []).append(bench)
    rows = []
    for name, runs in by_name.items():
        family, kernel, type_, argument = parse_name(name)
        unit = TIME_UNITS.get(runs[0].get("time_unit", "ns"), 1e-9)

        def median(key, runs=runs):
            values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
            return statistics.median(values) if values else None

        real_time = median("real_time")
        rows.append(BenchRow(name, family, kernel, type_, argument, real_time * unit if real_time else None,
                             median("bytes_per_second"), median("items_per_second"), str(runs[0].get("label") or "")))
    return rows


def load_file(path, warn=rec.warn):
    """One BenchmarkRun, or None (warned) if the file cannot be read."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
            raise ValueError("no benchmarks list")
    except (OSError, ValueError) as error:
        warn(f"{path}: cannot read benchmark JSON ({error})")
        return None
    experiment = path.name[:-len(SUFFIX)]
    context = data.get("context") if isinstance(data.get("context"), dict) else {}
    return BenchmarkRun(str(context.get("machine_id") or path.parent.name), experiment, path, context,
                        _rows(data["benchmarks"]))


def load_benchmarks(results_dirs, warn=rec.warn):
    """Every benchmark JSON under the results directories (missing directories are left to load_records)."""
    runs = []
    for results_dir in results_dirs:
        results_dir = Path(results_dir)
        if results_dir.is_dir():
            for path in sorted(results_dir.rglob(f"*{SUFFIX}")):
                run = load_file(path, warn)
                if run and run.rows:
                    runs.append(run)
    return runs


def table_rows(run):
    """Rows for the page: benchmark, working set, where it lives, time, bytes/s, items/s."""
    rows = []
    for row in sorted(run.rows, key=lambda r: (r.family, r.working_set_bytes or 0)):
        rows.append([f"`{row.name}`", format_bytes(row.working_set_bytes) if row.working_set_bytes else "–",
                     run.level_of(row.working_set_bytes) if row.working_set_bytes else "–",
                     _seconds(row.seconds_per_iteration), _rate(row.bytes_per_second, "B/s"),
                     _rate(row.items_per_second, "items/s")])
    return rows


def _seconds(value):
    return format_seconds(value) if value else "–"


def _rate(value, unit):
    """12.3 GB/s, 4.1 G items/s: decimal prefixes, as Google Benchmark prints them."""
    if not isinstance(value, (int, float)) or value <= 0:
        return "–"
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}" if unit == "B/s" else f"{value / scale:.3g} {prefix} {unit}"
    return f"{value:.3g} {unit}"
