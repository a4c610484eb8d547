#!/usr/bin/env bash
# Installs the Debian packages oomlab needs, and only those that are missing.
# As root it runs apt-get; otherwise it prints the exact command to run, and fails.
set -euo pipefail

# One package a line, with the reason it is needed.
packages=(
  cmake pkg-config g++ make git           # build
  libbenchmark-dev                        # Google Benchmark microbenchmarks (bench.cpp)
  libgtest-dev libgmock-dev               # harness tests (ctest)
  libeigen3-dev                           # C++ variants: Eigen vectors and matrices
  libzstd-dev zstd zlib1g-dev             # C++ compression variants; `zstd -b` reference
  pybind11-dev python3-dev                # embedded Python in the measurement child
  nlohmann-json3-dev libcli11-dev         # result records; the command line
  python3-numpy python3-matplotlib        # Python variants; the report's figures
  python3-zstandard python3-pytest        # Python compression variants; tests
  python3-dask python3-distributed        # out-of-core: dask.array on a (local or real) cluster
  python3-scipy                           # sparse matrices for mostly-zero data
  python3-memory-profiler time            # what mprof and /usr/bin/time say, beside oomlab measure (tools/compare_peak_tools.py)
  chromium                                # the report's test: index.html rendered headless, as a reader sees it
  fonts-dejavu-core                       # the font the figures (SVG text) and the page name
  qemu-system-x86 busybox-static cpio     # make test-v2: a cgroup v2 guest (its kernel package is
  e2fsprogs xz-utils                      #   fetched by tools/v2-guest/run with apt-get download)
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} Debian packages are installed"
  exit 0
fi

command=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing Debian packages; as root, run:" >&2
  echo "  apt-get update && ${command[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if the install cannot find a package.
"${command[@]}" || { apt-get update && "${command[@]}"; }
