"""Run extraction inline or in a process pool, awaitable from the reactor.

Extraction is CPU-bound (HTML parsing, boilerplate removal, date and
language detection): with a pool the reactor keeps downloading and running the
pipelines while the other cores extract. Measured on the crawl benchmark
(docs/performance.md), a pool of one worker per CPU beats inline extraction
as soon as a crawl has a few dozen pages, hence the default.

Workers come from a ``forkserver`` (POSIX) or ``spawn`` context, never a
plain ``fork`` of the crawl process: that process runs a reactor, a thread
pool and open SQLite connections, none of which a child should inherit. The
pool is started once a crawl has more than a few pages to extract, pages are
extracted inline until a worker has warmed up (imports, language model), and
workers leave by themselves if the crawl process dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import psutil

from crawler.extraction import Article, extract_article
from crawler.fingerprint import BodyPrint, body_print

logger = logging.getLogger(__name__)

WARM_UP_HTML = (
    "<html><head><title>Warm-up</title><meta property='article:published_time' content='2023-01-12'></head>"
    "<body><article><h1>Warm-up</h1>"
    + "<p>The road between Stepanakert and Goris stayed closed on Thursday, residents said.</p>" * 6
    + "</article></body></html>"
)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_from_setting(value: object) -> int:
    """``NEWSMON_EXTRACT_WORKERS`` as a worker count: ``auto``/None -> one per CPU, 0 -> inline.

    One CPU means inline: a single worker would only add the cost of sending
    pages across processes.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        cpus = available_cpus()
        return cpus if cpus > 1 else 0
    try:
        workers = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"NEWSMON_EXTRACT_WORKERS must be 'auto' or a whole number, not {value!r}"
        ) from None
    if workers < 0:
        raise ValueError(f"NEWSMON_EXTRACT_WORKERS must be 'auto' or >= 0, not {workers}")
    return workers


def _watch_crawl(pid: int) -> None:
    # A worker whose crawl was killed (kill -9) would otherwise wait for work
    # forever, and keep the fork server alive with it. Its parent is the fork
    # server, not the crawl, so the crawl process itself is watched (a zombie
    # counts as gone: its parent may not have reaped it yet).
    try:
        crawl = psutil.Process(pid)
        while True:
            time.sleep(1.0)
            if not crawl.is_running() or crawl.status() == psutil.STATUS_ZOMBIE:
                break
    except psutil.Error:
        pass
    os._exit(1)


def extract_page(
    html: str | bytes, url: str, language_hint: str | None = None
) -> tuple[Article, BodyPrint]:
    """:func:`extract_article`, and the fingerprints of the body (made here, off the crawl process)."""
    article = extract_article(html, url, language_hint=language_hint)
    return article, body_print(article.body)


def _worker_init(crawl_pid: int) -> None:
    threading.Thread(
        target=_watch_crawl, args=(crawl_pid,), name="newsmon-crawl-watch", daemon=True
    ).start()
    # Already imported (and run) in the fork server, whose children start warm; a
    # spawned worker warms up here.
    import crawler.extraction.warmup  # noqa: F401


def _ready() -> int:
    return os.getpid()


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Imported and warmed up once in the fork server, then shared by every
        # worker it forks.
        context.set_forkserver_preload(["crawler.extraction.warmup"])
        return context
    return multiprocessing.get_context("spawn")


class Extractor:
    """Extracts pages inline (``workers=0``) or in a pool of ``workers`` processes.

    With a pool, the first ``inline_first`` pages are extracted inline, and so
    is every page until a worker has warmed up: a crawl that finds a handful
    of new articles never pays for starting processes (about 0.7 s of CPU),
    and a large one never waits for them.
    """

    def __init__(self, workers: int = 0, inline_first: int = 4):
        self.workers = workers
        self.inline_first = inline_first
        self._pool: ProcessPoolExecutor | None = None
        self._pages = 0
        self._warm = False
        self._starter: threading.Thread | None = None

    def start(self) -> None:
        """Start the pool; its workers warm up in the background (no-op inline)."""
        if self.workers > 0 and self._pool is None:
            self._warm = False
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )
            self._pool = pool
            # Creating a worker waits for the fork server to start and warm up
            # (most of a second): done in a thread, while the reactor goes on
            # downloading and extracting inline.
            self._starter = threading.Thread(
                target=self._spawn, args=(pool,), name="newsmon-pool-start", daemon=True
            )
            self._starter.start()

    def _spawn(self, pool: ProcessPoolExecutor) -> None:
        # Worker processes are created on demand: ask for all of them now.
        try:
            for _ in range(self.workers):
                pool.submit(_ready).add_done_callback(self._on_ready)
        except BrokenProcessPool as exc:
            logger.warning("extraction pool could not start (%s); extracting inline", exc)
        except RuntimeError:
            pass  # closed before it started: the crawl is over
        except Exception as exc:  # the fork server could not start: pages stay inline
            logger.warning(
                "extraction pool could not start (%s: %s); extracting inline",
                type(exc).__name__,
                exc,
            )

    def _on_ready(self, future: Future) -> None:
        # Runs in the pool's manager thread; a bool assignment needs no lock.
        if not future.cancelled() and future.exception() is None:
            self._warm = True

    async def extract(
        self, html: str | bytes, url: str, language_hint: str | None = None
    ) -> tuple[Article, BodyPrint]:
        """What the page at ``url`` says, and its body's fingerprints (:func:`extract_page`).

        Raises what extraction raises."""
        self._pages += 1
        if self.workers > 0 and self._pool is None and self._pages > self.inline_first:
            self.start()
        if not self._warm:
            return extract_page(html, url, language_hint)
        pool = self._pool
        try:
            future: Future = pool.submit(extract_page, html, url, language_hint)
        except BrokenProcessPool:
            self._restart(pool)
            return extract_page(html, url, language_hint)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # A worker died (out of memory, a crash in a C library): its pages
            # fail, the next ones get a fresh pool.
            self._restart(pool)
            raise

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """Start a new pool in place of ``broken`` (once, however many pages saw it break)."""
        if self._pool is broken:
            logger.warning("extraction pool broken (a worker died); starting a new one")
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.start()

    def close(self) -> None:
        """Stop the pool (pending extractions are cancelled)."""
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
