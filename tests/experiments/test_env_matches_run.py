# Protects that `oomlab env` tells the truth: for each experiment and swap profile it says what
# `oomlab run` will do here (run, or skip and why; a tree peak from the cgroup, or sampled), and the
# run then does exactly that. Easy to break because the two used to be separate guesses: env said
# swapon, loop devices and zram were there for a user who could use none of them. Checked as the
# user running the tests (root on the development machine; in `make test-v2`'s guest root, then an
# unprivileged user in a delegated scope) and, when that user is root, as `nobody` too.
# Each run is the noop control only: what is compared is the decision, not a measurement.
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

EXPERIMENTS = ["swap", "out_of_core", "processes"]


def agreement(run_command, results_dir):
    """Runs `env --json`, then the noop control of EXPERIMENTS under every profile they declare."""
    env = json.loads(run_command("env", "--json").stdout)
    completed = run_command("run", *EXPERIMENTS, "--lang", "cpp", "--variant", "noop", "--scale", "quick",
                            "--no-summary", "--results", results_dir, check=False)
    records = []
    for machine in Path(results_dir).iterdir():
        for experiment in EXPERIMENTS:
            path = machine / f"{experiment}.jsonl"
            if path.exists():
                records += [json.loads(line) for line in path.read_text().splitlines()]
    return env, records, completed


def assert_env_matches_run(env, records, stderr):
    planned = {(entry["experiment"], entry["profile"]): entry for entry in env["experiments"]
               if entry["experiment"] in EXPERIMENTS}
    assert planned, env["experiments"]
    ran = {}
    for record in records:
        ran[(record["experiment"], record.get("swap_profile") or None)] = record
    # Every planned pair ran once (one noop record each), and nothing else did.
    assert set(ran) == set(planned), stderr
    for key, entry in planned.items():
        record = ran[key]
        if entry["will"] == "skip":
            assert record["outcome"] == "skipped", (key, entry, record.get("reason"))
            assert record["reason"] == entry["reason"], key
        else:
            # The noop control does nothing under the limit: anything but ok is a failure to look at.
            assert record["outcome"] == "ok", (key, record.get("reason"), stderr)
        if entry.get("tree_peak") == "cgroup" and record["outcome"] == "ok":
            assert record["tree_peak_bytes"] > 0, key
        elif entry.get("tree_peak") == "sampled" and record["outcome"] == "ok":
            assert "tree_peak_bytes" not in record, key
            assert record["tree_peak_reason"].startswith(entry["tree_peak_reason"]), key


def test_env_says_what_the_run_then_does(oomlab, tmp_path):
    env, records, completed = agreement(oomlab, tmp_path)
    assert_env_matches_run(env, records, completed.stderr)
    capabilities = env["capabilities"]
    if not capabilities["is_root"]:
        # Nothing a user cannot use is claimed: swap devices need root.
        assert not (capabilities["swapon"] or capabilities["loop_devices"] or capabilities["zram"]), capabilities
        for entry in env["experiments"]:
            if entry["profile"] in ("ssd", "hdd", "zram"):
                assert entry["will"] == "skip" and "needs root" in entry["reason"], entry


@pytest.fixture
def as_nobody(oomlab_binary):
    """run_command(*arguments) as `nobody`, with a results folder it may write, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run oomlab as another user")
    if shutil.which("runuser") is None:
        pytest.skip("no runuser on this machine")
    nobody = pwd.getpwnam("nobody")
    results_dir = Path(tempfile.mkdtemp(prefix="oomlab-env-nobody-"))
    os.chown(results_dir, nobody.pw_uid, nobody.pw_gid)
    binary = Path(oomlab_binary).resolve()  # run from "/": a relative OOMLAB_BINARY would not be found

    def run_command(*arguments, check=True):
        completed = subprocess.run(["runuser", "-u", "nobody", "--", str(binary), *map(str, arguments)],
                                   capture_output=True, text=True, cwd="/")
        if check and completed.returncode != 0:
            pytest.fail(f"oomlab {' '.join(map(str, arguments))} as nobody exited {completed.returncode}:\n{completed.stderr}")
        return completed

    yield run_command, results_dir
    shutil.rmtree(results_dir, ignore_errors=True)


def test_env_says_what_the_run_then_does_as_a_user_without_a_cgroup(as_nobody):
    run_command, results_dir = as_nobody
    env, records, completed = agreement(run_command, results_dir)
    assert not env["capabilities"]["is_root"]
    assert_env_matches_run(env, records, completed.stderr)
    # nobody is not in a cgroup delegated to it: no limit, no true tree peak, and no swap device.
    assert not env["capabilities"]["memory_cgroup"]
    for entry in env["experiments"]:
        assert (entry["will"] == "run") == (entry["profile"] in (None, "ram")), entry
