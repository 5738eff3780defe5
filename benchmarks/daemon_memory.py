"""Daemon footprint over many scheduled runs, and how long a SIGTERM takes.

    .venv/bin/python benchmarks/daemon_memory.py              # 100 real crawls of one mock outlet
    .venv/bin/python benchmarks/daemon_memory.py --runs 20 --fake

Starts the local mock news web (one outlet), runs ``newsmon schedule`` with
one job every second, and samples the daemon's memory (RSS and USS), threads
and open files after the 1st, 10th, 50th ... run. Then sends SIGTERM twice,
in two daemon sessions: once while a crawl is in flight (it is let finish),
once while idle, and prints how long each took to exit. ``--fake`` replaces
the crawl with tests/fake_crawl.py (no Scrapy: quicker, same daemon work).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.store import StoreError, open_store  # noqa: E402
from tests.mockweb import MockWeb  # noqa: E402

SCHEDULE = """
[daemon]
startup_delay = "0s"
shutdown_grace = "60s"
keep_crawl_logs = 20
[[job]]
id = "bench"
every = "1s"
sources = ["azpress"]
discovery = ["feeds"]
since = "all"
settings = { AUTOTHROTTLE_ENABLED = "0", DOWNLOAD_DELAY = "0" }
"""


def _history(db: Path) -> list:
    """The daemon's runs so far (none while it has not created the database)."""
    try:
        with open_store(db, read_only=True) as store:
            return store.runs(limit=1_000_000)
    except StoreError:
        return []


def finished_runs(db: Path) -> int:
    return sum(run.finished_at is not None for run in _history(db))


def running_run(db: Path) -> bool:
    return any(run.status == "running" for run in _history(db))


def start(directory: Path, sources: Path, fake: bool) -> subprocess.Popen:
    env = {**os.environ, "TZ": "Asia/Yerevan"}
    if fake:
        env["NEWSMON_CRAWL_COMMAND"] = f"{sys.executable} {ROOT / 'tests' / 'fake_crawl.py'}"
    command = [sys.executable, "-m", "crawler.cli", "schedule", "--db", str(directory / "bench.db"),
               "--schedules", str(directory / "schedules.toml"), "--sources", str(sources)]  # fmt: skip
    with (directory / "daemon.err").open("ab") as err:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)


def sample(proc: psutil.Process) -> dict:
    full = proc.memory_full_info()
    return {
        "rss_mb": full.rss / 2**20,
        "uss_mb": full.uss / 2**20,
        "threads": proc.num_threads(),
        "fds": proc.num_fds(),
    }


def sigterm_seconds(daemon: subprocess.Popen) -> float:
    sent = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(300)
    return time.monotonic() - sent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--fake", action="store_true", help="fake crawls (no Scrapy) instead of real ones"
    )
    args = parser.parse_args()
    checkpoints = sorted({1, 10, 50, args.runs} & set(range(1, args.runs + 1)))

    web = MockWeb().start(["azpress"])
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        sources = web.sources_toml(directory / "sources.toml")
        (directory / "schedules.toml").write_text(SCHEDULE)
        db = directory / "bench.db"
        daemon = start(directory, sources, args.fake)
        proc = psutil.Process(daemon.pid)
        samples, started = {}, time.monotonic()
        try:
            for checkpoint in checkpoints:
                while finished_runs(db) < checkpoint:
                    if daemon.poll() is not None:
                        raise SystemExit(
                            f"daemon exited: {(directory / 'daemon.err').read_text()[-2000:]}"
                        )
                    time.sleep(0.05)
                samples[checkpoint] = sample(proc)
                print(f"after run {checkpoint:4d}: " + ", ".join(f"{k} {v:.1f}" for k, v in samples[checkpoint].items()),
                      flush=True)  # fmt: skip
            elapsed = time.monotonic() - started
            # SIGTERM with a crawl in flight: it is let finish within the grace
            while not running_run(db):
                time.sleep(0.01)
            busy_stop = sigterm_seconds(daemon)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        # SIGTERM while idle: a second session whose only job last ran a second ago (next run in ~1 s)
        (directory / "schedules.toml").write_text(SCHEDULE.replace('every = "1s"', 'every = "1h"'))
        daemon = start(directory, sources, args.fake)
        try:
            time.sleep(2)
            idle_stop = sigterm_seconds(daemon)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        statuses = dict(Counter(run.status for run in _history(db)))
    web.stop()

    first, last = samples[checkpoints[0]], samples[checkpoints[-1]]
    kind = "fake" if args.fake else "real"
    print(f"\n{args.runs} {kind} scheduled runs in {elapsed:.0f}s; run statuses: {statuses}")
    print(f"daemon RSS after run 1: {first['rss_mb']:.1f} MB, after run {args.runs}: {last['rss_mb']:.1f} MB "
          f"({last['rss_mb'] - first['rss_mb']:+.1f} MB); USS {first['uss_mb']:.1f} -> {last['uss_mb']:.1f} MB; "
          f"threads {first['threads']} -> {last['threads']}; open files {first['fds']} -> {last['fds']}")  # fmt: skip
    print(
        f"SIGTERM to exit: {busy_stop:.2f}s with a crawl in flight (let finish), {idle_stop:.2f}s idle"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
