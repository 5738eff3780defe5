"""Scrapy settings for newsmon.

Project settings carry the ``NEWSMON_`` prefix. Every value here can be
overridden per run (``scrapy crawl news -s NAME=VALUE``; ``newsmon crawl``
sets the database, sources and topics files from its options).
"""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "newsmon"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- newsmon ---------------------------------------------------------------
# `scrapy crawl news` (a Scrapyd node's crawls) finds the store as the commands do;
# `newsmon` commands and the daemon set it per crawl (`-s NEWSMON_DB=...`).
NEWSMON_DB = os.environ.get("NEWSMON_DB") or "data/newsmon.db"
NEWSMON_SOURCES_FILE = None  # None: crawler/sources.toml
NEWSMON_TOPICS_FILE = None  # None: crawler/topics.toml
NEWSMON_SINCE = "2d"  # recent window of a routine crawl
# Window of the first crawl of a source's feeds, sitemaps or WordPress searches
# (crawler/firstcrawl.py), so a newly added outlet starts with its recent past; "none": off.
NEWSMON_FIRST_WINDOW = "30d"
NEWSMON_MAX_FUTURE_SKEW_HOURS = 24  # dates further in the future are rejected
NEWSMON_DB_BATCH_SIZE = 20  # articles per write transaction (docs/performance.md)
NEWSMON_DB_BATCH_SECONDS = 5.0  # ... or this often, whichever comes first
NEWSMON_WP_PER_PAGE = 50
NEWSMON_WP_MAX_PAGES = 20
NEWSMON_SITEMAP_MAX_DEPTH = 3
NEWSMON_EXTRACT_WORKERS = (
    "auto"  # extraction processes: auto = one per CPU (inline on 1 CPU), 0 = inline
)
NEWSMON_ALLOW_PRIVATE_NETWORKS = False  # fetch private / loopback addresses for every source
NEWSMON_FEED_MAX_ENTRIES = 1000  # entries followed per feed document; the rest are counted as cut
NEWSMON_TRIGGER = "manual"
NEWSMON_RUN_ID = None  # crawl_runs row to close at the end (set by the command line)
# `scrapy crawl news` (on a Scrapyd node) locks its sources when the spider opens,
# waiting this many seconds for one another crawl holds; `newsmon crawl` locks them itself.
NEWSMON_TAKE_SOURCE_LOCKS = True
NEWSMON_LOCK_WAIT = 30.0
NEWSMON_PROGRESS_INTERVAL = (
    5.0  # seconds between progress lines when stderr is not a terminal (0: none)
)
# Declared here, though their readers default to the same, so that `-s` values are type-checked.
NEWSMON_INCREMENTAL = True  # skip articles already stored
NEWSMON_CONDITIONAL_REQUESTS = True  # If-None-Match / If-Modified-Since on feeds and sitemaps
NEWSMON_RECORD_RUNS = True  # write crawl_runs / crawl_run_sources rows
# Record feed polls and lags, obey Retry-After (crawler/middlewares/polls.py).
NEWSMON_RECORD_POLLS = True
# Adaptive crawls (set by the daemon from its [adaptive] table): request only the
# feeds due within NEWSMON_POLL_AHEAD, planned within these default bounds.
NEWSMON_POLL_DUE_ONLY = False
NEWSMON_POLL_MIN_INTERVAL = "2m"
NEWSMON_POLL_MAX_INTERVAL = "6h"
NEWSMON_POLL_DEFAULT_INTERVAL = "15m"
NEWSMON_POLL_AHEAD = "0"

# --- politeness ------------------------------------------------------------
USER_AGENT = f"newsmon/{__version__} (news monitoring crawler; +https://newsmon.invalid/bot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
COOKIES_ENABLED = False
# Items of one response are processed this many at a time. The pipelines are
# synchronous, so more buys nothing, and Scrapy starts this many asyncio tasks
# for every response: at its default (100) that overhead was ~1.5 ms a page.
CONCURRENT_ITEMS = 4
# Responses waiting for an extraction worker count against this limit (Scrapy's
# default: 5 MB, about 27 pages of 184 KiB); deeper, the workers stay fed while
# the reactor writes a batch (docs/performance.md).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 15_000_000

# --- bounds ------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DNS_TIMEOUT = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 6
URLLENGTH_LIMIT = 2083
HTTPCACHE_ENABLED = False

# --- safety: no control sockets, no local files ------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Only http(s) is fetched: a file:, data:, ftp: or s3: link in a feed, a
# sitemap or a redirect must never read local files or reach other services.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# --- components ----------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.seen.SeenArticlesMiddleware": 80,
    # before RobotsTxtMiddleware (100): a refused host's robots.txt is not fetched either
    "crawler.middlewares.privatenet.PrivateNetworkMiddleware": 90,
    "crawler.middlewares.conditional.ConditionalRequestsMiddleware": 560,
    # after RetryMiddleware (550): it records every attempt and stops the retry of a Retry-After
    "crawler.middlewares.polls.FeedPollsMiddleware": 570,
}

ITEM_PIPELINES = {
    "pipelines.validation.ValidationPipeline": 100,
    "pipelines.dates.DatesPipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.relevance.RelevancePipeline": 400,
    "pipelines.storage.StoragePipeline": 500,
}

EXTENSIONS = {
    "crawler.extensions.sourcestats.SourceStats": 500,
    # After SourceStats: the run it opens is narrowed to the sources locked.
    "crawler.extensions.sourcelocks.SourceLocksExtension": 510,
    # Both open a listening socket (the remote-control one runs code sent to it).
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}

LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.NewsmonLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

# --- backfill from web archives (newsmon backfill; crawler/spiders/archive.py) --------
NEWSMON_WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
NEWSMON_WAYBACK_ROOT = "https://web.archive.org/web"
NEWSMON_ARCHIVE_PAGE_SIZE = 1000  # CDX rows per listing request (then its resume key)
NEWSMON_ARCHIVE_BACKOFF = 2.0  # seconds before the first retry of a 5xx, doubled each time
NEWSMON_ARCHIVE_MAX_WAIT = 300.0  # longest Retry-After honoured (seconds)
