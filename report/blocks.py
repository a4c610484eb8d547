"""The report as a list of blocks, rendered twice: to HTML (index.html) and to Markdown (report.md).

Building the content once and rendering it twice keeps the page and the Markdown saying the same thing.
Text fields are inline Markdown (links, bold, code); anchors are ids like `exp-float32` or `claim-C7`.
"""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = None


@dataclass
class Paragraph:
    text: str
    anchor: str = None


@dataclass
class Note:
    """A paragraph set apart (a warning or a caveat)."""
    text: str


@dataclass
class Items:
    items: list
    ordered: bool = False


@dataclass
class Details:
    """A table cell that unfolds: the summary shows, the items (inline Markdown, one a line) open on a
    click (HTML <details>), so a row stays one line however much lies behind it."""
    summary: str
    items: list


@dataclass
class Table:
    header: list
    rows: list                  # cells: inline Markdown, or a Details
    row_ids: list = None        # an anchor per row, or None
    verdict_column: int = None  # the column whose cells are verdicts (styled as badges in HTML)
    numeric_columns: tuple = ()  # right-aligned columns
    css_class: str = ""


@dataclass
class Figure:
    name: str
    caption: str
    svg_path: Path
    png_path: Path | None  # None when the report was made with --no-png
    machine_id: str = ""
    command: str = ""  # the oomlab command that measures the figure's data again


@dataclass
class Lesson:
    """An experiment's README.md (placeholders already filled), nested under its section heading."""
    markdown: str
    experiment: str
    folder: Path = None
    machine_id: str = ""  # the machine its numbers (and figures/<name>.svg) come from



@dataclass
class Code:
    text: str


@dataclass
class Document:
    title: str
    blocks: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # name → Figure, for lessons that reference figures/<name>.svg

    def add(self, *blocks):
        self.blocks.extend(blocks)

    def figure_for(self, name, machine_id=""):
        """The figure a lesson means by figures/<name>.svg: that name, or with several machines the
        machine's own (<name>-<machine>), else any machine's; None if it was not drawn."""
        if name in self.figures:
            return self.figures[name]
        own = [f for f in self.figures.values() if f.name.startswith(name + "-") and f.machine_id == machine_id]
        others = [f for f in self.figures.values() if f.name.startswith(name + "-")]
        return (own or others or [None])[0]

    def ids(self):
        """Every anchor the document defines (before lesson headings are added)."""
        found = {block.anchor for block in self.blocks if isinstance(block, (Heading, Paragraph)) and block.anchor}
        for block in self.blocks:
            if isinstance(block, Table) and block.row_ids:
                found.update(row_id for row_id in block.row_ids if row_id)
        return found


def md_escape(text):
    """Data text (a reason, a variant's doc) as literal inline Markdown."""
    text = str(text)
    for char in "\\`*_[]|<>":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def md_code(text):
    """Text as an inline code span, safe even if it contains backticks."""
    text = str(text).replace("\n", " ")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def link_to_experiment(name, experiments_by_name):
    """A link to an experiment's section, titled as the experiment is (the one link format of the page)."""
    experiment = experiments_by_name.get(name)
    return f"[{md_escape(experiment.title if experiment else name)}](#exp-{name})"
