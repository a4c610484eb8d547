# Protects the swap experiment: the memory limit really holds, swap really happens, and the machine
# is left as it was found. The last part is easy to break and costly: an interrupted run that leaves
# a swap device on, a loop device attached or a cgroup behind changes every later measurement (and
# the machine). So SIGINT and SIGTERM mid-run, and `oomlab cleanup` or the next run after a SIGKILL,
# are checked against the machine's state before the run, as oomlab's ownership records tell it.
# And cleanup must never remove what only looks like oomlab's: a user's swap file, cgroup, zram
# device or folder with "oomlab" in its name, or one that a stale record names, survives it.
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from state_check import (OWNERSHIP_DIR, boot_id, children_of, is_running, machine_state, ownership_records,
                         process_start_ticks, settled_state)

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


def own_memory_cgroup():
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "memory":
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
        if controllers == "":
            candidate = Path("/sys/fs/cgroup") / path.lstrip("/")
    return candidate


def start_swap_run(oomlab_binary, profile, results_dir, *more_arguments):
    return subprocess.Popen(
        [str(oomlab_binary), "run", "swap", "--scale", "quick", "--profile", profile, "--lang", "cpp", "--variant",
         "sequential", "--repeat", "20", "--timeout", str(30 * time_factor()), "--results", str(results_dir), *more_arguments],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_swap_in_use(process, deadline_seconds=60):
    """Until a swap device of the run is on and a measurement is under way (a cgroup exists)."""
    deadline = time.monotonic() + deadline_seconds * time_factor()
    while time.monotonic() < deadline:
        kinds = {r["kind"] for r in ownership_records() if r["owner_pid"] == process.pid}
        if {"loop_device", "zram_device"} & kinds and "cgroup" in kinds:
            return
        assert process.poll() is None, f"the run ended early: {process.stderr.read()}"
        time.sleep(0.05)
    pytest.fail("the swap run never switched a swap device on")


@pytest.mark.parametrize("profile, stop_signal", [("ssd", signal.SIGINT), ("zram", signal.SIGTERM)])
def test_interrupting_a_swap_run_restores_the_machine(swap_capable, oomlab_binary, oomlab, tmp_path, profile, stop_signal):
    before = settled_state(oomlab)
    process = start_swap_run(oomlab_binary, profile, tmp_path)
    wait_for_swap_in_use(process)
    process.send_signal(stop_signal)
    assert process.wait(timeout=120 * time_factor()) == 128 + stop_signal
    assert machine_state() == before


def kill_a_swap_run(oomlab_binary, tmp_path, *more_arguments):
    """SIGKILL of an oomlab mid swap profile: no chance to clean up. Returns its pid, its
    measurement child's pids and what it left."""
    process = start_swap_run(oomlab_binary, "ssd", tmp_path, *more_arguments)
    wait_for_swap_in_use(process)
    children = children_of(process.pid)
    process.kill()
    process.wait(timeout=30 * time_factor())
    left = machine_state(tested_pid=process.pid)
    kinds = {kind for kind, _ in left["records"]}
    assert {"swap_file", "loop_device", "cgroup", "scratch_folder"} <= kinds, left
    return process.pid, children, left


def test_cleanup_removes_what_a_killed_run_left(swap_capable, oomlab_binary, tmp_path, oomlab):
    before = settled_state(oomlab)
    # Not in the default /var/tmp: cleanup finds the swap file where the records say it is.
    swap_dir = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="swap-dir-test-"))
    try:
        _, children, left = kill_a_swap_run(oomlab_binary, tmp_path, "--swap-dir", str(swap_dir))
        assert left["swaps"] != before["swaps"] and left["loops"] != before["loops"]
        assert list(swap_dir.iterdir())
        cleaned = oomlab("cleanup")
        assert f"removed swap file {swap_dir}/oomlab-swap-" in cleaned.stdout and "removed loop device" in cleaned.stdout
        assert not list(swap_dir.iterdir())
    finally:
        shutil.rmtree(swap_dir)
    assert machine_state() == before
    # The measurement child was in the run's cgroup: removing the cgroup ended it.
    assert not [pid for pid in children if is_running(pid)]


def test_the_next_run_removes_what_a_killed_run_left(swap_capable, oomlab_binary, tmp_path, oomlab):
    # Not only a swap run, and without `oomlab cleanup`: any run starts by removing a dead run's leftovers.
    before = settled_state(oomlab)
    kill_a_swap_run(oomlab_binary, tmp_path / "killed")
    next_run = oomlab("run", "calibrate", "--lang", "cpp", "--variant", "noop", "--size", "1", "--repeat", "1",
                      "--results", tmp_path / "next")
    assert "removed leftover swap file" in next_run.stderr
    assert machine_state() == before


def dead_owner():
    """Owner fields of a process that has ended, on this boot: what a killed oomlab's record holds."""
    ended = subprocess.Popen(["sleep", "0"])
    start_ticks = process_start_ticks(ended.pid)
    ended.wait()
    return {"boot_id": boot_id(), "owner_pid": ended.pid, "owner_start_ticks": start_ticks or 1,
            "owner_pid_namespace": os.readlink("/proc/self/ns/pid")}


def write_record(name, fields):
    """A record as oomlab writes it (root's, 0600), for a resource it once made and lost."""
    OWNERSHIP_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = OWNERSHIP_DIR / f"{name}-{os.getpid()}-test.json"
    path.write_text(json.dumps(fields))
    path.chmod(0o600)
    return path


def sh(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def lookalikes(swap_capable, tmp_path):
    """Resources of a user that look like oomlab's, made by this test: a swap file named like an
    oomlab swap file (old style, a dead pid) on a loop device, and a swap file swapon'ed directly
    in an `oomlab` folder; a cgroup `oomlab-bench` with a process in it; a zram device whose id an
    oomlab record and an old note name; a folder named like a scratch folder, owned by nobody."""
    made = {"swaps": [], "loops": [], "files": [], "cgroups": [], "processes": [], "zram": [], "records": [], "notes": []}
    dead = dead_owner()
    try:
        loop_file = Path("/var/tmp") / f"oomlab-swap-{dead['owner_pid']}-0.img"
        sh("fallocate", "-l", "16M", str(loop_file))
        made["files"].append(loop_file)
        loop = sh("losetup", "--find", "--show", str(loop_file))
        made["loops"].append(loop)
        sh("mkswap", "-q", loop)
        sh("swapon", "-p", "1", loop)
        made["swaps"].append(loop)

        user_folder = Path("/var/tmp") / f"oomlab-user-{os.getpid()}"
        user_folder.mkdir()
        made["files"].append(user_folder)
        disk_image = user_folder / "disk.img"  # as /srv/oomlab/disk.img would be
        sh("fallocate", "-l", "16M", str(disk_image))
        disk_image.chmod(0o600)
        sh("mkswap", "-q", str(disk_image))
        sh("swapon", "-p", "1", str(disk_image))
        made["swaps"].append(str(disk_image))

        cgroup = own_memory_cgroup() / "oomlab-bench"
        cgroup.mkdir()
        made["cgroups"].append(cgroup)
        sleeper = subprocess.Popen(["sleep", "600"])
        made["processes"].append(sleeper)
        (cgroup / "cgroup.procs").write_text(str(sleeper.pid))
        # Records that name this cgroup but no longer prove it: one of another cgroup by that name
        # (its inode), one of an earlier boot (cgroups do not outlive a boot, whatever the inode).
        made["records"].append(write_record("cgroup-reused", {
            "kind": "cgroup", "path": str(cgroup), "device": cgroup.stat().st_dev, "inode": cgroup.stat().st_ino + 1, **dead}))
        made["records"].append(write_record("cgroup-earlier-boot", {
            "kind": "cgroup", "path": str(cgroup), "device": cgroup.stat().st_dev, "inode": cgroup.stat().st_ino,
            **dead, "boot_id": "00000000-0000-0000-0000-000000000000"}))

        if Path("/sys/class/zram-control/hot_add").exists():
            zram_id = int(Path("/sys/class/zram-control/hot_add").read_text())
            made["zram"].append(zram_id)
            Path(f"/sys/block/zram{zram_id}/disksize").write_text(str(16 * MIB))
            sh("mkswap", "-q", f"/dev/zram{zram_id}")
            # oomlab once had a zram device with this id, and was killed: a stale record and note.
            made["records"].append(write_record("zram-reused", {
                "kind": "zram_device", "path": f"/dev/zram{zram_id}", "zram_id": zram_id, "disksize_bytes": 16 * MIB,
                "swap_uuid": "0badc0de-0000-4000-8000-000000000000", **dead}))
            note = Path("/run/oomlab") / f"zram{zram_id}"
            note.parent.mkdir(exist_ok=True)
            note.write_text(f"{dead['owner_pid']}\n")
            made["notes"].append(note)

        scratch = Path("/var/tmp") / f"oomlab-scratch-{dead['owner_pid']}-0"
        scratch.mkdir()
        made["files"].append(scratch)
        (scratch / "work.txt").write_text("a user's work")
        os.chown(scratch, 65534, 65534)
        os.chown(scratch / "work.txt", 65534, 65534)
        # A record that names this very folder, as root's: the folder's owner says it is not.
        made["records"].append(write_record("scratch-claimed", {
            "kind": "scratch_folder", "path": str(scratch), "device": scratch.stat().st_dev,
            "inode": scratch.stat().st_ino, "uid": 0, **dead}))
        yield made
    finally:
        for swap in made["swaps"]:
            subprocess.run(["swapoff", swap], capture_output=True)
        for loop in made["loops"]:
            subprocess.run(["losetup", "-d", loop], capture_output=True)
        for process in made["processes"]:
            process.kill()
            process.wait()
        for cgroup in made["cgroups"]:
            for _ in range(100):
                try:
                    cgroup.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        for zram_id in made["zram"]:
            Path(f"/sys/block/zram{zram_id}/reset").write_text("1")
            Path("/sys/class/zram-control/hot_remove").write_text(str(zram_id))
        for path in made["records"] + made["notes"]:
            path.unlink(missing_ok=True)
        for path in made["files"]:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def test_cleanup_leaves_what_only_looks_like_oomlabs_alone(lookalikes, oomlab):
    cleaned = oomlab("cleanup")
    swaps = [line.split()[0] for line in Path("/proc/swaps").read_text().splitlines()[1:]]
    for swap in lookalikes["swaps"]:
        assert swap in swaps, cleaned.stdout
    for loop in lookalikes["loops"]:
        assert Path(f"/sys/block/{Path(loop).name}/loop/backing_file").exists(), cleaned.stdout
    for path in lookalikes["files"]:
        assert path.exists(), cleaned.stdout
    for cgroup in lookalikes["cgroups"]:
        assert cgroup.exists(), cleaned.stdout
    for process in lookalikes["processes"]:
        assert process.poll() is None, cleaned.stdout
    for zram_id in lookalikes["zram"]:
        assert Path(f"/sys/block/zram{zram_id}/disksize").read_text().strip() == str(16 * MIB), cleaned.stdout
    # Said, not done: what has no record is listed; the records that no longer prove anything go.
    assert f"not proven oomlab's, left alone: swap {lookalikes['loops'][0]}" in cleaned.stdout
    assert f"not proven oomlab's, left alone: cgroup {lookalikes['cgroups'][0]}" in cleaned.stdout
    assert "left alone (its record no longer matches): scratch folder" in cleaned.stdout
    for record in lookalikes["records"]:
        assert not record.exists(), record


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


def test_each_swap_device_is_what_its_profile_says(swap_capable, quick_records):
    # Read back from the kernel: the loop device does direct I/O (else "disk" swap-ins could come
    # from the page cache), ssd is non-rotational and hdd rotational (the kernel's swap readahead
    # depends on it), and zswap, which would keep pages in RAM before any device, is recorded.
    expected_rotational = {"ssd": 0, "hdd": 1, "zram": 0}
    checked = set()
    for record in [r for r in quick_records("swap") if r.get("swap_profile") in expected_rotational]:
        if record["outcome"] == "skipped":
            continue
        profile = record["swap_profile"]
        checked.add(profile)
        assert record["swap_device_rotational"] == expected_rotational[profile], (profile, record["swap_device"])
        assert record["zswap_enabled"] in (True, False, None)
        assert len(record["swap_device_uuid"]) == 36
        if profile != "zram":
            assert record["swap_device_direct_io"] is True, record["swap_device"]
    assert "ssd" in checked  # swap_capable: loop devices and swapon are there


def test_the_ram_profile_never_swaps(swap_capable, quick_records):
    # Without a limit nothing of the job goes to swap, so reading it back never waits for a device. A
    # major fault in the measured phase is any page read from a device, also a file's: a page of a
    # shared library's code that the page cache had let go (seen once: 1 fault). A job that swapped
    # would fault thousands of times (the buffer is 24,576 pages), so at most 8 is still "never swaps".
    # (Per process: the machine-wide swap counters also move when another run swaps at the same time.)
    for record in [r for r in quick_records("swap") if r.get("swap_profile") == "ram" and r["base_variant"] != "noop"]:
        assert record["outcome"] == "ok", record.get("reason")
        assert record["run_major_faults"] <= 8, record["variant"]
        assert "mem_limit_bytes" not in record


def test_the_probe_faults_on_the_pages_beyond_the_limit(swap_capable, quick_records):
    # 256 random pages of a buffer 1.5× the limit: about a third live in swap. Sampling noise and the
    # interpreter-free C++ child's few MiB move that; at least 50 and at most 200 faults is certain.
    for profile in ("ssd", "hdd", "zram"):
        [record] = records_of(quick_records, profile, "cpp", "probe")
        assert record["outcome"] == "ok", record.get("reason")
        assert 50 <= record["metrics"]["probe_major_faults"] <= 200, (profile, record["metrics"])


def test_zram_compresses_the_sensor_series_and_not_random_bytes(swap_capable, quick_records):
    # The buffer is real data, not one repeated byte (which zram stores as a word, uncompressed): the
    # record says what the pool really held and took. lz4 shrinks the sensor series (~3× here; at
    # least 1.5× is certain) and cannot shrink random bytes (at most 1.05×: the pool's own overhead).
    [smooth] = records_of(quick_records, "zram", "cpp", "probe")
    [random] = records_of(quick_records, "zram", "cpp", "probe_random")
    for record in (smooth, random):
        assert record["outcome"] == "ok", record.get("reason")
        # A third of the 1.5×-limit buffer went out: the pool held at least a quarter of it.
        assert record["zram_orig_data_bytes"] >= record["size"] * MIB // 4
        assert record["zram_same_pages"] * 4096 < 0.05 * record["zram_orig_data_bytes"]
    assert smooth["zram_compression_ratio"] >= 1.5
    assert random["zram_compression_ratio"] <= 1.05
