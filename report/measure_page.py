#!/usr/bin/python3
"""The one-page report of `oomlab measure --html FILE`: the table and the tree's memory over time of the
measured command(s), and the environment, in one self-contained HTML file.

    /usr/bin/python3 report/measure_page.py RECORDS.jsonl [...] --out FILE.html
"""

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from report import blocks as b  # noqa: E402
from report import measured, render_html  # noqa: E402
from report import records as rec  # noqa: E402
from report.sections import ENV_FIELDS, _env_value  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+", help="measure records (.jsonl)")
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    args = parser.parse_args(argv)
    records = []
    for path in args.records:
        for record in rec.load_file(path):
            record["variant"] = record.get("base_variant", record["variant"])
            records.append(record)
    if not records:
        print(f"measure page: no records in {', '.join(map(str, args.records))}", file=sys.stderr)
        return 1
    document = b.Document(title="oomlab measure")
    with tempfile.TemporaryDirectory(prefix="oomlab-measure-page-") as figures_dir:
        measured.section(document, records, figures_dir, heading_level=1)
        newest = max(records, key=rec.recorded_time)
        rows = [[label, _env_value(key, newest["env"].get(key))] for key, label in ENV_FIELDS
                if newest["env"].get(key) not in (None, "")]
        document.add(b.Heading(2, "Environment", "environment"), b.Table(["Field", "Value"], rows))
        page = render_html.render(document)  # figures are embedded: the page stands alone
    args.out.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
