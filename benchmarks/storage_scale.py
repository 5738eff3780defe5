"""Dedup + storage cost per article as the database grows, and full-text query time.

The database is filled with synthetic articles (Zipf-distributed words of the
real article bodies in ``shared/data/articles-dev``, about 1 % of them about
the monitored topics) through the storage pipeline itself, in large batches:
the same SQL, indexes, triggers and full-text index as a crawl. At each size a
batch of new articles then goes through the dedup and storage pipelines with
the project's settings, and the time per article is reported.

Run alone: ``python benchmarks/storage_scale.py [--sizes 1000,10000] [--db PATH]``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(REPO_ROOT))

from scrapy.utils.test import get_crawler  # noqa: E402

from crawler.commands.search import open_read_only, search_articles  # noqa: E402
from crawler.db import connect  # noqa: E402
from crawler.fingerprint import content_hash  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from pipelines.dedup import DedupPipeline  # noqa: E402
from pipelines.storage import StoragePipeline  # noqa: E402

_WORD = re.compile(r"\w+", re.UNICODE)
SOURCES = [f"outlet{i:02d}" for i in range(20)]
TOPIC_SENTENCES = [
    "Residents of Stepanakert said the Lachin corridor had been closed for weeks.",
    "Russian peacekeepers were seen near the Hakari bridge checkpoint on Tuesday.",
    "The blockade of Nagorno-Karabakh left shops without fresh food, officials said.",
]
# What an operator searches for: the monitored topics, and a few ordinary words.
TOPIC_QUERIES = [
    '"Lachin corridor"',
    "Stepanakert",
    "Hakari AND bridge",
    "peacekeepers",
    "NEAR(blockade food, 10)",
]
BUILD_BATCH = 5000
MEASURE_BATCH = 500
BODY_WORDS = 350


def shared_data_dir() -> Path:
    return Path(os.environ.get("NEWSMON_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


class TextMaker:
    """Synthetic article text: words of real articles drawn with Zipf weights (1/rank)."""

    def __init__(self, seed: int):
        truth = json.loads((shared_data_dir() / "articles-dev" / "ground-truth.json").read_text())
        counts = Counter(
            w for page in truth.values() for w in _WORD.findall(page.get("articleBody") or "")
        )
        self.words = [w for w, _ in counts.most_common()]
        self.cum = list(accumulate(1.0 / (rank + 1) for rank in range(len(self.words))))
        self.rng = random.Random(seed)

    def sentence(self, n: int) -> str:
        total = self.cum[-1]
        picks = [self.words[bisect.bisect(self.cum, self.rng.random() * total)] for _ in range(n)]
        return " ".join(picks).capitalize() + "."

    def body(self, words: int = BODY_WORDS) -> str:
        sentences = [self.sentence(self.rng.randint(8, 25)) for _ in range(words // 16)]
        if self.rng.random() < 0.01:
            sentences.insert(self.rng.randrange(len(sentences)), self.rng.choice(TOPIC_SENTENCES))
        return "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))

    def mid_frequency_words(self, count: int) -> list[str]:
        """Ordinary search words: neither stop words nor hapaxes (ranks 300-3000)."""
        pool = [w for w in self.words[300:3000] if len(w) > 3 and w.isalpha()]
        return random.Random(1).sample(pool, count)


def synthetic_item(n: int, text: TextMaker, *, prefix: str = "a") -> ArticleItem:
    """A new article as the dates and relevance stages hand it to dedup."""
    source = SOURCES[n % len(SOURCES)]
    url = f"https://{source}.example/news/{prefix}{n}"
    body = text.body()
    return ArticleItem(
        url=url,
        source=source,
        title=text.sentence(8)[:-1],
        body=body,
        request_url=url,
        canonical_url=url,
        language="en",
        published_raw="2023-01-12T10:05:00Z",
        published_at="2023-01-12T10:05:00+00:00",
        date_source="page",
        discovered_via="feed",
        fetched_at="2023-01-12T11:00:00+00:00",
        relevant="Stepanakert" in body or "Lachin" in body,
    )


def _crawler(db_path: Path, batch_size: int):
    return get_crawler(
        settings_dict={
            "NEWSMON_DB": str(db_path),
            "NEWSMON_DB_BATCH_SIZE": batch_size,
            "NEWSMON_DB_BATCH_SECONDS": 3600,
        }
    )


def _open(cls, crawler):
    pipeline = cls.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def fill(db_path: Path, target: int, text: TextMaker, start: int) -> int:
    """Add synthetic articles until ``target`` are stored; returns the next free number.

    The dedup stage is bypassed here only for its lookups (every article is
    new by construction); its keys and fingerprint are computed the same way,
    and rows go through the storage pipeline in large batches.
    """
    db = connect(db_path)
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    storage = _open(StoragePipeline, _crawler(db_path, BUILD_BATCH))
    n = start
    try:
        while stored < target:
            item = synthetic_item(n, text)
            item.url_key = item.url
            item.content_hash = content_hash(item.title, item.body)
            storage.process_item(item)
            n += 1
            stored += 1
    finally:
        storage.close_spider()
    return n


def measure(db_path: Path, text: TextMaker, start: int) -> tuple[float, int]:
    """Milliseconds per new article through dedup then storage (project batch size)."""
    items = [synthetic_item(start + i, text, prefix="m") for i in range(MEASURE_BATCH)]
    crawler = _crawler(db_path, 50)
    dedup = _open(DedupPipeline, crawler)
    storage = _open(StoragePipeline, crawler)
    started = time.perf_counter()
    try:
        for item in items:
            storage.process_item(dedup.process_item(item))
    finally:
        storage.close_spider()
        dedup.close_spider()
    elapsed = time.perf_counter() - started
    return elapsed / len(items) * 1000, start + len(items)


def fts_times(db_path: Path, text: TextMaker, repeat: int = 5) -> dict:
    """Median (and p90) milliseconds of ``newsmon search``'s query: top 20 by rank, with snippets."""
    queries = TOPIC_QUERIES + text.mid_frequency_words(5)
    conn = open_read_only(str(db_path))
    times = []
    per_query = {}
    try:
        for query in queries:
            search_articles(conn, query, limit=20)  # warm the page cache as a running system would
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                search_articles(conn, query, limit=20)
                samples.append((time.perf_counter() - started) * 1000)
            per_query[query] = statistics.median(samples)
            times += samples
        count = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
        matches = {q: conn.execute(count, [q]).fetchone()[0] for q in queries}
    finally:
        conn.close()
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p90_ms": times[int(len(times) * 0.9) - 1],
        "per_query_ms": per_query,
        "matches": matches,
    }


def storage_figures(sizes: list[int], work: Path) -> dict:
    db_path = work / "scale.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    text = TextMaker(seed=11)
    print("dedup + storage cost per new article (target: flat):", flush=True)
    results = []
    n = 0
    for size in sizes:
        started = time.perf_counter()
        n = fill(db_path, size, text, n)
        build = time.perf_counter() - started
        ms, n = measure(db_path, text, n)
        db_size = sum(
            Path(f"{db_path}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{db_path}{s}").exists()
        )
        results.append(
            {"stored": size, "ms_per_article": ms, "build_s": build, "db_bytes": db_size}
        )
        print(
            f"  {size:>9,} stored: {ms:6.2f} ms/article  (database {db_size / 2**20:,.0f} MiB, filled in {build:,.0f} s)",
            flush=True,
        )
    fts = fts_times(db_path, text)
    print(
        f"full-text query at {sizes[-1]:,} articles: median {fts['median_ms']:.1f} ms, p90 {fts['p90_ms']:.1f} ms "
        f"(target median < 50 ms)",
        flush=True,
    )
    for query, ms in fts["per_query_ms"].items():
        print(f"    {query!s:28s} {ms:7.1f} ms  {fts['matches'][query]:>8,} matches", flush=True)
    return {"per_article": results, "fts": fts}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    storage_figures([int(s) for s in args.sizes.split(",")], work)


if __name__ == "__main__":
    main()
