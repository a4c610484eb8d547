# Protects the report's promise never to reuse stale results silently (report/freshness.py): a record is
# current only if its experiment's folder at the record's commit holds the files the folder holds now.
# Easy to break because it compares git's view of a commit with the working tree (blob ids, paths, ignored
# files), and because records measured with uncommitted changes have to be judged by time instead.
import contextlib
import io
import os
import subprocess
import time

import pytest

from report import freshness, make_report
from report_synthetic import make_record, repeats, write_experiment, write_records

GIT = ["git", "-c", "user.name=oomlab", "-c", "user.email=oomlab@example.org", "-c", "commit.gpgsign=false"]


def git(repo, *arguments):
    return subprocess.run([*GIT, "-C", str(repo), *arguments], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A repository with one experiment committed twice: `first` and `second` are the commits."""
    root = tmp_path / "repo"
    (root / "experiments").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("__pycache__/\n")
    write_experiment(root / "experiments", "lists", readme="# Lists\n\nversion one\n")
    write_experiment(root / "experiments", "other", readme="# Other\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    first = git(root, "rev-parse", "HEAD")
    (root / "experiments" / "lists" / "experiment.py").write_text("def variant_remedy(run):\n    run.stop()\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    return root, first, git(root, "rev-parse", "HEAD")


def judge(root, **record_fields):
    record = make_record(experiment="lists", **record_fields)
    return freshness.Versions(root / "experiments").judge(record)


def test_working_tree_version_equals_the_version_of_the_same_files_in_a_commit(repo):
    root, first, second = repo
    versions = freshness.Versions(root / "experiments")
    assert versions.current("lists") == versions.at_commit("lists", second) != versions.at_commit("lists", first)
    (root / "experiments" / "lists" / "__pycache__").mkdir()
    (root / "experiments" / "lists" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert freshness.Versions(root / "experiments").current("lists") == versions.current("lists")  # ignored files


def test_a_record_of_head_is_current_and_one_of_an_older_version_is_changed(repo):
    root, first, second = repo
    assert judge(root, git_commit=second).status == freshness.CURRENT
    assert judge(root, git_commit=first).status == freshness.CHANGED


def test_an_older_commit_with_the_same_experiment_files_is_marked_but_not_stale(repo):
    root, first, second = repo
    (root / "README.md").write_text("harness changed, experiment not\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "third")
    verdict = judge(root, git_commit=second)
    assert verdict.status == freshness.OTHER_COMMIT and second[:7] in verdict.detail


def test_an_uncommitted_edit_makes_head_records_stale_until_measured_again(repo):
    root, first, second = repo
    lesson = root / "experiments" / "lists" / "README.md"
    lesson.write_text("# Lists\n\nversion three, not committed\n")
    os.utime(lesson, (time.time(), time.time()))
    before = "2000-01-01T00:00:00+00:00"
    after = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 60))
    assert judge(root, git_commit=second, recorded_at=before).status == freshness.CHANGED
    # Measured with the dirty tree after the edit: the harness says git_dirty, and the time says which edit.
    dirty_after = make_record(experiment="lists", git_commit=second, recorded_at=after)
    dirty_after["env"]["git_dirty"] = True
    assert freshness.Versions(root / "experiments").judge(dirty_after).status == freshness.CURRENT


def test_unknown_commits_and_missing_commits_are_unverified_not_current(repo):
    root, _, _ = repo
    assert judge(root, git_commit="0" * 40).status == freshness.UNVERIFIED
    assert judge(root, git_commit=None).status == freshness.UNVERIFIED


def test_changed_records_are_dropped_only_where_current_ones_exist():
    def marked(status, machine, experiment="lists"):
        record = make_record(experiment=experiment, machine_id=machine)
        record["freshness"] = status
        return record

    stale_here, fresh_here = marked(freshness.CHANGED, "a"), marked(freshness.CURRENT, "a")
    stale_only = marked(freshness.CHANGED, "b")  # machine b has nothing newer: keep it, marked
    kept, dropped = freshness.drop_changed([stale_here, fresh_here, stale_only])
    assert dropped == [stale_here] and kept == [fresh_here, stale_only]


def test_a_benchmark_json_older_than_its_experiment_is_changed(repo):
    root, _, _ = repo
    versions = freshness.Versions(root / "experiments")
    assert versions.judge_benchmark("lists", {"date": "2000-01-01T00:00:00+00:00"}).status == freshness.CHANGED
    future = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3600))
    assert versions.judge_benchmark("lists", {"date": future}).status == freshness.CURRENT
    assert versions.judge_benchmark("lists", {}).status == freshness.UNVERIFIED


def test_the_page_marks_stale_sections_and_leaves_superseded_versions_out(repo):
    root, first, second = repo
    results = root / "results"
    old = repeats(experiment="lists", variant="baseline", size=1000, bytes_per_element=99.0, git_commit=first,
                  recorded_at="2025-01-01T00:00:00+00:00")
    new = repeats(experiment="lists", variant="baseline", size=2000, bytes_per_element=40.0, git_commit=second)
    only_old = repeats(experiment="lists", variant="baseline", size=1000, machine_id="lab-b", git_commit=first)
    write_records(results, old + new + only_old)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = make_report.main(["--results", str(results), "--experiments", str(root / "experiments"),
                                 "--out", str(root / "out"), "--workshop", str(root / "none.md")])
    assert code == 0, stderr.getvalue()
    page = (root / "out" / "index.html").read_text()
    assert "3 records left out because their experiment" in page      # lab-a's old version: superseded
    assert "Stale results shown:</strong> <code>lists</code> on <code>lab-b</code>" in page
    assert "n=1,000" in page and "99.0" not in page                     # lab-b's stale size is shown, lab-a's not
    rows = (root / "out" / "results.csv").read_text()
    assert rows.count(",changed,") == 6 and rows.count(",current,") == 3
