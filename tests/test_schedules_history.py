"""The crawl history as the daemon and ``newsmon status`` read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.store import open_store
from schedules.history import (
    close_abandoned_runs,
    last_run_by_job,
    runs,
    source_health,
)


@pytest.fixture
def db(tmp_path):
    database = open_store(tmp_path / "news.db")
    yield database
    database.close()


def add_run(
    db, sources, *, status="ok", counts=None, job_id=None, trigger="schedule", ago=None
) -> int:
    run_id = db.start_run(trigger=trigger, sources=sources, job_id=job_id)
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
    db.set_run_pid(alive_run, 111)
    db.set_run_pid(dead_run, 222)
    assert close_abandoned_runs(db, alive=lambda pid: pid == 111) == [dead_run]
    statuses = dict(db.conn.execute("SELECT id, status FROM crawl_runs").fetchall())
    assert statuses == {alive_run: "running", dead_run: "abandoned"}


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


def test_health_flags_a_source_with_no_new_articles_or_mostly_errors(db):
    for _ in range(3):
        add_run(db, ["quiet", "busy", "failing"], counts={
            "quiet": {"pages_fetched": 3},
            "busy": {"pages_fetched": 3, "articles_new": 1},
            "failing": {"pages_fetched": 0, "errors": 2},
        })  # fmt: skip
    add_run(db, ["busy"], status="skipped")  # skipped runs are not judged
    assert source_health(db, "quiet", 3).reasons == ("no new article in its last 3 runs",)
    assert source_health(db, "busy", 3).reasons == ()
    assert source_health(db, "failing", 3).reasons == (
        "no new article in its last 3 runs",
        "errors in 3 of its last 3 runs",
    )
    # too few runs to judge
    assert source_health(db, "quiet", 4).reasons == () and source_health(db, "quiet", 4).runs == 3


def test_one_error_among_many_runs_is_not_unhealthy(db):
    add_run(db, ["a"], status="timeout")
    for _ in range(2):
        add_run(db, ["a"], counts={"a": {"pages_fetched": 3, "articles_new": 1}})
    assert source_health(db, "a", 3).reasons == ()
    add_run(db, ["a"], status="unreachable")
    add_run(db, ["a"], status="crashed")
    assert source_health(db, "a", 3).reasons == ("errors in 2 of its last 3 runs",)
