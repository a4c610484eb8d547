"""What the report says: builds the blocks of the page from records, experiments, claims and figures.

The page order is: title and intro, the claims table, one section per experiment (lesson, figures,
claims checked, measurements), the environment, then the measurements that were skipped or failed.
"""

import datetime
from dataclasses import dataclass, field

from report import blocks as b
from report import claims as cl
from report import records as rec
from report.figures import sort_langs, sort_variants
from report.placeholders import Filler
from report.units import plural, format_bytes, format_range, format_ratio, format_size, format_stat

TITLE = "oomlab: what to do when Python runs out of memory, measured"
LANG_NAMES = {"py": "Python", "cpp": "C++"}
VERDICT_MEANINGS = [
    "**confirmed**: the measured ratio lies inside the range the article's words imply.",
    "**nuanced**: the effect goes the article's way, but its size differs from what the article says "
    "(or Python and C++, or two machines, disagree).",
    "**wrong**: the measurement goes against the article.",
    "**not measured**: no ok records yet for this claim (see the failures at the end).",
]
ENV_FIELDS = [
    ("hostname", "host"), ("kernel", "kernel"), ("cpu_model", "CPU"), ("cpu_count", "CPUs"),
    ("mem_total_bytes", "memory"), ("page_size_bytes", "page size (bytes)"), ("compiler", "compiler"),
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


def link_to_experiment(name, experiments_by_name):
    experiment = experiments_by_name.get(name)
    return f"[{b.md_escape(experiment.title if experiment else name)}](#exp-{name})"


def build_document(data):
    document = b.Document(title=TITLE)
    by_name = {experiment.name: experiment for experiment in data.experiments}
    rows = cl.claim_rows(data.article_claims, data.entries, data.records)
    verdicts = {row.claim["id"]: row.verdict for row in rows}
    several_machines = len(rec.machines(data.records)) > 1
    for experiment_figures in data.figures.values():
        for figure in experiment_figures:
            document.figures[figure.name] = figure

    _intro(document, data, rows)
    _claims_table(document, rows, by_name, several_machines)
    for experiment in data.experiments:
        _experiment_section(document, data, experiment, verdicts, several_machines)
    _environment(document, data)
    _failures(document, data, by_name)
    document.add(b.Paragraph(
        f"Generated {data.generated_at} by `report/make_report.py`. Regenerate with `make report`; "
        f"measure one experiment again with the command shown in its records (`build/oomlab run …`)."))
    return document


def _intro(document, data, rows):
    machine_ids = rec.machines(data.records + data.ignored)
    ok = sum(1 for record in data.records if rec.is_ok(record))
    counts = {verdict: sum(1 for row in rows if row.verdict == verdict) for verdict in cl.VERDICTS}
    document.add(
        b.Heading(1, TITLE),
        b.Paragraph(
            "The blog article *What to do when Python runs out of memory* lists seven remedies, from the most "
            "harmless (add RAM) to the most \"evil\" (compress data in memory). oomlab measures each one, in "
            "Python and in C++, in fresh child processes. The main figure is the **peak above baseline**: how much "
            "the resident set grew during the measured phase (`peak_delta_bytes`), which leaves out the "
            "interpreter's own start-up cost."),
        b.Paragraph(
            f"{plural(len(data.records), 'record')} ({ok} ok) from {plural(len(machine_ids), 'machine')}: "
            + ", ".join(f"`{machine}`" for machine in machine_ids)
            + f". Verdicts on the article's {len(rows)} claims: {counts[cl.CONFIRMED]} confirmed, "
            f"{counts[cl.NUANCED]} nuanced, {counts[cl.WRONG]} wrong, {counts[cl.NOT_MEASURED]} not measured."),
    )
    if data.ignored:
        document.add(b.Note(
            f"{plural(len(data.ignored), 'older record')} ignored: a newer git commit measured the same points "
            f"(they are still in results.csv, marked superseded)."))
    contents = ["[The article's claims](#claims)"]
    contents += [f"[{b.md_escape(e.title)}](#{e.anchor})" for e in data.experiments]
    contents += ["[Environment](#environment)", "[Skipped and failed measurements](#failures)"]
    document.add(b.Heading(2, "Contents", "contents"), b.Items(contents))


def _result_cell(result, lang, several_machines, by_name):
    """One entry's result as shown in a language column of the claims table."""
    entry = result.entry
    where = link_to_experiment(entry["experiment"], by_name)
    prefix = ""
    if cl.is_cross_language(entry):
        prefix = f"{cl.side_label(entry['subject'])} / {cl.side_label(entry['reference'])}: "
    elif entry["subject"]["variant"] != "remedy" or entry["reference"]["variant"] != "baseline":
        prefix = f"{entry['subject']['variant']} / {entry['reference']['variant']}: "
    metric = "" if entry.get("metric", "peak_delta_bytes") == "peak_delta_bytes" else f" ({entry['metric']})"
    if not result.measurements:
        return f"{prefix}not measured{metric}, {where}"
    values = "; ".join(f"**{m.text(several_machines)}**" for m in result.measurements)
    return f"{prefix}{values}{metric}, {where}"


def _claims_table(document, rows, by_name, several_machines):
    document.add(
        b.Heading(2, "The article's claims", "claims"),
        b.Paragraph(
            "Each claim is checked by comparing one metric of a subject variant with a reference variant at the "
            "largest size both ran on the same machine: ratio = median(subject) / median(reference). "
            "Ratios below 1× mean the subject uses less (memory, or time)."),
        b.Items(VERDICT_MEANINGS),
    )
    table_rows, row_ids = [], []
    for row in rows:
        claim = row.claim
        remedy = f" (remedy {claim['remedy']})" if claim.get("remedy") else " (closing)"
        python = "<br>".join(_result_cell(r, "py", several_machines, by_name) for r in row.python) or "–"
        cpp = "<br>".join(_result_cell(r, "cpp", several_machines, by_name) for r in row.cpp) or "–"
        if row.results:
            evidence = "; ".join(
                r.evidence(with_machine=several_machines) + (f" → {r.verdict}" if len(row.results) > 1 else "")
                for r in row.results)
        else:
            evidence = "no experiment checks this claim yet"
        table_rows.append([f"**{claim['id']}**{remedy}", b.md_escape(claim["article_says"]),
                           python, cpp, row.verdict, b.md_escape(evidence)])
        row_ids.append(f"claim-{claim['id']}")
    document.add(b.Table(
        ["Claim", "What the article says", "Measured in Python", "Measured in C++", "Verdict", "Evidence"],
        table_rows, row_ids=row_ids, verdict_column=4, css_class="claims"))


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
        document.add(b.Lesson(filler.fill(experiment.lesson), experiment.name, experiment.folder))
        if filler.machine_id and len(rec.machines(rec.select(records))) > 1:
            document.add(b.Note(f"Numbers in the text above come from `{filler.machine_id}`; "
                                f"the tables and figures below show every machine."))
    elif experiment.folder is None:
        document.add(b.Note(f"No folder `experiments/{experiment.name}/` was found: only the records are shown."))

    if not records:
        document.add(b.Note("No records yet for this experiment: run "
                            f"`build/oomlab run {experiment.name}` (or `make report`)."))
        return

    docs = {}
    for record in records:
        if record.get("variant_doc"):
            docs.setdefault(record["variant"], record["variant_doc"])
    variants = sort_variants(r["variant"] for r in records)
    document.add(b.Heading(3, "Variants", f"{experiment.anchor}-variants"), b.Items([
        f"`{variant}`" + (f": {b.md_escape(docs[variant])}" if variant in docs else "") for variant in variants]))

    if entries:
        _entries_table(document, data, experiment, entries, several_machines)

    figures = data.figures.get(experiment.name, [])
    if figures:
        document.add(b.Heading(3, "Figures", f"{experiment.anchor}-figures"))
        for figure in figures:
            document.add(b.Figure(figure.name, figure.caption, figure.svg_path, figure.png_path, figure.machine_id))
    theory = experiment.bytes_per_element_theory()
    if theory:
        document.add(b.Paragraph("Theory values (dashed lines), from `experiment.json`:"), b.Items([
            f"{LANG_NAMES.get(lang, lang)} `{variant}`: {value:g} B per element"
            + (f": {b.md_escape(source)}" if source else "") for lang, variant, value, source in theory]))

    _records_table(document, experiment, records)
    notes = []
    if ignored:
        notes.append(f"{plural(len(ignored), 'older record')} of this experiment ignored (a newer commit "
                     f"measured the same points).")
    failed = [r for r in records if not rec.is_ok(r)]
    if failed:
        notes.append(f"{plural(len(failed), 'measurement')} not ok: see [skipped and failed measurements](#failures).")
    if notes:
        document.add(b.Note(" ".join(notes)))


def _entries_table(document, data, experiment, entries, several_machines):
    rows = []
    for entry in sorted(entries, key=lambda e: cl.claim_number(e["id"])):
        result = cl.evaluate(entry, data.records)
        ratio = "; ".join(m.text(several_machines) for m in result.measurements) or "not measured"
        known = any(claim["id"] == entry["id"] for claim in data.article_claims)
        if entry.get("kind") == "outcome":
            compared = f"outcome: {cl.side_label(entry['subject'])} vs {cl.side_label(entry['reference'])}"
            article = expected = f"{entry['subject_outcome']} vs {entry['reference_outcome']}"
        else:
            compared = f"`{entry['metric']}`: {cl.side_label(entry['subject'])} / {cl.side_label(entry['reference'])}"
            article = format_range(entry["article_range"])
            expected = format_range(entry.get("expected_range"))
        rows.append([
            f"[{entry['id']}](#claim-{entry['id']})" if known else entry["id"],
            b.md_escape(entry.get("summary", "")),
            compared,
            ratio,
            article,
            expected + (f": {b.md_escape(entry['tolerance_reason'])}" if entry.get("tolerance_reason") else ""),
            result.verdict,
        ])
    document.add(
        b.Heading(3, "Claims checked here", f"{experiment.anchor}-claims"),
        b.Table(["Claim", "Summary", "Compared", "Measured", "Article", "Expected (theory)", "Verdict"],
                rows, verdict_column=6))


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


def _failures(document, data, by_name):
    document.add(b.Heading(2, "Skipped and failed measurements", "failures"))
    failed = [r for r in data.records if not rec.is_ok(r)]
    if not failed:
        document.add(b.Paragraph("None: every measurement of the newest commit finished ok."))
        return
    groups = {}
    for record in failed:
        reason = record.get("reason") or _last_line(record.get("traceback")) or "(no reason recorded)"
        key = (*rec.group_key(record), record["outcome"], reason)
        groups.setdefault(key, []).append(record)
    rows = []
    for key in sorted(groups, key=lambda k: tuple(str(part) for part in k)):
        machine_id, experiment, lang, variant, size, outcome, reason = key
        members = groups[key]
        rows.append([f"`{machine_id}`", link_to_experiment(experiment, by_name), LANG_NAMES.get(lang, lang),
                     f"`{variant}`", format_size(size, members[0].get("size_unit")), outcome, str(len(members)),
                     b.md_escape(reason), b.md_code(members[0].get("command") or "–")])
    document.add(
        b.Paragraph("Grouped by point, outcome and reason. A `skipped` measurement is a result too: "
                    "the reason says what this machine does not allow."),
        b.Table(["Machine", "Experiment", "Language", "Variant", "Size", "Outcome", "Count", "Reason",
                 "Command"], rows))


def _last_line(text):
    if not isinstance(text, str):
        return ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def now_text():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
