"""What the report says: builds the blocks of the page from records, experiments, claims and figures.

The page order is: title, verdict counts and the claims table (the first screen: report/claims_table.py),
what was measured and the contents, one section per experiment (lesson, figures, claims checked,
measurements), the environment, then the measurements that were skipped or failed.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from report import benchmarks as bench
from report import blocks as b
from report import claims as cl
from report import beyond, claims_table, comparison, measured, report_steps, reproduce, status
from report import records as rec
from report.figure_style import sort_langs, sort_variants
from report.placeholders import Filler
from report.units import LANG_NAMES, plural, format_bytes, format_range, format_size, format_stat

TITLE = "oomlab: what to do when Python runs out of memory, measured"
ENV_FIELDS = [
    ("hostname", "host"), ("kernel", "kernel"), ("cpu_model", "CPU"), ("cpu_count", "CPUs"),
    ("mem_total_bytes", "memory"), ("page_size_bytes", "page size (bytes)"),
    ("thp_enabled", "transparent huge pages"), ("thp_defrag", "huge page defrag"), ("compiler", "compiler"),
    ("cxx_flags", "C++ flags"), ("build_type", "build type"), ("python_version", "Python"),
    ("numpy_version", "NumPy"), ("python_executable", "Python executable"), ("pybind11_version", "pybind11"),
    ("git_commit", "git commit"), ("git_dirty", "uncommitted changes"), ("oomlab_version", "oomlab"),
]


@dataclass
class ReportData:
    """Everything the page is built from."""
    experiments: list          # experiments.Experiment, in page order
    records: list              # newest-commit records, any outcome
    ignored: list              # records dropped because a newer commit measured the same point
    entries: list              # claim entries from every claims.json
    article_claims: list       # report/article_claims.json
    figures: dict = field(default_factory=dict)  # experiment name → [figures.FigureFile]
    generated_at: str = ""
    warn: object = rec.warn
    stale: list = field(default_factory=list)       # records left out: their experiment changed since
    benchmarks: list = field(default_factory=list)  # benchmarks.BenchmarkRun
    report_steps: dict = field(default_factory=dict)  # {(machine, scale): timings}, see report_steps.py
    run_status: list = field(default_factory=list)  # lines from `make report`: how `oomlab run` and `bench` ended
    head: str = ""                                  # the commit the report was made at
    measured: list = field(default_factory=list)    # `oomlab measure` records (report/measured.py)
    tool_comparisons: dict = field(default_factory=dict)  # machine → tools/compare_peak_tools.py's result
    figures_dir: Path = None                        # where the measured commands' figures go
    png: bool = True                                # a PNG beside each figure's SVG


link_to_experiment = b.link_to_experiment


def beyond_article_verdicts(data):
    """Verdicts of the claim ids that are not the article's (the lessons' own, "beyond_article"), so
    their `{{verdict …}}` placeholders render too."""
    results = {}
    for entry in data.entries:
        if entry.get("beyond_article"):
            results.setdefault(entry["id"], []).append(cl.evaluate(entry, data.records))
    return {claim_id: cl.claim_verdict(found) for claim_id, found in results.items()}


def build_document(data):
    document = b.Document(title=TITLE)
    by_name = {experiment.name: experiment for experiment in data.experiments}
    rows = cl.claim_rows(data.article_claims, data.entries, data.records)
    verdicts = {row.claim["id"]: row.verdict for row in rows}
    verdicts.update(beyond_article_verdicts(data))
    several_machines = len(rec.machines(data.records)) > 1
    for experiment_figures in data.figures.values():
        for figure in experiment_figures:
            document.figures[figure.name] = figure

    # The first screen: the title, the verdict counts and the claims, one line each (a projector's view).
    document.add(b.Heading(1, TITLE), b.Paragraph(claims_table.counts_text(rows), claims_table.COUNTS_ANCHOR))
    claims_table.add_section(document, rows, by_name)
    _intro(document, data)
    if several_machines:
        comparison.machines_section(document, data, by_name)
    beyond_started = False
    for experiment in data.experiments:
        if experiment.beyond_article and not beyond_started:
            beyond.section_opening(document, by_name)
            beyond_started = True
        _experiment_section(document, data, experiment, verdicts, several_machines)
    if (data.measured or data.tool_comparisons) and data.figures_dir:
        measured.section(document, data.measured, data.figures_dir, tool_comparisons=data.tool_comparisons,
                         png=data.png)
    _environment(document, data)
    status.failures_section(document, data, by_name)
    at = f" at commit `{data.head[:12]}`" if data.head else ""
    document.add(b.Paragraph(
        f"Generated {data.generated_at}{at} by `report/make_report.py`. Regenerate everything with `make report` "
        f"(`make report SCALE=quick` for a fast look, `make report-only` to redraw from the records); each figure "
        f"names the `build/oomlab` command that measures its data again."))
    return document


def _intro(document, data):
    """What the page measures and from which records, its notes and its contents (below the claims)."""
    machine_ids = rec.machines(data.records + data.ignored)
    ok = sum(1 for record in data.records if rec.is_ok(record))
    document.add(
        b.Heading(2, "About these measurements", "about"),
        b.Paragraph(
            "The blog article *What to do when Python runs out of memory* lists seven remedies, from the most "
            "harmless (add RAM) to the most \"evil\" (compress data in memory). oomlab measures each one, in "
            "Python and in C++, in fresh child processes. The main figure is the **peak above baseline**: how much "
            "the resident set grew during the measured phase (`peak_delta_bytes`), which leaves out the "
            "interpreter's own start-up cost."),
        b.Paragraph(
            f"{plural(len(data.records), 'record')} ({ok} ok) from {plural(len(machine_ids), 'machine')}: "
            + ", ".join(f"`{machine}`" for machine in machine_ids) + "."),
    )
    if data.ignored:
        document.add(b.Note(
            f"{plural(len(data.ignored), 'older record')} ignored: a newer git commit measured the same points "
            f"(they are still in results.csv, marked superseded)."))
    for note in status.intro_notes(data):
        document.add(b.Note(note))
    contents = ["[The article's claims](#claims)"]
    if len(rec.machines(data.records)) > 1:
        contents.append("[Machines side by side](#machines)")
    beyond_listed = False
    for experiment in data.experiments:
        if experiment.beyond_article and not beyond_listed:
            contents.append(f"[Beyond the article](#{beyond.ANCHOR})")
            beyond_listed = True
        contents.append(f"[{b.md_escape(experiment.title)}](#{experiment.anchor})")
    contents += ["[Environment](#environment)", "[Skipped and failed measurements](#failures)"]
    document.add(b.Heading(2, "Contents", "contents"), b.Items(contents))


def _experiment_section(document, data, experiment, verdicts, several_machines):
    records = [r for r in data.records if r["experiment"] == experiment.name]
    ignored = [r for r in data.ignored if r["experiment"] == experiment.name]
    entries = [e for e in data.entries if e["experiment"] == experiment.name]
    document.add(b.Heading(2, b.md_escape(experiment.title), experiment.anchor))
    facts = []
    if experiment.article_remedy:
        facts.append(f"Article remedy {experiment.article_remedy}")
    claim_ids = sorted({e["id"] for e in entries}, key=cl.claim_number)
    known_ids = {claim["id"] for claim in data.article_claims}
    if claim_ids:
        facts.append("claims " + ", ".join(f"[{i}](#claim-{i})" if i in known_ids else i for i in claim_ids))
    facts.append(f"folder `experiments/{experiment.name}/`")
    if experiment.summary:
        document.add(b.Paragraph(b.md_escape(experiment.summary)))
    document.add(b.Paragraph(" · ".join(facts)))

    if experiment.lesson.strip():
        filler = Filler(experiment.name, data.records, verdicts, warn=data.warn)
        document.add(b.Lesson(filler.fill(experiment.lesson), experiment.name, experiment.folder,
                              filler.machine_id or ""))
        if filler.machine_id and len(rec.machines(rec.select(records))) > 1:
            document.add(b.Note(f"Numbers in the text above come from `{filler.machine_id}`; "
                                f"the tables and figures below show every machine."))
    elif experiment.folder is None:
        document.add(b.Note(f"No folder `experiments/{experiment.name}/` was found: only the records are shown."))

    runs = [run for run in data.benchmarks if run.experiment == experiment.name]
    if not records and not runs:
        document.add(b.Note("No records yet for this experiment: run "
                            f"`build/oomlab run {experiment.name}` (or `make report`)."))
        return
    for note in status.provenance_notes(experiment, records, [r for r in data.stale
                                                               if r["experiment"] == experiment.name]):
        document.add(note)

    docs = {}
    for record in records:
        if record.get("variant_doc"):
            docs.setdefault(record["variant"], record["variant_doc"])
    variants = sort_variants(r["variant"] for r in records)
    document.add(b.Heading(3, "Variants", f"{experiment.anchor}-variants"), b.Items([
        f"`{variant}`" + (f": {b.md_escape(docs[variant])}" if variant in docs else "") for variant in variants]))

    if entries and records:
        _entries_table(document, data, experiment, entries, several_machines)

    figures = data.figures.get(experiment.name, [])
    if figures:
        document.add(b.Heading(3, "Figures", f"{experiment.anchor}-figures"))
        for figure in figures:
            document.add(b.Figure(figure.name, figure.caption, figure.svg_path, figure.png_path, figure.machine_id,
                                  figure.command))
    theory = experiment.bytes_per_element_theory()
    if theory:
        document.add(b.Paragraph("Theory values (dashed lines), from `experiment.json`:"), b.Items([
            f"{LANG_NAMES.get(lang, lang)} `{variant}`: {value:g} B per element"
            + (f": {b.md_escape(source)}" if source else "") for lang, variant, value, source in theory]))

    for run in runs:
        _benchmark_table(document, experiment, run, several_machines or len(runs) > 1)
    if records:
        _records_table(document, experiment, records)
    document.add(b.Paragraph("Measure this section again: " + "; ".join(
        f"`{command}`" for command in _section_commands(experiment, records, runs)) + ", then `make report-only`."))
    notes = []
    if ignored:
        notes.append(f"{plural(len(ignored), 'older record')} of this experiment ignored (a newer commit "
                     f"measured the same points).")
    failed = [r for r in records if not rec.is_ok(r)]
    if failed:
        notes.append(f"{plural(len(failed), 'measurement')} not ok: see [skipped and failed measurements](#failures).")
    if notes:
        document.add(b.Note(" ".join(notes)))


def _section_commands(experiment, records, runs):
    commands = []
    for machine_id in rec.machines(records) or [""]:
        mine = [r for r in records if rec.machine_of(r) == machine_id]
        if mine:
            commands.append(reproduce.run_command(experiment.name, mine))
    if runs:
        commands.append(reproduce.bench_command(experiment.name, records))
    return list(dict.fromkeys(commands))


def _benchmark_table(document, experiment, run, with_machine):
    where = f" on `{run.machine_id}`" if with_machine else ""
    document.add(
        b.Heading(3, f"C++ kernels (Google Benchmark){where}",
                  f"{experiment.anchor}-bench" + (f"-{comparison.anchor_part(run.machine_id)}" if with_machine else "")),
        b.Paragraph(f"From `{run.path.name}`, run {b.md_escape(run.context.get('date') or '(no date)')} "
                    f"on {b.md_escape(run.context.get('host_name') or run.machine_id)}: the median over repetitions of "
                    f"each benchmark; where the working set lives follows the caches in the benchmark's context."),
        b.Table(["Benchmark", "Working set", "Lives in", "Time per iteration", "Bytes/s", "Items/s"],
                bench.table_rows(run), numeric_columns=(1, 3, 4, 5)))
    if run.freshness == "changed":
        document.add(b.Note(f"Stale: {b.md_escape(run.freshness_detail)}. Run "
                            f"`{reproduce.bench_command(experiment.name)}` again."))


def _entries_table(document, data, experiment, entries, several_machines):
    rows = []
    ordered = sorted(entries, key=lambda e: (cl.claim_number(e["id"]), not cl.is_headline(e)))
    for entry in ordered:
        result = cl.evaluate(entry, data.records)
        ratio = "; ".join(m.text(several_machines) for m in result.measurements) or "not measured"
        known = any(claim["id"] == entry["id"] for claim in data.article_claims)
        role = "headline" if result.headline else "side row"
        if entry.get("modelled"):
            role = f"modelled, side row: {b.md_escape(entry['modelled'])}"
        if entry.get("language_default"):
            role = f"side row, a language default: {b.md_escape(entry['language_default'])}"
        if entry.get("kind") == "outcome":
            compared = f"outcome: {cl.side_label(entry['subject'])} vs {cl.side_label(entry['reference'])}"
            article = expected = f"{entry['subject_outcome']} vs {entry['reference_outcome']}"
        else:
            metric = f"`{entry['metric']}`: " if entry.get("metric") else ""
            compared = f"{metric}{b.md_escape(cl.side_label(entry['subject']))} / {b.md_escape(cl.side_label(entry['reference']))}"
            article = format_range(entry["article_range"])
            expected = (f"{entry.get('band', '')} {format_range(entry['expected_range'])}".strip()
                        if entry.get("expected_range") else "–")
        for name in ("subject", "reference"):
            figure = entry[name].get("published")
            if figure:
                compared += f" (published, not measured: {b.md_escape(figure['source'])})"
        rows.append([
            f"[{entry['id']}](#claim-{entry['id']})" if known else entry["id"],
            b.md_escape(entry.get("summary", "")) + f" ({role})",
            compared,
            ratio,
            f"{article}; fails if {b.md_escape(cl.fails_if(entry))}",
            expected + (f": {b.md_escape(entry['tolerance_reason'])}" if entry.get("tolerance_reason") else ""),
            result.verdict,
        ])
    document.add(
        b.Heading(3, "Claims checked here", f"{experiment.anchor}-claims"),
        b.Paragraph("Headline rows decide their claim's verdict; side rows are the lesson's own checks. "
                    "\"Expected\" is the range a run of this lesson should give: a theory band is derived from "
                    "first principles (the derivation follows it), a regression band is fitted to a measurement "
                    "and never decides a verdict about the article."),
        b.Table(["Claim", "Summary", "Compared", "Measured", "Article", "Expected (theory or regression)",
                 "Verdict"], rows, verdict_column=6))


def _records_table(document, experiment, records):
    metric_names = rec.metric_names(records)
    metrics = ["peak_delta_bytes", "peak_rss_bytes", "wall_seconds", *metric_names]
    summary = rec.summarise(records, metrics)
    variant_rank = {v: i for i, v in enumerate(sort_variants(r["variant"] for r in records))}
    lang_rank = {lang: i for i, lang in enumerate(sort_langs(r["lang"] for r in records))}
    summary.sort(key=lambda row: (row["machine_id"], row["experiment"], lang_rank[row["lang"]],
                                  variant_rank[row["variant"]], row["size"]))
    units = {r["size"]: r.get("size_unit") for r in records}
    rows = []
    for row in summary:
        outcome = f"{row['n_ok']}/{row['n_total']}"
        if row["outcomes"]:
            outcome += " (" + ", ".join(f"{count} {name}" for name, count in sorted(row["outcomes"].items())) + ")"
        rows.append([f"`{row['machine_id']}`", LANG_NAMES.get(row["lang"], row["lang"]), f"`{row['variant']}`",
                     format_size(row["size"], units.get(row["size"]) or experiment.size_unit), outcome]
                    + [format_stat(metric, *row[metric]) for metric in metrics])
    header = ["Machine", "Language", "Variant", "Size", "ok / runs", "Peak above baseline", "Peak RSS",
              "Wall time"] + [f"`{name}`" for name in metric_names]
    document.add(
        b.Heading(3, "Measurements", f"{experiment.anchor}-records"),
        b.Paragraph("Median (min–max) over the ok repeats of each point."),
        b.Table(header, rows, numeric_columns=tuple(range(3, len(header)))))


def _environment(document, data):
    document.add(b.Heading(2, "Environment", "environment"))
    everything = data.records + data.ignored
    machine_ids = rec.machines(everything)
    if not machine_ids:
        document.add(b.Paragraph("No records, so no machine to describe."))
        return
    newest = {m: max((r for r in everything if rec.machine_of(r) == m), key=rec.recorded_time) for m in machine_ids}
    rows = []
    for key, label in ENV_FIELDS:
        values = [newest[m]["env"].get(key) for m in machine_ids]
        if all(value in (None, "") for value in values):
            continue
        rows.append([label] + [_env_value(key, value) for value in values])
    rows.append(["records (ok)"] + [
        f"{sum(1 for r in data.records if rec.machine_of(r) == m)} "
        f"({sum(1 for r in data.records if rec.machine_of(r) == m and rec.is_ok(r))})" for m in machine_ids])
    rows.append(["newest record"] + [str(newest[m].get("recorded_at") or "–") for m in machine_ids])
    commits = {m: sorted({rec.commit_of(r) for r in everything if rec.machine_of(r) == m}) for m in machine_ids}
    rows.append(["commits in records"] + [str(len(commits[m])) for m in machine_ids])
    document.add(
        b.Paragraph("Taken from each machine's newest record."),
        b.Table(["Field"] + [f"`{m}`" for m in machine_ids], rows))
    timing_lines = report_steps.sentences(data.report_steps)
    if timing_lines:
        document.add(b.Paragraph("How long making this report took (timed by `make report`, "
                                 "`results/<machine>/make_report_steps.<scale>.json`):"), b.Items(timing_lines))


def _env_value(key, value):
    if value in (None, ""):
        return "–"
    if key == "mem_total_bytes":
        return format_bytes(value)
    if key == "git_dirty":
        return "yes" if value else "no"
    if key in ("git_commit", "python_executable", "cxx_flags"):
        return b.md_code(value)
    return b.md_escape(value)


def now_text():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
