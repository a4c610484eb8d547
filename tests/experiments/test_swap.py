# Protects the swap experiment: the memory limit really holds, swap really happens, and the machine
# is left as it was found. The last part is easy to break and costly: an interrupted run that leaves
# a swap device on, a loop device attached or a cgroup behind changes every later measurement (and
# the machine). So SIGINT and SIGTERM mid-run, and `oomlab cleanup` after a SIGKILL, are checked
# against the machine's state before the run.
import functools
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def swap_capable(oomlab):
    capabilities = json.loads(oomlab("env", "--json").stdout)["capabilities"]
    if not capabilities["is_root"]:
        pytest.skip("the swap experiment needs root (cgroups, swapon); running as a normal user")
    if not capabilities["memory_cgroup"]:
        pytest.skip("the swap experiment needs a memory cgroup controller; this machine has none")
    if not capabilities["swapon"] or not capabilities["loop_devices"]:
        pytest.skip("the swap experiment needs swapon and loop devices")
    return capabilities


def time_factor():
    """How much slower than a normal machine this one runs (make test-v2's emulated guest: ~20)."""
    return max(1.0, float(os.environ.get("OOMLAB_TIME_FACTOR", "1")))


@functools.lru_cache(maxsize=None)
def run_cgroup_parent():
    """Where oomlab makes its run cgroups, as `oomlab env` says: on cgroup v2 under systemd that is the
    top of the hierarchy, not below this process's own cgroup (which holds processes)."""
    oomlab_binary = Path(os.environ.get("OOMLAB_BINARY", Path(__file__).resolve().parents[2] / "build" / "oomlab"))
    capabilities = json.loads(subprocess.run([str(oomlab_binary), "env", "--json"], capture_output=True, text=True,
                                             check=True).stdout)["capabilities"]
    parent = capabilities.get("memory_cgroup_parent")
    return Path(parent) if parent else own_memory_cgroup()


def own_memory_cgroup():
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "memory":
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
        if controllers == "":
            candidate = Path("/sys/fs/cgroup") / path.lstrip("/")
    return candidate


def owned_by_another_live_oomlab(name, tested_pid=None):
    """True if `name` (oomlab-…-<pid>-<n>) belongs to an oomlab process that is running now, other than
    the run under test: another run on this machine (a concurrent `make report`, say), which this test
    must neither count nor touch."""
    for field in Path(name).name.split("-"):
        if field.isdigit():
            if int(field) == tested_pid:
                return False
            try:
                return "oomlab" in Path(f"/proc/{field}/exe").resolve().name
            except OSError:
                return False
    return False


def loop_backing_file(device):
    backing = Path("/sys/block") / Path(device).name / "loop" / "backing_file"
    return backing.read_text().strip() if backing.exists() else ""


def machine_state(tested_pid=None):
    """Everything a swap run may create, as it is now, except what another live oomlab run owns."""
    def mine(name):
        return not owned_by_another_live_oomlab(name, tested_pid)
    notes = Path("/run/oomlab")

    def owner_of(device):
        """The name that carries a swap device's owner: a loop's backing file, a zram device's note."""
        note = notes / Path(device).name
        if note.exists():
            return f"zram-{note.read_text().strip()}"
        return loop_backing_file(device) or device
    # Device names only: the "Used" column of a device moves while any run swaps.
    swaps = [device for device in (line.split()[0] for line in Path("/proc/swaps").read_text().splitlines()[1:])
             if mine(owner_of(device))]
    loops = [line for line in subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout.splitlines()
             if mine(line.split("(")[-1].rstrip(")"))]
    return {
        "swaps": sorted(swaps),
        "loops": sorted(loops),
        "cgroups": sorted(p.name for p in run_cgroup_parent().iterdir() if p.is_dir() and "oomlab" in p.name and mine(p.name)),
        "swap_files": sorted(str(p) for p in Path("/var/tmp").glob("oomlab-swap-*") if mine(p.name)),
        "scratch_folders": sorted(str(p) for p in Path("/var/tmp").glob("oomlab-scratch-*") if mine(p.name)),
        "zram_notes": sorted(str(p) for p in notes.glob("*")
                             if mine(f"x-{p.read_text().strip()}")) if notes.exists() else [],
    }


def start_swap_run(oomlab_binary, profile, results_dir):
    return subprocess.Popen(
        [str(oomlab_binary), "run", "swap", "--scale", "quick", "--profile", profile, "--lang", "cpp", "--variant",
         "sequential", "--repeat", "20", "--timeout", str(30 * time_factor()), "--results", str(results_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_swap_in_use(process, deadline_seconds=60):
    """Until a swap device of the run is on and a measurement is under way (a cgroup exists)."""
    deadline = time.monotonic() + deadline_seconds * time_factor()
    while time.monotonic() < deadline:
        state = machine_state(tested_pid=process.pid)
        if state["swaps"] and state["cgroups"]:
            return
        assert process.poll() is None, f"the run ended early: {process.stderr.read()}"
        time.sleep(0.05)
    pytest.fail("the swap run never switched a swap device on")


@pytest.mark.parametrize("profile, stop_signal", [("ssd", signal.SIGINT), ("zram", signal.SIGTERM)])
def test_interrupting_a_swap_run_restores_the_machine(swap_capable, oomlab_binary, tmp_path, profile, stop_signal):
    before = machine_state()
    process = start_swap_run(oomlab_binary, profile, tmp_path)
    wait_for_swap_in_use(process)
    process.send_signal(stop_signal)
    assert process.wait(timeout=120 * time_factor()) == 128 + stop_signal
    assert machine_state() == before


def test_cleanup_removes_what_a_killed_run_left(swap_capable, oomlab_binary, tmp_path, oomlab):
    before = machine_state()
    process = start_swap_run(oomlab_binary, "ssd", tmp_path)
    wait_for_swap_in_use(process)
    process.kill()  # no chance to clean up: the swap device, loop device and file stay behind
    process.wait(timeout=30 * time_factor())
    left = machine_state(tested_pid=process.pid)
    assert left["swaps"] != before["swaps"] and left["swap_files"] != before["swap_files"]
    assert left["scratch_folders"] != before["scratch_folders"]
    cleaned = oomlab("cleanup")
    assert "removed swap" in cleaned.stdout
    assert machine_state() == before


def records_of(quick_records, profile, lang, variant):
    return [r for r in quick_records("swap")
            if (r.get("swap_profile"), r["lang"], r.get("base_variant")) == (profile, lang, variant)]


@pytest.mark.parametrize("profile", ["ssd", "zram"])
@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_with_swap_the_tree_stays_under_the_limit_and_pages_move(swap_capable, quick_records, profile, lang):
    [record] = records_of(quick_records, profile, lang, "sequential")
    assert record["outcome"] == "ok", record.get("reason")
    # The cgroup enforces the limit exactly: its peak usage can never exceed it.
    assert record["tree_peak_bytes"] <= record["mem_limit_bytes"]
    # The working set is 1.5× the limit, so a third of it must have gone out and come back.
    overflow_pages = (record["size"] * MIB - record["mem_limit_bytes"]) // 4096
    assert record["swap_out_pages"] >= overflow_pages
    assert record["swap_in_pages"] >= overflow_pages


def test_the_ram_profile_never_swaps(swap_capable, quick_records):
    # Without a limit nothing of the job goes to swap, so reading it back never waits for a device:
    # no major fault in the measured phase. (Per process: the machine-wide swap counters also move
    # when another run swaps at the same time.)
    for record in [r for r in quick_records("swap") if r.get("swap_profile") == "ram" and r["base_variant"] != "noop"]:
        assert record["outcome"] == "ok", record.get("reason")
        assert record["run_major_faults"] == 0, record["variant"]
        assert "mem_limit_bytes" not in record


def test_the_probe_faults_on_the_pages_beyond_the_limit(swap_capable, quick_records):
    # 256 random pages of a buffer 1.5× the limit: about a third live in swap. Sampling noise and the
    # interpreter-free C++ child's few MiB move that; at least 50 and at most 200 faults is certain.
    for profile in ("ssd", "hdd", "zram"):
        [record] = records_of(quick_records, profile, "cpp", "probe")
        assert record["outcome"] == "ok", record.get("reason")
        assert 50 <= record["metrics"]["probe_major_faults"] <= 200, (profile, record["metrics"])
