"""``newsmon serve`` at scale: every canned query and page timed on a synthetic 1M-article database.

The database is filled with the text generator of the dedup benchmark
(``dedup_scaling.Corpus``: a Zipf vocabulary), with what serving reads
spread as a real collection spreads it: the outlets of sources.toml with
their languages,
publication times over three years (some missing), one article in ten a copy
of a recent story by another outlet, about 8% relevant to one or both topics (in monthly waves, more in some
outlets than others), one
in a hundred with an earlier version. Requests go through Datasette's own
ASGI client (no network), after one warm-up each, as a running server
would answer them.

Run: ``python benchmarks/serve_scale.py [--articles 1000000] [--db FILE] [--rounds 5]``
(an existing ``--db`` is reused and migrated; ≈ 6 minutes to build 1M articles;
``--articles 200000`` builds a smaller one where the machine is shared). Each
articles page also says which facets it showed and which it left out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dedup_scaling import Corpus  # noqa: E402

from crawler.config import load_sources  # noqa: E402
from crawler.store import open_store  # noqa: E402

SOURCES = [(source.name, source.language) for source in load_sources().sources]
TOPICS = ("karabakh-blockade", "russian-peacekeepers")
START = datetime(2022, 1, 1, tzinfo=UTC)
CHUNK = 10000
COLUMNS = (
    "id", "url", "url_key", "source", "title", "body", "published_at", "first_seen_at",
    "fetched_at", "language", "relevant", "topics", "story_id", "content_hash",
)  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def make_rows(corpus: Corpus, start: int, stop: int, total: int, days: int) -> list[tuple]:
    """Articles ``start + 1``..``stop`` of ``total``, in time order over ``days`` days."""
    rng = random.Random(start)
    rows = []
    recent: list[tuple[int, str, datetime, str]] = []
    for n in range(start, stop):
        article_id = n + 1
        seen = START + timedelta(seconds=days * 86400 * n / total + rng.randint(0, 600))
        outlet = rng.randrange(len(SOURCES))
        source, language = SOURCES[outlet]
        if recent and rng.random() < 0.1:
            story, title, published, topics_json = recent[-rng.randint(1, len(recent))]
            published = published + timedelta(minutes=rng.randint(5, 600))
        else:
            story, title = article_id, corpus.title()
            published = seen - timedelta(minutes=rng.randint(0, 120))
            # Coverage comes in waves (a monthly cycle) and differs by outlet.
            day = (seen - START).days
            wave = 1 + 0.8 * math.sin(2 * math.pi * day / 30)
            roll = rng.random() / (wave * (0.4 + (outlet % 7) / 5))
            topics = (
                [TOPICS[0]] if roll < 0.05 else [TOPICS[1]] if roll < 0.07 else
                list(TOPICS) if roll < 0.08 else []
            )  # fmt: skip
            topics_json = json.dumps(topics)
            recent.append((story, title, published, topics_json))
            del recent[:-200]
        body = " ".join(corpus.sentence() for _ in range(3))
        url = f"https://{source}.example/news/{article_id}"
        rows.append(
            (article_id, url, url, source, title, body,
             None if rng.random() < 0.03 else iso(published), iso(seen), iso(seen), language,
             int(topics_json != "[]"), topics_json, story, f"h{article_id}")
        )  # fmt: skip
    return rows


def build(path: Path, total: int, days: int = 3 * 365, versions_every: int = 100) -> None:
    """A newsmon database of ``total`` synthetic articles at ``path`` (migrated, indexed)."""
    corpus = Corpus()
    with open_store(path) as store:
        for first in range(0, total, CHUNK):
            rows = make_rows(corpus, first, min(first + CHUNK, total), total, days)
            with store.write() as tx:
                tx.load_articles(COLUMNS, rows)
        with store.write() as tx:
            for article_id in range(1, total + 1, versions_every):
                tx.archive_version(article_id, iso(START + timedelta(days=days)))


def requests(topic: str, last_day: str) -> list[tuple[str, str]]:
    """(what, path) of every page and canned query a reader uses."""
    month_ago = (datetime.fromisoformat(last_day) - timedelta(days=30)).date().isoformat()
    from crawler.serve import load_metadata

    charts = load_metadata(list(TOPICS))["plugins"]["datasette-dashboards"]["coverage"]["charts"]
    from urllib.parse import urlencode

    out = [
        ("home page", "/"),
        ("articles table (facets, newest first)", "/newsmon/articles"),
        *[
            (f"articles search, a word in {share} of articles", f"/newsmon/articles?_search={word}")
            for share, word in SEARCHED.items()
        ],
        (
            "articles of a topic (the topics facet's link)",
            f"/newsmon/articles?{TOPIC_FILTER}={topic}",
        ),
        ("articles of an outlet", f"/newsmon/articles?source={SOURCES[0][0]}"),
        ("relevant_stories page", "/newsmon/relevant_stories"),
        ("relevant_stories.json topic", f"/newsmon/relevant_stories.json?topic={topic}"),
        (
            "relevant_stories.json topic, last 30 days",
            f"/newsmon/relevant_stories.json?topic={topic}&since={month_ago}&until={last_day}",
        ),
        ("stories.json", "/newsmon/stories.json"),
        ("stories.json, last 30 days", f"/newsmon/stories.json?since={month_ago}"),
        ("coverage_daily.json (90 days)", "/newsmon/coverage_daily.json"),
        ("coverage_daily.json topic (90 days)", f"/newsmon/coverage_daily.json?topic={topic}"),
        ("article_versions.json", "/newsmon/article_versions.json?article_id=501"),
        ("coverage dashboard page", f"/-/dashboards/coverage?topic={topic}"),
        ("Atom feed of a topic", f"/-/feeds/{topic}.atom"),
    ]
    for name, chart in charts.items():
        query = urlencode({"sql": chart["query"], "topic": topic, "_shape": "objects"})
        out.append((f"coverage chart data: {name}", f"/newsmon.json?{query}"))
    return out


SEARCHED: dict[str, str] = {}  # share of articles -> a word of the corpus (set in main())
TOPIC_FILTER = "topics__arraycontains"
TABLE_PAGE = "/newsmon/articles"
FACETS = ("source", "language", "topics")


async def facets_shown(ds, path: str) -> str:
    """Which facets a table page shows, and which it left out (timed out or not attempted)."""
    json_path = path.replace(TABLE_PAGE, TABLE_PAGE + ".json", 1)
    data = (await ds.client.get(json_path)).json()
    shown = ", ".join(data["facet_results"]) or "none"
    # The JSON does not list them (Datasette's HTML does): the metadata's facets not shown.
    missing = [name for name in FACETS if name not in data["facet_results"]]
    return f"facets: {shown}" + (f"; left out: {', '.join(missing)}" if missing else "")


async def measure(ds, paths: list[tuple[str, str]], rounds: int) -> list[dict]:
    results = []
    for what, path in paths:
        response = await ds.client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        shown = await facets_shown(ds, path) if path.startswith(TABLE_PAGE) else ""
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            await ds.client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        results.append(
            {
                "what": what,
                "median_ms": statistics.median(samples),
                "p90_ms": samples[max(0, int(len(samples) * 0.9) - 1)],
            }
        )
        print(
            f"{what:48} {results[-1]['median_ms']:8.0f} {results[-1]['p90_ms']:8.0f}  {shown}",
            flush=True,
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    db = args.db or Path(tempfile.mkdtemp()) / "serve-scale.db"
    if not db.exists():
        started = time.perf_counter()
        build(db, args.articles)
        print(f"built {args.articles:,} articles in {time.perf_counter() - started:.0f} s: {db}")
    else:
        open_store(db).close()  # migrate an older copy (the serving indexes)
    # Words of the Zipf vocabulary by rank (as benchmarks/storage_scale.py searches them).
    words = Corpus().words
    with open_store(db, read_only=True) as store:
        total = store.count_articles()
        for rank in (20, 200, 2000):
            share = store.count_matches(words[rank - 1]) / total
            SEARCHED[f"{share:.1%}"] = words[rank - 1]
    from crawler.serve import make_datasette

    ds = make_datasette(db, topics=list(TOPICS))
    last_day = (START + timedelta(days=3 * 365)).date().isoformat()
    asyncio.run(ds.invoke_startup())
    print(f"{total:,} articles; load average {os.getloadavg()[0]:.1f} (1 min)")
    print(f"{'request':48} {'median ms':>8} {'p90 ms':>8}")
    asyncio.run(measure(ds, requests(TOPICS[0], last_day), args.rounds))
    print(f"load average {os.getloadavg()[0]:.1f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
