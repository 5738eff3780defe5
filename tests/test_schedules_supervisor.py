"""Crawl processes: own session, timeout with a soft stop then a group kill, memory limit, outcomes."""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from schedules.config import Job
from schedules.outcomes import classify
from schedules.supervisor import CrawlProcess, Outcome

GRACEFUL = """
import signal, sys, time
stop = []
signal.signal(signal.SIGINT, lambda *a: stop.append(1))
print("started", flush=True)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end and not stop:
    time.sleep(0.02)
print("closed gracefully" if stop else "done", flush=True)
"""

STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def start(tmp_path: Path, code: str, *args: str, memory: int | None = None) -> CrawlProcess:
    process = CrawlProcess(
        [sys.executable, "-c", code, *args], log_path=tmp_path / "run.log", memory_limit=memory
    )
    process.start()
    return process


def test_a_crawl_that_ends_on_its_own(tmp_path):
    process = start(tmp_path, GRACEFUL, "0.1")
    assert os.getpgid(process.pid) == process.pid  # its own process group ...
    assert (
        os.getsid(process.pid) == process.pid
    )  # ... and session: a terminal's Ctrl-C does not reach it
    outcome = process.supervise(timeout=10, kill_grace=5)
    assert outcome.returncode == 0 and outcome.stopped_for is None and not outcome.killed
    assert outcome.last_line == "done"


def test_a_crawl_past_its_timeout_is_stopped_softly(tmp_path):
    process = start(tmp_path, GRACEFUL, "30")
    outcome = process.supervise(timeout=0.5, kill_grace=5)
    assert outcome.stopped_for == "timeout" and not outcome.killed
    assert outcome.returncode == 0 and outcome.last_line == "closed gracefully"
    assert outcome.duration < 5


def test_a_crawl_deaf_to_sigint_is_killed_with_its_whole_group(tmp_path):
    process = start(tmp_path, STUBBORN)
    deadline = time.monotonic() + 10
    while not (tmp_path / "run.log").read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int((tmp_path / "run.log").read_text().split()[0])
    outcome = process.supervise(timeout=0.3, kill_grace=0.5)
    assert outcome.stopped_for == "timeout" and outcome.killed
    assert outcome.returncode == -signal.SIGKILL
    assert gone(process.pid) and gone(grandchild)


def test_leftover_processes_of_a_finished_crawl_are_killed(tmp_path):
    leaves_a_child = (
        "import subprocess, sys; "
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); print(c.pid, flush=True)"
    )
    process = start(tmp_path, leaves_a_child)
    outcome = process.supervise(timeout=10, kill_grace=1)
    assert outcome.returncode == 0
    orphan = int(outcome.last_line)
    deadline = time.monotonic() + 5
    while not gone(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(orphan)


def test_a_shutdown_stops_the_crawl_at_the_daemons_deadline(tmp_path):
    process = start(tmp_path, GRACEFUL, "30")
    stop_at = time.monotonic() + 0.3
    outcome = process.supervise(timeout=60, kill_grace=5, stop_at=lambda: stop_at)
    assert outcome.stopped_for == "shutdown" and not outcome.killed and outcome.returncode == 0


def test_memory_limit_turns_a_runaway_allocation_into_a_memory_error(tmp_path):
    hog = "x = bytearray(256 << 20); print('allocated', flush=True)"
    process = start(tmp_path, hog, memory=128 << 20)
    outcome = process.supervise(timeout=30, kill_grace=1)
    assert outcome.returncode == 1
    assert outcome.out_of_memory and outcome.memory_errors == 1
    assert "allocated" not in outcome.log_tail
    # without a limit the same allocation succeeds
    free = start(tmp_path / "free", hog)
    assert free.supervise(timeout=30, kill_grace=1).returncode == 0


def test_a_command_that_cannot_start_is_reported_by_the_launcher(tmp_path):
    process = CrawlProcess(
        ["/nonexistent/newsmon"], log_path=tmp_path / "run.log", memory_limit=None
    )
    process.start()
    outcome = process.supervise(timeout=10, kill_grace=1)
    assert outcome.returncode == 1 and "cannot start '/nonexistent/newsmon'" in outcome.last_line


JOB = Job(id="feeds", every=timedelta(minutes=15), timeout=timedelta(minutes=10), memory=1 << 30)
GRACE = timedelta(seconds=60)


def outcome(returncode, stopped_for=None, killed=False, tail="", memory_errors=0) -> Outcome:
    return Outcome(returncode, stopped_for, killed, 1.0, tail, memory_errors)


@pytest.mark.parametrize(
    ("result", "status", "message"),
    [
        (outcome(0), None, ""),
        (outcome(3), None, ""),
        (outcome(4), None, ""),
        (outcome(0, "timeout"), "timeout", "exceeded its 10m timeout; stopped gracefully (SIGINT)"),
        (
            outcome(-9, "timeout", killed=True),
            "timeout",
            "exceeded its 10m timeout; killed (SIGKILL) after 30s more",
        ),
        (
            outcome(0, "shutdown"),
            "interrupted",
            "daemon shut down and the crawl outlasted the 1m grace",
        ),
        (outcome(1, tail="Traceback\nKeyError: 'x'\n"), "crashed", "exit status 1: KeyError: 'x'"),
        (
            outcome(1, tail="MemoryError\n", memory_errors=1),
            "oom",
            "out of memory (limit 1024 MB): MemoryError",
        ),
        (
            outcome(0, memory_errors=3),
            "oom",
            "ran out of memory (limit 1024 MB) 3 time(s) and went on",
        ),
        (outcome(-9), "crashed", "killed by SIGKILL (by the kernel's OOM killer?)"),
        (outcome(-11), "crashed", "killed by SIGSEGV"),
        (
            outcome(2, tail="newsmon: error: sources.toml: bad\n"),
            "failed",
            "crawl refused to start: newsmon: error",
        ),
        (
            outcome(5, tail="newsmon: error: database or disk is full\n"),
            "database_error",
            "could not write to the database: newsmon: error: database or disk is full",
        ),
    ],
)
def test_classify(result, status, message):
    got_status, got_message = classify(JOB, result, GRACE)
    assert got_status == status
    assert got_message.startswith(message)
