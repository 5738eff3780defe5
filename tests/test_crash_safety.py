"""Crash safety: a crawl killed with SIGKILL while it writes leaves a sound database.

The crawl is killed at a moment it holds the write lock. Every article
committed before the kill is still there, the database passes
``PRAGMA integrity_check``, and the next crawl stores the rest without
fetching the stored pages again and without duplicate rows.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import psutil
import pytest

from tests.fault_helpers import add_bulk_site, crawl_command, integrity, popen, sources_file
from tests.mockweb import MockWeb


def article_rows(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT url_key, title, body FROM articles ORDER BY id").fetchall()
    finally:
        conn.close()


def kill_while_writing(pid: int, db: Path, within: float = 10.0) -> bool:
    """SIGKILL ``pid`` at a moment it holds the database's write lock (inside a write transaction).

    A probe connection tries ``BEGIN IMMEDIATE`` without waiting; when that
    fails, another connection is writing, and only the crawl writes here.
    Returns False (after killing anyway) if that moment never came.
    """
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    os.kill(pid, signal.SIGKILL)
                    return True
                raise
            probe.execute("ROLLBACK")
            time.sleep(0.002)
    finally:
        probe.close()
    os.kill(pid, signal.SIGKILL)
    return False


@pytest.mark.slow
def test_kill_9_while_writing_loses_nothing_committed_and_next_crawl_completes(tmp_path):
    pages = 150
    web = MockWeb()
    try:
        paths = add_bulk_site(web, "bulk", pages, delay=0.02)
        sources = sources_file(web, ["bulk"], tmp_path / "sources.toml")
        db = tmp_path / "news.db"

        after_kill: list[tuple[str, str, str]] = []
        # Two crashes in a row: a quarter of the way, then half way.
        for threshold in (pages // 4, pages // 2):
            crawl = popen(crawl_command(sources, db, "-s", "NEWSMON_DB_BATCH_SIZE=3"))
            seen: list[tuple[str, str, str]] = []
            deadline = time.monotonic() + 40
            # Kill once enough batches are written, while more are coming.
            while time.monotonic() < deadline and crawl.poll() is None:
                if db.exists():
                    try:
                        seen = article_rows(db)
                    except sqlite3.OperationalError:
                        seen = []  # schema not created yet
                    if len(seen) >= threshold:
                        break
                time.sleep(0.05)
            assert crawl.poll() is None, (
                f"the crawl ended before it could be killed: {crawl.stderr.read()[-2000:]}"
            )
            children = psutil.Process(crawl.pid).children(recursive=True)
            assert kill_while_writing(crawl.pid, db), "the crawl never held the write lock"
            crawl.wait(timeout=10)
            crawl.stdout.close()
            crawl.stderr.close()

            assert integrity(db)[0] == "ok"
            before = after_kill
            after_kill = article_rows(db)
            assert len(after_kill) < pages, "the kill came too late to test anything"
            # Every row a reader saw committed before the kill is still there, unchanged.
            assert set(seen) <= set(after_kill)
            assert set(before) <= set(after_kill)
            keys = [r[0] for r in after_kill]
            assert len(keys) == len(set(keys))
            # Extraction workers do not outlive the killed crawl.
            _, alive = psutil.wait_procs(children, timeout=10)
            # A zombie has exited and holds nothing; only its parent (the fork
            # server, itself on the way out) has yet to reap it.
            alive = [p for p in alive if not _is_zombie(p)]
            assert not alive, f"processes left behind by the killed crawl: {[p.pid for p in alive]}"

        web.clear_log()
        again = popen(crawl_command(sources, db))
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err[-2000:]

        rows = article_rows(db)
        keys = [r[0] for r in rows]
        assert len(keys) == len(set(keys)) == pages
        assert {k.rsplit("/", 1)[-1] for k in keys} == {
            p.strip("/").rsplit("/", 1)[-1] for p in paths
        }
        assert set(after_kill) <= set(rows)
        # Stored pages were not fetched again: the second crawl completed the rest only.
        refetched = [r.path for r in web.requests() if r.path in set(paths)]
        assert len(refetched) == pages - len(after_kill)
        assert integrity(db)[0] == "ok"
        conn = sqlite3.connect(db)
        try:
            assert (
                conn.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'bulk'"
                ).fetchone()[0]
                == pages
            )
            assert (
                conn.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchone()[0]
                == pages
            )
        finally:
            conn.close()
    finally:
        web.stop()


def _is_zombie(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
