"""The crawl history as the daemon and ``newsmon status`` read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.runs import set_run_process, start_run
from crawler.store import open_store
from schedules.history import (
    close_abandoned_runs,
    last_run_by_job,
    runs,
    source_activity,
)


@pytest.fixture
def db(tmp_path):
    database = open_store(tmp_path / "news.db")
    yield database
    database.close()


def add_run(
    db, sources, *, status="ok", counts=None, job_id=None, trigger="schedule", ago=None
) -> int:
    run_id = start_run(db, trigger=trigger, sources=sources, job_id=job_id)
    if status != "running":
        db.finish_run(run_id, status=status, per_source=counts if counts is not None else {})
    if ago is not None:
        when = (datetime.now(UTC) - ago).replace(microsecond=0).isoformat()
        db.conn.execute("UPDATE crawl_runs SET started_at = ? WHERE id = ?", [when, run_id])
    return run_id


def test_last_run_by_job_takes_the_latest_scheduled_run(db):
    add_run(db, ["a"], job_id="feeds", ago=timedelta(hours=3))
    add_run(db, ["a"], job_id="feeds", status="crashed", ago=timedelta(minutes=20))
    add_run(db, ["a"], job_id="sitemaps", ago=timedelta(hours=2))
    add_run(db, ["a"], trigger="manual", ago=timedelta(minutes=1))
    last = last_run_by_job(db)
    assert set(last) == {"feeds", "sitemaps"}
    assert timedelta(minutes=19) < datetime.now(UTC) - last["feeds"] < timedelta(minutes=21)
    assert last["feeds"].tzinfo is not None


def test_mark_run_keeps_the_counters_the_crawl_recorded(db):
    run_id = add_run(
        db, ["a"], status="shutdown", counts={"a": {"pages_fetched": 4, "articles_new": 2}}
    )
    db.mark_run(run_id, status="timeout", message="exceeded its 10m timeout")
    row = db.conn.execute(
        "SELECT status, message, pages_fetched, articles_new, finished_at FROM crawl_runs"
    ).fetchone()
    assert row[:4] == ("timeout", "exceeded its 10m timeout", 4, 2) and row[4]


def test_abandoned_runs_are_closed_only_when_their_process_is_gone(db):
    alive_run = add_run(db, ["a"], status="running")
    dead_run = add_run(db, ["b"], status="running")
    on_node = add_run(db, ["c"], status="running")  # its scheduling daemon is gone too
    set_run_process(db, alive_run, 111)
    set_run_process(db, dead_run, 222)
    set_run_process(db, on_node, 333)
    assert close_abandoned_runs(db, alive=lambda pid: pid == 111, keep={on_node}) == [dead_run]
    statuses = dict(db.conn.execute("SELECT id, status FROM crawl_runs").fetchall())
    assert statuses == {alive_run: "running", dead_run: "abandoned", on_node: "running"}


def test_runs_of_one_source_carry_that_sources_counters(db):
    add_run(
        db,
        ["a", "b"],
        counts={
            "a": {"pages_fetched": 5, "articles_new": 2},
            "b": {"pages_fetched": 0, "errors": 1},
        },
    )
    add_run(db, ["b"], status="timeout")
    add_run(db, ["a", "b"], status="crashed")  # killed before recording per-source counters
    add_run(db, ["c"], status="running")
    assert [r.id for r in runs(db)] == [4, 3, 2, 1]
    assert [r.id for r in runs(db, limit=2)] == [4, 3]
    of_b = runs(db, source="b")
    assert [(r.id, r.status) for r in of_b] == [(3, "crashed"), (2, "timeout"), (1, "error")]
    assert of_b[0].counts == {}  # unknown for this source
    assert of_b[2].counts["pages_fetched"] == 0 and of_b[2].counts["errors"] == 1
    assert runs(db, source="a")[1].counts["articles_new"] == 2
    assert [r.id for r in runs(db, source="c", finished_only=True)] == []
    assert db.source_names_in_history() == ["a", "b", "c"]


def test_source_activity_reads_article_times_and_the_first_crawl(db):
    now = datetime.now(UTC).replace(microsecond=0)
    add_run(db, ["a"], ago=timedelta(days=50))
    add_run(db, ["a", "b"], ago=timedelta(days=2))
    add_run(db, ["never-published", "b"], ago=timedelta(days=10))
    articles = [
        ("a", now - timedelta(days=3), now - timedelta(days=3)),
        ("a", None, now - timedelta(days=1)),  # no date: when it was first seen
        ("a", now + timedelta(days=2), now - timedelta(hours=5)),  # a future date: first seen
        ("a", now - timedelta(days=40), now - timedelta(days=39)),  # before the window
        ("b", now - timedelta(hours=1), now),
    ]
    for n, (source, published, seen) in enumerate(articles):
        db.conn.execute(
            "INSERT INTO articles (url, url_key, source, title, body, published_at, fetched_at, "
            "first_seen_at, content_hash) VALUES (?, ?, ?, 't', 'b', ?, ?, ?, ?)",
            [f"https://x/{n}", f"x/{n}", source, published and published.isoformat(),
             seen.isoformat(), seen.isoformat(), f"h{n}"],
        )  # fmt: skip
    activity = source_activity(db, "a", now - timedelta(days=30))
    assert sorted(activity.article_times) == [
        now - timedelta(days=3),
        now - timedelta(days=1),
        now - timedelta(hours=5),
    ]
    assert activity.last_article == now - timedelta(hours=5)
    assert activity.first_crawl is None  # only needed for a source without any article
    silent = source_activity(db, "never-published", now - timedelta(days=30))
    assert silent.article_times == [] and silent.last_article is None
    assert timedelta(days=9) < now - silent.first_crawl < timedelta(days=11)
    assert source_activity(db, "unknown", now).first_crawl is None
