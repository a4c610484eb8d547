# Shared set-up of the report's tests: makes `import report.…` and the synthetic-record builders importable,
# and builds one complete report (a session fixture) so the end-to-end tests stay fast.
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import report_synthetic  # noqa: E402


RUN_STATUS = "oomlab run all --scale quick exited 1"


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """The demo and special suites (plus one malformed line and one superseded record) turned into a report.

    Returns a namespace with the folders, the records written, the exit code and the captured stderr.
    """
    import contextlib
    import io
    import types

    from report import make_report

    root = tmp_path_factory.mktemp("report")
    results, experiments, out = root / "results", root / "experiments", root / "out"
    records = report_synthetic.demo_suite(results, experiments) + report_synthetic.special_suite(results, experiments)
    older = report_synthetic.make_record(experiment="lists", variant="baseline", size=4_000_000,
                                         bytes_per_element=99.0, git_commit="0ld0ld0",
                                         recorded_at="2024-12-01T09:00:00+00:00")
    report_synthetic.write_records(results, [older], extra_lines=['{"experiment": "lists", "torn'])
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = make_report.main(["--results", str(results), "--experiments", str(experiments), "--out", str(out),
                                 "--run-status", RUN_STATUS])
    return types.SimpleNamespace(root=root, results=results, experiments=experiments, out=out,
                                 records=records + [older], code=code, stderr=stderr.getvalue(), run_status=RUN_STATUS)
