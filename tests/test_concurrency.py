"""Several crawls writing to one database at once: no lock errors, no duplicates, counts add up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.mockweb import MockWeb
from tests.test_crash_safety import add_bulk_site, crawl_command, integrity, popen, sources_file

SITES = ("north", "south", "east")
PAGES = 50
# Extraction inline: this is about the database, and three pools would only
# crowd a two-core runner.
LIGHT = ["-s", "NEWSMON_EXTRACT_WORKERS=0", "-s", "NEWSMON_DB_BATCH_SIZE=2"]


def check_database(db: Path, runs_expected: int) -> None:
    """No duplicate rows, every article stored once, run counters consistent with the rows."""
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT source, url_key FROM articles").fetchall()
        keys = [k for _, k in rows]
        assert len(keys) == len(set(keys)) == len(SITES) * PAGES
        per_source = {s: sum(1 for src, _ in rows if src == s) for s in SITES}
        assert per_source == {s: PAGES for s in SITES}
        assert conn.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchone()[
            0
        ] == len(rows)

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
        # ... and every article page a crawl fetched is accounted for once:
        # new, updated, duplicate (stored meanwhile by another crawl) or dropped.
        for run_id, source, fetched, new, updated, duplicates, dropped, errors in conn.execute(
            "SELECT run_id, source, pages_fetched, articles_new, articles_updated, duplicates, dropped, errors "
            "FROM crawl_run_sources"
        ):
            assert errors == 0, (run_id, source)
            assert new + updated + duplicates + dropped == fetched - 1, (
                run_id,
                source,
            )  # - 1: the feed
    finally:
        conn.close()


def no_lock_errors(outputs: list[str], db: Path) -> None:
    logs = "".join(p.read_text(errors="replace") for p in (db.parent / "logs").glob("*.log"))
    for text in [*outputs, logs]:
        assert "database is locked" not in text
        assert "Traceback" not in text


@pytest.mark.slow
def test_three_overlapping_crawls_at_once(tmp_path):
    web = MockWeb()
    try:
        for site in SITES:
            add_bulk_site(web, site, PAGES, delay=0.01)
        db = tmp_path / "news.db"
        groups = [("north", "south"), ("south", "east"), ("east", "north")]
        crawls = []
        for n, group in enumerate(groups):
            sources = sources_file(web, list(group), tmp_path / f"sources-{n}.toml")
            crawls.append(popen(crawl_command(sources, db, *LIGHT)))
        outputs = []
        for crawl in crawls:
            out, err = crawl.communicate(timeout=120)
            assert crawl.returncode == 0, err[-2000:]
            outputs += [out, err]
        no_lock_errors(outputs, db)
        check_database(db, runs_expected=len(groups))
        # Overlap really happened: together the crawls asked for more pages than exist.
        articles = [r for r in web.requests() if "/story-" in r.path]
        assert len(articles) >= len(SITES) * PAGES
    finally:
        web.stop()
