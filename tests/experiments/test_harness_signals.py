# Protects the end of a run whose reader went away: `oomlab run … --json | head -n1` closes stdout
# after one line. Unhandled, SIGPIPE killed oomlab between swapon and swapoff and left swap on, a
# loop device attached and the swap file on disk. Now a closed stdout or stderr ends the run like
# Ctrl-C does: exit 141 (128 + SIGPIPE, as a shell expects), records whole, the measurement's
# processes and scratch folder gone, and every swap device switched off and removed. The other
# ways a user stops a swap run (SIGHUP at logout, Ctrl-C twice, Ctrl-C while the device is being
# set up) end with the same state check.
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from state_check import machine_state
from test_swap import start_swap_run, swap_capable, wait_for_swap_in_use  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
FIXTURE_CLI = REPO / "build" / "tests" / "harness" / "oomlab_fixture"
EXIT_AFTER_SIGPIPE = 128 + signal.SIGPIPE


def measurement_children(marker):
    """Measurement children (`oomlab __child …`) whose command line has `marker`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"__child" in words and marker.encode() in words:
            found.append(cmdline.parent.name)
    return found


def records_in(results_dir):
    return [json.loads(line) for path in Path(results_dir).rglob("*.jsonl") for line in path.read_text().splitlines()]


def test_a_reader_that_leaves_after_one_line_ends_the_run_cleanly(tmp_path):
    if not FIXTURE_CLI.exists():
        pytest.fail(f"{FIXTURE_CLI} is missing: build first (`make build`)")
    # Each nap takes 1.5 s, so the second record comes long after the reader has gone.
    scratch_notes = tmp_path / "scratch-folders"
    process = subprocess.Popen(
        [str(FIXTURE_CLI), "run", "lifecycle", "--lang", "py", "--variant", "naps", "--repeat", "3", "--json",
         "--results", str(tmp_path / "results")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OOMLAB_FIXTURE_TMPDIR_NOTES": str(scratch_notes)})
    first_line = process.stdout.readline()
    process.stdout.close()  # what `head -n1` does after its line
    _, stderr = process.communicate(timeout=120)
    assert json.loads(first_line)["outcome"] == "ok"
    assert process.returncode == EXIT_AFTER_SIGPIPE, stderr  # not -13: SIGPIPE did not kill it
    assert "output closed" in stderr
    # The second record was written to its file before the write to stdout failed; no third began.
    assert [record["repeat"] for record in records_in(tmp_path / "results")] == [1, 2]
    assert measurement_children("naps") == []
    scratch_folders = scratch_notes.read_text().split()
    assert len(scratch_folders) == 2  # each measurement had its own, as the variant noted
    assert [folder for folder in scratch_folders if Path(folder).exists()] == []


def test_a_closed_stdout_during_a_swap_profile_switches_swap_off(swap_capable, oomlab_binary, tmp_path):  # noqa: F811
    before = machine_state()
    # The reader is gone before the first record: its write fails while the ssd device is on.
    process = subprocess.Popen(
        [str(oomlab_binary), "run", "swap", "--scale", "quick", "--profile", "ssd", "--lang", "py", "--variant", "noop",
         "--repeat", "2", "--json", "--results", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    _, stderr = process.communicate(timeout=300)
    records = records_in(tmp_path)
    assert len(records) == 1, stderr
    if records[0]["outcome"] == "skipped":
        pytest.skip(f"the ssd profile could not be set up here: {records[0]['reason']}")
    assert process.returncode == EXIT_AFTER_SIGPIPE, stderr
    assert "setting up swap profile ssd" in stderr
    assert machine_state() == before


@pytest.mark.parametrize("signals", [(signal.SIGHUP,), (signal.SIGINT, signal.SIGINT)], ids=["sighup", "double-ctrl-c"])
def test_hangup_or_a_second_ctrl_c_mid_run_still_restores_the_machine(swap_capable, oomlab_binary, tmp_path, signals):  # noqa: F811
    before = machine_state()
    process = start_swap_run(oomlab_binary, "ssd", tmp_path)
    wait_for_swap_in_use(process)
    for number in signals:
        process.send_signal(number)
        time.sleep(0.05)  # the second Ctrl-C lands while the first one's teardown runs
    assert process.wait(timeout=120) == 128 + signals[-1]
    assert machine_state() == before


def test_ctrl_c_while_the_swap_device_is_set_up_restores_the_machine(swap_capable, oomlab_binary, tmp_path):  # noqa: F811
    before = machine_state()
    process = start_swap_run(oomlab_binary, "ssd", tmp_path)
    for line in process.stderr:
        if "setting up swap profile ssd" in line:
            process.send_signal(signal.SIGINT)
            break
    assert process.wait(timeout=120) == 128 + signal.SIGINT
    assert machine_state() == before


def test_signals_all_through_the_teardown_still_restore_the_machine(swap_capable, oomlab_binary, tmp_path):  # noqa: F811
    before = machine_state()
    process = start_swap_run(oomlab_binary, "ssd", tmp_path)
    wait_for_swap_in_use(process)
    process.send_signal(signal.SIGINT)
    # The teardown (the measurement's cgroup, swapoff of pages already out, the loop device, the
    # file) takes tens of milliseconds at least: a SIGTERM every 5 ms until the run ends lands on
    # each of its steps in turn.
    signals_during_teardown = 0
    while process.poll() is None:
        process.send_signal(signal.SIGTERM)
        signals_during_teardown += 1
        time.sleep(0.005)
    print(f"{signals_during_teardown} signals during the teardown")
    assert signals_during_teardown >= 2, "the run ended before a signal could reach its teardown"
    assert process.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM), process.stderr.read()
    assert machine_state() == before
