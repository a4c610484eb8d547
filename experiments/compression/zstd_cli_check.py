#!/usr/bin/python3
"""Checks bench_compression's zstd throughput against the zstd command-line benchmark on the same bytes.

For each data kind, writes the experiment's first chunk (256 KiB, made by experiment.py, the same
bytes as bench.cpp) to a temporary file, runs `zstd -q -b<L> -e<L> -i<seconds>` on it for each
level, runs build/bench_compression on the same chunk, and prints compression ratio and compress
and decompress MB/s (10^6 bytes) of both, with the ratio oomlab / zstd. Nothing is hard-coded:
every figure is measured now, on this machine.

    /usr/bin/python3 experiments/compression/zstd_cli_check.py [--levels 1,3,9,19] [--seconds 1]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import experiment  # noqa: E402  (the data kinds, next to this file)

KINDS = ("random", "smooth", "continuous", "smallint", "sparse", "text")
BENCH_LEVELS = (1, 3, 9, 19)


def zstd_cli(path, level, seconds):
    """(ratio, compress MB/s, decompress MB/s) from `zstd -q -b<level>` on one file."""
    output = subprocess.run(["zstd", "-q", f"-b{level}", f"-e{level}", f"-i{seconds}",
                             f"-B{experiment.CHUNK_BYTES}", str(path)],
                            capture_output=True, text=True, check=True)
    for line in (output.stdout + output.stderr).splitlines():
        match = experiment.ZSTD_CLI_LINE.match(line)
        if match:
            _, _, ratio, compress, decompress = match.groups()
            return float(ratio), float(compress), float(decompress)
    raise RuntimeError(f"no result line in zstd's output:\n{output.stdout}{output.stderr}")


def bench_figures(bench, seconds):
    """{(kind, level): (ratio, compress MB/s, decompress MB/s)} from bench_compression on one chunk."""
    levels = "|".join(f"zstd{level}" for level in BENCH_LEVELS)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([str(bench), f"--benchmark_filter=BM_(de)?compress_({levels})_.*/{experiment.CHUNK_BYTES}(/|$)",
                        f"--benchmark_min_time={seconds}", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        results = json.load(open(out.name))["benchmarks"]
    figures = {}
    for result in results:
        kernel, codec, kind = result["name"].split("/")[0].split("_")[1:]
        entry = figures.setdefault((kind, int(codec[len("zstd"):])), {})
        entry[kernel] = result["bytes_per_second"] / experiment.MB
        if kernel == "compress":
            entry["ratio"] = result["compression_ratio"]
    return {key: (value["ratio"], value["compress"], value["decompress"]) for key, value in figures.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=",".join(map(str, BENCH_LEVELS)),
                        help="zstd levels, among 1, 3, 9, 19 (the bench's)")
    parser.add_argument("--seconds", type=int, default=1, help="minimum time per measurement (zstd -i)")
    parser.add_argument("--bench", type=Path, default=HERE.parents[1] / "build" / "bench_compression")
    arguments = parser.parse_args(argv)
    levels = [int(level) for level in arguments.levels.split(",")]
    if not arguments.bench.exists():
        parser.error(f"{arguments.bench} is missing: build first (make build)")
    bench = bench_figures(arguments.bench, arguments.seconds)
    print(f"{'kind':<11}{'level':>6}{'ratio':>9}{'cli':>8}  {'compress MB/s':>14}{'cli':>8}{'×':>6}"
          f"  {'decompress MB/s':>16}{'cli':>8}{'×':>6}")
    with tempfile.TemporaryDirectory(prefix="oomlab-compression-") as folder:
        for kind in KINDS:
            path = Path(folder) / f"{kind}.bin"
            path.write_bytes(experiment.make_chunk(kind, 0).tobytes())
            for level in levels:
                ratio, compress, decompress = bench[(kind, level)]
                cli_ratio, cli_compress, cli_decompress = zstd_cli(path, level, arguments.seconds)
                print(f"{kind:<11}{level:>6}{ratio:>9.3f}{cli_ratio:>8.3f}  {compress:>14.1f}{cli_compress:>8.1f}"
                      f"{compress / cli_compress:>6.2f}  {decompress:>16.1f}{cli_decompress:>8.1f}"
                      f"{decompress / cli_decompress:>6.2f}")
            os.remove(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
