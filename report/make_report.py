#!/usr/bin/python3
"""Build oomlab's report: results/*/*.jsonl + experiments/*/ → report/out/{index.html, report.md,
figures/*.svg|png, results.csv}.

    /usr/bin/python3 report/make_report.py [--results DIR ...] [--experiments DIR] [--out DIR]

Needs only the standard library, numpy and matplotlib. Exit status 1 when there are no records at all.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `import report.…` work from any directory
    sys.path.insert(0, str(REPO))

from report import claims as cl  # noqa: E402
from report import csv_export, figures, render_html, render_markdown, sections  # noqa: E402
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
    return parser.parse_args(argv)


def wrote(path):
    print(f"report: wrote {path}", file=sys.stderr)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results_dirs = args.results or [REPO / "results"]
    all_records = rec.load_records(results_dirs)
    if not all_records:
        where = ", ".join(str(d) for d in results_dirs)
        print(f"report: no records under {where}: run `make report` or `build/oomlab run …` first",
              file=sys.stderr)
        return 1
    records, ignored = rec.newest_commit_only(all_records)
    experiments = ex.load_experiments(args.experiments, rec.experiments(all_records))
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
    for stale in [*figures_dir.glob("*.svg"), *figures_dir.glob("*.png")]:
        stale.unlink()  # figures of experiments that no longer have data must not linger
    figure_files = {}
    for experiment in experiments:
        made = figures.make_figures(experiment, records, figures_dir)
        figure_files[experiment.name] = made
        for figure in made:
            wrote(figure.svg_path)
            wrote(figure.png_path)

    data = sections.ReportData(experiments=experiments, records=records, ignored=ignored, entries=entries,
                               article_claims=article_claims, figures=figure_files,
                               generated_at=sections.now_text())
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
