#!/usr/bin/python3
"""Build oomlab's report: results/*/*.jsonl (+ *.benchmark.json) + experiments/*/ → report/out/{index.html,
report.md, figures/*.svg|png, results.csv, workshop.md}.

    /usr/bin/python3 report/make_report.py [--results DIR ...] [--experiments DIR] [--out DIR]
                                           [--workshop FILE] [--run-status TEXT ...]

Needs only the standard library, numpy and matplotlib (and git, to tell current records from stale ones).
Exit status 1 when there are no records at all: the only case where no report can be made.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `import report.…` work from any directory
    sys.path.insert(0, str(REPO))

from report import benchmarks as bench  # noqa: E402
from report import claims as cl  # noqa: E402
from report import csv_export, figures, freshness, measured, render_html, render_markdown, report_steps, sections, workshop  # noqa: E402
from report import experiments as ex  # noqa: E402
from report import records as rec  # noqa: E402

ARTICLE_CLAIMS = Path(__file__).resolve().parent / "article_claims.json"


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Build oomlab's report from result records.")
    parser.add_argument("--results", type=Path, action="extend", nargs="+", metavar="DIR",
                        help="results directories, each holding <machine-id>/<experiment>.jsonl "
                             "(default: <repo>/results; the flag may be repeated)")
    parser.add_argument("--experiments", type=Path, default=REPO / "experiments",
                        help="the experiments directory (default: <repo>/experiments)")
    parser.add_argument("--out", type=Path, default=REPO / "report" / "out",
                        help="output directory (default: <repo>/report/out)")
    parser.add_argument("--workshop", type=Path, default=REPO / "docs" / "workshop.md",
                        help="workshop template rendered to OUT/workshop.md (default: <repo>/docs/workshop.md)")
    parser.add_argument("--png", action=argparse.BooleanOptionalAction, default=True,
                        help="also write each figure as a 120 dpi PNG, for slides (the pages show the SVGs; "
                             "default: yes)")
    parser.add_argument("--run-status", action="append", default=[], metavar="TEXT",
                        help="how a measuring step of `make report` ended, shown on the page (repeatable)")
    return parser.parse_args(argv)


def wrote(path):
    print(f"report: wrote {path}", file=sys.stderr)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results_dirs = args.results or [REPO / "results"]
    all_records = rec.load_records(results_dirs)
    benchmarks = bench.load_benchmarks(results_dirs)
    if not all_records and not benchmarks:
        where = ", ".join(str(d) for d in results_dirs)
        print(f"report: no records under {where}: run `make report` or `build/oomlab run …` first",
              file=sys.stderr)
        return 1
    versions = freshness.Versions(args.experiments)
    freshness.mark(all_records, versions)
    for run in benchmarks:
        verdict = versions.judge_benchmark(run.experiment, run.context)
        run.freshness, run.freshness_detail = verdict.status, verdict.detail
    current, stale = freshness.drop_changed(all_records)
    records, ignored = rec.newest_commit_only(current)
    experiments = ex.load_experiments(args.experiments,
                                      sorted(set(rec.experiments(all_records)) | {r.experiment for r in benchmarks}))
    entries = cl.load_claim_entries(args.experiments)
    article_claims = cl.load_article_claims(ARTICLE_CLAIMS)
    # Entries marked "beyond_article" check the lesson's own claims: they are expected to be unknown.
    unknown = sorted({e["id"] for e in entries if not e.get("beyond_article")} - {c["id"] for c in article_claims},
                     key=cl.claim_number)
    if unknown:
        rec.warn(f"claim ids not in the article (shown in their experiment only): {', '.join(unknown)}")

    out = args.out
    figures_dir = out / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    for old_figure in [*figures_dir.glob("*.svg"), *figures_dir.glob("*.png")]:
        old_figure.unlink()  # figures of experiments that no longer have data must not linger
    entries_by_experiment = {}
    for entry in entries:
        entries_by_experiment.setdefault(entry["experiment"], []).append(entry)
    figure_files = figures.make_all_figures(experiments, records, figures_dir, entries_by_experiment, benchmarks,
                                            png=args.png)
    for made in figure_files.values():
        for figure in made:
            wrote(figure.svg_path)
            if figure.png_path:
                wrote(figure.png_path)

    data = sections.ReportData(experiments=experiments, records=records, ignored=ignored, entries=entries,
                               article_claims=article_claims, figures=figure_files,
                               generated_at=sections.now_text(), stale=stale, benchmarks=benchmarks,
                               run_status=args.run_status, head=versions.head or "",
                               report_steps=report_steps.load(results_dirs),
                               measured=measured.load_measure_records(results_dirs), figures_dir=figures_dir,
                               tool_comparisons=measured.load_tool_comparisons(results_dirs), png=args.png)
    document = sections.build_document(data)

    page = render_html.render(document)
    for problem in render_html.problems(page):
        rec.warn(f"index.html: {problem}")
    (out / "index.html").write_text(page, encoding="utf-8")
    wrote(out / "index.html")
    (out / "report.md").write_text(render_markdown.render(document, out), encoding="utf-8")
    wrote(out / "report.md")
    csv_export.write_csv(out / "results.csv", all_records, superseded=ignored)
    wrote(out / "results.csv")
    if args.workshop.is_file():
        text = workshop.render(args.workshop.read_text(encoding="utf-8"), data, out)
        (out / "workshop.md").write_text(text, encoding="utf-8")
        wrote(out / "workshop.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
