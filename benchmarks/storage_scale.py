"""Dedup + storage cost per article as the archive grows, and full-text query time at the largest size.

The database is filled and probed with the dedup scaling benchmark's own
machinery (``benchmarks/dedup_scaling.py``): synthetic articles with a Zipf
vocabulary, written in bulk with the rows the story index keeps (and the
full-text index, through the table's triggers); at each size a mix of new
texts, copies of stored articles, unchanged and edited re-fetches goes
through the real ``DedupPipeline`` and ``StoragePipeline``. The full-text
queries are timed as ``newsmon search`` runs them (20 stories, newest
first) and ranked best first, over words of every frequency in that
vocabulary.

Run alone: ``python benchmarks/storage_scale.py [--sizes 1000,10000] [--workdir DIR]``;
``--backend postgresql`` runs the same on a throwaway PostgreSQL server of the
machine's binaries (``tests/pgserver.py``), ``--db postgresql://…`` on a
database of yours (it must be empty).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dedup_scaling import Corpus, fill, measure  # noqa: E402

from crawler.store import local_path, open_store  # noqa: E402

ROUNDS = 3
# Word ranks in the corpus's Zipf vocabulary (rank 1 the most frequent word):
# from words in most articles to words in a handful, as an operator's searches go.
SINGLE_RANKS = (20, 200, 2000, 20000)


def queries(corpus: Corpus) -> list[str]:
    """Single words of falling frequency, an AND, a NEAR and a phrase."""
    word = corpus.words
    single = [word[rank - 1] for rank in SINGLE_RANKS]
    return [
        *single,
        f"{word[99]} AND {word[999]}",
        f"NEAR({word[299]} {word[2999]}, 10)",
        f'"{word[9]} {word[19]}"',
    ]


def fts_times(db_path: Path | str, corpus: Corpus, repeat: int = 5) -> dict:
    """Median (and p90) milliseconds of the full-text queries, each way the store answers them.

    ``stories``: ``newsmon search``'s own query (``store.search_stories``: 20
    stories newest first, their copies and snippets); ``ranked``: 20 articles
    best first (``store.search``, the order of a relevance-ranked listing).
    """
    store = open_store(db_path, read_only=True)
    ways = {
        "stories": lambda query: store.search_stories(query, limit=20),
        "ranked": lambda query: store.search(query, limit=20),
    }
    wanted = queries(corpus)
    figures: dict = {}
    try:
        for way, run in ways.items():
            times = []
            per_query = {}
            for query in wanted:
                run(query)  # warm the page cache as a running system would
                samples = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    run(query)
                    samples.append((time.perf_counter() - started) * 1000)
                per_query[query] = statistics.median(samples)
                times += samples
            times.sort()
            figures[way] = {
                "median_ms": statistics.median(times),
                "p90_ms": times[int(len(times) * 0.9) - 1],
                "per_query_ms": per_query,
            }
        figures["matches"] = {q: store.count_matches(q) for q in wanted}
    finally:
        store.close()
    return figures


def _db_bytes(db_path: Path | str) -> int:
    if local_path(db_path) is None:  # a server's database
        with open_store(db_path, read_only=True) as store:
            return store.describe()["size_bytes"]
    return sum(p.stat().st_size for p in (Path(db_path), Path(f"{db_path}-wal")) if p.exists())


def storage_figures(sizes: list[int], work: Path, workers: int = 2, db_url: str = "") -> dict:
    db_path = db_url or work / "scale.db"
    if not db_url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    print("dedup + storage cost per article (target: flat):", flush=True)
    pool = multiprocessing.Pool(workers) if workers > 1 else None
    db = open_store(db_path)
    corpus = Corpus()
    results = []
    filled = 0
    empty_bytes = _db_bytes(
        db_path
    )  # the schema alone (a server's database has a floor of its own)
    try:
        for size in sorted(sizes):
            started = time.perf_counter()
            fill(db, corpus, filled, size, pool)
            build = time.perf_counter() - started
            rounds = [measure(db_path, db, corpus, size, f"p{size}r{r}") for r in range(ROUNDS)]
            filled = db.count_articles()
            results.append(_per_article(size, rounds, build, _db_bytes(db_path), empty_bytes))
    finally:
        db.close()
        if pool is not None:
            pool.close()
            pool.join()
    return {"per_article": results, "fts": _search_figures(db_path, corpus, filled)}


def reused_figures(
    sizes: list[int], folder: Path, workers: int = 2, backend: str = "sqlite"
) -> dict:
    """The same figures on bases kept in ``folder`` (built in bulk once), each measured on a copy."""
    from bulkload import ensure_sqlite, postgresql_base, postgresql_copy, server, working_copy

    pg = server(folder / "pg") if backend == "postgresql" else None
    if pg is not None:
        empty = postgresql_copy(pg.url(), "template0", "empty")
        open_store(empty).close()
    else:
        empty = folder / "empty.db"
        open_store(empty).close()
    empty_bytes = _db_bytes(empty)
    print("dedup + storage cost per article (target: flat):", flush=True)
    results = []
    for size in sorted(sizes):
        started = time.perf_counter()
        base = (postgresql_base(pg, folder, size, workers) if pg else
                ensure_sqlite(folder, size, workers))  # fmt: skip
        build = time.perf_counter() - started
        measured = (postgresql_copy(pg.url(), f"base_{size}", "measured") if pg else
                    working_copy(base, folder / "measured.db"))  # fmt: skip
        corpus = Corpus()
        with open_store(measured) as db:
            rounds = [measure(measured, db, corpus, size, f"p{size}r{r}") for r in range(ROUNDS)]
        results.append(_per_article(size, rounds, build, _db_bytes(base), empty_bytes))
    return {"per_article": results, "fts": _search_figures(base, Corpus(), size)}


def _per_article(
    size: int, rounds: list[dict], build: float, size_bytes: int, empty_bytes: int
) -> dict:
    # Timings on a shared machine are noisy: the best of a few rounds is the cost.
    ms = min(r["ms"] for r in rounds)
    cpu = min(r["cpu_ms"] for r in rounds)
    above = (size_bytes - empty_bytes) / max(1, size)
    print(
        f"  {size:>9,} stored: {ms:6.2f} ms/article, {cpu:5.2f} ms CPU of this process (best of "
        f"{ROUNDS} rounds of mixed new, copied, re-fetched and edited articles; database "
        f"{size_bytes / 2**20:,.0f} MiB, {above / 1024:,.1f} KiB/article above the empty schema, "
        f"filled in {build:,.0f} s; load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return {
        "stored": size,
        "ms_per_article": ms,
        "cpu_ms_per_article": cpu,
        "median_ms_per_article": statistics.median(r["ms"] for r in rounds),
        "build_s": build,
        "db_bytes": size_bytes,
        "bytes_per_article": above,
    }


def _search_figures(db_path: Path | str, corpus: Corpus, filled: int) -> dict:
    fts = fts_times(db_path, corpus)
    load = os.getloadavg()[0]
    for way, label in (
        ("stories", "newsmon search: 20 stories newest first"),
        ("ranked", "ranked: 20 articles best first"),
    ):
        figures = fts[way]
        print(
            f"full-text query ({label}) at {filled:,} articles: median "
            f"{figures['median_ms']:.1f} ms, p90 {figures['p90_ms']:.1f} ms "
            f"(target median < 50 ms; load average {load:.1f})",
            flush=True,
        )
        for query, ms in figures["per_query_ms"].items():
            print(
                f"    {query!s:36s} {ms:7.1f} ms  {fts['matches'][query]:>9,} matches", flush=True
            )
    return fts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--workers", type=int, default=2, help="processes making the filler text")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--db", default="", help="an empty PostgreSQL database to fill instead")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="keep the filled databases in DIR (built in bulk once, benchmarks/bulkload.py; "
        "PostgreSQL: a server kept in DIR/pg) and measure on a copy of each",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse is not None:
        reused_figures(sizes, args.reuse, args.workers, args.backend)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.backend == "postgresql" and not args.db:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
        try:
            storage_figures(sizes, work, args.workers, server.create_database("scale"))
        finally:
            server.stop()
    else:
        storage_figures(sizes, work, args.workers, args.db)


if __name__ == "__main__":
    main()
