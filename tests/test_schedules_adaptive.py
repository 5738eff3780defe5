"""Adaptive jobs: the daemon (a subprocess, TZ=Asia/Yerevan) polls each source when its feeds are due.

The fake crawl (``tests/fake_crawl.py``) records polls as the real crawl does,
with as many new entries per poll as a test asks, so a busy and a quiet
source can be told apart in seconds; the planning itself is tested with a
fake clock in ``test_polling.py``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.conftest import run_newsmon
from tests.test_schedules_daemon import runs_of, start_daemon, wait_for

ADAPTIVE = """
[daemon]
startup_delay = "0s"
shutdown_grace = "5s"
max_parallel = 4

[adaptive]
tick = "1s"
min_interval = "1s"
max_interval = "1h"
default_interval = "1s"

[defaults]
memory = "none"
lock_wait = "0"

[[job]]
id = "feeds"
adaptive = true
discovery = ["feeds"]
sources = ["a", "b"]
settings = { FAKE_POLL_NEW = "a=5,b=0" }
"""


def crawls_of(db, source: str) -> int:
    return len([r for r in runs_of(db, "feeds") if r["sources"] == f'["{source}"]'])


def status_of(directory) -> dict:
    result = run_newsmon(
        "status", "--db", str(directory / "news.db"), "--schedules", str(directory / "schedules.toml"),
        "--sources", str(directory / "sources.toml"), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def started(db, source: str) -> list[datetime]:
    return [
        datetime.fromisoformat(r["started_at"])
        for r in runs_of(db, "feeds")
        if r["sources"] == f'["{source}"]'
    ]


def test_a_busy_source_is_polled_more_often_than_a_quiet_one_and_a_restart_keeps_the_rates(
    tmp_path,
):
    text = ADAPTIVE.replace('default_interval = "1s"', 'default_interval = "5s"')
    daemon = start_daemon(tmp_path, text)
    try:
        wait_for(lambda: crawls_of(daemon.db, "a") >= 10, 90, "10 crawls of the busy source")
        assert daemon.stop() < 30 and daemon.proc.returncode == 0
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    runs = runs_of(daemon.db, "feeds")
    assert all(r["status"] == "ok" and r["trigger"] == "schedule" for r in runs), runs
    # Each crawl takes a second or two here, so the busy source's rate is bounded by that.
    assert crawls_of(daemon.db, "b") < crawls_of(daemon.db, "a")
    assert "b is due" in daemon.log() and "learned" in daemon.log()
    polling = {s["source"]: s["polling"] for s in status_of(tmp_path)["sources"]}
    assert polling["b"]["interval_seconds"] > polling["a"]["interval_seconds"]

    # A new daemon reads what was learned from the store: the quiet source is not
    # crawled before the time its polls so far call for.
    due = datetime.fromisoformat(polling["b"]["next_poll_at"])
    before = {name: len(started(daemon.db, name)) for name in "ab"}
    again = start_daemon(tmp_path, text)
    try:
        wait_for(lambda: crawls_of(again.db, "a") >= before["a"] + 3, 60, "the busy source again")
        assert again.stop() < 30
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
    # started_at has whole seconds; the plan's time does not.
    assert all(at >= due - timedelta(seconds=1) for at in started(again.db, "b")[before["b"] :])


def test_a_failing_source_backs_off_in_the_daemon(tmp_path):
    text = ADAPTIVE.replace(
        'FAKE_POLL_NEW = "a=5,b=0"', 'FAKE_POLL_NEW = "a=5,b=5", FAKE_POLL_STATUS = "b=500"'
    ).replace('max_interval = "1h"', 'max_interval = "1m"')
    daemon = start_daemon(tmp_path, text)
    try:
        wait_for(lambda: crawls_of(daemon.db, "a") >= 12, 90, "12 crawls of the healthy source")
        assert daemon.stop() < 30
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    # Each failure in a row lengthens the wait (2 s, 3 s, 4 s ... at a 1 s default);
    # the recovery is shown with a fake clock in test_polling.py.
    assert crawls_of(daemon.db, "b") < crawls_of(daemon.db, "a")
    assert "backoff" in daemon.log()


def test_status_names_the_sources_an_adaptive_job_is_crawling(tmp_path):
    daemon = start_daemon(
        tmp_path, ADAPTIVE.replace('FAKE_POLL_NEW = "a=5,b=0"', 'FAKE_SLEEP = "30"')
    )
    try:

        def note():
            result = run_newsmon(
                "status", "--db", str(daemon.db), "--schedules", str(tmp_path / "schedules.toml"),
                "--sources", str(tmp_path / "sources.toml"), "--json",
            )  # fmt: skip
            if result.returncode != 0:
                return None
            jobs = {job["job"]: job for job in json.loads(result.stdout)["jobs"]}
            text = jobs["feeds"]["next_run_note"]
            return text if "a (run" in text and "b (run" in text else None

        text = wait_for(note, 60, "both sources crawling")
        assert text.startswith("crawling now: a (run ")
        assert daemon.stop() < 30
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
