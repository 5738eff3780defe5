"""One crawl in its own process: started in a new session, watched, stopped softly, then killed.

Each crawl gets its own session and process group, so a Ctrl-C in the
daemon's terminal does not reach it, and so that everything it started
(extraction workers, say) can be killed together. A crawl past its timeout
(or still running when the daemon's shutdown grace is over) gets SIGINT, on
which Scrapy closes gracefully and records its counters; if it is still
there ``kill_grace`` later, its whole group gets SIGKILL.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1
TAIL_BYTES = 8192


@dataclass(frozen=True)
class Outcome:
    """How a crawl process ended."""

    returncode: int | None
    """Exit status, or minus the signal number that ended it (as in :mod:`subprocess`)."""
    stopped_for: str | None
    """Why the supervisor stopped it: ``"timeout"``, ``"shutdown"``, or None if it ended on its own."""
    killed: bool
    """True when the soft stop was not enough and the group was killed."""
    duration: float
    """Seconds from start to exit."""
    log_tail: str
    """The end of the process's output (for messages)."""
    memory_errors: int = 0
    """``MemoryError`` lines in the whole output: Scrapy survives one inside a callback."""

    @property
    def out_of_memory(self) -> bool:
        return bool(self.memory_errors) or "Cannot allocate memory" in self.log_tail

    @property
    def last_line(self) -> str:
        lines = [line.strip() for line in self.log_tail.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""


class StopPlan:
    """When a crawl is stopped: softly at its timeout or the daemon's shutdown, for good
    ``kill_grace`` later. Shared by local crawls and crawls on Scrapyd nodes."""

    def __init__(
        self,
        started: float,
        timeout: float,
        kill_grace: float,
        stop_at: Callable[[], float | None],
    ):
        self.deadline = started + timeout
        self.kill_grace = kill_grace
        self.stop_at = stop_at  # polled: the daemon sets it when it shuts down
        self.stopped_for: str | None = None
        """``"timeout"`` or ``"shutdown"`` once the soft stop is due."""
        self.soft_sent: float | None = None
        self.killed = False

    def due(self, now: float) -> str | None:
        """``"soft"`` or ``"kill"`` when that step is due at ``now`` (each once), else None."""
        if self.soft_sent is None:
            shutdown_at = self.stop_at()
            if now >= self.deadline:
                self.stopped_for = "timeout"
            elif shutdown_at is not None and now >= shutdown_at:
                self.stopped_for = "shutdown"
            if self.stopped_for:
                self.soft_sent = now
                return "soft"
        elif not self.killed and now >= self.soft_sent + self.kill_grace:
            self.killed = True
            return "kill"
        return None


class CrawlProcess:
    """A child process started under a memory limit, in its own session, output to ``log_path``."""

    def __init__(
        self,
        command: list[str],
        *,
        log_path: Path,
        memory_limit: int | None,
    ):
        self.command = list(command)
        self.log_path = Path(log_path)
        self.memory_limit = memory_limit
        self.proc: subprocess.Popen | None = None
        self._reaped = False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> int:
        """Start the process; raises OSError when it cannot be started."""
        argv = [
            sys.executable,
            "-m",
            "schedules.launch",
            "--memory",
            str(self.memory_limit or 0),
            "--",
            *self.command,
        ]
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        if self.memory_limit:
            # The limit is on address space, which some libraries reserve
            # generously without using it: glibc 64 MB per thread arena,
            # OpenBLAS (loaded with numpy) a buffer per core.
            env.setdefault("MALLOC_ARENA_MAX", "2")
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        return self.proc.pid

    def supervise(
        self,
        *,
        timeout: float,
        kill_grace: float,
        stop_at: Callable[[], float | None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Outcome:
        """Wait for the process, stopping it at ``timeout`` or at the monotonic time ``stop_at()``.

        ``stop_at`` is polled: the daemon sets it when it shuts down.
        """
        started = clock()
        stop = StopPlan(started, timeout, kill_grace, stop_at)
        while not self._exited():
            action = stop.due(clock())
            if action == "soft":
                self.soft_stop()
            elif action == "kill":
                logger.warning(
                    "crawl pid %d still running %.0fs after SIGINT: killing its process group",
                    self.pid,
                    kill_grace,
                )
                self.kill_group()
            time.sleep(POLL_SECONDS)
        # The exited leader is still an unreaped zombie here, so its process
        # group id cannot have been reused: anything left in the group is the
        # crawl's own leftover and can be killed safely.
        self.kill_group()
        returncode = self.proc.wait()
        self._reaped = True
        return Outcome(
            returncode=returncode,
            stopped_for=stop.stopped_for,
            killed=stop.killed,
            duration=clock() - started,
            log_tail=self._tail(),
            memory_errors=self._count("MemoryError"),
        )

    def _exited(self) -> bool:
        """Whether the leader has exited, without reaping it (``WNOWAIT``)."""
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None and info.si_pid == self.pid

    def soft_stop(self) -> None:
        """SIGINT to the crawl itself (Scrapy's graceful close), not to its helpers."""
        self._send(lambda: os.kill(self.pid, signal.SIGINT))

    def kill_group(self) -> None:
        """SIGKILL to every process of the crawl's group."""
        self._send(lambda: os.killpg(self.pid, signal.SIGKILL))

    def _send(self, send: Callable[[], None]) -> None:
        if self.proc is None or self._reaped:
            return
        try:
            send()
        except ProcessLookupError:
            pass

    def _count(self, needle: str) -> int:
        count = 0
        try:
            with self.log_path.open("rb") as fh:
                for line in fh:
                    count += needle.encode() in line
        except OSError:
            pass
        return count

    def _tail(self) -> str:
        try:
            with self.log_path.open("rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - TAIL_BYTES))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
