"""Data-quality benchmark: newsmon beside the reference tools, on the same data.

    .venv/bin/python benchmarks/quality.py            # or: make bench-quality
    .venv/bin/python benchmarks/quality.py --markdown # a table for docs/quality.md

Parts (each also runs alone): bodies, dates and fields (titles, authors,
instants on fields-dev) on ../shared/data, relevance, dedup and translations
on the labelled sets under tests/data/.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARTS = ["bodies", "dates", "fields", "relevance", "dedup", "translations"]


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=PARTS, action="append", help="run only these parts")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    rows, failures = [], []
    for part in args.part or PARTS:
        module = importlib.import_module(f"benchmarks.quality_{part}")
        rows.extend(module.run())
    header = ["section", "metric", "newsmon", "reference", "reference tool", "target", "met"]
    table = []
    for row in rows:
        target, value = row.get("target"), row.get("newsmon")
        if target is None or value is None:
            met = ""
        else:
            higher_better = row.get("higher_is_better", True)
            ok = value >= target if higher_better else value <= target
            met = "yes" if ok else "NO"
            if not ok:
                failures.append(row)
        table.append(
            [
                row["section"],
                row["metric"],
                _fmt(value),
                _fmt(row.get("reference")),
                row.get("reference_name") or "",
                _fmt(target),
                met,
            ]
        )
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in table:
            print("| " + " | ".join(line) + " |")
    else:
        from rich.console import Console
        from rich.table import Table

        out = Table(title="newsmon data quality")
        for name in header:
            out.add_column(
                name, justify="right" if name in ("newsmon", "reference", "target") else "left"
            )
        for line in table:
            out.add_row(*line)
        Console(width=140).print(out)
    if failures:
        print(f"{len(failures)} target(s) not met", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
