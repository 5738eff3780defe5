"""The daemon running the real ``newsmon crawl`` against the local mock news web (TZ=Asia/Yerevan)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from crawler.store.filelocks import FileLock, lock_dir, source_lock_path
from tests.conftest import REPO_ROOT
from tests.mockweb import content
from tests.test_schedules_daemon import gone, query, runs_of, start_daemon, wait_for

pytestmark = pytest.mark.slow

FAST = '{ AUTOTHROTTLE_ENABLED = "0", DOWNLOAD_DELAY = "0" }'
CRAWL = f"{sys.executable} -m crawler.cli crawl"


def hold(
    web,
    site: str,
    path: str,
    release: threading.Event,
    *,
    times: int = 1_000_000,
    at_most: float = 30,
) -> None:
    """Make ``path`` hang until ``release`` is set, ``at_most`` seconds (only its first ``times``
    requests)."""
    original = web.routes[site][path]
    count = {"n": 0}

    def slow(request):
        count["n"] += 1
        if count["n"] <= times:
            release.wait(at_most)
        return original(request)

    web.route(site, path, slow)


def test_scheduled_crawls_of_the_mock_web_are_recorded_without_duplicates(
    mock_web, mock_sources, tmp_path
):
    daemon = start_daemon(
        tmp_path,
        f"""
[daemon]
startup_delay = "0s"
shutdown_grace = "30s"
[[job]]
id = "all"
every = "1s"
since = "all"
settings = {FAST}
""",
        crawl_command=CRAWL,
        sources=mock_sources,
    )
    try:
        wait_for(
            lambda: len([r for r in runs_of(daemon.db, "all") if r["finished_at"]]) >= 3,
            90,
            "3 crawls",
        )
        assert daemon.stop() < 60 and daemon.proc.returncode == 0
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    runs = [r for r in runs_of(daemon.db, "all")]
    assert len(runs) >= 3
    assert all(
        r["status"] == "ok" and r["trigger"] == "schedule" and r["pages_fetched"] > 0 for r in runs
    ), runs
    assert runs[0]["articles_new"] == len(content.ARTICLES)
    assert all(r["articles_new"] == 0 for r in runs[1:])  # incremental: nothing new the next times
    per_source = query(
        daemon.db, "SELECT source, COUNT(*) AS n FROM crawl_run_sources GROUP BY source"
    )
    assert {r["source"]: r["n"] for r in per_source} == {site: len(runs) for site in content.SITES}
    urls = [r["url"] for r in query(daemon.db, "SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == len(content.ARTICLES)
    assert all(gone(r["pid"]) for r in runs)

    status = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "status", "--db", str(daemon.db), "--sources", str(mock_sources), "--json"],
        capture_output=True, text=True, cwd=REPO_ROOT, check=True,
    )  # fmt: skip
    report = json.loads(status.stdout)
    assert {s["source"]: s["last_run"]["status"] for s in report["sources"]} == dict.fromkeys(
        content.SITES, "ok"
    )
    assert (
        report["database"]["articles"] == len(content.ARTICLES) and not report["daemon"]["running"]
    )


def test_timeouts_manual_crawls_and_sigterm_with_real_crawls(mock_web, mock_sources, tmp_path):
    never = threading.Event()  # hangs armwire's and rusnews's feeds for good
    azpress_slow = threading.Event()  # holds azpress's feed while the manual crawls try
    hold(mock_web, "armwire", "/feed/", never)
    hold(mock_web, "rusnews", "/atom.xml", never)
    hold(mock_web, "azpress", "/rss", azpress_slow, times=1)
    daemon = start_daemon(
        tmp_path,
        f"""
[daemon]
startup_delay = "0s"
shutdown_grace = "1s"
max_parallel = 3
[defaults]
since = "all"
discovery = ["feeds"]
kill_grace = "2s"
settings = {FAST}
[[job]]
id = "armwire"
every = "1h"
sources = ["armwire"]
timeout = "2s"
[[job]]
id = "azpress"
every = "1h"
sources = ["azpress"]
timeout = "60s"
[[job]]
id = "rusnews"
every = "1h"
sources = ["rusnews"]
timeout = "60s"
""",
        crawl_command=CRAWL,
        sources=mock_sources,
    )
    manual = None
    try:
        # the scheduled azpress crawl holds its source
        lock = FileLock(source_lock_path(lock_dir(daemon.db), "azpress"))
        holder = wait_for(lambda: (h := lock.holder()) and h.run_id and h, 60, "the azpress lock")
        (scheduled,) = runs_of(daemon.db, "azpress")
        assert holder.pid == scheduled["pid"] and holder.run_id == scheduled["id"]

        manual_args = [sys.executable, "-m", "crawler.cli", "crawl", "azpress", "--db", str(daemon.db),
                       "--sources", str(mock_sources), "--since", "all", "-s", "AUTOTHROTTLE_ENABLED=0"]  # fmt: skip
        skip = subprocess.run(
            [*manual_args, "--wait", "0"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60
        )
        assert skip.returncode == 4, skip.stderr
        assert (
            f"skipped source 'azpress': another crawl is running it (pid {holder.pid}, run {holder.run_id}"
            in skip.stderr
        )

        manual = subprocess.Popen([*manual_args, "--wait", "60s"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, cwd=REPO_ROOT)  # fmt: skip
        # Read its stderr as it comes: the crawl says when it starts waiting
        # (a loaded machine may take seconds just to start Python).
        err_lines: list[str] = []
        reader = threading.Thread(target=lambda: err_lines.extend(manual.stderr), daemon=True)
        reader.start()
        wait_for(lambda: any("waiting up to" in line for line in err_lines), 60, "the wait")
        assert manual.poll() is None  # waiting for the scheduled crawl
        azpress_slow.set()
        manual.wait(timeout=90)
        reader.join(timeout=10)
        err = "".join(err_lines)
        assert manual.returncode == 0, err
        assert (
            "source 'azpress' is being crawled by another process" in err
            and "waiting up to 60s (--wait)" in err
        )

        (timed_out,) = wait_for(
            lambda: [r for r in runs_of(daemon.db, "armwire") if r["finished_at"]],
            60,
            "the timeout",
        )
        assert timed_out["status"] == "timeout" and timed_out["message"].startswith(
            "exceeded its 2s timeout"
        )
        wait_for(
            lambda: runs_of(daemon.db, "azpress")[0]["finished_at"],
            60,
            "the scheduled azpress crawl",
        )

        (in_flight,) = runs_of(daemon.db, "rusnews")
        assert in_flight["status"] == "running"
        assert daemon.stop() < 1 + 2 + 15  # grace + kill grace (+ slack for a slow machine)
        assert daemon.proc.returncode == 0
    finally:
        never.set()
        azpress_slow.set()
        if daemon.proc.poll() is None:
            daemon.proc.kill()
        if manual is not None and manual.poll() is None:
            manual.kill()

    (stopped,) = runs_of(daemon.db, "rusnews")
    assert stopped["status"] == "interrupted"
    assert all(gone(r["pid"]) for r in query(daemon.db, "SELECT pid FROM crawl_runs"))
    runs = query(daemon.db, "SELECT trigger, job_id, status, sources FROM crawl_runs ORDER BY id")
    azpress_runs = [(r["trigger"], r["status"]) for r in runs if r["sources"] == '["azpress"]']
    assert azpress_runs == [("schedule", "ok"), ("manual", "skipped"), ("manual", "ok")]
    azpress_articles = [a for a in content.ARTICLES if a.site == "azpress" and a.in_feed]
    urls = [r["url"] for r in query(daemon.db, "SELECT url FROM articles WHERE source = 'azpress'")]
    assert (
        len(urls) == len(set(urls)) == len(azpress_articles)
    )  # stored once, by the scheduled crawl
    logs = "".join(p.read_text(errors="replace") for p in (daemon.dir / "logs").rglob("*.log"))
    assert "database is locked" not in logs + daemon.log() + err


def test_an_adaptive_job_crawls_each_source_on_its_own_when_due(mock_web, mock_sources, tmp_path):
    hold(mock_web, "rusnews", "/atom.xml", never := threading.Event())  # one slow outlet
    daemon = start_daemon(
        tmp_path,
        f"""
[daemon]
startup_delay = "0s"
shutdown_grace = "1s"
max_parallel = 3
[adaptive]
tick = "1s"
min_interval = "1s"
default_interval = "1h"
[[job]]
id = "feeds"
adaptive = true
discovery = ["feeds"]
since = "all"
kill_grace = "2s"
settings = {FAST}
""",
        crawl_command=CRAWL,
        sources=mock_sources,
    )
    try:
        # Never polled, so due at once; then not for the default hour.
        # The crawl closes its row before its process has ended: wait for both.
        finished = lambda site: [  # noqa: E731
            r
            for r in runs_of(daemon.db, "feeds")
            if r["finished_at"] and site in r["sources"] and gone(r["pid"])
        ]
        wait_for(lambda: finished("armwire") and finished("azpress"), 90, "two outlets crawled")
        time.sleep(3)
        assert daemon.stop() < 60
    finally:
        never.set()
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    runs = runs_of(daemon.db, "feeds")
    # One crawl per source: the slow outlet's did not hold the others up, and none ran twice.
    assert sorted(json.loads(r["sources"])[0] for r in runs) == sorted(content.SITES)
    assert all(r["status"] == "ok" for r in runs if "rusnews" not in r["sources"]), [
        (r["sources"], r["status"], r["message"]) for r in runs
    ]
    polls = query(daemon.db, "SELECT source, status FROM feed_polls")
    assert {(p["source"], p["status"]) for p in polls} >= {("armwire", 200), ("azpress", 200)}
