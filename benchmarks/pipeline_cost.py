"""CPU cost of the item pipelines per article, on the crawl benchmark's pages.

    .venv/bin/python benchmarks/pipeline_cost.py [--pages 2000] [--rounds 2]

What the crawl process spends on each article after extraction: the pages
``benchmarks/newsweb.py`` serves to the crawl benchmark are built in memory
and extracted once (``extract_page``, as an extraction worker does: the
article and its body's fingerprints), then every round sends them, in a
fresh database, through the validation, dates, dedup, relevance and storage
pipelines as the crawl does (built with ``from_crawler``, the default batch
size). Printed: CPU milliseconds per article of each pipeline, the best of
``--rounds`` rounds, and the story index's counters.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from benchmarks.newsweb import build  # noqa: E402
from crawler.extraction.pool import extract_page  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.store import open_store  # noqa: E402
from pipelines.dates import DatesPipeline  # noqa: E402
from pipelines.dedup import DedupPipeline  # noqa: E402
from pipelines.relevance import RelevancePipeline  # noqa: E402
from pipelines.storage import StoragePipeline  # noqa: E402
from pipelines.validation import ValidationPipeline  # noqa: E402

PIPELINES = (ValidationPipeline, DatesPipeline, DedupPipeline, RelevancePipeline, StoragePipeline)


def extracted_pages(count: int) -> list[tuple[str, str, object, object]]:
    """``(source, url, article, body print)`` of ``count`` benchmark pages, in crawl order."""
    outlets = build(count, [f"http://127.0.0.{n + 2}:8080" for n in range(20)])
    pages = []
    for outlet in outlets:
        for page in outlet.articles:
            url = outlet.base + page.path
            article, made = extract_page(page.html.decode("utf-8"), url, "en")
            pages.append((outlet.name, url, article, made))
    # Outlets interleave in a crawl; their pages come newest first.
    return sorted(pages, key=lambda p: (p[1].rsplit("/", 2)[-2], p[1]))


def one_round(pages, work: Path) -> tuple[dict[str, float], dict]:
    db_path = work / "news.db"
    open_store(db_path).close()
    crawler = get_crawler(settings_dict={"NEWSMON_DB": str(db_path)})
    pipelines = [cls.from_crawler(crawler) for cls in PIPELINES]
    for pipeline in pipelines:
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider()
    spent = {type(p).__name__: 0.0 for p in pipelines}
    for source, url, article, made in pages:
        item = ArticleItem(
            url=url,
            source=source,
            title=article.title,
            body=article.body,
            canonical_url=article.canonical_url,
            published_raw=article.published_raw,
            modified_raw=article.modified_raw,
            language=article.language,
            timezone="UTC",
            date_languages=["en"],
            fetched_at="2026-11-25T00:00:00+00:00",
            body_print=made,
        )
        for pipeline in pipelines:
            started = time.process_time()
            try:
                item = pipeline.process_item(item)
            except DropItem:
                break
            finally:
                spent[type(pipeline).__name__] += time.process_time() - started
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            started = time.process_time()
            pipeline.close_spider()
            spent[type(pipeline).__name__] += time.process_time() - started
    stats = {
        k: v for k, v in crawler.stats.get_stats().items() if k.startswith(("stories/", "storage/"))
    }
    return spent, stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"extracting {args.pages} benchmark pages …", flush=True)
    pages = extracted_pages(args.pages)
    best: dict[str, float] = {}
    stats: dict = {}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="newsmon-pipelines-") as work:
            spent, stats = one_round(pages, Path(work))
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    print(f"{len(pages)} articles, CPU ms per article, best of {args.rounds} rounds")
    for name, seconds in best.items():
        print(f"  {name:<20} {seconds / len(pages) * 1000:6.3f}")
    print(f"  {'all pipelines':<20} {sum(best.values()) / len(pages) * 1000:6.3f}")
    print(
        "  "
        + ", ".join(
            f"{k} {v:.0f}" if isinstance(v, float) else f"{k} {v}" for k, v in sorted(stats.items())
        )
    )


if __name__ == "__main__":
    main()
