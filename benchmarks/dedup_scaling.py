"""Per-article cost of dedup + storage as the database grows.

    .venv/bin/python benchmarks/dedup_scaling.py                      # 1k, 10k, 100k stored articles
    .venv/bin/python benchmarks/dedup_scaling.py --sizes 1000,10000,100000,1000000 --workers 2

The database is filled with synthetic articles (a Zipf vocabulary, 25
sources with their own furniture lines and leaked "most read" lists, one
article in ten a syndicated copy of a recent one), written with the index
rows the story index keeps. Every story names people (a Zipf list of names)
and gives figures, and the sources write in two languages (even sources
"en", odd ones "az"), so the translation index (``translation_keys``,
``translation_signatures``) is filled and queried too. At each size, a fresh
mix of articles goes through the real ``DedupPipeline`` and
``StoragePipeline`` (built with ``get_crawler``, batches of 50): new texts,
copies of stored articles (recent and old), translations of one of the
latest thousand (other words, the same names and figures, the other
language, published hours later), unchanged re-fetches and edited re-fetches. Printed per size:
the milliseconds per article (best and median of ``--rounds`` rounds of
300), the story-index and translation-index rows read and candidates
compared per article (they must stay flat), and the share of copies of
recent and of old articles, and of translations, that found their story.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from crawler import stories  # noqa: E402
from crawler.fingerprint import content_hash, paragraphs, sketch  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.store import open_store  # noqa: E402
from crawler.translations import signature  # noqa: E402
from crawler.urls import url_key  # noqa: E402
from pipelines.dedup import DedupPipeline  # noqa: E402
from pipelines.storage import StoragePipeline  # noqa: E402

SOURCES = 25
PROBE = 300


class Corpus:
    """Deterministic synthetic news text."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        syllables = [c + v for c in "bdgklmnprstvz" for v in "aeiou"] + [
            "ar",
            "an",
            "el",
            "ov",
            "yan",
            "li",
        ]
        words = set()
        while len(words) < 30000:
            words.add("".join(self.rng.choices(syllables, k=self.rng.randint(2, 4))))
        self.words = sorted(words)
        total, self.cumulative = 0.0, []
        for rank in range(len(self.words)):
            total += 1 / (rank + 1)
            self.cumulative.append(total)
        self.furniture = {
            f"s{n}": [
                f"Follow {self.title(3)} on Telegram for the latest news",
                f"Copyright {self.title(2)} all rights reserved reproduction with a link only",
            ]
            for n in range(SOURCES)
        }
        names = set()
        while len(names) < 20000:
            names.add("".join(self.rng.choices(syllables, k=self.rng.randint(2, 4))).capitalize())
        self.names = sorted(names)
        total, self.name_weights = 0.0, []
        for rank in range(len(self.names)):
            total += 1 / (rank + 1)
            self.name_weights.append(total)
        self.recent_titles: dict[str, list[str]] = {}
        self.used: set[int] = set()  # stored articles already copied or re-fetched by a probe

    def sentence(self) -> str:
        return (
            " ".join(
                self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(8, 20))
            ).capitalize()
            + "."
        )

    def title(self, n: int = 8) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n)).capitalize()

    def facts(self) -> str:
        """A sentence of names and figures (what a translation keeps)."""
        rng = self.rng
        names = rng.choices(self.names, cum_weights=self.name_weights, k=rng.randint(2, 4))
        figures = [
            f"{rng.choice([rng.randint(2, 99), rng.randint(100, 9999), rng.randint(10000, 200000)]):,}"
            for _ in range(rng.randint(1, 3))
        ]
        words = [
            w for pair in zip(names, ["said", "and", "with", "of"], strict=False) for w in pair
        ]
        return "Reported " + " ".join(words + ["about"] + figures) + "."

    def story(self, facts: list[str] | None = None) -> tuple[str, list[str]]:
        """Title and paragraphs of a new text (about ``facts``, two fact sentences, when given)."""
        paras = [
            " ".join(self.sentence() for _ in range(self.rng.randint(2, 4)))
            for _ in range(self.rng.randint(3, 8))
        ]
        facts = facts or [self.facts(), self.facts()]
        paras[0] += " " + facts[0]
        paras[-1] += " " + facts[1]
        return self.title(), paras

    def page(self, source: str, title: str, paras: list[str]) -> str:
        """The body as extraction leaves it: the text, the site's furniture, sometimes its 'most read' list."""
        lines = list(paras) + self.furniture[source]
        recent = self.recent_titles.setdefault(source, [])
        if self.rng.random() < 0.3 and recent:
            lines += ["Most read"] + [f"- {t}" for t in recent[-5:]]
        recent.append(title)
        del recent[:-20]
        return "\n\n".join(lines)


def make_chunk(corpus: Corpus, start: int, stop: int) -> tuple:
    """Rows of articles ``start + 1``..``stop`` and their story-index rows, as storage would leave them.

    One article in ten is a syndicated copy of one of the chunk's latest
    originals (at most 500 back), with a dateline and fewer paragraphs.
    """
    rng = corpus.rng
    # A chunk is the same whichever process makes it, and after whichever chunks.
    rng.seed(start)
    corpus.recent_titles.clear()
    stored: list[tuple[int, str, list[str]]] = []
    rows, bands, paras_rows, signatures, keys = [], [], [], [], []
    when = "2023-01-01T00:00:00+00:00"
    for n in range(start, stop):
        source = f"s{n % SOURCES}"
        language = language_of(source)
        article_id = n + 1
        story = article_id
        if stored and rng.random() < 0.1:
            original_id, title, paras = stored[-rng.randint(1, min(500, len(stored)))]
            paras = [
                f"CITY, January {rng.randint(1, 28)} –" + paras[0],
                *paras[1 : rng.randint(2, len(paras))],
            ]
            story = original_id
        else:
            title, paras = corpus.story()
            stored.append((article_id, title, paras))
            del stored[:-500]
        body = corpus.page(source, title, paras)
        url = f"https://{source}.example/news/{article_id}"
        rows.append(
            (
                article_id,
                url,
                url,
                source,
                title,
                body,
                language,
                when,
                when,
                content_hash(None, body),
                story,
            )
        )
        bands.extend((band, article_id) for band in sketch("\n\n".join(paras)).bands)
        paras_rows.extend((key, article_id) for key in {key for _, key in paragraphs(body)})
        signed = signature(title, body, language)
        signatures.append((article_id, language, source, signed.encode()))
        keys.extend((key, article_id) for key in signed.index_keys())
    return rows, bands, paras_rows, signatures, keys


def language_of(source: str) -> str:
    """Sources write in two languages: even ones in "en", odd ones in "az"."""
    return "en" if int(source[1:]) % 2 == 0 else "az"


_WORKER: Corpus | None = None


def _worker_chunk(job: tuple[int, int]) -> tuple:
    global _WORKER
    if _WORKER is None:
        _WORKER = Corpus()
    return make_chunk(_WORKER, *job)


CHUNK = 5000


FILL_COLUMNS = (
    "id", "url", "url_key", "source", "title", "body", "language", "fetched_at", "first_seen_at",
    "content_hash", "story_id",
)  # fmt: skip


def fill(store, corpus: Corpus, start: int, stop: int, pool=None) -> None:
    """Write articles ``start + 1``..``stop`` (chunks made in ``pool`` when given), bulk."""
    jobs = [(first, min(first + CHUNK, stop)) for first in range(start, stop, CHUNK)]
    results = pool.imap(_worker_chunk, jobs) if pool else (make_chunk(corpus, *job) for job in jobs)
    for rows, bands, paras_rows, signatures, keys in results:
        with store.write() as tx:
            tx.load_articles(FILL_COLUMNS, rows, bands, paras_rows)
            tx.load_translations(signatures, keys)


def probe_page(
    corpus: Corpus, source: str, name: str, title: str, paras: list[str], **more
) -> ArticleItem:
    """A page of ``source`` at its probe URL ``name``, carrying ``title`` and ``paras``."""
    return ArticleItem(
        url=f"https://{source}.example/probe/{name}",
        source=source,
        title=title,
        body=corpus.page(source, title, paras),
        language=language_of(source),
        **more,
    )


def probe_items(
    store, corpus: Corpus, size: int, tag: str
) -> tuple[list[ArticleItem], dict[str, int]]:
    """A mix of fresh items, and the story each copy should join (by URL)."""
    rng = corpus.rng
    items, expected, used = [], {}, corpus.used
    for n in range(PROBE):
        kind = rng.random()
        if kind < 0.45:
            title, paras = corpus.story()
            items.append(probe_page(corpus, f"s{n % SOURCES}", f"{tag}/{n}", title, paras))
            continue
        # A stored article, recent or old, used once: an original (copies sit in its story).
        translated = kind < 0.5 or kind >= 0.95
        while True:
            if translated:
                # Published hours apart: among the latest thousand stored.
                article_id = size - rng.randint(0, 1000)
            elif kind < 0.65:
                article_id = size - rng.randint(0, 200)
            else:
                article_id = rng.randint(1, size)
            row = store.article(article_id)
            if row and row["story_id"] == article_id and article_id not in used:
                used.add(article_id)
                break
        stored_url, stored_source, title, body = (
            row["url"],
            row["source"],
            row["title"],
            row["body"],
        )
        story = row["story_id"]
        text = [p for p in body.split("\n\n") if p not in corpus.furniture[stored_source]]
        text = [p for p in text if not p.startswith("- ") and p != "Most read"]
        if translated:
            # A translation: the other language, other words, the same names and figures.
            other = f"s{(int(stored_source[1:]) + 1) % SOURCES}"
            facts = [s + "." for p in text for s in p.split(". ") if s.startswith("Reported ")]
            title, paras = corpus.story([f.rstrip(".") + "." for f in facts[:2]] or None)
            page = probe_page(
                corpus, other, f"{tag}/{n}", title, paras, published_at="2023-01-01T06:00:00+00:00"
            )
            items.append(page)
            expected[page.url] = (story, "translation")
        elif kind < 0.8:
            other = (
                f"s{(int(stored_source[1:]) + 1 + n % (SOURCES - 1)) % SOURCES}"  # another outlet
            )
            copy = ["CAPITAL –" + text[0], *text[1 : max(2, len(text) - 1)]]
            page = probe_page(corpus, other, f"{tag}/{n}", title, copy)
            items.append(page)
            expected[page.url] = (story, "recent" if kind < 0.65 else "old")
        elif kind < 0.9:
            items.append(
                ArticleItem(
                    url=stored_url + "?utm_source=rss", source=stored_source, title=title, body=body
                )
            )
        elif kind < 0.95:
            edited = body + "\n\nUpdate: " + corpus.sentence()
            items.append(
                ArticleItem(url=stored_url, source=stored_source, title=title, body=edited)
            )
    return items, expected


def measure(db_path: Path, store, corpus: Corpus, size: int, tag: str) -> dict:
    """Run one probe mix through the pipelines; figures per article."""
    items, expected = probe_items(store, corpus, size, tag)
    crawler = get_crawler(
        settings_dict={
            "NEWSMON_DB": str(db_path),
            "NEWSMON_DB_BATCH_SIZE": 50,
            "NEWSMON_DB_BATCH_SECONDS": 3600,
        }
    )
    dedup, storage = DedupPipeline.from_crawler(crawler), StoragePipeline.from_crawler(crawler)
    dedup.open_spider()
    storage.open_spider()
    counts = {"band_rows": 0, "candidates": 0, "finds": 0, "key_rows": 0, "compared": 0, "looks": 0}
    original_candidates = stories.StoryIndex.candidates
    original_translations = stories.TranslationIndex.candidates

    def counting(self, bands):
        found = original_candidates(self, bands)
        counts["finds"] += 1
        counts["candidates"] += len(found)
        return found

    def counting_translations(self, text):
        found = original_translations(self, text)
        counts["looks"] += 1
        counts["compared"] += len(found)
        return found

    def counting_rows(method, counter):
        def counted(self, keys, per_key):
            rows = method(self, keys, per_key)
            counts[counter] += len(rows)
            return rows

        return counted

    with store.write() as tx:  # the backend's transaction class, whichever it is
        transaction_class = type(tx)
    original_bands = transaction_class.band_candidates
    original_keys = transaction_class.translation_key_holders
    stories.StoryIndex.candidates = counting
    stories.TranslationIndex.candidates = counting_translations
    transaction_class.band_candidates = counting_rows(original_bands, "band_rows")
    transaction_class.translation_key_holders = counting_rows(original_keys, "key_rows")
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        for item in items:
            item.fetched_at = "2023-02-01T00:00:00+00:00"
            try:
                storage.process_item(dedup.process_item(item))
            except DropItem:
                pass
        storage.close_spider()
        dedup.close_spider()
    finally:
        stories.StoryIndex.candidates = original_candidates
        stories.TranslationIndex.candidates = original_translations
        transaction_class.band_candidates = original_bands
        transaction_class.translation_key_holders = original_keys
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    found = {}
    for url in expected:
        stored = store.find_article([url_key(url)])
        if stored is not None:
            found[url] = stored.story_id
    joined = {
        age: [found.get(url) == story for url, (story, when) in expected.items() if when == age]
        for age in ("recent", "old", "translation")
    }
    stats = crawler.stats.get_stats()
    return {
        "ms": 1000 * elapsed / len(items),
        "cpu_ms": 1000 * cpu / len(items),
        "band_rows": counts["band_rows"] / max(1, counts["finds"]),
        "candidates": counts["candidates"] / max(1, counts["finds"]),
        "recent_joined": sum(joined["recent"]) / max(1, len(joined["recent"])),
        "old_joined": sum(joined["old"]) / max(1, len(joined["old"])),
        "key_rows": counts["key_rows"] / max(1, counts["looks"]),
        "compared": counts["compared"] / max(1, counts["looks"]),
        "translations_joined": sum(joined["translation"]) / max(1, len(joined["translation"])),
        "missed": [
            (url, story, found.get(url))
            for url, (story, _) in expected.items()
            if found.get(url) != story
        ],
        "new": stats.get("storage/new", 0),
        "updated": stats.get("storage/updated", 0),
        "dropped": stats.get("dedup/dropped/same_url", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="stored articles at each measurement"
    )
    parser.add_argument("--db", type=Path, help="database file (default: a temporary one)")
    parser.add_argument("--rounds", type=int, default=3, help="probe rounds per size (default 3)")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes making the filler text (default 1)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list the copies that missed their story"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="keep the filled databases in DIR (built in bulk once: benchmarks/bulkload.py) "
        "and measure on a copy of each",
    )
    args = parser.parse_args(argv)
    try:
        sizes = sorted(int(s) for s in args.sizes.split(","))
    except ValueError:
        print(f"--sizes: not a list of integers: {args.sizes!r}", file=sys.stderr)
        return 2
    if args.db is not None and args.db.exists():
        print(f"--db: {args.db} exists; give a new file", file=sys.stderr)
        return 2
    print(
        f"{'stored':>9} {'ms/article: best':>16} {'median':>6} {'CPU ms':>6} {'band rows':>9} "
        f"{'compared':>8} {'copies joined: recent':>21} {'old':>5} {'key rows':>8} {'compared':>8} "
        f"{'translations joined':>19} {'fill s':>7} {'load':>5}"
    )
    if args.reuse is not None:
        from bulkload import ensure_sqlite, working_copy

        for size in sizes:
            started = time.perf_counter()
            base = ensure_sqlite(args.reuse, size, args.workers)
            fill_seconds = time.perf_counter() - started
            db_path = working_copy(base, args.reuse / "measured.db")
            corpus = Corpus()
            with open_store(db_path) as db:
                rounds = [
                    measure(db_path, db, corpus, size, f"n{size}r{r}") for r in range(args.rounds)
                ]
            report(size, rounds, fill_seconds, args.verbose)
        return 0
    pool = multiprocessing.Pool(args.workers) if args.workers > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "scaling.db"
        db = open_store(db_path)
        corpus = Corpus()
        filled = 0
        for size in sizes:
            started = time.perf_counter()
            fill(db, corpus, filled, size, pool)
            fill_seconds = time.perf_counter() - started
            rounds = [
                measure(db_path, db, corpus, size, f"n{size}r{r}") for r in range(args.rounds)
            ]
            filled = db.count_articles()
            report(size, rounds, fill_seconds, args.verbose)
        db.close()
    if pool is not None:
        pool.close()
        pool.join()
    return 0


def report(size: int, rounds: list[dict], fill_seconds: float, verbose: bool) -> None:
    """One line of figures for ``size`` stored articles.

    Timings on a shared machine are noisy: the best of a few rounds is the
    cost, the CPU time (of this process: the pipelines and SQLite) beside it
    moves less with the load; the counters do not depend on the load.
    """
    times = sorted(r["ms"] for r in rounds)

    def mean(key):
        return sum(r[key] for r in rounds) / len(rounds)

    print(
        f"{size:>9,} {times[0]:>16.2f} {times[len(times) // 2]:>6.2f} "
        f"{min(r['cpu_ms'] for r in rounds):>6.2f} {mean('band_rows'):>9.1f} "
        f"{mean('candidates'):>8.2f} {mean('recent_joined'):>21.2f} {mean('old_joined'):>5.2f} "
        f"{mean('key_rows'):>8.1f} {mean('compared'):>8.2f} "
        f"{mean('translations_joined'):>19.2f} {fill_seconds:>7.0f} {os.getloadavg()[0]:>5.1f}",
        flush=True,
    )
    if verbose:
        for url, story, got in (m for r in rounds for m in r["missed"]):
            print(f"    missed: {url} should join story {story}, got {got}")


if __name__ == "__main__":
    sys.exit(main())
