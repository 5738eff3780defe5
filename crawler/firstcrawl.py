"""The first crawl of a newly added source reads further back than a routine one.

A routine crawl only looks at entries of the recent window (``NEWSMON_SINCE``,
2 days), which is right for a source crawled every few minutes but leaves a
newly added outlet almost empty. A source crawled for the first time (no
stored article, no run that fetched a page of it) takes the first window
(``NEWSMON_FIRST_WINDOW``, or its own ``first_window`` in sources.toml) over
whatever its feeds, sitemaps and WordPress searches still list; the crawl
summary then says how to go further back. An explicit ``--since`` wins.
Never imports Scrapy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlite_utils

from crawler.durations import parse_duration

if TYPE_CHECKING:  # crawler.config imports this module to validate `first_window`
    from crawler.config import Source

STAT_PREFIX = "first_crawl/"
"""Stats key prefix: ``first_crawl/<source>`` holds the start of that source's first window (ISO 8601)."""


def parse_first_window(text: str | None) -> timedelta | None:
    """``"30d"`` -> 30 days; ``None``, ``""``, ``"0"``, ``"none"``, ``"off"`` -> no first window."""
    if text is None or str(text).strip().lower() in ("", "0", "none", "off"):
        return None
    return parse_duration(str(text))


def never_crawled(db: sqlite_utils.Database, names: Iterable[str]) -> set[str]:
    """The sources among ``names`` with no stored article and no run that fetched a page of theirs."""
    new = set()
    for name in names:
        (seen,) = db.execute(
            "SELECT EXISTS (SELECT 1 FROM articles WHERE source = ?) "
            "OR EXISTS (SELECT 1 FROM crawl_run_sources WHERE source = ? AND pages_fetched > 0)",
            [name, name],
        ).fetchone()
        if not seen:
            new.add(name)
    return new


def crawl_window(
    routine: datetime | None, first_window: timedelta | None, *, new: bool, now: datetime
) -> datetime | None:
    """The start of one source's window: the routine one, or for a new source the wider first one.

    ``routine`` is the start of the routine window (``NEWSMON_SINCE``; None:
    no limit). A first window shorter than the routine one changes nothing.
    """
    if not new or first_window is None or routine is None:
        return routine
    return min(routine, now - first_window)


def first_crawl_windows(
    db: sqlite_utils.Database,
    sources: Sequence[Source],
    routine: datetime | None,
    default: timedelta | None,
    *,
    now: datetime,
) -> dict[str, datetime]:
    """The window start of each source among ``sources`` whose first crawl this is, when wider than ``routine``.

    ``default`` is ``NEWSMON_FIRST_WINDOW``; a source's own ``first_window`` wins.
    """
    if routine is None:
        return {}
    new = never_crawled(db, [s.name for s in sources])
    windows = {}
    for source in sources:
        own = source.first_window
        first_window = parse_first_window(own) if own is not None else default
        since = crawl_window(routine, first_window, new=source.name in new, now=now)
        if since != routine:
            windows[source.name] = since
    return windows


def backfill_hints(stats: Mapping[str, object], *, today: datetime | None = None) -> list[str]:
    """One line per source that had its first crawl: how far back it read, and how to go further."""
    lines = []
    example = ((today or datetime.now(UTC)) - timedelta(days=365)).strftime("%Y-%m-%d")
    for key, value in sorted(stats.items()):
        if not key.startswith(STAT_PREFIX):
            continue
        name = key.removeprefix(STAT_PREFIX)
        since = datetime.fromisoformat(str(value)).strftime("%Y-%m-%d")
        lines.append(
            f"first crawl of {name}: read what its feeds and sitemaps list since {since}; "
            f"to go further back: newsmon crawl {name} --since DATE (e.g. {example})"
        )
    return lines
