# Protects the `command` of a record: running it again must measure under the same settings. It
# used to pass `--size`, which made the scale `custom` and so brought the default scale's memory
# limit, swap size and time cap instead of the quick scale's.
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from test_swap import swap_capable  # noqa: F401 (a fixture, used by name)
from test_harness_signals import records_in


def swap_mib(record):
    """The swap device's size, from its description ("/dev/loop3 (loop, …, 192 MiB)")."""
    found = re.search(r"(\d+) MiB\)$", record.get("swap_device", ""))
    return int(found.group(1)) if found else None


def test_rerunning_a_quick_swap_records_command_gives_the_same_limit_and_swap(swap_capable, oomlab_binary, tmp_path):  # noqa: F811
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    subprocess.run([str(oomlab_binary), "run", "swap", "--scale", "quick", "--profile", "ssd", "--lang", "cpp",
                    "--variant", "noop", "--results", str(first_dir)], check=True, capture_output=True)
    [first] = records_in(first_dir)
    if first["outcome"] == "skipped":
        pytest.skip(f"the ssd profile could not be set up here: {first['reason']}")
    # Read from the machine-wide counters while this run held the swap lock (cgroup v1 counts no swap per cgroup).
    assert first["swap_counter_scope"] == "machine_wide_under_lock"
    words = shlex.split(first["command"])
    assert words[0] == "build/oomlab" and "--size" not in words, first["command"]
    subprocess.run([str(oomlab_binary), *words[1:], "--results", str(second_dir)], check=True, capture_output=True)
    [second] = records_in(second_dir)
    for field in ("scale", "size", "mem_limit_bytes", "swap_profile"):
        assert second[field] == first[field], field
    quick = json.loads((Path(__file__).resolve().parents[2] / "experiments/swap/experiment.json").read_text())
    assert swap_mib(second) == swap_mib(first) == quick["swap_mib"]["quick"]
    assert second["mem_limit_bytes"] == quick["mem_limit_mib"]["quick"] * 1024 * 1024
