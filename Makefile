# The front door. `make report` and `make test` are all a new machine needs (as root they install
# the Debian packages first). Variables: SCALE, EXP, LANG, BUILD_DIR, PYTHON.
BUILD_DIR ?= build
PYTHON    ?= /usr/bin/python3
SCALE     ?= default
JOBS      ?= $(shell nproc)
OOMLAB    := $(BUILD_DIR)/oomlab

.PHONY: all build build-report deps configure test test-v2 test-harness test-python report report-only report-check run clean cleanup bench-harness bench-measure

all: build

deps:
	@tools/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DOOMLAB_PYTHON=$(PYTHON)

configure: $(BUILD_DIR)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what `make report` runs: the CLI and the benchmark programs (not the tests' programs).
build-report: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target report_programs

# Harness tests (GoogleTest via ctest), then experiments, claims and report (pytest), at quick scale.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure
	$(PYTHON) -m pytest tests -q

# The cgroup v2 tests, in a throwaway Debian 12 guest under qemu (this machine may have v1, or no
# root): tools/v2-guest/suite, as root, at quick scale. V2_KERNEL=6.12 boots the kernel whose
# memory.peak can be reset per open file; V2_INIT=busybox skips systemd (the command then runs in a cgroup laid out as systemd would).
V2_KERNEL ?= 6.1
V2_INIT   ?= systemd
test-v2: build
	tools/v2-guest/run --kernel $(V2_KERNEL) --init $(V2_INIT) --timeout-seconds 3600 -- env BUILD_DIR=$(BUILD_DIR) PYTHON=$(PYTHON) tools/v2-guest/suite

# The whole suite at $(SCALE) scale (so no stale record is reused), then the report from its records.
# A failed measurement does not stop it: `oomlab run` exits 1, the report lists the failures and says how
# each step ended. Only Ctrl-C (130), or a report that cannot be made, makes `make report` fail.
report: build-report
	$(PYTHON) tools/report_steps.py --oomlab $(OOMLAB) --build $(BUILD_DIR) --scale $(SCALE)

# Figures and pages from the records already in results/, without measuring anything. Records of an
# experiment whose files changed since are marked stale (or left out when current ones exist).
report-only:
	$(PYTHON) report/make_report.py

# Looks at report/out/index.html in headless Chromium as a reader would: every figure loads, every
# link has its target, 16 claims, one line each on a projector's first screen (1400×900); writes that
# screen to report/out/screenshot.png.
report-check:
	$(PYTHON) report/browser_check.py report/out/index.html --screenshot report/out/screenshot.png

# One experiment: make run EXP=list_to_numpy [LANG=py|cpp] [SCALE=quick]. LANG is also the
# locale variable, so the child gets the locale back rather than "py".
run: build
	@test -n "$(EXP)" || { echo "usage: make run EXP=<experiment> [LANG=py|cpp] [SCALE=quick|default|large]"; $(OOMLAB) list; exit 2; }
	env LANG=C.UTF-8 $(OOMLAB) run $(EXP) --scale $(SCALE) $(if $(filter py cpp py% cpp%,$(LANG)),--lang $(LANG))

# What watching a measurement costs (the sampler's interval and CPU share): speeds of a shared
# machine, so a benchmark that prints them, never a test that asserts them.
bench-harness: build
	$(PYTHON) tools/bench_harness.py --oomlab $(OOMLAB)

# What `oomlab measure` adds to a command: start-up for `true`, the wall-time ratio for a CPU-bound
# program of about a second, measured side by side with the bare command.
bench-measure: build
	$(PYTHON) tools/bench_measure.py --build $(BUILD_DIR)

cleanup: build
	$(OOMLAB) cleanup

clean:
	rm -rf $(BUILD_DIR) report/out
