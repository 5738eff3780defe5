"""Per-source crawl locks (crawler/store/filelocks.py) and how ``newsmon crawl`` honours them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from crawler.store.filelocks import (
    FileLock,
    Holder,
    SourceLocks,
    daemon_state_path,
    lock_dir,
    source_lock_path,
)
from tests.conftest import REPO_ROOT, run_newsmon
from tests.mockweb import content
from tests.mockweb.wayback import Capture, StandInWayback
from tests.test_spiders_archive import page

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def test_lock_dir_is_beside_the_database(tmp_path):
    assert lock_dir(tmp_path / "data" / "news.db") == (tmp_path / "data" / "locks").resolve()


def test_a_held_source_is_busy_for_another_holder_until_released(tmp_path):
    first = SourceLocks(tmp_path, ["a", "b"])
    assert first.acquire(0, run_id=7) == {}
    assert first.held == ["a", "b"]

    second = SourceLocks(tmp_path, ["b", "c"])
    calls = []
    busy = second.acquire(0, on_wait=lambda *args: calls.append(args))
    assert list(busy) == ["b"]
    assert busy["b"].pid == os.getpid() and busy["b"].run_id == 7 and busy["b"].since
    assert second.held == ["c"]  # the free source is taken all the same
    assert calls == []  # no wait announced when not waiting

    first.release()
    assert second.acquire(0) == {}
    assert second.held == ["b", "c"]
    second.release()
    assert (
        FileLock(source_lock_path(tmp_path, "b")).holder() is None
    )  # released locks name no holder


def test_the_second_crawl_waits_up_to_the_limit(tmp_path):
    first = SourceLocks(tmp_path, ["a"])
    first.acquire(0, run_id=1)
    threading.Timer(0.4, first.release).start()
    announced = []
    second = SourceLocks(tmp_path, ["a"])
    started = time.monotonic()
    assert (
        second.acquire(5, on_wait=lambda name, holder: announced.append((name, holder.run_id)))
        == {}
    )
    assert 0.3 < time.monotonic() - started < 4
    assert announced == [("a", 1)]
    second.release()


def test_the_wait_gives_up_at_the_limit(tmp_path):
    first = SourceLocks(tmp_path, ["a"])
    first.acquire(0)
    second = SourceLocks(tmp_path, ["a"])
    started = time.monotonic()
    assert list(second.acquire(0.5)) == ["a"]
    assert time.monotonic() - started >= 0.5
    first.release()


def test_the_lock_goes_with_the_process_that_held_it(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from crawler.store.filelocks import SourceLocks;"
            "locks = SourceLocks(Path(sys.argv[1]), ['a']); assert not locks.acquire(0, run_id=3);"
            "print('locked', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        busy = SourceLocks(tmp_path, ["a"]).acquire(0)
        assert busy["a"] == Holder(pid=holder.pid, run_id=3, since=busy["a"].since)
        holder.send_signal(signal.SIGKILL)  # no chance to clean up
        holder.wait(10)
        again = SourceLocks(tmp_path, ["a"])
        assert again.acquire(0) == {}
        again.release()
    finally:
        holder.kill()
        holder.stdout.close()


def test_holder_description():
    assert Holder(pid=5, run_id=None, since="2024-01-01T00:00:00+00:00").describe() == (
        "pid 5, since 2024-01-01T00:00:00+00:00"
    )
    assert Holder(None, None, None).describe() == "holder unknown"


@pytest.mark.slow
def test_crawl_skips_a_busy_source_and_crawls_the_rest(mock_web, mock_sources, tmp_path):
    db = tmp_path / "news.db"
    other = SourceLocks(lock_dir(db), ["armwire"])
    other.acquire(0, run_id=99)
    try:
        result = run_newsmon(
            "crawl", "armwire", "azpress", "--sources", str(mock_sources), "--db", str(db),
            "--since", "all", "--wait", "0.5s", *FAST,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "source 'armwire' is being crawled by another process" in result.stderr
        assert "waiting up to 0.5s" in result.stderr
        assert "skipped source 'armwire'" in result.stderr and "run 99" in result.stderr
        assert not [
            r for r in mock_web.requests("armwire")
        ]  # not a single request to the busy source

        busy_only = run_newsmon(
            "crawl", "armwire", "--sources", str(mock_sources), "--db", str(db), "--wait", "0"
        )
        assert busy_only.returncode == 4, busy_only.stderr
        assert "every source was busy" in busy_only.stderr
    finally:
        other.release()
    conn = sqlite3.connect(db)
    runs = conn.execute("SELECT status, sources, message FROM crawl_runs ORDER BY id").fetchall()
    sources = {row[0] for row in conn.execute("SELECT DISTINCT source FROM articles")}
    conn.close()
    assert (
        runs[0][0] == "ok"
        and runs[0][1] == '["azpress"]'
        and "skipped busy source(s): armwire" in runs[0][2]
    )
    assert runs[1][0] == "skipped" and runs[1][1] == '["armwire"]'
    assert sources == {"azpress"}


def test_the_daemon_state_file_is_found_from_any_name_of_the_database(tmp_path):
    real = tmp_path / "data" / "news.db"
    real.parent.mkdir()
    real.touch()
    link = tmp_path / "other-name.db"
    link.symlink_to(real)
    assert daemon_state_path(real) == real.parent / "news.schedule.json"
    assert daemon_state_path(link) == daemon_state_path(real)


@pytest.mark.slow
def test_backfill_takes_the_same_locks_as_crawl(mock_web, mock_sources, tmp_path):
    wayback = StandInWayback(mock_web)
    for article in content.ARTICLES:
        base = mock_web.base_url(article.site)
        wayback.add(Capture("20230115093000", base + article.path, page(article, base)))
    db = tmp_path / "news.db"
    args = [
        "backfill", "--sources", str(mock_sources), "--db", str(db), "--since", "2023-01-01",
        "-s", f"NEWSMON_WAYBACK_CDX={wayback.cdx_url}", "-s", f"NEWSMON_WAYBACK_ROOT={wayback.root}",
        "-s", "NEWSMON_ALLOW_PRIVATE_NETWORKS=True", "-s", "NEWSMON_PROGRESS_INTERVAL=0", *FAST,
    ]  # fmt: skip
    crawling = SourceLocks(lock_dir(db), ["armwire"])
    crawling.acquire(0, run_id=42)
    try:
        busy_only = run_newsmon(*args, "armwire", "--wait", "0")
        assert busy_only.returncode == 4, busy_only.stderr
        assert "skipped source 'armwire'" in busy_only.stderr and "run 42" in busy_only.stderr
        assert "every source was busy" in busy_only.stderr
        assert wayback.listings() == []

        # Waited for: the crawl ends within --wait, then the backfill runs the source.
        waiting = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *args, "armwire", "--wait", "60s"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        said = waiting.stderr.readline()
        assert "source 'armwire' is being crawled by another process" in said, said
        crawling.release()
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, err
        assert "backfill finished" in out
    finally:
        crawling.release()
    conn = sqlite3.connect(db)
    sources = {row[0] for row in conn.execute("SELECT DISTINCT source FROM articles")}
    conn.close()
    assert sources == {"armwire"}

    # A backfill holds its sources' locks while it runs: a crawl of them skips them.
    # Its listing is held until the crawl has tried, however slowly that crawl starts.
    slow = {path: handler for path, handler in mock_web.routes["wayback"].items()}
    crawled = threading.Event()
    mock_web.route("wayback", "/cdx", lambda request: (crawled.wait(60), slow["/cdx"](request))[1])
    listed_before = len(wayback.listings())
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args, "rusnews", "--wait", "0"],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        # The armwire backfill above listed already: wait for this one's listing.
        while time.monotonic() < deadline and len(wayback.listings()) <= listed_before:
            time.sleep(0.05)
        crawl = run_newsmon(
            "crawl",
            "rusnews",
            "--sources",
            str(mock_sources),
            "--db",
            str(db),
            "--wait",
            "0",
            *FAST,
        )
        assert crawl.returncode == 4, crawl.stderr
        assert "skipped source 'rusnews'" in crawl.stderr
    finally:
        crawled.set()
        process.wait(timeout=60)
    assert process.returncode == 0
