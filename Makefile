# The front door. `make report` and `make test` are all a new machine needs (as root they install
# the Debian packages first). Variables: SCALE, EXP, LANG, BUILD_DIR, PYTHON.
BUILD_DIR ?= build
PYTHON    ?= /usr/bin/python3
SCALE     ?= default
JOBS      ?= $(shell nproc)
OOMLAB    := $(BUILD_DIR)/oomlab

.PHONY: all build deps configure test test-harness test-python report report-only run clean cleanup

all: build

deps:
	@tools/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DOOMLAB_PYTHON=$(PYTHON)

configure: $(BUILD_DIR)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Harness tests (GoogleTest via ctest), then experiments, claims and report (pytest), at quick scale.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure
	$(PYTHON) -m pytest tests -q

# The whole suite at $(SCALE) scale, then the report from its records.
report: build
	$(OOMLAB) run all --scale $(SCALE)
	$(OOMLAB) bench --scale $(SCALE)
	$(MAKE) report-only

# Figures and pages from the records already in results/, without measuring anything.
report-only:
	$(PYTHON) report/make_report.py

# One experiment: make run EXP=list_to_numpy [LANG=py|cpp] [SCALE=quick]. LANG is also the
# locale variable, so the child gets the locale back rather than "py".
run: build
	@test -n "$(EXP)" || { echo "usage: make run EXP=<experiment> [LANG=py|cpp] [SCALE=quick|default|large]"; $(OOMLAB) list; exit 2; }
	env LANG=C.UTF-8 $(OOMLAB) run $(EXP) --scale $(SCALE) $(if $(filter py cpp py% cpp%,$(LANG)),--lang $(LANG))

cleanup: build
	$(OOMLAB) cleanup

clean:
	rm -rf $(BUILD_DIR) report/out
