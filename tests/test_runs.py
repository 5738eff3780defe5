"""A crawl's run never stays ``running`` after its process is gone.

Every exit path that runs code closes the row (an exception, a reactor
error, SIGTERM, a forced second SIGTERM, ``sys.exit``); a SIGKILL runs no
code, so ``newsmon runs`` and ``newsmon status`` judge the row by whether
its recorded process (pid, host, start time) still exists.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import psutil
import pytest
from click.testing import CliRunner

from crawler.runs import (
    RunCloser,
    process_gone,
    set_run_process,
    shown_status,
    start_run,
)
from crawler.store import open_store
from tests.conftest import REPO_ROOT, run_newsmon
from tests.fault_helpers import crawl_command, popen, robots, sources_file
from tests.mockweb import MockWeb, Response


def run_row(db_path: Path, run_id: int | None = None) -> dict:
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        sql = "SELECT * FROM crawl_runs " + (
            "WHERE id = ?" if run_id else "ORDER BY id DESC LIMIT 1"
        )
        return dict(conn.execute(sql, [run_id] if run_id else []).fetchone())
    finally:
        conn.close()


def ended_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------------------
# Who holds a run, and whether it is still there
# ---------------------------------------------------------------------------


def test_a_run_records_its_process_host_and_start_time(tmp_path):
    db = open_store(tmp_path / "news.db")
    run_id = start_run(db, trigger="manual", sources=["a"])
    row = db.conn.execute(
        "SELECT pid, host, pid_started FROM crawl_runs WHERE id = ?", [run_id]
    ).fetchone()
    me = psutil.Process()
    assert row == (os.getpid(), socket.gethostname(), pytest.approx(me.create_time(), abs=0.01))
    # The daemon opens the row, then hands it to the crawl process it started.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        set_run_process(db, run_id, child.pid)
        row = db.conn.execute(
            "SELECT pid, pid_started FROM crawl_runs WHERE id = ?", [run_id]
        ).fetchone()
        assert row[0] == child.pid
        assert row[1] == pytest.approx(psutil.Process(child.pid).create_time(), abs=0.01)
        assert process_gone(child.pid, socket.gethostname(), row[1]) is False
    finally:
        child.kill()
        child.wait()
    assert process_gone(child.pid, socket.gethostname(), row[1]) is True
    db.close()


def test_process_gone_tells_ended_reused_zombie_and_foreign_processes():
    here = socket.gethostname()
    me = psutil.Process()
    assert process_gone(os.getpid(), here, me.create_time()) is False
    assert process_gone(os.getpid(), None, None) is False  # rows from before m004
    assert process_gone(ended_pid(), here, None) is True
    # The pid exists, but it is another process than the one recorded (pid reuse).
    assert process_gone(os.getpid(), here, me.create_time() - 3600) is True
    assert process_gone(None, here, None) is True
    # On another host nothing can be told from here.
    assert process_gone(ended_pid(), "some-other-host.invalid", None) is None
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        assert process_gone(zombie.pid, here, psutil.Process(zombie.pid).create_time()) is True
    finally:
        zombie.wait()


def test_only_a_running_row_whose_process_is_gone_shows_as_abandoned():
    here = socket.gethostname()
    assert shown_status("running", ended_pid(), here, None) == "abandoned"
    assert shown_status("running", os.getpid(), here, psutil.Process().create_time()) == "running"
    assert shown_status("running", ended_pid(), "elsewhere.invalid", None) == "running"
    assert shown_status("ok", ended_pid(), here, None) == "ok"


def test_migration_adds_host_and_process_start_to_existing_runs(tmp_path):
    from sqlite_utils.migrations import Migrations

    from crawler.store.sqlite import schema

    path = tmp_path / "old.db"
    old = Migrations("newsmon")
    for name in ("m001_initial", "m002_fts_update_trigger_on_text_only", "m003_story_index"):
        old()(getattr(schema, name))
    conn = sqlite3.connect(path, isolation_level=None)
    import sqlite_utils

    legacy = sqlite_utils.Database(conn)
    old.apply(legacy)
    legacy.execute(
        "INSERT INTO crawl_runs (started_at, trigger, sources, status, pid) "
        "VALUES ('2024-01-01T00:00:00+00:00', 'manual', '[\"a\"]', 'running', ?)",
        [ended_pid()],
    )
    conn.close()
    db = open_store(path)
    columns = {c.name for c in db.db["crawl_runs"].columns}
    assert {"host", "pid_started"} <= columns
    from schedules.history import runs

    # A row written before the migration, whose process is gone, reads as abandoned.
    assert [r.status for r in runs(db)] == ["abandoned"]
    db.close()


# ---------------------------------------------------------------------------
# Exit paths that run code close the run
# ---------------------------------------------------------------------------


def test_run_closer_closes_a_running_run_once_and_never_a_closed_one(tmp_path):
    db_path = str(tmp_path / "news.db")
    db = open_store(db_path)
    open_run = start_run(db, trigger="manual", sources=["a"])
    done_run = start_run(db, trigger="manual", sources=["a"])
    db.finish_run(done_run, status="ok", per_source={"a": {"pages_fetched": 3}})
    db.close()
    closer = RunCloser(db_path, open_run)
    assert closer.close("failed", "broke", per_source={"a": {"pages_fetched": 2, "errors": 1}})
    assert not closer.close("interrupted", "again")
    closer.detach()
    row = run_row(Path(db_path), open_run)
    assert (row["status"], row["message"], row["pages_fetched"], row["errors"]) == (
        "failed", "broke", 2, 1,
    )  # fmt: skip
    assert row["finished_at"] is not None
    other = RunCloser(db_path, done_run)
    assert not other.close("failed", "late")
    other.detach()
    assert run_row(Path(db_path), done_run)["status"] == "ok"


def test_a_process_that_exits_anywhere_closes_its_run_at_exit(tmp_path):
    db_path = tmp_path / "news.db"
    script = (
        "import sys\n"
        "from crawler.store import open_store\n"
        "from crawler.runs import RunCloser, start_run\n"
        f"db = open_store({str(db_path)!r})\n"
        "run_id = start_run(db, trigger='manual', sources=['a'])\n"
        "db.close()\n"
        f"RunCloser({str(db_path)!r}, run_id)\n"
        "sys.exit(7)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 7
    row = run_row(db_path)
    assert row["status"] == "failed" and row["finished_at"] is not None
    assert "exited without closing its run" in row["message"]


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_before_scrapy_starts_closes_the_run_and_ends_by_the_signal(
    tmp_path, monkeypatch, restore_signals, signum
):
    import crawler.commands.crawl as crawl_module

    died = []
    monkeypatch.setattr(crawl_module, "die_of", lambda signum: died.append(signum))

    def signalled(**kwargs):
        os.kill(os.getpid(), signum)
        time.sleep(10)  # the signal interrupts this
        raise AssertionError("the signal did not stop the crawl")

    monkeypatch.setattr(crawl_module, "run_crawl", signalled)
    web = MockWeb()
    try:
        web.add_site("quiet")
        sources = sources_file(web, ["quiet"], tmp_path / "sources.toml")
        db_path = tmp_path / "news.db"
        args = ["--sources", str(sources), "--db", str(db_path)]
        if signum == signal.SIGINT:
            # KeyboardInterrupt goes on up; click turns it into Abort (exit 130).
            with pytest.raises(click.exceptions.Abort):
                crawl_module.crawl.main(args, standalone_mode=False)
        else:
            result = CliRunner().invoke(crawl_module.crawl, args)
            assert died == [signum], result.output
    finally:
        web.stop()
    row = run_row(db_path)
    assert row["status"] == "interrupted" and row["finished_at"] is not None
    assert row["message"] == f"stopped by {signal.Signals(signum).name} before the crawl ended"


@pytest.fixture
def stalled(tmp_path):
    """A source whose feed never answers while the test runs: the crawl stays in progress."""
    web = MockWeb()
    release = threading.Event()

    def feed(request):
        release.wait(60)
        return Response(200, b"<rss version='2.0'><channel></channel></rss>")

    web.add_site("stalled")
    web.route("stalled", "/feed/", feed)
    web.route("stalled", "/robots.txt", robots())
    sources = sources_file(web, ["stalled"], tmp_path / "sources.toml")
    yield web, sources
    release.set()
    web.stop()


def start_stalled_crawl(web: MockWeb, sources: Path, db: Path, *extra: str) -> subprocess.Popen:
    crawl = popen(
        crawl_command(sources, db, "--wait", "0", "-s", "NEWSMON_PROGRESS_INTERVAL=0", *extra)
    )
    deadline = time.monotonic() + 60
    while not any(r.path == "/feed/" for r in web.requests()):
        assert crawl.poll() is None, crawl.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the crawl never asked for the feed"
        time.sleep(0.05)
    assert run_row(db)["status"] == "running"
    return crawl


def test_a_crawl_killed_with_sigkill_shows_as_abandoned(stalled, tmp_path):
    web, sources = stalled
    db = tmp_path / "news.db"
    crawl = start_stalled_crawl(web, sources, db)
    crawl.kill()
    crawl.communicate(timeout=30)
    assert crawl.returncode == -signal.SIGKILL
    assert run_row(db)["status"] == "running"  # nothing could run in the killed process

    listed = json.loads(run_newsmon("runs", "--db", str(db), "--json").stdout)
    assert listed[0]["status"] == "abandoned"
    assert listed[0]["pid"] == crawl.pid and listed[0]["host"] == socket.gethostname()
    assert f"process {crawl.pid} ended without closing its run" in listed[0]["message"]
    shown = run_newsmon("runs", "--db", str(db), env={"COLUMNS": "80"}).stdout
    assert "abandoned" in shown
    report = json.loads(run_newsmon("status", "--db", str(db), "--json").stdout)
    assert [(r["id"], r["status"]) for r in report["unfinished_runs"]] == [
        (listed[0]["id"], "abandoned")
    ]
    status_text = run_newsmon("status", "--db", str(db)).stdout
    assert f"run {listed[0]['id']} (manual" in status_text and "abandoned" in status_text


def test_a_crawl_stopped_by_two_sigterms_closes_its_run_as_interrupted(stalled, tmp_path):
    web, sources = stalled
    db = tmp_path / "news.db"
    crawl = start_stalled_crawl(web, sources, db)
    crawl.send_signal(signal.SIGTERM)  # graceful: waits for the stalled download
    time.sleep(1.0)
    assert crawl.poll() is None
    crawl.send_signal(signal.SIGTERM)  # forced: the spider is never closed
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == -signal.SIGTERM, err[-2000:]
    row = run_row(db)
    assert row["status"] == "interrupted" and row["finished_at"] is not None
    assert row["message"] == "stopped by SIGTERM twice (forced)"
    assert "stopped by SIGTERM twice" in out
    assert "Traceback" not in err


def test_a_crawl_whose_terminal_hangs_up_stops_gracefully_and_closes_its_run(stalled, tmp_path):
    web, sources = stalled
    db = tmp_path / "news.db"
    # The stalled download times out, so the graceful stop can finish.
    crawl = start_stalled_crawl(web, sources, db, "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0")
    crawl.send_signal(signal.SIGHUP)
    out, err = crawl.communicate(timeout=60)
    row = run_row(db)
    assert row["status"] == "shutdown" and row["finished_at"] is not None, err[-2000:]
    assert "run 1 stopped early (SIGINT or SIGTERM)" in out


@pytest.mark.parametrize(
    "setting",
    [
        'EXTENSIONS={"tests.fault_helpers.FailingComponent": 100}',
        # Before Scrapy has given the crawler its stats.
        "STATS_CLASS=tests.fault_helpers.FailingComponent",
    ],
)
def test_a_crawl_that_breaks_after_its_run_opened_closes_it_as_failed(tmp_path, setting):
    web = MockWeb()
    try:
        web.add_site("quiet")
        sources = sources_file(web, ["quiet"], tmp_path / "sources.toml")
        db = tmp_path / "news.db"
        result = subprocess.run(
            crawl_command(sources, db, "-s", setting),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        web.stop()
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "newsmon: error: the crawl failed: RuntimeError: component exploded on purpose (run 1;"
        )
    )
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    row = run_row(db)
    assert row["status"] == "failed"
    assert row["message"] == "RuntimeError: component exploded on purpose"
