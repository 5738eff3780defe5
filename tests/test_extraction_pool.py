"""The extraction pool: same answers as inline extraction, started only when worth it."""

from __future__ import annotations

import asyncio

import pytest

from crawler.extraction import extract_article
from crawler.extraction import pool as pool_module
from crawler.extraction.pool import Extractor, available_cpus, workers_from_setting
from crawler.fingerprint import body_print

PAGE = (
    "<html><head><title>Bread queues in Stepanakert</title>"
    "<meta property='article:published_time' content='2023-01-12T10:05:00+04:00'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/politics'>Politics</a></nav><article><h1>Bread queues in Stepanakert</h1>"
    + "".join(
        f"<p>Paragraph {n}: residents queued for bread as the Lachin corridor stayed closed for another day.</p>"
        for n in range(6)
    )
    + "</article><footer>Copyright 2023</footer></body></html>"
)


def test_workers_setting():
    assert workers_from_setting(0) == 0
    assert workers_from_setting("3") == 3
    auto = workers_from_setting("auto")
    assert auto == workers_from_setting(None)
    assert auto == (available_cpus() if available_cpus() > 1 else 0)
    for bad in ("many", -1):
        with pytest.raises(ValueError, match="NEWSMON_EXTRACT_WORKERS"):
            workers_from_setting(bad)


def test_pool_gives_the_inline_answer():
    async def run():
        extractor = Extractor(workers=1, inline_first=0)
        extractor.start()
        try:
            while not extractor._warm:  # until the worker has warmed up
                await asyncio.sleep(0.05)
            pages = await asyncio.gather(
                *(extractor.extract(PAGE, f"https://news.example/a/{n}", "en") for n in range(4))
            )
            return pages, extractor._pool is not None
        finally:
            extractor.close()

    pages, pooled = asyncio.run(run())
    assert pooled
    for n, (article, made) in enumerate(pages):
        assert article == extract_article(PAGE, f"https://news.example/a/{n}", language_hint="en")
        assert made == body_print(article.body) and made.text == article.body
        assert article.title == "Bread queues in Stepanakert"
        assert "Paragraph 5" in article.body


def test_small_crawls_never_start_the_pool():
    async def run():
        extractor = Extractor(workers=2, inline_first=5)
        try:
            for n in range(5):
                article, _ = await extractor.extract(PAGE, f"https://news.example/a/{n}")
                assert "Paragraph 0" in article.body
            return extractor._pool
        finally:
            extractor.close()

    assert asyncio.run(run()) is None


def test_a_pool_that_cannot_start_leaves_extraction_inline(monkeypatch, caplog):
    class NoProcesses:
        def __init__(self, **kwargs):
            pass

        def submit(self, *args, **kwargs):
            raise OSError("cannot start the fork server")

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(pool_module, "ProcessPoolExecutor", NoProcesses)

    async def run():
        extractor = Extractor(workers=2, inline_first=1)
        try:
            found = []
            for n in range(4):
                article, _ = await extractor.extract(PAGE, f"https://news.example/a/{n}")
                found.append(article)
                await asyncio.sleep(0.05)  # let the start-up thread fail
            return found, extractor._warm
        finally:
            extractor.close()

    with caplog.at_level("WARNING", logger="crawler.extraction.pool"):
        articles, warm = asyncio.run(run())
    assert not warm
    assert all("Paragraph 0" in article.body for article in articles)
    assert "extraction pool could not start (OSError: cannot start the fork server)" in caplog.text
