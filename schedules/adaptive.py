"""Adaptive jobs: which sources are due, read from the polls the crawls recorded.

The learned state is the store's ``feed_polls`` alone (no file, nothing in
the daemon's memory that matters), so a restarted daemon, ``newsmon status``
and another machine's daemon see the same plan. The rule itself is
:func:`crawler.freshness.next_poll`; :mod:`crawler.polling` applies it per feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from crawler.config import Source
from crawler.freshness import Bounds
from crawler.polling import HISTORY, SourcePlan, iso, plan_sources, source_bounds
from crawler.store import Store

POLLED_KINDS = ("feeds", "sitemaps")
"""Discovery kinds whose documents are polls; a source with none of them is not planned."""


def polled_urls(source: Source, discovery: Iterable[str]) -> tuple[str, ...]:
    """The feed (and, when the job reads them, sitemap) URLs of ``source`` a crawl polls."""
    kinds = set(discovery)
    return (
        *(source.feeds if "feeds" in kinds else ()),
        *(source.sitemaps if "sitemaps" in kinds else ()),
    )


def source_plans(
    store: Store,
    sources: Iterable[Source],
    discovery: Iterable[str],
    defaults: Bounds,
    now: datetime,
) -> dict[str, tuple[SourcePlan, Bounds]]:
    """``source -> (its plan, its bounds)`` for the enabled live sources with a polled document."""
    discovery = tuple(discovery)
    wanted = []
    for source in sources:
        urls = polled_urls(source, discovery)
        if source.enabled and not source.archive_only and urls:
            bounds = source_bounds(defaults, source.min_interval, source.max_interval)
            wanted.append((source.name, urls, bounds))
    history = store.feed_polls(iso(now - HISTORY), [u for _, urls, _ in wanted for u in urls])
    plans = plan_sources(wanted, history)
    return {name: (plans[name], bounds) for name, _, bounds in wanted}
