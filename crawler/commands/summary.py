"""The summary ``newsmon crawl`` prints at the end: a per-source table, each source's main
error kinds, how the crawl ended and how long it took."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from crawler.durations import format_elapsed
from crawler.polling import RETRY_AFTER_UNTIL
from crawler.stats import SOURCE_COUNTERS, describe_errors, error_kinds


def print_summary(
    counts: dict[str, dict[str, int]], stats: dict, *, run_id: int | None, db_path: str
) -> None:
    """A per-source table on stdout, the main error kinds of each source, then how the crawl ended."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"newsmon crawl run {run_id}" if run_id else "newsmon crawl", title_justify="left"
    )
    table.add_column("source")
    for counter in SOURCE_COUNTERS:
        table.add_column(SUMMARY_HEADERS[counter], justify="right")
    totals = {c: 0 for c in SOURCE_COUNTERS}
    for name, values in counts.items():
        table.add_row(name, *(str(values.get(c, 0)) for c in SOURCE_COUNTERS))
        for c in SOURCE_COUNTERS:
            totals[c] += values.get(c, 0)
    table.add_section()
    table.add_row("total", *(str(totals[c]) for c in SOURCE_COUNTERS))
    console = Console(width=max(100, Console().width))
    console.print(table)
    erring = [(name, error_kinds(stats, name)) for name in counts if counts[name].get("errors")]
    if erring:
        console.print("errors by kind (details in the log):", markup=False)
        for name, kinds in erring:
            console.print(f"  {name}: {describe_errors(kinds) or 'unknown kind'}", markup=False)
    for line in summary_lines(stats, run_id=run_id, db_path=db_path):
        console.print(line, markup=False, highlight=False)


SUMMARY_HEADERS = {
    "pages_fetched": "pages",
    "articles_new": "new",
    "articles_updated": "updated",
    "duplicates": "duplicates",
    "dropped": "dropped",
    "relevant": "relevant",
    "errors": "errors",
}

# Why Scrapy closed the spider, as the summary says it.
_ENDINGS = {
    "finished": "finished",
    "shutdown": "stopped early (SIGINT or SIGTERM)",
    "database_error": "stopped: the database could not be written",
    "closespider_timeout": "stopped early: CLOSESPIDER_TIMEOUT reached",
    "closespider_itemcount": "stopped early: CLOSESPIDER_ITEMCOUNT reached",
    "closespider_pagecount": "stopped early: CLOSESPIDER_PAGECOUNT reached",
    "closespider_errorcount": "stopped early: CLOSESPIDER_ERRORCOUNT reached",
    "memusage_exceeded": "stopped early: MEMUSAGE_LIMIT_MB reached",
}


def elapsed_seconds(stats: dict, now: float | None = None) -> float | None:
    """How long the crawl ran, from Scrapy's core stats (None when it never started)."""
    if "elapsed_time_seconds" in stats:
        return float(stats["elapsed_time_seconds"])
    started = stats.get("start_time")
    if started is None:
        return None
    return (now or time.time()) - started.timestamp()


def _until(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except ValueError:
        return value


def summary_lines(stats: dict, *, run_id: int | None, db_path: str) -> list[str]:
    """The lines under the summary table: how and how fast the crawl ended, what it skipped, where it went."""
    killed_by = stats.get("newsmon/killed_by")
    reason = stats.get("finish_reason")
    if killed_by:
        ending = f"stopped by {killed_by} twice (forced)"
    elif reason is None:
        ending = "stopped before the crawl closed"
    else:
        ending = _ENDINGS.get(str(reason), f"stopped early ({reason})")
    elapsed = elapsed_seconds(stats)
    took = f" in {format_elapsed(elapsed)}" if elapsed is not None else ""
    run = f"run {run_id} " if run_id else ""
    lines = [f"{run}{ending}{took}"]
    skipped = int(stats.get("incremental/skipped", 0))
    not_modified = int(stats.get("conditional/not_modified", 0))
    if skipped or not_modified:
        lines.append(
            f"{skipped} stored article(s) not fetched again, "
            f"{not_modified} feed(s)/sitemap(s) unchanged (304)"
        )
    for key, until in sorted(stats.items()):
        if key.startswith(RETRY_AFTER_UNTIL):
            lines.append(
                f"skipped: {key[len(RETRY_AFTER_UNTIL) :]}: retry-after until {_until(until)}"
            )
    refused = int(stats.get("privatenet/refused", 0))
    if refused:
        lines.append(
            f"{refused} request(s) to private or loopback addresses refused (a source may allow its own "
            "host with allow_private = true; see the log)"
        )
    lines.append(f"database: {db_path}")
    return lines
