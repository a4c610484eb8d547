# At default scale a variant repeats at its largest size only (where the claims are judged), and a
# third repeat runs only when the first two disagree; `--repeat N` runs N at every size.
import json
import subprocess

LIST_TO_NUMPY_DEFAULT_SIZES = (1_000_000, 3_000_000, 10_000_000)


def records_of(results):
    return [json.loads(line) for path in results.rglob("*.jsonl") for line in path.read_text().splitlines()]


def run_remedy(oomlab_binary, results, *more):
    completed = subprocess.run([str(oomlab_binary), "run", "list_to_numpy", "--lang", "cpp", "--variant", "remedy",
                                "--results", str(results), "--no-summary", *more],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return records_of(results), completed.stderr


def test_default_scale_repeats_at_the_largest_size_only(oomlab_binary, tmp_path):
    records, stderr = run_remedy(oomlab_binary, tmp_path)
    repeats_by_size = {size: sorted(r["repeat"] for r in records if r["size"] == size) for size in LIST_TO_NUMPY_DEFAULT_SIZES}
    assert repeats_by_size[1_000_000] == [1] and repeats_by_size[3_000_000] == [1]
    largest = repeats_by_size[10_000_000]
    assert largest in ([1, 2], [1, 2, 3]), largest
    # Two repeats alone only when the run said why the third was not needed.
    assert (largest == [1, 2]) == ("rep 3/3 … not needed (repeats 1-2 agree" in stderr), stderr


def test_an_explicit_repeat_count_runs_in_full_at_every_size(oomlab_binary, tmp_path):
    records, _ = run_remedy(oomlab_binary, tmp_path, "--repeat", "2")
    assert sorted((r["size"], r["repeat"]) for r in records) == [(size, repeat) for size in LIST_TO_NUMPY_DEFAULT_SIZES
                                                                for repeat in (1, 2)]
