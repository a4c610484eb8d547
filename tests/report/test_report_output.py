# Protects what `report/make_report.py` writes: every promised file, a page that is self-contained (a teacher
# opens it offline; nothing may load from elsewhere) and whose #links all land, exactly 16 claim rows, one
# CSV row per record, and a clear failure when there is nothing to report. The page is assembled from many
# parts, so one renamed anchor or a figure linked instead of embedded breaks it without any error.
import contextlib
import csv
import json
import io
import re
from html.parser import HTMLParser

from report import make_report
from report_synthetic import demo_suite, special_suite, write_records


class PageParser(HTMLParser):
    """Collects ids, links, sources and the rows of the claims table, independently of the renderer."""

    def __init__(self):
        super().__init__()
        self.ids, self.duplicates, self.hrefs, self.srcs, self.claim_rows = set(), set(), [], [], []
        self.in_claims_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            (self.duplicates if attrs["id"] in self.ids else self.ids).add(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        if tag == "link":
            self.srcs.append(attrs.get("href", ""))
        if tag == "table" and attrs.get("class") == "claims":
            self.in_claims_table = True
        if tag == "tr" and self.in_claims_table and attrs.get("id", "").startswith("claim-"):
            self.claim_rows.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_claims_table = False


def parse(page):
    parser = PageParser()
    parser.feed(page)
    return parser


def test_the_report_is_built_and_every_file_is_announced(built_report):
    assert built_report.code == 0
    out = built_report.out
    for name in ("index.html", "report.md", "results.csv", "workshop.md"):
        assert (out / name).is_file()
        assert f"wrote {out / name}" in built_report.stderr
    workshop = (out / "workshop.md").read_text()  # docs/workshop.md, rendered: no placeholder left
    assert "{{" not in workshop and "Rendered by `make report`" in workshop and "<!-- template-note" not in workshop
    svgs = sorted(p.stem for p in (out / "figures").glob("*.svg"))
    pngs = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert svgs == pngs  # the same figure in both formats
    assert {"lists-peak-time", "lists-bytes-per-element", "lists-timeline", "calibrate-calibration",
            "calibrate-timeline"} <= set(svgs)
    assert "calibrate-bytes-per-element" not in svgs  # size_unit MiB: bytes per element means nothing


def test_without_png_the_figures_are_svg_only_and_the_page_is_whole(built_report, tmp_path):
    # make report SCALE=quick asks for no PNGs: the pages show the SVGs, so nothing may point at a PNG.
    out = tmp_path / "out"
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        code = make_report.main(["--results", str(built_report.results), "--experiments", str(built_report.experiments),
                                 "--out", str(out), "--no-png"])
    assert code == 0
    svgs = sorted(p.stem for p in (out / "figures").glob("*.svg"))
    assert svgs == sorted(p.stem for p in (built_report.out / "figures").glob("*.svg"))
    assert list((out / "figures").glob("*.png")) == []
    assert ".png" not in stderr.getvalue()
    assert "data:image/svg+xml" in (out / "index.html").read_text()


def test_malformed_line_is_warned_about_not_fatal(built_report):
    assert re.search(r"lists\.jsonl:\d+: malformed JSON line skipped", built_report.stderr)


def test_page_is_self_contained(built_report):
    page = (built_report.out / "index.html").read_text()
    parsed = parse(page)
    assert parsed.srcs and all(src.startswith("data:") for src in parsed.srcs)
    outside = [h for h in parsed.hrefs if not h.startswith("#") and not re.match(r"https?://", h)]
    assert outside == []
    assert "<link" not in page and "<script" not in page and "@import" not in page


def test_every_internal_link_has_a_target_and_ids_are_unique(built_report):
    parsed = parse((built_report.out / "index.html").read_text())
    targets = [href[1:] for href in parsed.hrefs if href.startswith("#")]
    assert "claims" in targets and "exp-lists" in targets and "claim-C7" in targets
    assert [t for t in targets if t not in parsed.ids] == []
    assert parsed.duplicates == set()
    assert {"exp-lists", "exp-calibrate", "environment", "failures"} <= parsed.ids


def test_claims_table_has_sixteen_rows_with_verdicts(built_report):
    page = (built_report.out / "index.html").read_text()
    assert parse(page).claim_rows == [f"claim-C{n}" for n in range(1, 17)]
    c7 = re.search(r'<tr id="claim-C7">(.*?)</tr>', page, re.S).group(1)
    # py 0.20× goes past "half" (confirmed) and cpp 1.00× shows no effect: one headline row goes the
    # article's way and one does not, so nuanced overall
    assert 'class="verdict v-nuanced"' in c7
    assert "<td><strong>0.20×</strong> memory</td><td><strong>1.00×</strong> memory</td><td>0.4–0.6×</td>" in c7
    # Each comparison, with its size and verdict, unfolds from the row rather than filling a cell.
    assert "<details><summary>2 rows</summary>" in c7
    assert "✓ lists: <code>peak_delta_bytes</code> py remedy / py baseline = 0.20× at n=4,000,000 (article: 0.4–0.6×)" in c7
    c16 = re.search(r'<tr id="claim-C16">(.*?)</tr>', page, re.S).group(1)
    assert "<td>see C++</td><td><strong>0.20×</strong> of Python</td>" in c16


def test_lesson_placeholders_and_markdown_are_rendered(built_report):
    page = (built_report.out / "index.html").read_text()
    assert "A list of floats costs 40.3 B per element" in page
    assert "at 0.20× of that" in page and "Verdict on C7: nuanced" in page
    assert "{{" not in page
    assert "<strong>pointers</strong>" in page and "<code>PyFloatObject</code>" in page


def test_older_commit_is_ignored_and_said_so(built_report):
    page = (built_report.out / "index.html").read_text()
    assert "1 older record ignored" in page
    assert "153.7 MiB" in page  # 40.3 B × 4e6: the older commit's 99 B per element must not pull the median


def test_failures_are_listed_with_their_reason(built_report):
    page = (built_report.out / "index.html").read_text()
    failures = page[page.index('id="failures"'):]
    assert "oom_killed" in failures and "killed by the kernel (SIGKILL) at 3.9 GiB" in failures


def test_markdown_report_has_the_same_sections_and_figure_files(built_report):
    text = (built_report.out / "report.md").read_text()
    assert '<a id="exp-lists"></a>' in text and text.count('<a id="claim-C') == 16
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert path.startswith("figures/") and path.endswith(".svg")
        assert (built_report.out / path).is_file()


def test_csv_has_one_row_per_record_and_no_timeline(built_report):
    with open(built_report.out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(built_report.records)  # the malformed line is not a record
    assert "timeline" not in rows[0] and "peak_delta_bytes" in rows[0] and "env.git_commit" in rows[0]
    assert sum(row["superseded_by_newer_commit"] == "true" for row in rows) == 1


def test_no_records_is_a_clear_error(tmp_path):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = make_report.main(["--results", str(tmp_path / "results"), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "no records under" in stderr.getvalue() and "make report" in stderr.getvalue()
    assert not (tmp_path / "out" / "index.html").exists()


def test_several_machines_get_their_own_figures_and_a_column_each(tmp_path):
    # Two machines' results in two folders, as a workshop collects them: one column per machine.
    import shutil

    from report_synthetic import repeats, swap_records
    demo_suite(tmp_path / "a", tmp_path / "experiments")
    special_suite(tmp_path / "a", tmp_path / "experiments", parts=("swap",))
    (tmp_path / "a" / "lab-a" / "calibrate.jsonl").unlink()  # fewer figures to draw: this test is about columns
    shutil.rmtree(tmp_path / "experiments" / "calibrate")
    hdd_machine = swap_records("lab-b")
    for record in hdd_machine:  # a machine whose "ssd" is a real HDD: latency 9 ms there too
        if record["metrics"].get("swapin_latency_mean_seconds") == 1.2e-4:
            record["metrics"]["swapin_latency_mean_seconds"] = 9e-3
    write_records(tmp_path / "b", hdd_machine + repeats(experiment="lists", variant="baseline", size=4_000_000,
                                                        bytes_per_element=41.0, machine_id="lab-b"))
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = make_report.main(["--results", str(tmp_path / "a"), str(tmp_path / "b"), "--experiments",
                                 str(tmp_path / "experiments"), "--out", str(tmp_path / "out"),
                                 "--workshop", str(tmp_path / "no-workshop.md")])
    assert code == 0, stderr.getvalue()
    names = {p.stem for p in (tmp_path / "out" / "figures").glob("*.svg")}
    assert {"lists-peak-time-lab-a", "lists-peak-time-lab-b", "swap-swapin-latency-lab-b"} <= names
    page = (tmp_path / "out" / "index.html").read_text()
    machines = page[page.index('id="machines"'):page.index('id="exp-')]
    assert "<th><code>lab-a</code></th><th><code>lab-b</code></th>" in machines
    c2 = re.search(r"<tr><td><a href=\"#claim-C2\">C2</a></td>(.*?)</tr>", machines, re.S).group(1)
    assert "75.0× at 96 MiB (confirmed)" in c2 and "1.00× at 96 MiB (no effect)" in c2  # one verdict per machine
    c7 = re.search(r"<tr><td><a href=\"#claim-C7\">C7</a></td>(.*?)</tr>", machines, re.S).group(1)
    assert c7.endswith("<td>–</td>")  # lab-b measured no remedy: nothing to compare there
    environment = page[page.index('id="environment"'):page.index('id="failures"')]
    assert "lab-a" in environment and "lab-b" in environment
    assert "Numbers in the text above come from <code>lab-a</code>" in page
    assert "![the bars](figures/lists-peak-time-lab-a.svg)" in (tmp_path / "out" / "report.md").read_text()


def test_run_status_and_intended_outcomes_are_told_apart_from_failures(built_report):
    page = (built_report.out / "index.html").read_text()
    assert page.count(built_report.run_status) == 2  # at the top and in the failures section
    failures = page[page.index('id="failures"'):]
    failed = failures[:failures.index('id="failures-results"')]
    assert "remedy_object" in failed and "hdd:" not in failed and "none:" not in failed
    results = failures[failures.index('id="failures-results"'):]
    assert "hdd:random" in results and "none:sequential" in results and "timeout" in results


def test_odd_but_parseable_records_do_not_break_the_report(tmp_path):
    # Records from a future harness or a half-broken run: the page must still build, with sound links.
    from report import render_html
    from report_synthetic import make_record, repeats
    odd = [
        make_record(experiment="odd", lang="rust", variant="remedy with spaces", size=1000),
        make_record(experiment="odd", size=0, variant="baseline"),
        {**make_record(experiment="odd", outcome="crashed", traceback="Traceback…\nMemoryError"), "reason": None},
        make_record(experiment="odd", variant="baseline", size=10, timeline={"t_seconds": [0, None], "rss_bytes": "x"}),
        make_record(experiment="odd", variant="remedy", size=10, timeline="timelines/missing.json",
                    recorded_at="yesterday", metrics=[1, 2], extra_list=[1, 2, 3]),
        dict(make_record(experiment="odd", variant="noop", size=10), env="not an object"),
    ] + repeats(experiment="odd", variant="baseline", size=100)
    write_records(tmp_path / "results", odd[:5] + odd[6:])
    (tmp_path / "results" / "lab-a" / "odd.jsonl").open("a").write(json.dumps(odd[5]) + "\n")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = make_report.main(["--results", str(tmp_path / "results"), "--experiments",
                                 str(tmp_path / "no-experiments"), "--out", str(tmp_path / "out")])
    assert code == 0, stderr.getvalue()
    page = (tmp_path / "out" / "index.html").read_text()
    assert render_html.problems(page) == []
    assert "MemoryError" in page  # a traceback's last line stands in for a missing reason
    assert "Traceback" not in stderr.getvalue()


def test_lesson_links_and_figures_stay_inside_the_page(built_report):
    page = (built_report.out / "index.html").read_text()
    lesson = page[page.index('<div class="lesson">', page.index('id="exp-lists"')):]
    lesson = lesson[:lesson.index("</div>")]
    assert '<a href="#exp-lists-why">why</a>' in lesson      # a lesson's own heading, made unique
    assert '<img src="data:image/svg+xml;base64,' in lesson  # figures/<name>.svg is embedded
    assert "the code" in lesson and 'href="experiment.py"' not in lesson
    markdown_text = (built_report.out / "report.md").read_text()
    assert "![the bars](figures/lists-peak-time.svg)" in markdown_text
    assert "[the code](../experiments/lists/experiment.py)" in markdown_text
