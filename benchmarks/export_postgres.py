"""``newsmon export`` and ``newsmon search`` on PostgreSQL: time and peak memory as the archive grows.

The same synthetic archive as ``benchmarks/export_scale.py`` (its generator
is ``benchmarks/dedup_scaling.py``), loaded in bulk into a PostgreSQL
database per size; each export runs as its own ``newsmon export`` process
under GNU time (peak resident memory of that process alone). Memory that
stays flat while the archive grows tenfold is what the server-side cursors
are for. ``--format sqlite`` is the copy a PostgreSQL collection is served
from (``newsmon serve`` reads SQLite).

Run alone: ``python benchmarks/export_postgres.py [--sizes 5000,50000]`` (a throwaway server
of the machine's binaries, ``tests/pgserver.py``), or ``--sizes N --db postgresql://…`` to fill
an empty database of your own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dedup_scaling import Corpus, fill  # noqa: E402
from export_scale import FORMATS, run_export, search_times  # noqa: E402

from crawler.store import open_store  # noqa: E402


def measure(url: str, size: int, work: Path, workers: int, formats: list[str]) -> None:
    started = time.perf_counter()
    pool = multiprocessing.Pool(workers) if workers > 1 else None
    try:
        with open_store(url) as store:
            fill(store, Corpus(), 0, size, pool)
            size_bytes = store.describe()["size_bytes"]
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    print(f"{size:,} articles loaded in {time.perf_counter() - started:,.0f} s "
          f"({size_bytes / 2**20:,.0f} MiB database)", flush=True)  # fmt: skip
    for query, ms in search_times(url).items():
        print(f"  newsmon search {query!r:28s} {ms:8.1f} ms (median of 3)", flush=True)
    for fmt in formats:
        figures = run_export(url, fmt, work / f"export-{size}.{fmt}")
        print(f"  export --format {fmt:6s}: {figures['wall_s']:7.1f} s wall, "
              f"{figures['cpu_s']:6.1f} s CPU, peak RSS {figures['peak_rss_mib']:6.1f} MiB, "
              f"output {figures['out_mib']:7.1f} MiB ({figures['summary']})", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="articles in each archive")
    parser.add_argument("--workers", type=int, default=2, help="processes making the filler text")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--db", default="", help="an empty PostgreSQL database (one size only)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.db and len(sizes) != 1:
        parser.error("--db fills one database: give one size (--sizes 50000)")
    formats = [f for f in args.formats.split(",") if f]
    work = Path(tempfile.mkdtemp(prefix="newsmon-export-pg-"))
    server = None
    if not args.db:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
    try:
        for size in sizes:
            url = server.create_database(f"export_{size}") if server is not None else args.db
            measure(url, size, work, args.workers, formats)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
