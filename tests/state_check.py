# The machine's state as an oomlab run could change it, for the tests that end with "the machine is as it
# was": swap devices, loop and zram devices, oomlab's run cgroups and scratch folders, its ownership
# records, and processes a run left behind. One helper for every such test (swap runs, signals, the v2
# guest, `oomlab measure`), so they all check the same things.
import json
import os
import re
import subprocess
from pathlib import Path

# Where oomlab records each resource it makes (harness/ownership.hpp): the same proof `oomlab
# cleanup` goes by, so these checks never guess ownership from a name.
OWNERSHIP_DIR = Path("/var/lib/oomlab/owned")
CGROUP_ROOT = Path("/sys/fs/cgroup")
# A run cgroup is named oomlab-<pid>-<n> (harness/cgroup.cpp); a lookalike such as a user's
# "oomlab-bench" is not one.
RUN_CGROUP_NAME = re.compile(r"^oomlab-(\d+)-\d+$")
SCRATCH_ROOT = Path("/var/tmp")  # kScratchRoot and kScratchPrefix of harness/scratch.hpp
SCRATCH_PREFIX = "oomlab-scratch-"


def boot_id():
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def process_start_ticks(pid):
    """Field 22 of /proc/<pid>/stat (the fields after the command name's last ')' start at 3)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[22 - 3])


def ownership_records():
    records = []
    for path in sorted(OWNERSHIP_DIR.glob("*.json")) if OWNERSHIP_DIR.exists() else []:
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass  # written or dropped this instant
    return records


def owner_alive(record):
    return record["boot_id"] == boot_id() and process_start_ticks(record["owner_pid"]) == record["owner_start_ticks"]


def is_running(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"  # a zombie has ended; only its parent has not reaped it


def _run_cgroups(other_pids):
    """Run cgroups on disk (v1 hierarchies and v2 alike), except those of another live run."""
    found = []
    for folder, subfolders, _ in os.walk(CGROUP_ROOT):
        for name in subfolders:
            match = RUN_CGROUP_NAME.match(name)
            if match and int(match.group(1)) not in other_pids:
                found.append(str(Path(folder) / name))
    return sorted(found)


def _command_lines():
    """(pid, argv) of every process that can be read."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        yield int(cmdline.parent.name), [word.decode(errors="replace") for word in words if word]


def _leftover_processes(commands, other_pids):
    """Running processes whose command line starts with one of `commands` (a test's own, unique
    command), and measurement children (`oomlab __child`) whose oomlab is gone."""
    found = []
    for pid, argv in _command_lines():
        line = " ".join(argv)
        orphan_child = len(argv) > 1 and argv[1] == "__child" and parent_of(pid) not in other_pids
        if (orphan_child or any(line.startswith(command) for command in commands)) and is_running(pid):
            found.append(f"{pid}: {line[:120]}")
    return sorted(found)


def parent_of(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


def children_of(pid):
    return [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat") if parent_of(stat.parent.name) == pid]


def machine_state(tested_pid=None, commands=()):
    """What oomlab owns now by its records, the machine's swap, loop and zram devices, run cgroups and
    scratch folders on disk, and leftover processes (`commands`: the tested command lines), except what
    another live oomlab run owns (a concurrent `make report`, say), which this test must neither count
    nor touch. Swap tests hold the swap lock, so no one else's device comes or goes."""
    records = ownership_records()
    others = [r for r in records if owner_alive(r) and r["owner_pid"] != tested_pid]
    theirs = {r["path"] for r in others}
    other_pids = {r["owner_pid"] for r in others}
    other_pids |= {pid for pid, argv in _command_lines()
                   if pid != tested_pid and argv and Path(argv[0]).name == "oomlab" and argv[1:2] != ["__child"]}
    swaps = [line.split()[0] for line in Path("/proc/swaps").read_text().splitlines()[1:]]
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout.splitlines()
    return {
        "records": sorted((r["kind"], r["path"]) for r in records if r not in others),
        # Device names only: the "Used" column of a device moves while any run swaps.
        "swaps": sorted(device for device in swaps if device not in theirs),
        "loops": sorted(line for line in loops if line.split(":")[0] not in theirs),
        "zram_devices": sorted(f"/dev/{p.name}" for p in Path("/sys/block").glob("zram*") if f"/dev/{p.name}" not in theirs),
        "cgroups": _run_cgroups(other_pids),
        "scratch_folders": sorted(str(p) for p in SCRATCH_ROOT.glob(SCRATCH_PREFIX + "*") if str(p) not in theirs),
        "processes": _leftover_processes(commands, other_pids),
    }


def settled_state(oomlab, commands=()):
    """The state once leftovers of runs killed before this test are gone (any run removes them first)."""
    oomlab("cleanup")
    return machine_state(commands=commands)
