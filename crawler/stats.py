"""Per-source counters kept in Scrapy's stats under ``source/<name>/<counter>``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

# The counters of the per-source summary and of crawl_runs / crawl_run_sources.
SOURCE_COUNTERS = (
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "duplicates",
    "dropped",
    "errors",
    "relevant",
)


def inc_source(stats, source: str | None, counter: str, count: int = 1) -> None:
    """Add ``count`` to one source's counter (and to the crawl-wide ``newsmon/<counter>``)."""
    stats.inc_value(f"newsmon/{counter}", count)
    if source:
        stats.inc_value(f"source/{source}/{counter}", count)


def per_source(stats_dict: Mapping[str, object], sources: list[str]) -> dict[str, dict[str, int]]:
    """Collect ``source/<name>/<counter>`` values into ``{name: {counter: n}}`` for ``sources``."""
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for name in sources:
        result[name] = {c: 0 for c in SOURCE_COUNTERS}
    for key, value in stats_dict.items():
        if not key.startswith("source/"):
            continue
        _, name, counter = key.split("/", 2)
        result.setdefault(name, {c: 0 for c in SOURCE_COUNTERS})[counter] = int(value)
    return dict(result)
