# Protects the workshop plan (docs/workshop.md → report/out/workshop.md, report/workshop.py): every number a
# teacher quotes comes from the records through a placeholder, so each placeholder form must render, and the
# template must name only experiments, variants and figures that exist. Easy to break: a variant renamed in
# an experiment silently turns a quoted number into "(not measured)".
import json
import subprocess
import types

import pytest

from report import claims as cl
from report import figures as fig
from report.experiments import Experiment
from report.make_report import REPO
from report.placeholders import NOT_MEASURED_TEXT, PLACEHOLDER
from report.workshop import TEMPLATE_NOTE, render
from report_synthetic import claim_entry, repeats

TEMPLATE = REPO / "docs" / "workshop.md"
KINDS = {"bytes_per_element": 2, "peak_delta": 2, "size": 2, "metric": 3, "ratio": 6}
FIGURE_KINDS = [kind for kind, _ in fig._builders("elements") + fig._builders("MiB")] + ["tree-peak-py",
                                                                                         "tree-peak-cpp"]


def data_for(records, tmp_path, figures=()):
    experiment = Experiment(name="lists", title="Lists")
    return types.SimpleNamespace(
        records=records, entries=[claim_entry("C7")], article_claims=[{"id": "C7"}], experiments=[experiment],
        figures={"lists": list(figures)}, generated_at="2025-01-10 10:00 UTC", head="c0ffee1" * 5, warn=print)


def test_each_form_renders_from_the_records_and_the_note_is_replaced(tmp_path):
    records = (repeats(variant="baseline", size=1_000_000, bytes_per_element=40.0, spread=0.0)
               + repeats(variant="remedy", size=1_000_000, bytes_per_element=8.0, spread=0.0))
    figure = fig.FigureFile("lists-timeline", "Memory over time.", tmp_path / "figures" / "lists-timeline.svg",
                            tmp_path / "figures" / "lists-timeline.png", "lab-a")
    template = ("<!-- template-note -->\nedit me\n<!-- /template-note -->\n"
                "{{lists: bytes_per_element py baseline}} | {{lists: ratio peak_delta_bytes py remedy / py baseline}} | "
                "{{verdict C7}} | {{figure lists-timeline}} | {{command lists}} | {{generated}} | {{lists: size py remedy}}")
    warnings = []
    text = render(template, data_for(records, tmp_path, [figure]), tmp_path, warn=warnings.append)
    assert "edit me" not in text and "Rendered by `make report`" in text
    body = text.splitlines()[-1].split(" | ")
    assert body[:3] == ["40.0 B", "0.20×", "confirmed"]  # 0.20× goes past "almost half" [0.4, 0.6]
    assert body[3] == "![Memory over time.](figures/lists-timeline.svg)"
    assert body[4] == "`build/oomlab run lists --scale quick`"
    assert "commit `c0ffee1c0ffe`" in body[5] and body[6] == "1,000,000"
    assert warnings == []


def test_unknown_or_unmeasured_placeholders_say_so(tmp_path):
    warnings = []
    text = render("{{frobnicate}} {{lists: peak_delta cpp nothing}} {{figure lists-nothing}} {{verdict C99}}",
                  data_for([], tmp_path), tmp_path, warn=warnings.append)
    assert text.count(NOT_MEASURED_TEXT) == 3 and "not drawn, no data yet" in text
    assert len(warnings) == 4


def catalog():
    """{experiment: {lang: {variant names}}} from the built CLI (`oomlab list --json`): variants generated in
    a loop (processes' `<way>_n<N>`) exist only there, not as text in the sources."""
    binary = REPO / "build" / "oomlab"
    if not binary.exists():
        pytest.skip("build/oomlab is missing: `make build` (or `make test`, which builds) lists the variants")
    listing = json.loads(subprocess.run([str(binary), "list", "--json"], capture_output=True, text=True,
                                        check=True).stdout)
    return {e["name"]: {lang: {v["name"] for v in variants} for lang, variants in e["variants"].items()}
            for e in listing}


def test_the_template_names_only_things_that_exist():
    text = TEMPLATE.read_text()
    assert "<!-- template-note -->" in text and "report/out/workshop.md" in text
    text = TEMPLATE_NOTE.sub("", text)  # the note explains the placeholders with examples of its own
    article = {claim["id"] for claim in cl.load_article_claims(REPO / "report" / "article_claims.json")}
    experiments = catalog()
    checked = 0
    for expression in PLACEHOLDER.findall(text):
        words = expression.split()
        if words[0].endswith(":"):
            experiment, kind, arguments = words[0][:-1], words[1], words[2:]
            assert KINDS.get(kind) == len(arguments), expression
            assert experiment in experiments, f"{expression}: no experiment {experiment}"
            known = experiments[experiment]
            sides = [arguments[1:3], arguments[4:6]] if kind == "ratio" else [arguments[-2:]]
            for lang, variant in sides:
                assert variant.split(":")[-1] in known.get(lang, ()), f"{expression}: no {lang} variant {variant}"
                checked += 1
        elif words[0] == "verdict":
            assert words[1] in article, expression
        elif words[0] == "figure":
            assert any(words[1].endswith("-" + kind) for kind in FIGURE_KINDS), expression
        elif words[0] == "command":
            assert len(words) == 2 and words[1] in experiments, expression
        elif words[0] == "make_report_time":
            assert len(words) == 2 and words[1] in ("quick", "default", "large"), expression
        else:
            assert words == ["generated"], expression
    assert checked >= 20  # the experiments of this tree are really checked
