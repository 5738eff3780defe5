"""``newsmon runs``: the crawl history, one run per entry, readable at any terminal width.

Each run takes a line of fixed columns (id, start, time taken, status,
counters), then a wrapped line of what varies in length (trigger, sources,
message). A table with a message column cannot hold both at 80 columns:
rich then squeezed the message to nothing and cut the status short.
"""

from __future__ import annotations

import json
import textwrap

import click
from rich.console import Console
from rich.text import Text

from crawler.commands.options import db_option, json_option
from crawler.commands.status import _open, _zone_note
from crawler.durations import format_elapsed
from schedules.history import FAILED_STATUSES, Run
from schedules.history import runs as query_runs

# The counters shown, as (Run.counts key, header); --json has them all.
COUNTERS = (
    ("pages_fetched", "pages"),
    ("articles_new", "new"),
    ("articles_updated", "upd"),
    ("duplicates", "dup"),
    ("relevant", "rel"),
    ("errors", "err"),
)
_STYLES = {"running": "yellow", "abandoned": "bold red", "ok": "green"}
GAP = "  "


@click.command()
@db_option
@click.option("--source", help="Only runs that crawled this source (counters are that source's).")
@click.option("--job", "job_id", help="Only runs of this schedule job.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="How many runs, newest first.",
)
@json_option
def runs(db_path: str, source: str | None, job_id: str | None, limit: int, as_json: bool) -> None:
    """The crawl history, newest first: scheduled and manual runs with their outcome and counts.

    A run still marked running whose process has ended (killed with
    SIGKILL, by the OOM killer, or its host rebooted) shows as abandoned.

    \b
    Examples:
      newsmon runs
      newsmon runs --source news-am --limit 50
      newsmon runs --job feeds --json
    """
    db = _open(db_path)
    history = query_runs(db, source=source, job_id=job_id, limit=limit)
    db.close()
    if as_json:
        click.echo(json.dumps([run.to_json() for run in history], indent=1, ensure_ascii=False))
        return
    console = Console(highlight=False)
    if not history:
        console.print("no runs recorded yet")
        return
    title = "crawl runs" + (f" of {source}" if source else "") + f"; {_zone_note()}"
    for line in render_runs(history, console.width, title=title):
        console.print(line, no_wrap=True, overflow="ellipsis")


def took(run: Run) -> str:
    """How long a finished run took; ``-`` while it has no end."""
    if run.finished is None:
        return "-"
    return format_elapsed((run.finished - run.started).total_seconds())


def details(run: Run) -> str:
    """Trigger, sources and message: the parts of a run whose length varies."""
    trigger = run.trigger + (f" ({run.job_id})" if run.job_id else "")
    sources = ", ".join(run.sources) if len(run.sources) <= 3 else f"{len(run.sources)} sources"
    return " · ".join(part for part in (trigger, sources, run.message or "") if part)


def render_runs(history: list[Run], width: int, *, title: str) -> list[Text]:
    """The lines of ``newsmon runs`` for a console ``width`` columns wide.

    The start time drops its year and seconds when the full form would not
    fit; nothing else is ever cut, and the details wrap under each run.
    """
    for started_format in ("%Y-%m-%d %H:%M:%S", "%m-%d %H:%M"):
        rows = [
            [
                str(run.id),
                run.started.astimezone().strftime(started_format),
                took(run),
                run.status,
                *(str(run.counts[key]) if key in run.counts else "-" for key, _ in COUNTERS),
            ]
            for run in history
        ]
        headers = ["run", "started", "took", "status", *(header for _, header in COUNTERS)]
        widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
        if sum(widths) + len(GAP) * (len(widths) - 1) <= width:
            break
    right = {0, *range(4, len(headers))}  # the numbers

    def line(cells: list[str], status_style: str = "") -> Text:
        text = Text()
        for n, (cell, size) in enumerate(zip(cells, widths, strict=True)):
            if n:
                text.append(GAP)
            padded = cell.rjust(size) if n in right else cell.ljust(size)
            text.append(padded, style=status_style if n == 3 else "")
        text.rstrip()
        return text

    indent = " " * (widths[0] + len(GAP))
    header = line(headers)
    header.stylize("bold")
    lines = [Text(title), header]
    for run, cells in zip(history, rows, strict=True):
        lines.append(line(cells, _status_style(run.status)))
        wrapped = textwrap.wrap(
            details(run),
            max(20, width - len(indent)),
            break_long_words=True,
            break_on_hyphens=False,
        )
        lines.extend(Text(indent + part, style="dim") for part in wrapped)
    return lines


def _status_style(status: str) -> str:
    if status in _STYLES:
        return _STYLES[status]
    return "red" if status in FAILED_STATUSES or status == "error" else ""
