"""Crawl-run conventions shared by the crawl command and the scheduler daemon.

The runs themselves are recorded through the store (``store.start_run``,
``store.finish_run``): the crawl command records its own run, the daemon
opens the row before starting a child crawl and closes it if the child dies.
Never imports Scrapy.
"""

from __future__ import annotations

from crawler.stats import SOURCE_COUNTERS as COUNTERS
from crawler.store.base import utcnow_iso

EXIT_UNREACHABLE = 3
"""``newsmon crawl``'s exit status when no source could be reached (the run is closed)."""
EXIT_BUSY = 4
"""... when every source asked for was being crawled by another process (the run is closed)."""
EXIT_DATABASE = 5
"""... when a database write failed: the crawl's own record of the run may be missing."""

__all__ = ["COUNTERS", "EXIT_BUSY", "EXIT_DATABASE", "EXIT_UNREACHABLE", "utcnow_iso"]
