"""A small Markdown-to-HTML converter for the lessons (experiments/<name>/README.md).

It covers what lessons use: headings, paragraphs, lists (nested by indentation), fenced code blocks,
block quotes, pipe tables, rules, and inline code, bold, italic, links and images. Raw HTML is escaped,
not passed through, so a lesson cannot break the page. Links go through a callback so the report can
keep the page self-contained (no relative links to files that are not embedded).
"""

import html
import re

FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+&quot;[^)]*&quot;)?\s*\)")
LINK = re.compile(r"\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+&quot;[^)]*&quot;)?\s*\)")
AUTOLINK = re.compile(r"&lt;(https?://[^\s&]+)&gt;")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
STASHED = re.compile("\x00(\\d+)\x00")


def slug(text):
    """GitHub-like heading slug: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"\s", "-", text.strip())


def keep_link(url):
    """Default link policy: keep every link as written."""
    return url


def inline(text, link=keep_link, image=None):
    """Inline Markdown of one block to HTML.

    link(url) returns the href to use, or None to print the link text without a link.
    image(url, alt) returns replacement HTML, or None to print the alt text.
    """
    stash = []

    def keep(fragment):
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    text = CODE_SPAN.sub(lambda m: keep(f"<code>{html.escape(m.group(2).strip())}</code>"), text)
    text = ESCAPED.sub(lambda m: keep(html.escape(m.group(1))), text)
    text = html.escape(text, quote=True)
    text = re.sub(r"&lt;br\s*/?&gt;", lambda m: keep("<br>"), text)  # the one raw tag allowed (table cells)

    def render_image(match):
        alt, url = match.group(1), html.unescape(match.group(2))
        replacement = image(url, html.unescape(alt)) if image else None
        return keep(replacement) if replacement else alt

    def render_link(match, label=None):
        url = html.unescape(match.group(2) if label is None else match.group(1))
        label = match.group(1) if label is None else label
        href = link(url)
        if href is None:
            return label
        return keep(f'<a href="{html.escape(href, quote=True)}">') + label + keep("</a>")

    text = IMAGE.sub(render_image, text)
    text = LINK.sub(render_link, text)
    text = AUTOLINK.sub(lambda m: render_link(m, label=m.group(1)), text)
    text = BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", text)
    text = ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)
    while STASHED.search(text):  # stashed fragments may contain earlier stashes
        text = STASHED.sub(lambda m: stash[int(m.group(1))], text)
    return text


def split_row(line):
    """Cells of a pipe-table row ('| a | b |' → ['a', 'b']); escaped pipes stay in their cell."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


def to_html(text, link=keep_link, image=None, heading_id=None, heading_offset=0):
    """Markdown text to an HTML fragment.

    heading_id(text) gives a heading's id (None: no id); heading_offset demotes headings (# → h3 for 2).
    """
    lines = text.replace("\r\n", "\n").replace("\t", "    ").split("\n")
    out = []
    paragraph = []
    index = 0

    def flush_paragraph():
        if paragraph:
            out.append(f"<p>{inline(' '.join(line.strip() for line in paragraph), link, image)}</p>")
            paragraph.clear()

    def nested(block_text):
        return to_html(block_text, link, image, heading_id, heading_offset)

    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            flush_paragraph()
            marker, language = fence.group(1), fence.group(2)
            body = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(marker):
                body.append(lines[index])
                index += 1
            index += 1  # the closing fence (or the end of the text)
            css = f' class="language-{html.escape(language)}"' if language else ""
            out.append(f"<pre><code{css}>{html.escape(chr(10).join(body))}</code></pre>")
            continue
        if not line.strip():
            flush_paragraph()
            index += 1
            continue
        heading = HEADING.match(line)
        if heading:
            flush_paragraph()
            level = min(6, len(heading.group(1)) + heading_offset)
            content = heading.group(2)
            anchor = heading_id(content) if heading_id else None
            id_attr = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
            out.append(f"<h{level}{id_attr}>{inline(content, link, image)}</h{level}>")
            index += 1
            continue
        if RULE.match(line) and not paragraph:
            out.append("<hr>")
            index += 1
            continue
        if "|" in line and index + 1 < len(lines) and TABLE_DELIMITER.match(lines[index + 1]) \
                and "-" in lines[index + 1]:
            flush_paragraph()
            header = split_row(line)
            aligns = []
            for cell in split_row(lines[index + 1]):
                left, right = cell.startswith(":"), cell.endswith(":")
                aligns.append("center" if left and right else "right" if right else "left" if left else None)
            index += 2
            body_rows = []
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                body_rows.append(split_row(lines[index]))
                index += 1
            out.append(_table_html(header, body_rows, aligns, lambda cell: inline(cell, link, image)))
            continue
        if line.lstrip().startswith(">"):
            flush_paragraph()
            quoted = []
            while index < len(lines) and lines[index].lstrip().startswith(">"):
                quoted.append(re.sub(r"^\s*>\s?", "", lines[index]))
                index += 1
            out.append(f"<blockquote>{nested(chr(10).join(quoted))}</blockquote>")
            continue
        if LIST_ITEM.match(line):  # a list may interrupt a paragraph, as in CommonMark
            flush_paragraph()
            index = _list(lines, index, out, nested)
            continue
        paragraph.append(line)
        index += 1
    flush_paragraph()
    return "\n".join(out)


def _list(lines, index, out, nested):
    """Render the list starting at lines[index]; return the index after it."""
    first = LIST_ITEM.match(lines[index])
    indent = len(first.group(1))
    ordered = first.group(2)[0].isdigit()
    start = int(first.group(2)[:-1]) if ordered else 1
    items = []
    while index < len(lines):
        match = LIST_ITEM.match(lines[index])
        if not match or len(match.group(1)) != indent or match.group(2)[0].isdigit() != ordered:
            break
        content_indent = len(match.group(1)) + len(match.group(2)) + 1
        body = [match.group(3)]
        index += 1
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                # a blank line continues the item only if indented content follows
                following = next((l for l in lines[index + 1:] if l.strip()), "")
                if len(following) - len(following.lstrip()) > indent:
                    body.append("")
                    index += 1
                    continue
                break
            leading = len(line) - len(line.lstrip())
            sibling = LIST_ITEM.match(line)
            if sibling and leading <= indent:
                break
            if leading <= indent and (HEADING.match(line) or FENCE.match(line)):
                break
            body.append(line[min(leading, content_indent):])
            index += 1
        rendered = nested("\n".join(body))
        if rendered.startswith("<p>") and rendered.count("<p>") == 1:  # tight item: no <p> wrapper
            rendered = rendered[3:].replace("</p>", "", 1)
        items.append(f"<li>{rendered}</li>")
    tag = "ol" if ordered else "ul"
    start_attr = f' start="{start}"' if ordered and start != 1 else ""
    out.append(f"<{tag}{start_attr}>\n" + "\n".join(items) + f"\n</{tag}>")
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _table_html(header, rows, aligns, render_cell):
    def cell(tag, text, column):
        align = aligns[column] if column < len(aligns) else None
        style = f' style="text-align:{align}"' if align else ""
        return f"<{tag}{style}>{render_cell(text)}</{tag}>"

    head = "".join(cell("th", text, column) for column, text in enumerate(header))
    body = "\n".join(
        "<tr>" + "".join(cell("td", text, column) for column, text in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def transform(text, heading_offset=0, link=keep_link):
    """Markdown to Markdown: demote headings and rewrite link targets, leaving code untouched.

    Used to nest a lesson inside report.md. link(url) returns the new target, or None to drop the link
    and keep its text.
    """
    out = []
    in_fence = None
    for line in text.replace("\r\n", "\n").split("\n"):
        fence = FENCE.match(line)
        if in_fence:
            if line.strip().startswith(in_fence):
                in_fence = None
            out.append(line)
            continue
        if fence:
            in_fence = fence.group(1)
            out.append(line)
            continue
        heading = HEADING.match(line)
        if heading:
            line = "#" * min(6, len(heading.group(1)) + heading_offset) + " " + heading.group(2)
        out.append(_rewrite_links(line, link))
    return "\n".join(out)


def _rewrite_links(line, link):
    stash = []

    def keep(match):
        stash.append(match.group(0))
        return f"\x00{len(stash) - 1}\x00"

    line = CODE_SPAN.sub(keep, line)

    def rewrite(match):
        is_image, label, url, rest = match.group(1), match.group(2), match.group(3), match.group(4) or ""
        target = link(url)
        if target is None:
            return label
        return f"{is_image}[{label}]({target}{rest})"

    line = re.sub(r"(!?)\[([^\]]*)\]\(\s*([^)\s]+)(\s+\"[^)]*\")?\s*\)", rewrite, line)
    return STASHED.sub(lambda m: stash[int(m.group(1))], line)
