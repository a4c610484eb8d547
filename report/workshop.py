"""The workshop plan (docs/workshop.md) rendered with this report's numbers into report/out/workshop.md.

The template uses the lessons' placeholders with the experiment in front, so every number a teacher
quotes comes from the records:

    {{list_to_numpy: peak_delta py baseline}}   any lesson placeholder, for one experiment
    {{verdict C7}}                              a claim's verdict
    {{figure float32-throughput}}               a figure of the report (the lesson machine's), as an image
    {{command swap}}                            the `build/oomlab run …` command of an experiment's records
    {{generated}}                               when, at which commit and from which machines
    {{make_report_time default}}                how long `make report` took at that scale (its steps file)

The block between `<!-- template-note -->` and `<!-- /template-note -->` explains the template to its
editors; the rendered file gets a line saying where its numbers come from instead.
"""

import re

from report import claims as cl
from report import records as rec
from report import report_steps, reproduce
from report.placeholders import NOT_MEASURED_TEXT, PLACEHOLDER, Filler, primary_machine

TEMPLATE_NOTE = re.compile(r"<!-- template-note -->.*?<!-- /template-note -->", re.S)
MARKUP = re.compile(r"[*`_\[\]]")  # not in an image's alt text


def render(template, data, out_dir, warn=None):
    warn = warn or data.warn
    verdicts = {row.claim["id"]: row.verdict for row in cl.claim_rows(data.article_claims, data.entries, data.records)}
    fillers = {}

    def filler(experiment):
        if experiment not in fillers:
            fillers[experiment] = Filler(experiment, data.records, verdicts, warn=warn)
        return fillers[experiment]

    figures = [figure for made in data.figures.values() for figure in made]

    def figure(name):
        experiment = next((e.name for e in data.experiments if name.startswith(e.name + "-")), None)
        machine = primary_machine(data.records, experiment) if experiment else None
        candidates = [f for f in figures if f.name == name or (f.name.startswith(name + "-") and f.machine_id == machine)]
        if not candidates:
            warn(f"workshop: figure {name} was not drawn (no data)")
            return f"*(figure {name}: not drawn, no data yet)*"
        chosen = candidates[0]
        path = chosen.svg_path.relative_to(out_dir).as_posix() if chosen.svg_path.is_relative_to(out_dir) else str(
            chosen.svg_path)
        return f"![{MARKUP.sub('', chosen.caption)}]({path})"

    def command(experiment):
        machine = primary_machine(data.records, experiment)
        records = [r for r in data.records if r["experiment"] == experiment and rec.machine_of(r) == machine]
        return f"`{reproduce.run_command(experiment, records)}`" if records else f"`{reproduce.OOMLAB} run {experiment}`"

    def generated():
        machines = ", ".join(f"`{m}`" for m in rec.machines(data.records)) or "no machine"
        at = f" at commit `{data.head[:12]}`" if data.head else ""
        return f"{data.generated_at}{at}, from {len(data.records)} records on {machines}"

    def one(match):
        expression = match.group(1)
        words = expression.split()
        if not words:
            return match.group(0)
        head, rest = words[0], " ".join(words[1:])
        if head.endswith(":"):
            return filler(head[:-1]).fill("{{" + rest + "}}")
        if head == "verdict" and len(words) == 2:
            return verdicts.get(words[1]) or _missing(warn, expression)
        if head == "figure" and len(words) == 2:
            return figure(words[1])
        if head == "command" and len(words) == 2:
            return command(words[1])
        if head == "generated" and len(words) == 1:
            return generated()
        if head == "make_report_time" and len(words) == 2:
            return (report_steps.workshop_text(data.report_steps, words[1])
                    or f"not timed on this machine yet (`make report SCALE={words[1]}` times it)")
        return _missing(warn, expression, known=False)

    note = (f"> Rendered by `make report` from `docs/workshop.md` on {generated()}. Every number below comes "
            f"from those records; figures are in `figures/`, the full report in `index.html`.")
    text = TEMPLATE_NOTE.sub(lambda _: note, template, count=1)
    return PLACEHOLDER.sub(one, text)


def _missing(warn, expression, known=True):
    warn(f"workshop: {'no data for' if known else 'unknown'} placeholder {{{{{expression}}}}}")
    return NOT_MEASURED_TEXT
