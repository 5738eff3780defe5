"""Dedup + storage cost per article as the archive grows, and full-text query time at the largest size.

The database is filled and probed with the dedup scaling benchmark's own
machinery (``benchmarks/dedup_scaling.py``): synthetic articles with a Zipf
vocabulary, written in bulk with the rows the story index keeps (and the
full-text index, through the table's triggers); at each size a mix of new
texts, copies of stored articles, unchanged and edited re-fetches goes
through the real ``DedupPipeline`` and ``StoragePipeline``. The full-text
queries are ``newsmon search``'s own (``crawler.commands.search``), over
words of every frequency in that vocabulary.

Run alone: ``python benchmarks/storage_scale.py [--sizes 1000,10000] [--workdir DIR]``;
``--backend postgresql`` runs the same on a throwaway PostgreSQL server of the
machine's binaries (``tests/pgserver.py``), ``--db postgresql://…`` on a
database of yours (it must be empty).
"""

from __future__ import annotations

import argparse
import multiprocessing
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
    """Median (and p90) milliseconds of ``newsmon search``'s query: top 20 by rank, with snippets."""
    store = open_store(db_path, read_only=True)
    times = []
    per_query = {}
    try:
        for query in queries(corpus):
            store.search(query, limit=20)  # warm the page cache as a running system would
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                store.search(query, limit=20)
                samples.append((time.perf_counter() - started) * 1000)
            per_query[query] = statistics.median(samples)
            times += samples
        matches = {q: store.count_matches(q) for q in per_query}
    finally:
        store.close()
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p90_ms": times[int(len(times) * 0.9) - 1],
        "per_query_ms": per_query,
        "matches": matches,
    }


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
            # Timings on a shared machine are noisy: the best of a few rounds is the cost.
            rounds = [measure(db_path, db, corpus, size, f"p{size}r{r}") for r in range(ROUNDS)]
            filled = db.count_articles()
            ms = min(r["ms"] for r in rounds)
            size_bytes = _db_bytes(db_path)
            results.append(
                {
                    "stored": size,
                    "ms_per_article": ms,
                    "median_ms_per_article": statistics.median(r["ms"] for r in rounds),
                    "build_s": build,
                    "db_bytes": size_bytes,
                    "bytes_per_article": (size_bytes - empty_bytes) / max(1, filled),
                }
            )
            print(
                f"  {size:>9,} stored: {ms:6.2f} ms/article (best of {ROUNDS} rounds of mixed new, copied, "
                f"re-fetched and edited articles; database {size_bytes / 2**20:,.0f} MiB, "
                f"{(size_bytes - empty_bytes) / max(1, filled) / 1024:,.1f} KiB/article above the empty schema, "
                f"filled in {build:,.0f} s)",
                flush=True,
            )
    finally:
        db.close()
        if pool is not None:
            pool.close()
            pool.join()
    fts = fts_times(db_path, corpus)
    print(
        f"full-text query (newsmon search) at {filled:,} articles: median {fts['median_ms']:.1f} ms, "
        f"p90 {fts['p90_ms']:.1f} ms (target median < 50 ms)",
        flush=True,
    )
    for query, ms in fts["per_query_ms"].items():
        print(f"    {query!s:36s} {ms:7.1f} ms  {fts['matches'][query]:>9,} matches", flush=True)
    return {"per_article": results, "fts": fts}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--workers", type=int, default=2, help="processes making the filler text")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--db", default="", help="an empty PostgreSQL database to fill instead")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
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
