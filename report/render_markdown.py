"""Render a blocks.Document to Markdown (report.md), with figures as files under figures/.

Anchors are written as `<a id="…"></a>` so the same #claim-C7 and #exp-<name> links work on a
Markdown viewer that allows them (GitHub does).
"""

import os
import re

from report import blocks as b
from report import markdown


def render(document, out_dir):
    """The whole Markdown text. out_dir is where report.md is written (for relative paths)."""
    parts = [_block(block, out_dir, document) for block in document.blocks]
    return "\n\n".join(part for part in parts if part) + "\n"


def _cell(text):
    """A table cell: no line breaks, and every pipe escaped so it stays in its cell. A Details cell is
    a <details> element, which GitHub's Markdown opens on a click as a browser does."""
    if isinstance(text, b.Details):
        text = f"<details><summary>{text.summary}</summary>{'<br>'.join(text.items)}</details>"
    return re.sub(r"(?<!\\)\|", r"\\|", str(text).replace("\n", " "))


def _block(block, out_dir, document):
    if isinstance(block, b.Heading):
        anchor = f'<a id="{block.anchor}"></a>\n' if block.anchor else ""
        return f"{anchor}{'#' * max(1, min(6, block.level))} {block.text}"
    if isinstance(block, b.Paragraph):
        return (f'<a id="{block.anchor}"></a>' if block.anchor else "") + block.text
    if isinstance(block, b.Note):
        return f"> **Note:** {block.text}"
    if isinstance(block, b.Items):
        return "\n".join(
            f"{index}. {item}" if block.ordered else f"- {item}" for index, item in enumerate(block.items, 1))
    if isinstance(block, b.Code):
        return f"```\n{block.text}\n```"
    if isinstance(block, b.Table):
        lines = ["| " + " | ".join(_cell(cell) for cell in block.header) + " |",
                 "|" + "|".join("---:" if i in block.numeric_columns else "---" for i in range(len(block.header))) + "|"]
        for index, row in enumerate(block.rows):
            cells = [_cell(cell) for cell in row]
            row_id = block.row_ids[index] if block.row_ids else None
            if row_id and cells:
                cells[0] = f'<a id="{row_id}"></a>{cells[0]}'
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    if isinstance(block, b.Figure):
        path = os.path.relpath(block.svg_path, out_dir)
        command = f"\n\nMeasure again: `{block.command}`, then `make report-only`." if block.command else ""
        return f'<a id="fig-{block.name}"></a>\n![{_alt(block.caption)}]({path})\n\n*{block.caption}*{command}'
    if isinstance(block, b.Lesson):
        return _lesson(block, out_dir, document)
    raise TypeError(f"unknown block {block!r}")


def _alt(text):
    return re.sub(r"[\[\]*`_]", "", text)


def _lesson(lesson, out_dir, document):
    """The lesson nested two levels down; relative file links made relative to report.md."""

    def link(url):
        if re.match(r"^(https?:|mailto:|#)", url):
            return url
        if re.match(r"^(\./)?figures/", url):  # generated figures sit in out_dir/figures too
            name = re.sub(r"^(\./)?figures/", "", url).rsplit(".", 1)[0]
            figure = document.figure_for(name, lesson.machine_id)
            return os.path.relpath(figure.svg_path, out_dir) if figure else url
        if lesson.folder is None:
            return None
        return os.path.relpath(os.path.join(lesson.folder, url), out_dir)

    return markdown.transform(lesson.markdown.strip(), heading_offset=2, link=link)
