"""``newsmon export`` at scale: time and peak memory of each format over a large archive,
and the cost of rebuilding the folded full-text index (migration m020).

The archive is made by the storage benchmark's generator
(``benchmarks/dedup_scaling.py``: synthetic articles with a Zipf vocabulary,
25 sources, one in ten a syndicated copy, written in bulk with their story
index rows); each export then runs as its own ``newsmon export`` process,
whose peak resident memory the kernel reports when it ends (``wait4``).

Run alone: ``python benchmarks/export_scale.py [--size 1000000] [--workdir DIR] [--keep]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from dedup_scaling import Corpus, fill  # noqa: E402

from crawler.store import open_store  # noqa: E402
from crawler.store.sqlite import ftsfold  # noqa: E402

FORMATS = ("jsonl", "csv", "atom", "sqlite")
TIME = shutil.which("time") or "/usr/bin/time"  # GNU time: peak RSS of the command itself


def build(db_path: Path, size: int, workers: int) -> float:
    started = time.perf_counter()
    pool = multiprocessing.Pool(workers) if workers > 1 else None
    store = open_store(db_path)
    try:
        fill(store, Corpus(), 0, size, pool)
    finally:
        store.close()
        if pool is not None:
            pool.close()
            pool.join()
    return time.perf_counter() - started


def rebuild_seconds(db_path: Path) -> float:
    """What migration m020 costs an existing archive: the folded index rebuilt from the stored text."""
    store = open_store(db_path)
    try:
        started = time.perf_counter()
        with store.write():
            ftsfold.rebuild(store.conn)
        return time.perf_counter() - started
    finally:
        store.close()


def run_export(db_path: Path, fmt: str, out: Path) -> dict:
    """One ``newsmon export`` process: wall time, CPU time and peak RSS.

    GNU time starts it: the peak the kernel reports for a child includes the
    memory of the process it was forked from, which here would be this
    benchmark's own (Scrapy imported), not the export's.
    """
    out.unlink(missing_ok=True)
    measured = out.with_suffix(".time")
    command = [TIME, "-f", "%M %e %U %S", "-o", str(measured), sys.executable, "-m", "crawler.cli",
               "export", "--format", fmt, "--db", str(db_path), "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"export --format {fmt} failed: {result.stderr.strip()}")
    peak_kib, wall, user, system = measured.read_text().split()[-4:]
    return {
        "format": fmt,
        "wall_s": float(wall),
        "cpu_s": float(user) + float(system),
        "peak_rss_mib": int(peak_kib) / 1024,
        "out_mib": out.stat().st_size / 2**20,
        "summary": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "",
    }


def search_times(db_path: Path, repeat: int = 3) -> dict[str, float]:
    """Median milliseconds of ``newsmon search``'s query (``store.search_stories``: one hit per
    story, newest first, 20 stories) for words from very common to rare, a phrase and a prefix."""
    words = Corpus().words  # word n is the (n + 1)th most frequent (Zipf)
    queries = [
        words[19],
        words[1999],
        words[19999],
        f'"{words[9]} {words[19]}"',
        f"{words[100][:3]}*",
    ]
    times = {}
    with open_store(db_path, read_only=True) as store:
        for query in queries:
            store.search_stories(query)  # warm the page cache, as a running system would be
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                store.search_stories(query)
                samples.append((time.perf_counter() - started) * 1000)
            times[query] = statistics.median(samples)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="articles in the archive")
    parser.add_argument("--workers", type=int, default=2, help="processes making the filler text")
    parser.add_argument("--workdir", type=Path, help="keep the archive here (reused if present)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="the archive is DIR's base of --size articles (built in bulk once if missing: "
        "benchmarks/bulkload.py); the exports are written to --workdir or a temporary folder",
    )
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-export-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / f"archive-{args.size}.db"
    if args.reuse is not None:
        from bulkload import ensure_sqlite

        db_path = ensure_sqlite(args.reuse, args.size, args.workers)
    try:
        if not db_path.exists():
            seconds = build(db_path, args.size, args.workers)
            print(f"archive of {args.size:,} articles built in {seconds:,.0f} s "
                  f"({db_path.stat().st_size / 2**30:.2f} GiB)", flush=True)  # fmt: skip
        if not args.skip_rebuild:
            seconds = rebuild_seconds(db_path)
            print(f"folded full-text index rebuilt (migration m020) in {seconds:,.1f} s "
                  f"({seconds / args.size * 1e6:.0f} µs per article)", flush=True)  # fmt: skip
        for query, ms in search_times(db_path).items():
            print(f"  newsmon search {query!r:28s} {ms:8.1f} ms (median of 3; load average "
                  f"{os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
        for fmt in filter(None, args.formats.split(",")):
            figures = run_export(db_path, fmt, work / f"export.{fmt}")
            print(f"  export --format {fmt:6s}: {figures['wall_s']:7.1f} s wall, {figures['cpu_s']:7.1f} s CPU, "
                  f"peak RSS {figures['peak_rss_mib']:6.1f} MiB, output {figures['out_mib']:8.1f} MiB "
                  f"({figures['summary']}; load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
