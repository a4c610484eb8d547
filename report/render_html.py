"""Render a blocks.Document to one self-contained HTML page (CSS inline, figures as data URIs).

Self-contained means the file can be mailed or opened from a USB stick in a workshop: the only
links are #anchors inside the page and http(s) links in the text.
"""

import base64
import html
import re
from html.parser import HTMLParser

from report import blocks as b
from report import markdown
from report import verdicts as v
from report.records import warn as default_warn

CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d8dde6; --band: #f4f6f9; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.55;
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1 { font-size: 1.8rem; line-height: 1.2; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.5rem; margin: 3rem 0 0.8rem; padding-top: 0.8rem; border-top: 3px solid var(--ink); }
h3 { font-size: 1.2rem; margin: 2rem 0 0.6rem; }
h4, h5, h6 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
a { color: var(--accent); }
code { font: 0.88em/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
       background: var(--band); padding: 0.1em 0.3em; border-radius: 3px; }
pre { background: var(--band); padding: 0.8rem 1rem; overflow-x: auto; border-left: 3px solid var(--rule); }
pre code { background: none; padding: 0; }
blockquote { margin: 1rem 0; padding: 0.2rem 1rem; border-left: 4px solid var(--rule); color: var(--muted); }
.note { background: #fff8e6; border-left: 4px solid #e0a800; padding: 0.6rem 1rem; margin: 1rem 0; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }
th { background: var(--band); border-bottom: 2px solid var(--ink); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:target { outline: 3px solid var(--accent); }
/* The claims at a glance: the first screen of a 1400 px projector, one line per claim. The table
   breaks out of the text column to the window's width, and a row's comparisons open over the rows
   below it rather than widening a column. */
h2#claims { margin-top: 1rem; }
#verdict-counts { font-size: 1.05rem; margin: 0 0 0.5rem; }
.table-wrap.claims-wrap { overflow: visible; width: min(100vw - 1rem, 86rem); margin-left: 50%;
  transform: translateX(-50%); }
table.claims { font-size: 0.95rem; }  /* read from the back of a room, with room to spare at 1400 px */
table.claims th, table.claims td { white-space: nowrap; padding: 0.4rem 0.45rem; }
table.claims td:last-child { position: relative; }
table.claims summary { cursor: pointer; color: var(--accent); }
@media (max-width: 1360px) { table.claims td:nth-child(2) { white-space: normal; min-width: 14rem; } }
table.claims details[open] > ul { position: absolute; right: 0; top: 100%; z-index: 2; width: min(64rem, 92vw);
  margin: 0; padding: 0.6rem 1rem 0.6rem 2rem; background: #fff; border: 1px solid var(--rule);
  box-shadow: 0 4px 16px rgba(0, 0, 0, 0.15); white-space: normal; }
.verdict { font-weight: 600; white-space: nowrap; }
.verdict::before { display: inline-block; width: 1.3em; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.3rem; }
.reproduce { font-size: 0.85rem; }
.lesson { border-left: 4px solid var(--band); padding-left: 1rem; }
@media print { h2 { break-before: page; } figure, tr { break-inside: avoid; } a { color: inherit; } }
"""
# A verdict badge per category, with the symbol of report/verdicts.py (one legend, one set of symbols).
VERDICT_COLOURS = {v.CONFIRMED: "color: #176b2c;", v.WEAKER: "color: #4d7a1f;", v.NO_EFFECT: "color: #4a5568;",
                   v.WRONG: "color: #a4161a;", v.NUANCED: "color: #8a5a00;",
                   v.NOT_MEASURED: "color: var(--muted); font-weight: normal;"}
CSS += "\n".join(
    f'.v-{verdict.replace(" ", "-")} {{ {VERDICT_COLOURS[verdict]} }} '
    f'.v-{verdict.replace(" ", "-")}::before {{ content: "\\{ord(v.SYMBOLS[verdict]):04x}"; }}'
    for verdict in v.VERDICTS) + "\n"


def render(document, warn=default_warn):
    """The whole page as a string."""
    renderer = _Renderer(document, warn)
    body = "\n".join(renderer.block(block) for block in document.blocks)
    title = html.escape(document.title)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
            f"</body>\n</html>\n")


class _Renderer:
    def __init__(self, document, warn):
        self.document = document
        self.warn = warn
        self.known_ids = document.ids()
        self.used_ids = set(self.known_ids)

    def inline(self, text):
        return markdown.inline(text)

    def block(self, block):
        if isinstance(block, b.Heading):
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            level = max(1, min(6, block.level))
            return f"<h{level}{anchor}>{self.inline(block.text)}</h{level}>"
        if isinstance(block, b.Paragraph):
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            return f"<p{anchor}>{self.inline(block.text)}</p>"
        if isinstance(block, b.Note):
            return f'<p class="note">{self.inline(block.text)}</p>'
        if isinstance(block, b.Items):
            tag = "ol" if block.ordered else "ul"
            items = "\n".join(f"<li>{self.inline(item)}</li>" for item in block.items)
            return f"<{tag}>\n{items}\n</{tag}>"
        if isinstance(block, b.Code):
            return f"<pre><code>{html.escape(block.text)}</code></pre>"
        if isinstance(block, b.Table):
            return self.table(block)
        if isinstance(block, b.Figure):
            return self.figure(block)
        if isinstance(block, b.Lesson):
            return self.lesson(block)
        raise TypeError(f"unknown block {block!r}")

    def table(self, table):
        head = "".join(f"<th>{self.inline(cell)}</th>" for cell in table.header)
        rows = []
        for index, row in enumerate(table.rows):
            row_id = table.row_ids[index] if table.row_ids else None
            id_attr = f' id="{html.escape(row_id)}"' if row_id else ""
            cells = []
            for column, cell in enumerate(row):
                css = []
                if column == table.verdict_column:
                    css += ["verdict", "v-" + str(cell).strip().replace(" ", "-")]
                if column in table.numeric_columns:
                    css.append("num")
                class_attr = f' class="{" ".join(css)}"' if css else ""
                cells.append(f"<td{class_attr}>{self.cell(cell)}</td>")
            rows.append(f"<tr{id_attr}>{''.join(cells)}</tr>")
        css = f' class="{table.css_class}"' if table.css_class else ""
        wrap = f"table-wrap {table.css_class}-wrap" if table.css_class else "table-wrap"
        return (f'<div class="{wrap}"><table{css}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
                + "\n".join(rows) + "\n</tbody>\n</table></div>")

    def cell(self, cell):
        if isinstance(cell, b.Details):
            items = "".join(f"<li>{self.inline(item)}</li>" for item in cell.items)
            return f"<details><summary>{self.inline(cell.summary)}</summary><ul>{items}</ul></details>"
        return self.inline(cell)

    def figure(self, figure):
        try:
            data = base64.b64encode(figure.svg_path.read_bytes()).decode("ascii")
        except OSError as error:
            self.warn(f"figure {figure.name}: cannot embed ({error})")
            return f'<p class="note">Figure {html.escape(figure.name)} is missing.</p>'
        alt = html.escape(re.sub(r"[*`_\[\]]", "", figure.caption), quote=True)
        return (f'<figure id="fig-{html.escape(figure.name)}">'
                f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}">'
                f"<figcaption>{self.inline(figure.caption)}{_reproduce(figure)}</figcaption></figure>")

    def lesson(self, lesson):
        prefix = f"exp-{lesson.experiment}-"
        own_slugs = {markdown.slug(m.group(2)) for m in map(markdown.HEADING.match, _outside_fences(lesson.markdown)) if m}

        def heading_id(text):
            anchor = prefix + markdown.slug(text)
            candidate, number = anchor, 1
            while candidate in self.used_ids:
                number += 1
                candidate = f"{anchor}-{number}"
            self.used_ids.add(candidate)
            return candidate

        def link(url):
            if re.match(r"^(https?:|mailto:)", url):
                return url
            if url.startswith("#"):
                target = url[1:]
                if target in own_slugs:
                    return f"#{prefix}{target}"
                if target in self.known_ids:
                    return url
                self.warn(f"lesson {lesson.experiment}: link {url} points nowhere on the page; shown as text")
                return None
            return None  # a file next to the lesson: not part of a self-contained page, so plain text

        def image(url, alt):
            name = re.sub(r"^(\./)?figures/", "", url).rsplit(".", 1)[0]
            figure = self.document.figure_for(name, lesson.machine_id)
            if figure is None:
                self.warn(f"lesson {lesson.experiment}: image {url} is not a generated figure; alt text shown")
                return None
            data = base64.b64encode(figure.svg_path.read_bytes()).decode("ascii")
            return f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}">'

        fragment = markdown.to_html(lesson.markdown, link=link, image=image, heading_id=heading_id, heading_offset=2)
        return f'<div class="lesson">\n{fragment}\n</div>'


def _reproduce(figure):
    if not figure.command:
        return ""
    return (f'<br><span class="reproduce">Measure again: <code>{html.escape(figure.command)}</code>, '
            f"then <code>make report-only</code></span>")


def _outside_fences(text):
    """Lines of Markdown text that are not inside fenced code."""
    fence = None
    for line in text.splitlines():
        match = markdown.FENCE.match(line)
        if fence:
            if line.strip().startswith(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        yield line


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.duplicate_ids, self.hrefs, self.srcs = set(), set(), [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                (self.duplicate_ids if value in self.ids else self.ids).add(value)
            elif name == "href":
                self.hrefs.append(value or "")
            elif name == "src":
                self.srcs.append(value or "")


def problems(page):
    """What breaks self-containment or navigation: duplicate ids, #links without a target,
    links or sources that leave the page. An empty list means the page is sound."""
    collector = _LinkCollector()
    collector.feed(page)
    found = [f"duplicate id {value!r}" for value in sorted(collector.duplicate_ids)]
    for href in collector.hrefs:
        if href.startswith("#"):
            if href[1:] not in collector.ids:
                found.append(f"link {href} has no target")
        elif not re.match(r"^(https?:|mailto:)", href):
            found.append(f"link {href!r} leaves the page")
    for src in collector.srcs:
        if not src.startswith("data:"):
            found.append(f"source {src[:60]!r} is not embedded")
    return found
