"""results.csv: one row per record, scalar fields only (the timeline stays in the .jsonl files).

Columns: the contract's scalar fields, then any other top-level scalars, then `metrics.<name>` and
`env.<name>`, then where the record came from and whether a newer commit superseded it.
"""

import csv

from report.records import SCALAR_FIELDS


def _scalar(value):
    return value is None or isinstance(value, (str, int, float, bool))


def rows(records, superseded_ids=frozenset()):
    """(header, rows) for the records; superseded_ids holds id()s of records ignored as older commits."""
    extra, metrics, env = set(), set(), set()
    superseded = [id(record) in superseded_ids for record in records]
    records = [_flatten(record) for record in records]
    for record in records:
        extra.update(k for k, v in record.items()
                     if k not in SCALAR_FIELDS and not k.startswith("_") and k != "machine_id" and _scalar(v))
        metrics.update(k for k, v in record.get("metrics", {}).items() if _scalar(v))
        env.update(k for k, v in record.get("env", {}).items() if _scalar(v))
    header = (["machine_id", *SCALAR_FIELDS, *sorted(extra)]
              + [f"metrics.{name}" for name in sorted(metrics)]
              + [f"env.{name}" for name in sorted(env)] + ["source", "superseded_by_newer_commit"])
    table = []
    for record, is_superseded in zip(records, superseded):
        row = {"machine_id": record.get("machine_id")}
        row.update({name: record.get(name) for name in (*SCALAR_FIELDS, *sorted(extra))})
        row.update({f"metrics.{name}": record.get("metrics", {}).get(name) for name in metrics})
        row.update({f"env.{name}": record.get("env", {}).get(name) for name in env})
        row["source"] = record.get("_source")
        row["superseded_by_newer_commit"] = is_superseded
        table.append([_cell(row.get(name)) for name in header])
    return header, table


def _flatten(record):
    """Other objects of a record (e.g. `interpreter`) become `name.key` columns; env, metrics and the
    timeline have their own treatment."""
    flat = dict(record)
    for name, value in record.items():
        if isinstance(value, dict) and name not in ("env", "metrics", "timeline"):
            flat.update({f"{name}.{key}": item for key, item in value.items() if _scalar(item)})
    return flat


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):  # never expected here: only scalars are selected
        return ""
    return value


def write_csv(path, records, superseded=()):
    header, table = rows(records, {id(record) for record in superseded})
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(table)
    return len(table)
