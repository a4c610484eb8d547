# Protects the small Markdown converter that renders the lessons (report/markdown.py): a lesson must not be
# able to inject raw HTML or external links into the self-contained page, and the common constructs
# (headings, lists, code, tables, emphasis, links) must come out as the matching HTML elements.
from report import markdown


def test_block_constructs_become_their_html_elements():
    text = ("# Title\n\nA *b* **c** `d<e>`.\nIntro:\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n"
            "```python\nx = a < b\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 \\| 3 |\n\n> quoted\n")
    out = markdown.to_html(text)
    for fragment in ["<h1>Title</h1>", "<em>b</em>", "<strong>c</strong>", "<code>d&lt;e&gt;</code>",
                     "<li>one</li>", "<ul>\n<li>nested</li>\n</ul>", "<ol>", "<li>first</li>",
                     '<pre><code class="language-python">x = a &lt; b</code></pre>', "<th>a</th>",
                     '<td style="text-align:right">2 | 3</td>', "<blockquote><p>quoted</p></blockquote>"]:
        assert fragment in out, fragment


def test_raw_html_is_escaped():
    out = markdown.to_html('<script>alert(1)</script> <img src="http://x/y.png">')
    assert "<script>" not in out and "<img" not in out


def test_links_go_through_the_policy_and_headings_get_ids():
    out = markdown.to_html("## A heading\n\n[web](https://example.org) [file](experiment.py) [top](#claims)",
                           link=lambda url: None if url.endswith(".py") else url,
                           heading_id=lambda text: "h-" + markdown.slug(text), heading_offset=1)
    assert '<h3 id="h-a-heading">A heading</h3>' in out
    assert '<a href="https://example.org">web</a>' in out and '<a href="#claims">top</a>' in out
    assert "file" in out and 'href="experiment.py"' not in out


def test_snake_case_and_arithmetic_are_not_emphasis():
    assert markdown.inline("peak_delta_bytes and 2*3*4") == "peak_delta_bytes and 2*3*4"


def test_transform_demotes_headings_outside_code_only():
    out = markdown.transform("# Title\n```\n# not a heading\n```\n[x](a.py)", heading_offset=2,
                             link=lambda url: "../" + url)
    assert out.splitlines() == ["### Title", "```", "# not a heading", "```", "[x](../a.py)"]
