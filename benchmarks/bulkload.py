"""Large benchmark archives built once, in bulk, and reused: SQLite, and PostgreSQL copied from it.

The rows are the dedup scaling benchmark's (``dedup_scaling.make_chunk``:
articles with their story-index rows and translation-index rows, as storage
would leave them), made by worker processes. The archive holds what the
pipelines' storage would have written; what makes the load fast:

- SQLite: the rows go in through the store's own bulk writes
  (``load_articles``, ``load_translations``: the full-text index through the
  table's triggers) in transactions of 50,000 articles, with a large page
  cache and no sync. The trigger is kept: its work runs in the loading
  process while the workers make the next rows, where a rebuild of
  ``articles_fts`` at the end would run alone after them.
- PostgreSQL: every table is copied from such a SQLite archive with ``COPY``
  (psycopg 3 ``cursor.copy``), the ``tsvector`` of each article made by the
  store's own :func:`crawler.store.textsearch.tsvector_text` in worker
  processes; the secondary indexes are dropped for the load and made again,
  the foreign-key triggers skipped (``session_replication_role = replica``:
  the rows come from a consistent archive). ``--follow N`` copies the
  articles while another run is still building the SQLite base of N.

A base archive is kept under a folder (``--reuse DIR`` of the benchmarks) and
never measured on: :func:`working_copy` gives a measurement its own copy
(a file copy; ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so that probe
articles stored by one run do not change the next one's.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_scaling import CHUNK, FILL_COLUMNS, _worker_chunk  # noqa: E402

from crawler.store import open_store  # noqa: E402
from crawler.store.textsearch import tsvector_text  # noqa: E402

PER_TRANSACTION = 50_000
"""Articles per write transaction of the SQLite load (the WAL is checkpointed at each commit)."""
CACHE_KIB = 2_000_000
"""SQLite's page cache during the load: the random inserts of the story and
translation indexes stay in memory instead of rereading pages."""


def base_path(folder: Path, size: int) -> Path:
    return folder / f"base-{size}.db"


def partial_path(path: Path) -> Path:
    """Where the archive ``path`` is built (renamed to ``path`` when complete)."""
    return path.with_name(path.name + ".partial")


def build_sqlite(
    path: Path, size: int, workers: int = 2, milestones: tuple[int, ...] = ()
) -> float:
    """A SQLite archive of ``size`` synthetic articles at ``path``; seconds taken.

    On the way, a copy is kept of the archive at each of ``milestones``
    (``base_path`` of that size beside ``path``): the first articles of a
    larger archive are a smaller one. A build that was stopped goes on from
    the last transaction its ``.partial`` file holds (chunks are made from
    their first article's number, whichever run makes them).
    """
    started = time.perf_counter()
    partial = partial_path(path)
    store = open_store(partial)
    conn = store.conn
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA synchronous = OFF")  # a half-built archive is thrown away anyway
    done = store.count_articles()
    if done:
        print(f"    going on from the {done:,} articles of {partial}", flush=True)
    jobs = [(first, min(first + CHUNK, size)) for first in range(done, size, CHUNK)]
    pool = multiprocessing.Pool(workers) if workers > 1 else None
    # The chunks waiting to be written are millions of small tuples with no
    # cycles: the collector's full passes over them would cost the loading
    # process (the bottleneck) more than the rows themselves.
    gc.disable()
    try:
        chunks = pool.imap(_worker_chunk, jobs) if pool else map(_worker_chunk, jobs)
        loading = 0.0
        pending: list[tuple] = []
        for chunk in chunks:
            pending.append(chunk)
            done += len(chunk[0])
            if done % PER_TRANSACTION == 0 or done == size or done in milestones:
                began = time.perf_counter()
                _load(store, pending)
                loading += time.perf_counter() - began
                pending = []
                if done in milestones and done != size:
                    # The backup API: a consistent copy whatever readers hold the WAL.
                    with sqlite3.connect(base_path(path.parent, done)) as target:
                        conn.backup(target)
                print(f"    {done:>9,} articles loaded ({time.perf_counter() - started:,.0f} s, "
                      f"{loading:,.0f} s of it writing)", flush=True)  # fmt: skip
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        gc.enable()
        store.close()
        if pool is not None:
            pool.close()
            pool.join()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return time.perf_counter() - started


def _load(store, chunks: list[tuple]) -> None:
    with store.write() as tx:
        for rows, bands, paras_rows, signatures, keys in chunks:
            tx.load_articles(FILL_COLUMNS, rows, bands, paras_rows)
            tx.load_translations(signatures, keys)


# --- PostgreSQL ---------------------------------------------------------------

COPIED = (
    ("articles", None),
    ("story_bands", "band_hash, article_id"),
    ("story_paragraphs", "para_hash, article_id"),
    ("translation_signatures", "article_id, language, family, signature"),
    ("translation_keys", "key, article_id"),
    # Filled by SQLite's triggers as the rows went in; PostgreSQL's do not fire in replica mode.
    ("article_topics", "article_id, topic"),
)
ROWS_PER_READ = 20_000


def _vectors(rows: list[tuple]) -> list[tuple]:
    """``rows`` (title and body last) with their ``tsvector`` appended, in PostgreSQL's text form."""
    return [(*row, tsvector_text(row[-2] or "", row[-1] or "")) for row in rows]


def _batches(cursor: sqlite3.Cursor) -> Iterator[list[tuple]]:
    while rows := cursor.fetchmany(ROWS_PER_READ):
        yield rows


def _growing(path: Path, names: str, size: int) -> Iterator[list[tuple]]:
    """Batches of the first ``size`` articles in id order (id first in ``names``), read while
    the archive at ``path`` is being built (as its ``.partial`` file, whose committed rows a
    reader sees)."""
    last = 0
    while last < size:
        current = path if path.exists() else partial_path(path)
        try:
            source = sqlite3.connect(f"file:{current}?mode=ro", uri=True)
            try:
                rows = source.execute(
                    f"SELECT {names} FROM articles WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                    [last, size, ROWS_PER_READ],
                ).fetchall()
            finally:
                source.close()
        except sqlite3.Error:  # renamed or checkpointed under us: read again
            rows = []
        if not rows:
            time.sleep(15)
            continue
        last = rows[-1][0]
        yield rows


def copy_to_postgresql(
    sqlite_path: Path, url: str, workers: int = 2, follow: Path | None = None, size: int = 0
) -> float:
    """Fill the empty PostgreSQL database ``url`` with every archive row of ``sqlite_path``; seconds.

    ``follow``: a larger archive being built, whose first ``size`` articles
    are ``sqlite_path``'s: they are copied from it as they are committed, the
    other tables from ``sqlite_path`` once it exists.
    """
    import psycopg

    started = time.perf_counter()
    open_store(url).close()  # the schema, migrated
    reading = follow if follow is not None else sqlite_path
    while not (reading.exists() or partial_path(reading).exists()):
        time.sleep(15)
    source = sqlite3.connect(
        f"file:{reading if reading.exists() else partial_path(reading)}?mode=ro", uri=True
    )
    columns = [row[1] for row in source.execute("PRAGMA table_info(articles)")]
    source.close()
    with psycopg.connect(url, autocommit=True) as conn:
        # The rows come from a consistent archive: skip the per-row foreign-key checks.
        conn.execute("SET session_replication_role = replica")
        target = {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'")}  # fmt: skip
        # Title and body last: the tsvector is made from them.
        shared = [c for c in columns if c in target and c not in ("title", "body")]
        shared += ["title", "body"]
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND "
            "tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [[table for table, _ in COPIED]],
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        pool = multiprocessing.Pool(workers) if workers > 1 else None
        try:
            for table, names in COPIED:
                names = names or ", ".join(shared)
                target_names = names + (", search_vector" if table == "articles" else "")
                with conn.transaction(), conn.cursor() as cursor:
                    with cursor.copy(f"COPY {table} ({target_names}) FROM STDIN") as copy:
                        if table == "articles" and follow is not None:
                            batches = _growing(follow, names, size)
                        else:
                            while not sqlite_path.exists():
                                time.sleep(15)
                            # The pool's feeder thread reads the cursor.
                            source = sqlite3.connect(
                                f"file:{sqlite_path}?mode=ro", uri=True, check_same_thread=False
                            )
                            batches = _batches(
                                source.execute(f"SELECT {names} FROM {table} ORDER BY 1")
                            )
                        if table == "articles":
                            batches = (
                                pool.imap(_vectors, batches) if pool else map(_vectors, batches)
                            )
                        for batch in batches:
                            for row in batch:
                                copy.write_row(row)
                        if not (table == "articles" and follow is not None):
                            source.close()
                print(f"    {table} copied ({time.perf_counter() - started:,.0f} s)", flush=True)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        conn.execute("SET maintenance_work_mem = '1GB'")  # the GIN index built in memory
        for _name, definition in indexes:
            conn.execute(definition)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('articles', 'id'), "
            "GREATEST((SELECT MAX(id) FROM articles), 1))"
        )
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- reuse --------------------------------------------------------------------


def working_copy(base: Path, copy: Path) -> Path:
    """A copy of the SQLite archive ``base`` to measure on (the base stays as built)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, copy)
    return copy


def postgresql_copy(server_url: str, template: str, name: str) -> str:
    """A database ``name`` made from the database ``template`` on the server; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def server(folder: Path):
    """A long-lived PostgreSQL server with its data under ``folder`` (made on first use, fsync off).

    ``tests/pgserver.py``'s server, kept: started again on the same data
    folder by the next benchmark run instead of thrown away.
    """
    from tests.pgserver import PostgresServer

    pg = PostgresServer()
    shutil.rmtree(pg.folder, ignore_errors=True)
    pg.folder, pg.data = folder, folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "port"
    if (pg.data / "postmaster.pid").exists() and port_file.exists():
        pg.port = int(port_file.read_text())  # already running
        return pg
    if pg.data.exists():
        pg.port = int(port_file.read_text())
        if pg.user:
            os.chown(folder, *_ids(pg.user))
        options = (
            f"-p {pg.port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        pg._run("pg_ctl", "-D", str(pg.data), "-o", options, "-l", str(folder / "log"),
                "-w", "-t", "120", "start")  # fmt: skip
        return pg
    pg.start()
    port_file.write_text(str(pg.port))
    return pg


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def postgresql_base(pg, folder: Path, size: int, workers: int, follow: int = 0) -> str:
    """The URL of the PostgreSQL base of ``size`` articles on ``pg``, copied from the SQLite one if new.

    ``follow``: the SQLite base of that many articles is being built by
    another process; copy the articles as they come.
    """
    import psycopg

    name = f"base_{size}"
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        return pg.url(name)
    sqlite_base = base_path(folder, size) if follow else ensure_sqlite(folder, size, workers)
    loading = f"loading_{size}"
    url = postgresql_copy(pg.url(), "template0", loading)
    growing = base_path(folder, follow) if follow else None
    seconds = copy_to_postgresql(sqlite_base, url, workers, growing, size)
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{loading}" RENAME TO "{name}"')
    print(f"PostgreSQL base of {size:,} articles copied in {seconds:,.0f} s", flush=True)
    return pg.url(name)


def ensure_sqlite(folder: Path, size: int, workers: int, milestones: tuple[int, ...] = ()) -> Path:
    """The SQLite base of ``size`` articles under ``folder``, built if missing."""
    path = base_path(folder, size)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        seconds = build_sqlite(path, size, workers, milestones)
        print(f"SQLite base of {size:,} articles built in {seconds:,.0f} s "
              f"({path.stat().st_size / 2**30:.2f} GiB): {path}", flush=True)  # fmt: skip
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the bases are kept")
    parser.add_argument("--sizes", default="1000000", help="articles in each base")
    parser.add_argument("--workers", type=int, default=2, help="processes making the rows")
    parser.add_argument("--postgresql", action="store_true",
                        help="also a PostgreSQL base, on a server kept under FOLDER/pg")  # fmt: skip
    parser.add_argument("--follow", type=int, default=0, metavar="N",
                        help="with --postgresql: only copy, following the SQLite base of N "
                        "articles that another run is building")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        print(f"--sizes: not a list of integers: {args.sizes!r}", file=sys.stderr)
        return 2
    if args.follow:
        for size in sizes:
            postgresql_base(
                server(args.folder / "pg"), args.folder, size, args.workers, args.follow
            )
        return 0
    # The smaller bases are copies of the largest on its way (when it is built).
    missing = tuple(s for s in sizes if not base_path(args.folder, s).exists())
    ensure_sqlite(args.folder, max(sizes), args.workers, missing)
    for size in sizes:
        ensure_sqlite(args.folder, size, args.workers)
        if args.postgresql:
            postgresql_base(server(args.folder / "pg"), args.folder, size, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
