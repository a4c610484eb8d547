"""Experiment metadata: experiments/<name>/experiment.json and README.md, found by folder convention.

An experiment that has records but no folder (or a folder but no records) still gets a section, so a
missing file shows up on the page instead of silently dropping a result.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from report.records import warn as default_warn


@dataclass
class Experiment:
    name: str
    title: str
    summary: str = ""
    article_remedy: int = None
    size_unit: str = "elements"
    sizes: dict = field(default_factory=dict)
    theory: dict = field(default_factory=dict)  # {"py:baseline": {"value": 40.3, "source": "…"}}
    lesson: str = ""  # README.md, raw Markdown with placeholders
    folder: Path = None
    meta: dict = field(default_factory=dict)  # experiment.json as read, for fields only some experiments have

    @property
    def anchor(self):
        return f"exp-{self.name}"

    @property
    def beyond_article(self):
        """A remedy the article left out (experiment.json "beyond_article": true)."""
        return self.meta.get("beyond_article") is True

    def per_scale(self, name, scale):
        """A setting of experiment.json that is either one value or {scale: value} (e.g. timeout_seconds)."""
        value = self.meta.get(name)
        return value.get(scale) if isinstance(value, dict) else value

    def bytes_per_element_theory(self):
        """[(lang, variant, value, source)] from theory.bytes_per_element, skipping malformed items."""
        items = []
        for key, item in sorted((self.theory.get("bytes_per_element") or {}).items()):
            lang, _, variant = key.partition(":")
            if isinstance(item, dict) and isinstance(item.get("value"), (int, float)):
                items.append((lang, variant, float(item["value"]), str(item.get("source", ""))))
        return items


def load_experiment(folder, warn=default_warn):
    """One Experiment from its folder; a broken experiment.json is warned about and defaults used."""
    folder = Path(folder)
    meta = {}
    meta_path = folder / "experiment.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as error:
            warn(f"{meta_path}: cannot read ({error})")
            meta = {}
    readme = folder / "README.md"
    lesson = readme.read_text(encoding="utf-8", errors="replace") if readme.is_file() else ""
    remedy = meta.get("article_remedy")
    return Experiment(
        name=folder.name,
        title=str(meta.get("title") or folder.name),
        summary=str(meta.get("summary") or ""),
        article_remedy=remedy if isinstance(remedy, int) and not isinstance(remedy, bool) else None,
        size_unit=str(meta.get("size_unit") or "elements"),
        sizes=meta.get("sizes") if isinstance(meta.get("sizes"), dict) else {},
        theory=meta.get("theory") if isinstance(meta.get("theory"), dict) else {},
        lesson=lesson,
        folder=folder,
        meta=meta,
    )


def load_experiments(experiments_dir, record_names=(), warn=default_warn):
    """Experiments in page order: those in experiments_dir plus any only seen in records.

    Order: experiments without an article remedy first (calibration, cross-cutting ones), then by remedy
    number, then by name.
    """
    found = {}
    experiments_dir = Path(experiments_dir)
    if experiments_dir.is_dir():
        for folder in sorted(p for p in experiments_dir.iterdir() if p.is_dir()):
            if (folder / "experiment.json").is_file() or (folder / "README.md").is_file():
                found[folder.name] = load_experiment(folder, warn)
    for name in record_names:
        if name not in found:
            warn(f"experiment {name!r} has records but no folder in {experiments_dir}")
            found[name] = Experiment(name=name, title=name)
    # Calibration first, then the article's remedies in its order, then the remedies it left out.
    return sorted(found.values(),
                  key=lambda e: (e.beyond_article, e.article_remedy is not None, e.article_remedy or 0, e.name))
