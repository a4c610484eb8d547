"""Machines side by side: every claim entry's measurement and verdict, one column per machine, so a
workshop can set participants' laptops, an HDD machine and an SSD machine against each other."""

import re

from report import blocks as b
from report import claims as cl
from report import records as rec


def anchor_part(machine_id):
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(machine_id)).strip("-").lower() or "machine"


def _cell(entry, records):
    result = cl.evaluate(entry, records)
    if not result.measurements:
        return "–"
    return f"{result.measurements[0].text()} ({result.verdict})"


def machines_section(document, data, by_name):
    machine_ids = rec.machines(data.records)
    per_machine = {m: [r for r in data.records if rec.machine_of(r) == m] for m in machine_ids}
    known = {claim["id"] for claim in data.article_claims}
    rows = []
    for entry in sorted(data.entries, key=lambda e: (cl.claim_number(e["id"]), e["experiment"])):
        if entry["subject"].get("published") and entry["reference"].get("published"):
            continue  # published figures are the same on every machine: the claims table shows them
        if entry.get("kind") == "outcome":
            compared = f"outcome: {cl.side_label(entry['subject'])} vs {cl.side_label(entry['reference'])}"
        else:
            compared = f"`{entry['metric']}`: {cl.side_label(entry['subject'])} / {cl.side_label(entry['reference'])}"
        cells = [_cell(entry, per_machine[m]) for m in machine_ids]
        if all(cell == "–" for cell in cells):
            continue
        claim = f"[{entry['id']}](#claim-{entry['id']})" if entry["id"] in known else b.md_escape(entry["id"])
        rows.append([claim, b.link_to_experiment(entry["experiment"], by_name), compared, *cells])
    document.add(
        b.Heading(2, "Machines side by side", "machines"),
        b.Paragraph(f"Each claim entry measured on each of the {len(machine_ids)} machines: the ratio (or outcomes) "
                    f"at the largest size both sides ran there, and that machine's verdict. The environment of "
                    f"each machine is at the [end of the page](#environment)."),
        b.Table(["Claim", "Experiment", "Compared", *[f"`{m}`" for m in machine_ids]], rows))
