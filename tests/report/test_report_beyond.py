# Protects the "Beyond the article" part of the report: experiments marked beyond_article come after
# the article's remedies under their own heading, the decision chart links only to sections that
# exist, and the lessons' own claim ids (not C1-C16) get verdicts, so their placeholders render.
import contextlib
import io

from report import make_report
from report_synthetic import claim_entry, repeats, write_experiment, write_records


def build(tmp_path):
    results, experiments, out = tmp_path / "results", tmp_path / "experiments", tmp_path / "out"
    write_experiment(experiments, "list_to_numpy", title="Lists to arrays", article_remedy=4)
    write_experiment(experiments, "small_objects", title="Small records", article_remedy=None, beyond_article=True,
                     readme="# Small records\n\nVerdict: {{verdict beyond-slots}}.\n",
                     claims=[claim_entry("beyond-slots", article_range=(0.0, 0.3), beyond_article=True)])
    records = []
    for experiment in ("list_to_numpy", "small_objects"):
        records += repeats(experiment=experiment, variant="baseline", size=1_000_000, bytes_per_element=40.0)
        records += repeats(experiment=experiment, variant="remedy", size=1_000_000, bytes_per_element=8.0)
    write_records(results, records)
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        code = make_report.main(["--results", str(results), "--experiments", str(experiments), "--out", str(out)])
    return code, (out / "report.md").read_text(), stderr.getvalue()


def test_beyond_the_article_part_follows_the_article_and_links_only_to_real_sections(tmp_path):
    code, markdown, stderr = build(tmp_path)
    assert code == 0, stderr
    beyond = markdown.index("## Beyond the article")
    assert markdown.index('id="exp-list_to_numpy"') < beyond < markdown.index('id="exp-small_objects"')
    assert "[Beyond the article](#beyond)" in markdown
    chart = markdown[markdown.index("Which remedy first?"):markdown.index('id="exp-small_objects"')]
    assert "(#exp-small_objects)" in chart and "(#exp-list_to_numpy)" in chart
    assert "(#exp-swap)" not in chart  # no such experiment here: its row is left out


def test_a_lessons_own_claim_gets_a_verdict(tmp_path):
    _, markdown, stderr = build(tmp_path)
    assert "Verdict: confirmed." in markdown  # 8 / 40 = 0.2, inside [0, 0.3]
    assert "claim ids not in the article" not in stderr
