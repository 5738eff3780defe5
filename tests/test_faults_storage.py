"""Fault suite, part 3: a database that cannot be written (full disk, read-only file).

The crawl must stop with one clear line and exit status 5, leave the database
intact (``PRAGMA integrity_check``, full-text index consistent) with every
batch committed before the failure, and the next crawl must store the rest.

Full disk is simulated with SQLite's ``max_page_count`` set on every
connection of the crawl process (see ``fault_helpers._BOOTSTRAP``): a write
that would grow the file past it fails with SQLITE_FULL, "database or disk is
full", the very error and code path of a real ENOSPC (the transaction is
rolled back). A loop-mounted tiny file system would need mount privileges
that CI containers do not have; the page cap needs none.

A read-only file is ``chmod 444``; when the tests run as root (who ignores
permission bits) the crawl runs under ``setpriv`` without the capabilities
that let root override them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat

import pytest

from crawler.store import open_store
from crawler.store.sqlite.connection import connect
from pipelines.storage import store_articles
from tests.fault_helpers import integrity, rows, run_crawl
from tests.mockweb import content
from tests.test_pipelines_storage import item

ARTICLES = len(content.ARTICLES)


def article_requests(web) -> list[str]:
    paths = {a.path for a in content.ARTICLES}
    return [r.path for r in web.requests() if r.path in paths]


def one_line_error(stderr: str) -> str:
    # Progress lines (stderr is not a terminal here) are not part of the error.
    lines = [
        line for line in stderr.splitlines() if line.strip() and not line.startswith("progress ")
    ]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.slow
def test_full_disk_stops_the_crawl_cleanly_and_the_next_crawl_completes(
    mock_web, mock_sources, tmp_path
):
    db_path = tmp_path / "full.db"
    db = connect(db_path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()

    # Room for a few articles (about one page each), written one per batch.
    full = run_crawl(
        mock_sources,
        db_path,
        "-s",
        "NEWSMON_DB_BATCH_SIZE=1",
        env={"NEWSMON_TEST_MAX_PAGES": str(pages + 4)},
    )
    assert full.result.returncode == 5, full.result.stderr
    line = one_line_error(full.result.stderr)
    assert (
        line.startswith("newsmon: error: cannot write to the database")
        and "database or disk is full" in line
    )
    assert full.stats["finish_reason"] == "database_error"
    assert full.stats["storage/not_stored"] >= 1
    assert integrity(db_path) == ("ok", True)
    before = {r["url_key"]: r for r in rows(db_path)}
    assert 1 <= len(before) < ARTICLES
    assert full.stats["storage/new"] == len(before)  # nothing counted as stored that was not
    conn = sqlite3.connect(db_path)
    for row in before.values():  # every stored article is whole and searchable
        assert row["title"] and len(row["body"]) > 80
        hits = conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [f'"{row["title"]}"']
        ).fetchall()
        assert (row["id"],) in hits
    conn.close()

    # Space is back: the next crawl stores the rest, once each.
    again = run_crawl(mock_sources, db_path)
    assert again.result.returncode == 0, again.result.stderr
    after = {r["url_key"]: r for r in rows(db_path)}
    assert len(after) == ARTICLES
    assert all(
        after[key]["id"] == row["id"] and after[key]["body"] == row["body"]
        for key, row in before.items()
    )
    assert integrity(db_path) == ("ok", True)


def _read_only_runner() -> list[str]:
    """A command prefix under which the crawl cannot write a file with mode 444."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip(
            "running as root without setpriv: a file mode cannot make the database read-only"
        )
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


@pytest.mark.slow
def test_read_only_database_is_a_one_line_error_and_stays_intact(mock_web, mock_sources, tmp_path):
    prefix = _read_only_runner()
    db_path = tmp_path / "ro.db"
    store = open_store(db_path)
    store_articles(store, [item(1)])
    store.close()
    assert not (tmp_path / "ro.db-wal").exists()
    original = db_path.read_bytes()
    db_path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        result = run_crawl(mock_sources, db_path, prefix=prefix)
    finally:
        db_path.chmod(0o644)
    assert result.result.returncode == 5, result.result.stderr
    line = one_line_error(result.result.stderr)
    assert line.startswith("newsmon: error: cannot write to the database") and "readonly" in line
    assert article_requests(mock_web) == []  # stopped before fetching anything
    assert db_path.read_bytes() == original
    assert integrity(db_path) == ("ok", True)
    assert [r["title"] for r in rows(db_path)] == ["Title 1"]
