"""The daemon as a subprocess on a 1-second cadence, in a non-UTC zone, with a fake crawl command.

``tests/fake_crawl.py`` stands in for ``newsmon crawl`` (same options, same
locks and run records) and sleeps, hangs, crashes or allocates on demand;
``test_schedules_mockweb.py`` runs the real crawl against the mock news web.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO_ROOT

FAKE_CRAWL = REPO_ROOT / "tests" / "fake_crawl.py"
SOURCES = "".join(
    f'[[source]]\nname = "{name}"\nurl = "https://{name}.example/"\nlanguage = "en"\nfeeds = ["https://{name}.example/feed"]\n\n'
    for name in "abcdefg"
)


@dataclass
class Daemon:
    """A ``newsmon schedule`` subprocess and its files."""

    proc: subprocess.Popen
    dir: Path
    started: float

    @property
    def db(self) -> Path:
        return self.dir / "news.db"

    def log(self) -> str:
        return (self.dir / "daemon.err").read_text()

    def stop(self, timeout: float = 60) -> float:
        """SIGTERM; returns seconds until the process exited."""
        sent = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        return time.monotonic() - sent

    def report(self) -> dict:
        return json.loads((self.dir / "report.json").read_text())


def start_daemon(
    directory: Path,
    schedules: str,
    *,
    crawl_command: str | None = None,
    sources: Path | None = None,
    db: str | None = None,
) -> Daemon:
    """The daemon over ``db`` (default: ``news.db`` in ``directory``; a server store's logs
    and state then go to ``directory``, its working folder)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "schedules.toml").write_text(schedules)
    if sources is None:
        sources = directory / "sources.toml"
        sources.write_text(SOURCES)
    env = {
        **os.environ,
        "TZ": "Asia/Yerevan",  # the daemon must not depend on the local zone
        "NEWSMON_DAEMON_REPORT": str(directory / "report.json"),
        "NEWSMON_CRAWL_COMMAND": crawl_command or f"{sys.executable} {FAKE_CRAWL}",
    }
    env.pop("NEWSMON_DB", None)
    command = [sys.executable, "-m", "crawler.cli", "schedule", "--db", db or str(directory / "news.db"),
               "--schedules", str(directory / "schedules.toml"), "--sources", str(sources)]  # fmt: skip
    with (directory / "daemon.err").open("ab") as err:
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env=env,
            cwd=REPO_ROOT if db is None else directory,
        )  # fmt: skip
    return Daemon(proc=proc, dir=directory, started=time.time())


def wait_for(
    condition: Callable[[], object], timeout: float = 30, what: str = "condition"
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def query(db: Path, sql: str, params=()) -> list[dict]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    except sqlite3.OperationalError:  # the schema is being created
        return []
    finally:
        conn.close()


def runs_of(db: Path, job: str) -> list[dict]:
    return query(db, "SELECT * FROM crawl_runs WHERE job_id = ? ORDER BY id", [job])


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# ---------------------------------------------------------------------------
# One busy daemon session, examined by several tests
# ---------------------------------------------------------------------------

BUSY = """
[daemon]
shutdown_grace = "5s"
startup_delay = "0s"
max_parallel = 8

[defaults]
memory = "none"
lock_wait = "0"
kill_grace = "1s"

[[job]]                 # several short runs, each recorded
id = "quick"
every = "1s"
sources = ["a"]
settings = {{ FAKE_SLEEP = "0.1" }}

[[job]]                 # slower than its cadence: overlapping triggers are skipped
id = "long"
every = "1s"
sources = ["b"]
lock_wait = "30s"
settings = {{ FAKE_SLEEP = "1.5", FAKE_JOURNAL = "{journal}" }}

[[job]]                 # the same source from another job: skipped while "long" crawls it
id = "also-b"
every = "1s"
sources = ["b"]
settings = {{ FAKE_SLEEP = "0.2", FAKE_JOURNAL = "{journal}" }}

[[job]]                 # slower than its timeout and deaf to SIGINT: killed with its grandchild
id = "hang"
every = "1h"
sources = ["c"]
timeout = "2s"
settings = {{ FAKE_SLEEP = "60", FAKE_IGNORE_SIGINT = "1", FAKE_PIDS = "{pids}" }}

[[job]]
id = "crash"
every = "1h"
sources = ["d"]
settings = {{ FAKE_EXIT = "1" }}

[[job]]
id = "hog"
every = "1h"
sources = ["e"]
memory = "256MB"
settings = {{ FAKE_ALLOC_MB = "512" }}

[[job]]                 # still running at SIGTERM, deaf to SIGINT: stopped after the grace
id = "stubborn"
every = "1h"
sources = ["f"]
timeout = "10m"
settings = {{ FAKE_SLEEP = "60", FAKE_IGNORE_SIGINT = "1", FAKE_PIDS = "{pids}" }}
"""


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    directory = tmp_path_factory.mktemp("busy")
    (directory / "pids").mkdir()
    text = BUSY.format(journal=directory / "journal.txt", pids=directory / "pids")
    daemon = start_daemon(directory, text)
    try:
        wait_for(
            lambda: len([r for r in runs_of(daemon.db, "quick") if r["finished_at"]]) >= 4,
            what="4 quick runs",
        )
        wait_for(
            lambda: [r for r in runs_of(daemon.db, "hang") if r["finished_at"]],
            what="the hung run to be killed",
        )
        wait_for(lambda: len(runs_of(daemon.db, "long")) >= 2, what="a second long run")
        # SIGTERM while a "long" crawl runs: it must be allowed to finish
        wait_for(
            lambda: runs_of(daemon.db, "long")[-1]["status"] == "running",
            what="a long run in progress",
        )
        shutdown_seconds = daemon.stop()
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    return daemon, shutdown_seconds


def test_several_runs_happen_and_each_is_recorded(busy):
    daemon, _ = busy
    quick = runs_of(daemon.db, "quick")
    assert len(quick) >= 4
    for run in quick:
        assert run["trigger"] == "schedule" and run["status"] == "ok", run
        assert run["finished_at"] and run["pages_fetched"] == 1 and run["sources"] == '["a"]'
    per_source = query(daemon.db, "SELECT run_id FROM crawl_run_sources WHERE source = 'a'")
    assert len(per_source) == len(quick)
    assert daemon.report()["runs_started"] == len(query(daemon.db, "SELECT id FROM crawl_runs"))
    assert (
        len(list((daemon.dir / "logs" / "crawls").glob("run-*.log")))
        == daemon.report()["runs_started"]
    )
    assert (daemon.dir / "logs" / "schedule.log").read_text() in daemon.log()  # one log, two places


def test_an_overlapping_trigger_does_not_start_a_second_crawl(busy):
    daemon, _ = busy
    long_runs = runs_of(daemon.db, "long")
    assert all(r["status"] == "ok" for r in long_runs)
    for before, after in zip(long_runs, long_runs[1:], strict=False):
        assert after["started_at"] >= before["finished_at"]
    assert "job long: still running (run" in daemon.log() and "this turn is skipped" in daemon.log()


def test_a_source_is_never_crawled_by_two_jobs_at_once(busy):
    daemon, _ = busy
    holding: dict[str, int] = {}
    events = sorted(line.split() for line in (daemon.dir / "journal.txt").read_text().splitlines())
    for _, event, source, pid in events:
        if event == "start":
            assert source not in holding, (
                f"{source} crawled by {holding.get(source)} and {pid} at once"
            )
            holding[source] = pid
        else:
            assert holding.pop(source) == pid
    skipped = [r for r in runs_of(daemon.db, "also-b") if r["status"] == "skipped"]
    assert skipped and all("busy" in r["message"] for r in skipped)
    assert {r["status"] for r in runs_of(daemon.db, "also-b")} <= {"ok", "skipped"}


def test_a_crawl_slower_than_its_timeout_is_killed_and_recorded(busy):
    daemon, _ = busy
    (run,) = runs_of(daemon.db, "hang")
    assert run["status"] == "timeout"
    assert run["message"] == "exceeded its 2s timeout; killed (SIGKILL) after 1s more"
    pids = [int(p) for p in (daemon.dir / "pids" / f"{run['pid']}.pids").read_text().split()]
    assert len(pids) == 2 and all(gone(pid) for pid in pids)  # the crawl and its grandchild


def test_a_crash_and_an_out_of_memory_crawl_only_affect_their_run(busy):
    daemon, _ = busy
    (crash,) = runs_of(daemon.db, "crash")
    assert (
        crash["status"] == "crashed"
        and crash["message"] == "exit status 1: fake crawl: crashing on purpose"
    )
    (hog,) = runs_of(daemon.db, "hog")
    assert hog["status"] == "oom" and hog["message"].startswith(
        "out of memory (limit 256 MB): MemoryError"
    )
    assert len(runs_of(daemon.db, "quick")) >= 4  # scheduling went on


def test_sigterm_lets_running_crawls_finish_then_stops_the_rest(busy):
    daemon, shutdown_seconds = busy
    assert daemon.proc.returncode == 0
    assert runs_of(daemon.db, "long")[-1]["status"] == "ok"  # finished within the grace
    (stubborn,) = runs_of(daemon.db, "stubborn")
    assert stubborn["status"] == "interrupted"
    assert stubborn["message"].startswith(
        "daemon shut down and the crawl outlasted the 5s grace; killed (SIGKILL)"
    )
    # the grace (5s) plus the kill grace (1s) bound the shutdown; the slack only absorbs a slow machine
    assert shutdown_seconds < 5 + 1 + 10
    assert not query(daemon.db, "SELECT id FROM crawl_runs WHERE status = 'running'")
    for run in query(daemon.db, "SELECT pid FROM crawl_runs"):
        assert gone(run["pid"])
    for pids in (daemon.dir / "pids").glob("*.pids"):
        assert all(gone(int(pid)) for pid in pids.read_text().split())
    assert not (daemon.dir / "news.schedule.json").exists()
    log = daemon.log()
    assert (
        "SIGTERM: no new crawls; running crawls get 5s to finish" in log
        and log.rstrip().endswith("daemon stopped")
    )


def test_the_daemon_never_imports_scrapy(busy):
    daemon, _ = busy
    modules = set(daemon.report()["modules"])
    assert "apscheduler" in modules and "sqlite3" in modules  # the report is real
    assert not modules & {"scrapy", "twisted", "trafilatura", "lxml"}


def test_importing_the_scheduler_commands_loads_no_scrapy():
    code = (
        "import sys, crawler.cli, crawler.commands.schedule, crawler.commands.status, schedules.daemon;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# Restart
# ---------------------------------------------------------------------------

RESTART = """
[daemon]
shutdown_grace = "2s"
startup_delay = "0s"

[defaults]
memory = "none"

[[job]]
id = "hourly"
every = "1h"
sources = ["a"]

[[job]]
id = "often"
every = "2s"
sources = ["b"]

[[job]]
id = "stale"
every = "1h"
sources = ["c"]
"""


def test_restart_runs_overdue_jobs_soon_and_does_not_burst(tmp_path):
    db = tmp_path / "news.db"
    # history from an earlier daemon: "stale" last ran two hours ago
    from crawler.store import open_store

    conn = open_store(db)
    old = conn.start_run(trigger="schedule", sources=["c"], job_id="stale")
    conn.finish_run(old, status="ok")
    conn.conn.execute(
        "UPDATE crawl_runs SET started_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-2 hours') WHERE id = ?",
        [old],
    )
    conn.close()

    first = start_daemon(tmp_path, RESTART)
    try:
        wait_for(lambda: all(any(r["finished_at"] for r in runs_of(db, j)) for j in ("hourly", "often", "stale")),
                 what="a run of every job")  # fmt: skip
        second = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "schedule", "--db", str(db), "--schedules", str(tmp_path / "schedules.toml"),
             "--sources", str(tmp_path / "sources.toml")],
            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"another newsmon schedule is already running on {db}" in second.stderr
        assert f"pid {first.proc.pid}" in second.stderr
        assert first.stop() < 30 and first.proc.returncode == 0
    finally:
        if first.proc.poll() is None:
            first.proc.kill()
    assert len(runs_of(db, "hourly")) == 1 and len(runs_of(db, "stale")) == 2

    # down for longer than "often"'s interval: it is overdue at the restart
    last_often = runs_of(db, "often")[-1]["id"]
    time.sleep(2.5)
    restarted = start_daemon(tmp_path, RESTART)
    try:
        wait_for(lambda: [r for r in runs_of(db, "often") if r["id"] > last_often and r["finished_at"]],
                 what="the overdue job to run")  # fmt: skip
        time.sleep(0.3)
        restarted.stop()
    finally:
        if restarted.proc.poll() is None:
            restarted.proc.kill()
    after = [r for r in runs_of(db, "often") if r["id"] > last_often]
    assert 1 <= len(after) <= 2  # one overdue run at once, then the cadence: no burst
    assert len(runs_of(db, "hourly")) == 1  # ran minutes ago: waits for its turn
    assert len(runs_of(db, "stale")) == 2
    log = restarted.log().split("daemon stopped")[-2]  # the second session's lines
    assert "job hourly: every 1h" in log and "(last run" in log
    assert "job often: every 2s" in log and "(overdue: last run" in log


def test_a_cron_job_that_never_ran_waits_for_its_fire_time_at_start_up(tmp_path):
    from datetime import UTC, datetime, timedelta

    # A daily line whose fire time was 21 hours ago and comes again in 3 hours.
    fire = datetime.now(UTC) + timedelta(hours=3)
    schedules = f"""
[daemon]
startup_delay = "0s"
[defaults]
memory = "none"
lock_wait = "0"
[[job]]
id = "often"
every = "1s"
sources = ["a"]
[[job]]
id = "daily"
cron = "{fire.minute} {fire.hour} * * *"
sources = ["b"]
"""
    daemon = start_daemon(tmp_path, schedules)
    try:
        wait_for(lambda: len([r for r in runs_of(daemon.db, "often") if r["finished_at"]]) >= 2,
                 what="the interval job to run twice")  # fmt: skip
        daemon.stop()
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    assert runs_of(daemon.db, "daily") == []
    expected = (fire.replace(second=0, microsecond=0)).strftime("%Y-%m-%d %H:%M:00Z")
    assert f"first run {expected} (next fire time; never ran)" in daemon.log()
