# Protects `oomlab measure`, the verb a reader with a real out-of-memory problem reaches for. Each
# program of tests/fixtures/programs has a known answer, so the figures are checked, not just shown:
# a tree's true peak is the simultaneous one (not the largest process, not a sum of per-process
# peaks), page cache is charged to the cgroup but is not anonymous memory, a limit kills at the limit
# with the progress reached, swap lets the same job finish, and the limit search lands near the need.
# Easy to break: any change to the child's exec path, the cgroup, or what a record holds.
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from state_check import machine_state, settled_state

MIB = 1024 * 1024
PROGRAMS = Path(os.environ.get("OOMLAB_PROGRAMS", Path(__file__).resolve().parents[2] / "build" / "tests" / "fixtures" / "programs"))


def program(name):
    path = PROGRAMS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: build first (`make test` builds the test programs)")
    return str(path)


@pytest.fixture(scope="module")
def cgroup_capable(oomlab):
    capabilities = json.loads(oomlab("env", "--json").stdout)["capabilities"]
    if not capabilities["is_root"] or not capabilities["memory_cgroup"]:
        pytest.skip("a true tree peak and limits need root and a memory cgroup; this run has neither "
                    "(measure then samples a lower bound, checked by test_without_a_cgroup_…)")
    return capabilities


def measure(oomlab_binary, results, *arguments, check=True):
    """Runs `oomlab measure --json ARGS`; returns (exit code, records, stderr)."""
    completed = subprocess.run([str(oomlab_binary), "measure", "--results", str(results), "--json", *map(str, arguments)],
                               capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    records = [line for line in lines if "outcome" in line]
    if check:
        assert completed.returncode == 0, completed.stderr
    return completed.returncode, records, completed.stderr, lines


def test_the_tree_peak_of_children_holding_memory_together_is_their_sum(cgroup_capable, oomlab_binary, tmp_path):
    _, [floor], _, _ = measure(oomlab_binary, tmp_path, "--", program("hold_children"), 4, 0, "together")
    _, [record], _, _ = measure(oomlab_binary, tmp_path, "--", program("hold_children"), 4, 64, "together")
    assert record["outcome"] == "ok" and record["tree_peak_source"] == "cgroup"
    above_floor = record["tree_peak_bytes"] - floor["tree_peak_bytes"]
    # 4 × 64 MiB held at once: within 5% (the children's own stacks and page tables are the rest).
    assert above_floor == pytest.approx(4 * 64 * MIB, rel=0.05)
    # What /usr/bin/time says (wait4's ru_maxrss: one process) is a quarter of it.
    assert record["largest_process_peak_bytes"] == pytest.approx(64 * MIB, rel=0.1)
    assert record["anon_bytes_at_sampled_peak"] >= 0.95 * 4 * 64 * MIB
    assert record["max_process_count"] == 5


def test_peaks_of_children_one_after_another_do_not_add_up(cgroup_capable, oomlab_binary, tmp_path):
    _, [floor], _, _ = measure(oomlab_binary, tmp_path, "--", program("hold_children"), 4, 0, "one_after_another")
    _, [record], _, _ = measure(oomlab_binary, tmp_path, "--", program("hold_children"), 4, 64, "one_after_another")
    above_floor = record["tree_peak_bytes"] - floor["tree_peak_bytes"]
    # One child at a time: the tree never holds more than one 64 MiB block (5%), never 256 MiB.
    assert above_floor == pytest.approx(64 * MIB, rel=0.05)


@pytest.fixture(scope="module")
def file_of_256_mib():
    path = Path("/var/tmp") / f"oomlab-test-measure-{os.getpid()}.bin"  # a disk, not a tmpfs /tmp
    with open(path, "wb") as out:
        block = os.urandom(MIB)
        for _ in range(256):
            out.write(block)
    yield path
    path.unlink()


def test_page_cache_is_charged_to_the_tree_but_is_not_anonymous(cgroup_capable, oomlab_binary, tmp_path, file_of_256_mib):
    _, [record], _, _ = measure(oomlab_binary, tmp_path, "--", program("read_file_twice"), file_of_256_mib)
    # The file's pages are charged to the run's cgroup (within 5%), the process's own memory is ~1 MiB.
    assert record["tree_peak_bytes"] >= 0.95 * 256 * MIB
    assert record["file_bytes_at_sampled_peak"] >= 0.9 * 256 * MIB
    assert record["anon_bytes_at_sampled_peak"] < 16 * MIB
    assert record["largest_process_peak_bytes"] < 16 * MIB
    # Page cache is reclaimable: the same job succeeds under a quarter of that.
    _, [limited], _, _ = measure(oomlab_binary, tmp_path, "--mem-limit", "64M", "--", program("read_file_twice"), file_of_256_mib)
    assert limited["outcome"] == "ok" and limited["mem_limit_bytes"] == 64 * MIB
    assert limited["tree_peak_bytes"] <= 64 * MIB


def test_find_limit_lands_far_below_a_peak_made_of_page_cache(cgroup_capable, oomlab_binary, tmp_path, file_of_256_mib):
    _, records, _, lines = measure(oomlab_binary, tmp_path, "--find-limit", "--", program("read_file_twice"), file_of_256_mib)
    [answer] = [line["find_limit"] for line in lines if "find_limit" in line]
    assert answer["smallest_limit_bytes"] < answer["tree_peak_bytes"] / 2
    assert any(record.get("find_limit_probe") for record in records)


def test_find_limit_finds_the_need_of_anonymous_memory_within_one_step(cgroup_capable, oomlab_binary, tmp_path):
    _, _, _, lines = measure(oomlab_binary, tmp_path, "--find-limit", "--", program("hold_children"), 4, 64, "together")
    [answer] = [line["find_limit"] for line in lines if "find_limit" in line]
    # 256 MiB of anonymous memory cannot be reclaimed without swap: the answer brackets the need,
    # one bisection step (the tolerance) wide.
    assert answer["largest_failing_limit_bytes"] < 4 * 64 * MIB < answer["smallest_limit_bytes"] + answer["tolerance_bytes"]
    assert answer["smallest_limit_bytes"] - answer["largest_failing_limit_bytes"] <= answer["tolerance_bytes"]
    assert answer["smallest_limit_bytes"] <= answer["tree_peak_bytes"] + answer["tolerance_bytes"]


def test_a_limit_without_swap_kills_at_the_limit_with_the_progress_reached(cgroup_capable, oomlab_binary, tmp_path):
    code, [record], _, _ = measure(oomlab_binary, tmp_path, "--mem-limit", "128M", "--profile", "none", "--",
                                   program("touch_with_progress"), 192)
    assert code == 0  # under a limit, an OOM kill is the answer, not a failure of oomlab
    assert record["outcome"] == "oom_killed" and "time_to_oom_kill_seconds" in record
    # The program wrote "done 192 MiB" after each MiB: killed near the 128 MiB limit (±16 MiB of
    # start-up, page tables and the allocator's own pages).
    assert 112 <= record["progress"]["done"] <= 128 and record["progress"]["unit"] == "MiB"
    assert "MiB)" in record["reason"]


@pytest.fixture(scope="module")
def swap_capable(cgroup_capable):
    if not cgroup_capable["swapon"] or not cgroup_capable["loop_devices"]:
        pytest.skip("the ssd profile needs swapon and loop devices")


def test_with_swap_on_a_disk_the_same_job_finishes_and_swaps_in(swap_capable, oomlab_binary, tmp_path):
    _, [record], _, _ = measure(oomlab_binary, tmp_path, "--mem-limit", "128M", "--profile", "ssd", "--",
                                program("touch_with_progress"), 192)
    assert record["outcome"] == "ok", record.get("reason")
    assert record["tree_peak_bytes"] <= 128 * MIB
    # 64 MiB beyond the limit went out and was read back (the program checks every page).
    assert record["swap_out_pages"] >= 64 * MIB // 4096 and record["swap_in_pages"] > 0
    assert record["swap_used_peak_bytes"] >= 0.9 * 64 * MIB


def test_without_a_cgroup_the_peak_is_a_sampled_lower_bound_and_limits_are_refused(oomlab_binary):
    # As an unprivileged user: no cgroup can be made, so the peak is sampled and says so.
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to an unprivileged user (runuser)")
    if not os.access(oomlab_binary, os.X_OK, effective_ids=False) or "/root/" in str(oomlab_binary):
        pytest.skip(f"{oomlab_binary} is not reachable for an unprivileged user")
    results = Path(tempfile.mkdtemp(prefix="oomlab-test-measure-"))  # pytest's tmp_path is root's alone
    results.chmod(0o777)
    command = ["runuser", "-u", "nobody", "--", str(oomlab_binary), "measure", "--results", str(results), "--json"]
    completed = subprocess.run([*command, "--", program("hold_children"), "2", "32", "together"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    [record] = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert record["tree_peak_source"] == "sampled_rss_sum_lower_bound" and "lower bound" in record["tree_peak_reason"]
    refused = subprocess.run([*command, "--mem-limit", "64M", "--", "true"], capture_output=True, text=True)
    shutil.rmtree(results)
    assert refused.returncode == 2 and "memory cgroup" in refused.stderr


# Each bad input exits 2 before anything is measured or changed: nothing recorded, and the machine (swap,
# loop and zram devices, run cgroups, scratch folders, processes) as it was, even where the flags asked
# for a swap profile.
@pytest.mark.parametrize("arguments, message", [
    (["--", "no-such-command-here"], "oomlab: no-such-command-here: command not found"),  # as bash words it
    (["--mem-limit", "64M", "--profile", "ssd", "--", "no-such-command-here"], "no-such-command-here: command not found"),
    (["--"], "usage: oomlab measure [options] -- CMD [ARGS...]: no command given"),
    ([], "usage: oomlab measure [options] -- CMD [ARGS...]: no command given"),
    (["--mem-limit", "0", "--", "true"], "below 16 MiB"),
    (["--mem-limit", "1M", "--", "true"], "below 16 MiB"),
    (["--profile", "ssd", "--", "true"], "give one with --mem-limit"),
    (["--profile", "floppy", "--mem-limit", "64M", "--", "true"], "floppy not in {ram,none,ssd,hdd,zram}"),
    (["true"], "put `--` before the command"),
], ids=["not-found", "not-found-under-ssd", "nothing-after-dashes", "no-dashes-no-command", "mem-limit-0",
        "mem-limit-1M", "ssd-without-limit", "unknown-profile", "command-without-dashes"])
def test_bad_input_exits_2_says_why_and_changes_nothing(oomlab_binary, tmp_path, arguments, message):
    before = machine_state()
    completed = subprocess.run([str(oomlab_binary), "measure", "--results", str(tmp_path), *arguments],
                               capture_output=True, text=True)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert not list(tmp_path.rglob("*.jsonl")), "bad input must record nothing"
    assert machine_state() == before


def test_a_failing_command_is_recorded_with_its_exit_code_and_exits_1(oomlab_binary, tmp_path):
    # The command fails while a background child of its own still sleeps: the tree ends with the run.
    marker = f"sleep 302.{os.getpid()}"  # a duration no other process on the machine sleeps
    before = machine_state(commands=[marker])
    code, [record], _, _ = measure(oomlab_binary, tmp_path, "--", "sh", "-c", f"{marker} & exit 3", check=False)
    assert code == 1
    assert record["outcome"] == "error" and record["exit_code"] == 3 and record["reason"] == "exited with code 3"
    assert record["experiment"] == "measure" and record["variant"] == "sh"
    [path] = tmp_path.rglob("*.jsonl")
    assert path.parent.name == "measure" and path.name == "sh.jsonl"
    assert machine_state(commands=[marker]) == before


def test_with_json_the_commands_stdout_goes_to_stderr(oomlab_binary, tmp_path):
    _, [record], stderr, _ = measure(oomlab_binary, tmp_path, "--", "echo", "hello from the command")
    assert "hello from the command" in stderr and record["outcome"] == "ok"


def test_ctrl_c_kills_the_commands_tree_and_exits_130(oomlab_binary, tmp_path):
    marker = f"sleep 300.{os.getpid()}"
    before = machine_state(commands=[marker])
    process = subprocess.Popen([str(oomlab_binary), "measure", "--results", str(tmp_path), "--", "sh", "-c",
                                f"{marker} & {marker}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    # "^sleep": the sleeps themselves, not oomlab's or sh's command lines, which name them too.
    while len(subprocess.run(["pgrep", "-f", f"^{marker}"], capture_output=True).stdout.split()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    # Nothing of the command's tree lives on (the background sleep included), nothing was recorded.
    assert machine_state(commands=[marker]) == before
    assert not list(tmp_path.rglob("*.jsonl"))


# The README's three lines, in a Python job that needs 256 MiB under a 96 MiB limit.
README_PROGRESS_JOB = """
import os
fd = os.environ.get("OOMLAB_PROGRESS_FD")
progress = open(int(fd), "w", buffering=1) if fd else open(os.devnull, "w")
held, total = [], 64
for done in range(1, total + 1):
    held.append(bytearray(4 * 1024 * 1024))  # bytearray(n) writes every byte: resident at once
    print(done, total, "chunks", file=progress)  # after each chunk of work
"""


def test_a_python_job_reports_its_progress_with_the_readmes_three_lines(cgroup_capable, oomlab_binary, tmp_path):
    _, [record], _, _ = measure(oomlab_binary, tmp_path, "--mem-limit", "96M", "--", "/usr/bin/python3", "-c",
                                README_PROGRESS_JOB)
    assert record["outcome"] == "oom_killed"
    # 4 MiB chunks under 96 MiB with the interpreter's ~10 MiB: killed after 15 to 24 chunks.
    assert record["progress"]["unit"] == "chunks" and 15 <= record["progress"]["done"] <= 24


def test_ctrl_c_mid_profile_leaves_the_machine_as_it_was(swap_capable, oomlab_binary, oomlab, tmp_path):
    marker = f"sleep 301.{os.getpid()}"
    before = settled_state(oomlab, commands=[marker])
    process = subprocess.Popen([str(oomlab_binary), "measure", "--results", str(tmp_path), "--mem-limit", "64M",
                                "--profile", "ssd", "--", "sh", "-c", marker],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not subprocess.run(["pgrep", "-f", f"^{marker}"], capture_output=True).stdout and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    # The swap device, its loop device, file, cgroup and scratch folder are gone; so is the command.
    assert machine_state(commands=[marker]) == before
