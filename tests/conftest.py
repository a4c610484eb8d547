# Shared set-up of the pytest suites: the repository on sys.path (for `import report.…`), the built
# CLI, and one quick-scale run per experiment that every test of that experiment reads.
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

OOMLAB = Path(os.environ.get("OOMLAB_BINARY", REPO / "build" / "oomlab"))

# A test that presses Ctrl-C must reach an oomlab that listens. A run started in the background of a
# non-interactive shell (`make test &`, some CI runners) inherits SIGINT and SIGQUIT ignored, and an
# ignored signal stays ignored across exec: oomlab then keeps it ignored on purpose (as under nohup),
# and every Ctrl-C test would see nothing happen. So the suite's own processes start from the
# defaults, as a terminal gives them.
for _signal in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM):
    if signal.getsignal(_signal) == signal.SIG_IGN:
        signal.signal(_signal, signal.default_int_handler if _signal == signal.SIGINT else signal.SIG_DFL)


def run_oomlab(*arguments, check=True):
    """Runs the CLI; returns the CompletedProcess (stdout and stderr as text)."""
    if not OOMLAB.exists():
        pytest.fail(f"{OOMLAB} is missing: build first (`make build`, or `make test`, which builds)")
    completed = subprocess.run([str(OOMLAB), *map(str, arguments)], capture_output=True, text=True)
    if check and completed.returncode != 0:
        pytest.fail(f"oomlab {' '.join(map(str, arguments))} exited {completed.returncode}:\n{completed.stderr}")
    return completed


def read_records(results_dir):
    """Records as the report reads them (report/records.py): a swap run's variant is "<profile>:<variant>"."""
    from report import records
    return records.load_records([results_dir])


@pytest.fixture(scope="session")
def oomlab_binary():
    """The path of the built CLI, for tests that start it themselves."""
    return OOMLAB


@pytest.fixture(scope="session")
def oomlab():
    """oomlab(*arguments, check=True) -> CompletedProcess of the built CLI."""
    return run_oomlab


# Swap profiles whose runs the tests expect to finish (ram, ssd, zram) get four times the quick cap:
# under a memory limit they are slow by nature, and slower on a busy machine (zram compresses on the
# same CPUs), while a test may not depend on a machine's speed. hdd is meant to meet its cap and none
# its OOM kill: they run with the experiment's own settings, as `make report` runs them.
SWAP_PROFILES_THAT_FINISH = "ram,ssd,zram"
SWAP_PROFILES_THAT_STOP = "none,hdd"


def quick_runs(experiment):
    """The extra arguments of each `oomlab run EXPERIMENT --scale quick` that makes its test records."""
    if experiment != "swap":
        return [[]]
    import json
    cap_seconds = json.loads((REPO / "experiments" / "swap" / "experiment.json").read_text())["timeout_seconds"]["quick"]
    return [["--profile", SWAP_PROFILES_THAT_FINISH, "--timeout", str(4 * cap_seconds)],
            ["--profile", SWAP_PROFILES_THAT_STOP]]


@pytest.fixture(scope="session")
def quick_records(tmp_path_factory):
    """quick_records(experiment) -> the records of one quick-scale run of it (run once per session)."""
    cache = {}

    def records_of(experiment):
        if experiment not in cache:
            results_dir = tmp_path_factory.mktemp(f"results-{experiment}")
            for more_arguments in quick_runs(experiment):
                run_oomlab("run", experiment, "--scale", "quick", "--results", results_dir, *more_arguments)
            cache[experiment] = read_records(results_dir)
        return cache[experiment]

    return records_of
