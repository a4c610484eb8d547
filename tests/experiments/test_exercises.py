# Protects the workshop's exercises (experiments/<name>/exercise/): each solution must pass its
# budget and each starter must fail it, both computing the right result, or an exercise teaches
# nothing (a starter that already fits) or cannot be done (a solution that does not). Easy to break:
# a budget tuned on one machine, a NumPy that allocates differently, a check that no longer matches
# the task. Margins: a starter peaks at >= 1.5x its budget, a solution at <= 0.7x, so allocator and
# page rounding (a few hundred KiB) never flip a verdict.
import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXPERIMENTS = REPO / "experiments"
EXERCISES = sorted(path.parent.parent.name for path in EXPERIMENTS.glob("*/exercise/exercise.json"))
STARTER_FACTOR = 1.5   # a starter's figure is at least this many budgets
SOLUTION_FACTOR = 0.7  # a solution's figure is at most this many budgets
REQUIRED_FILES = ("exercise.json", "starter.py", "solution.py", "check.py", "hints.md")


def exercise_answer(oomlab, name, file, *flags):
    """The JSON answer of `oomlab exercise NAME FILE --json`; skips (with the reason) where the
    machine cannot run the exercise, so a missing cgroup is never a pass."""
    completed = oomlab("exercise", name, file, "--json", *flags, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    answer = json.loads(completed.stdout)
    if answer["outcome"] == "skipped":
        pytest.skip(f"{name}: {answer['reason']}")
    return answer


def test_every_article_remedy_and_measuring_first_has_an_exercise():
    # The seven remedies of the article, and the "measure first" part of the workshop.
    assert set(EXERCISES) >= {"swap", "processes", "del_and_rebind", "list_to_numpy", "float32", "inplace",
                              "compression", "measuring_first"}
    for name in EXERCISES:
        folder = EXPERIMENTS / name / "exercise"
        assert all((folder / file).is_file() for file in REQUIRED_FILES), name
        assert "## " in (folder / "hints.md").read_text(), f"{name}: hints.md has no '## Hint' section"
        spec = json.loads((folder / "exercise.json").read_text())
        for field in ("title", "task", "function", "size", "size_unit", "checks", "lesson"):
            assert spec.get(field), f"{name}: exercise.json has no {field}"
        assert spec["budget"]["metric"] in ("peak_delta_bytes", "tree_peak_delta_bytes", "mem_limit_bytes"), name
        assert spec["budget"]["bytes"] > 0 and spec["budget"]["why"], name
        assert (REPO / spec["lesson"]).is_file(), f"{name}: no lesson {spec['lesson']}"


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_passes_within_its_budget(oomlab, name):
    answer = exercise_answer(oomlab, name, EXPERIMENTS / name / "exercise" / "solution.py")
    assert answer["outcome"] == "ok", answer.get("reason")
    assert answer["check_passed"], answer["check_message"]
    assert answer["passed"]
    if answer["budget_metric"] != "mem_limit_bytes":  # under a limit the figure is the whole job's
        assert answer["measured_bytes"] <= SOLUTION_FACTOR * answer["budget_bytes"], answer


@pytest.mark.parametrize("name", EXERCISES)
def test_the_starter_fails_its_budget_while_computing_the_right_result(oomlab, name):
    starter = EXPERIMENTS / name / "exercise" / "starter.py"
    answer = exercise_answer(oomlab, name, starter)
    assert not answer["passed"]
    assert answer.get("hint"), "a failed exercise shows the first hint"
    if answer["budget_metric"] == "mem_limit_bytes":
        # Under its limit the starter cannot finish; without it, it computes the right result and
        # needs at least 1.5x the limit.
        assert answer["outcome"] == "oom_killed", answer
        answer = exercise_answer(oomlab, name, starter, "--no-limit")
    assert answer["outcome"] == "ok", answer.get("reason")
    assert answer["check_passed"], answer["check_message"]
    assert answer["measured_bytes"] >= STARTER_FACTOR * answer["budget_bytes"], answer


def test_a_solution_under_a_limit_needs_well_under_it(oomlab):
    # The swap exercise judges by finishing under the limit; its solution's whole job must also
    # measure under 0.7x the limit without it, or it passes by a margin the next NumPy could eat.
    answer = exercise_answer(oomlab, "swap", EXPERIMENTS / "swap" / "exercise" / "solution.py", "--no-limit")
    assert answer["passed"], answer
    assert answer["measured_bytes"] <= SOLUTION_FACTOR * answer["budget_bytes"], answer


def test_a_wrong_result_fails_even_within_the_budget(oomlab, tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def reading_stats(count):\n    return 0.0, 0.0\n")
    answer = exercise_answer(oomlab, "list_to_numpy", wrong)
    assert answer["within_budget"] and not answer["check_passed"] and not answer["passed"], answer
    assert "expected" in answer["check_message"]


def test_start_copies_the_starter_outside_experiments_and_keeps_edits(oomlab_binary, tmp_path):
    import subprocess

    started = subprocess.run([str(oomlab_binary), "exercise", "inplace", "--start"], cwd=tmp_path, capture_output=True,
                             text=True)
    assert started.returncode == 0, started.stderr
    copy = tmp_path / "oomlab-exercises" / "inplace.py"
    assert copy.read_text() == (EXPERIMENTS / "inplace" / "exercise" / "starter.py").read_text()
    copy.write_text(copy.read_text() + "\n# my edit\n")
    again = subprocess.run([str(oomlab_binary), "exercise", "inplace", "--start"], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 2 and "my edit" in copy.read_text(), "a second --start must not overwrite edits"


def test_an_unknown_exercise_names_the_valid_ones(oomlab):
    completed = oomlab("exercise", "no_such_exercise", check=False)
    assert completed.returncode == 2
    assert "list_to_numpy" in completed.stderr


def test_exercise_files_do_not_count_in_the_experiments_version(tmp_path):
    # A participant who edits experiments/<name>/exercise/ must not mark that experiment's records
    # stale: report/freshness.py leaves the exercise folder out of the version hash.
    from report import freshness
    folder = tmp_path / "experiments" / "demo"
    folder.mkdir(parents=True)
    (folder / "experiment.json").write_text("{}")
    versions = freshness.Versions(tmp_path / "experiments")
    before = versions.current("demo")
    (folder / "exercise").mkdir()
    (folder / "exercise" / "starter.py").write_text("def f():\n    pass\n")
    after = freshness.Versions(tmp_path / "experiments").current("demo")
    assert before == after
    shutil.rmtree(folder / "exercise")


def test_the_workshop_plan_points_to_every_exercise_and_its_command():
    plan = " ".join((REPO / "docs" / "workshop.md").read_text().split())  # lines wrapped anywhere
    for name in EXERCISES:
        assert f"experiments/{name}/exercise/" in plan, name
        assert f"build/oomlab exercise {name} --start" in plan and f"build/oomlab exercise {name}`" in plan, name


def test_without_root_a_cgroup_exercise_skips_and_says_why(oomlab_binary):
    # As an unprivileged user no memory cgroup can be made: the processes exercise cannot be judged,
    # so it must skip with the reason (exit 0), never pass nor fail.
    import os
    import subprocess
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run oomlab as an unprivileged user")
    completed = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                                str(oomlab_binary), "exercise", "processes",
                                str(EXPERIMENTS / "processes" / "exercise" / "solution.py"), "--json"],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert answer["outcome"] == "skipped" and "cgroup" in answer["reason"], answer
