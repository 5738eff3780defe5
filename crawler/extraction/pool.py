"""Run extraction inline or in a process pool, awaitable from the reactor.

Extraction is CPU-bound (HTML parsing, boilerplate removal); with a pool the
reactor keeps downloading while other cores extract.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor

from crawler.extraction import Article, extract_article


class Extractor:
    def __init__(self, workers: int = 0):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def extract(self, html: str | bytes, url: str, language_hint: str | None = None) -> Article:
        if self.workers <= 0:
            return extract_article(html, url, language_hint=language_hint)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        future = self._pool.submit(extract_article, html, url, language_hint=language_hint)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
