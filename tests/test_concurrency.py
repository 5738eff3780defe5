"""Several crawls writing to one database at once: no lock errors, no duplicates, counts add up.

Crawls of the same source exclude each other through the per-source locks
(the later one waits); crawls of different sources write to the database at
the same moment. Both happen here, with small write batches so the write
transactions interleave, between operators' crawls and with the daemon.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.fault_helpers import add_bulk_site, crawl_command, integrity, popen, sources_file
from tests.mockweb import MockWeb

pytestmark = pytest.mark.slow

PAGES = 30
# Extraction inline: this is about the database, and several pools would only
# crowd a two-core runner.
LIGHT = ["-s", "NEWSMON_EXTRACT_WORKERS=0", "-s", "NEWSMON_DB_BATCH_SIZE=2"]


def check_database(db: Path, sites: list[str], runs_expected: int) -> list[tuple[str, int]]:
    """No duplicate rows, every article stored once, run counters consistent with the rows.

    Returns ``(source, id)`` of the stored articles in id order.
    """
    assert integrity(db)[0] == "ok"
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT source, id, url_key FROM articles ORDER BY id").fetchall()
        keys = [k for _, _, k in rows]
        assert len(keys) == len(set(keys)) == len(sites) * PAGES
        per_source = {s: sum(1 for src, _, _ in rows if src == s) for s in sites}
        assert per_source == dict.fromkeys(sites, PAGES)
        distinct = conn.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchone()[0]
        assert distinct == len(rows)

        runs = conn.execute("SELECT id, status, articles_new FROM crawl_runs").fetchall()
        assert len(runs) == runs_expected
        assert all(status == "ok" for _, status, _ in runs), runs
        # Every stored article was counted new by exactly one crawl ...
        assert sum(new for _, _, new in runs) == len(rows)
        by_source = dict(
            conn.execute(
                "SELECT source, sum(articles_new) FROM crawl_run_sources GROUP BY source"
            ).fetchall()
        )
        assert by_source == per_source
        # ... and every article page a crawl fetched is accounted for once: new,
        # updated, duplicate (stored meanwhile by another crawl) or dropped.
        for run_id, source, fetched, new, updated, duplicates, dropped, errors in conn.execute(
            "SELECT run_id, source, pages_fetched, articles_new, articles_updated, duplicates, "
            "dropped, errors FROM crawl_run_sources"
        ):
            assert errors == 0, (run_id, source)
            assert new + updated + duplicates + dropped == fetched - 1, (run_id, source)  # the feed
    finally:
        conn.close()
    return [(source, article_id) for source, article_id, _ in rows]


def no_lock_errors(outputs: list[str], db: Path) -> None:
    logs = "".join(p.read_text(errors="replace") for p in (db.parent / "logs").rglob("*.log"))
    for text in [*outputs, logs]:
        assert "database is locked" not in text
        assert "Traceback" not in text


def run_together(commands: list[list[str]]) -> list[str]:
    """Start every command at once; wait for all; return their outputs (each must exit 0)."""
    crawls = [popen(command) for command in commands]
    outputs = []
    for crawl in crawls:
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 0, err[-2000:]
        outputs += [out, err]
    return outputs


def interleaved(stored: list[tuple[str, int]]) -> int:
    """How often the source changes along the ids: more than once per source when writes interleaved."""
    return sum(1 for a, b in zip(stored, stored[1:], strict=False) if a[0] != b[0])


def test_crawls_of_different_sources_write_at_the_same_time(tmp_path):
    sites = ["north", "south", "east"]
    web = MockWeb()
    try:
        for site in sites:
            # Slow enough pages that each crawl lasts longer than the spread of
            # the three processes' start-up on a loaded machine.
            add_bulk_site(web, site, PAGES, delay=0.05)
        db = tmp_path / "news.db"
        commands = [
            crawl_command(sources_file(web, [site], tmp_path / f"{site}.toml"), db, *LIGHT)
            for site in sites
        ]
        outputs = run_together(commands)
        no_lock_errors(outputs, db)
        stored = check_database(db, sites, runs_expected=len(sites))
        # The three crawls really wrote at the same time: their rows interleave.
        assert interleaved(stored) > len(sites) - 1
    finally:
        web.stop()


def test_overlapping_operator_crawls_wait_for_each_other(tmp_path):
    sites = ["north", "south", "east"]
    web = MockWeb()
    try:
        for site in sites:
            add_bulk_site(web, site, PAGES, delay=0.01)
        db = tmp_path / "news.db"
        groups = [["north", "south"], ["south", "east"], ["east", "north"]]
        commands = [
            crawl_command(sources_file(web, group, tmp_path / f"sources-{n}.toml"), db, *LIGHT)
            for n, group in enumerate(groups)
        ]
        outputs = run_together(commands)
        no_lock_errors(outputs, db)
        check_database(db, sites, runs_expected=len(groups))
        # A source is crawled by one crawl at a time: the later ones find it stored.
        articles = [r for r in web.requests() if "/story-" in r.path]
        assert len(articles) == len(sites) * PAGES
    finally:
        web.stop()


def test_the_daemon_and_two_operator_crawls_at_once(tmp_path):
    from tests.test_schedules_daemon import runs_of, start_daemon, wait_for

    sites = ["north", "south", "east", "west"]
    web = MockWeb()
    daemon = None
    try:
        for site in sites:
            add_bulk_site(web, site, PAGES, delay=0.01)
        sources = sources_file(web, sites, tmp_path / "sources.toml")
        db = tmp_path / "news.db"
        # The daemon's job shares "north" with an operator; "west", "south"
        # and "east" are written by different processes at the same moment.
        daemon = start_daemon(
            tmp_path,
            """
[daemon]
startup_delay = "0s"
shutdown_grace = "30s"
[[job]]
id = "news"
every = "1h"
since = "all"
sources = ["north", "west"]
lock_wait = "60s"
settings = { AUTOTHROTTLE_ENABLED = "0", DOWNLOAD_DELAY = "0", NEWSMON_EXTRACT_WORKERS = "0", NEWSMON_DB_BATCH_SIZE = "2" }
""",
            crawl_command=f"{sys.executable} -m crawler.cli crawl",
            sources=sources,
        )
        # The operators start as the daemon's first crawl starts.
        wait_for(lambda: runs_of(db, "news"), 30, "the daemon's first crawl")
        outputs = run_together(
            [
                crawl_command(sources, db, "north", "south", "--wait", "60s", *LIGHT),
                crawl_command(sources, db, "east", "--wait", "60s", *LIGHT),
            ]
        )
        wait_for(
            lambda: [r for r in runs_of(db, "news") if r["finished_at"]], 60, "the daemon's crawl"
        )
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.proc.wait(60)
        assert daemon.proc.returncode == 0
        no_lock_errors([*outputs, daemon.log()], db)
        stored = check_database(db, sites, runs_expected=3)
        assert interleaved(stored) > len(sites) - 1
        # A source is crawled by one process at a time: no page was fetched twice.
        articles = [r for r in web.requests() if "/story-" in r.path]
        assert len(articles) == len(sites) * PAGES
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(10)
        web.stop()
