"""Crawl-run bookkeeping: what a run's row records and how a crawl closes it.

Shared by the crawl command (which records its own run) and the scheduler
daemon (which opens the row before starting a child crawl and closes it if
the child dies); the store keeps the rows (``store.start_run``,
``store.finish_run``), this module says what goes in them. A row records
the process that carries it (pid, host, start time): a crawl closes its row
on every way out that runs code (:class:`RunCloser`), and readers judge a
``running`` row whose process is gone as ``abandoned`` (:func:`shown_status`).
Never imports Scrapy.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping

import psutil

from crawler.stats import SOURCE_COUNTERS as COUNTERS
from crawler.store import Store, StoreError, open_store
from crawler.store.base import utcnow_iso

logger = logging.getLogger(__name__)

EXIT_UNREACHABLE = 3
"""``newsmon crawl``'s exit status when no source could be reached (the run is closed)."""
EXIT_BUSY = 4
"""... when every source asked for was being crawled by another process (the run is closed)."""
EXIT_DATABASE = 5
"""... when a database write failed: the crawl's own record of the run may be missing."""


def _process(pid: int) -> tuple[int, str, float | None]:
    """``pid``, this host's name and the process's start time (None when it is already gone)."""
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        started = None
    return pid, socket.gethostname(), started


def start_run(
    store: Store,
    *,
    trigger: str,
    sources: list[str],
    job_id: str | None = None,
    pid: int | None = None,
) -> int:
    """Open a ``running`` row held by process ``pid`` (default: this one) and return its id."""
    pid, host, started = _process(pid or os.getpid())
    return store.start_run(
        trigger=trigger, sources=sources, job_id=job_id, pid=pid, host=host, pid_started=started
    )


def set_run_process(store: Store, run_id: int, pid: int) -> None:
    """Record ``pid`` (on this host) as the process that now carries a run."""
    pid, host, started = _process(pid)
    store.set_run_process(run_id, pid=pid, host=host, pid_started=started)


def process_gone(pid: int | None, host: str | None, started: float | None) -> bool | None:
    """Whether the process recorded for a run has ended; None when this host cannot tell.

    A process on another host cannot be looked at from here. A pid whose
    process started at another moment than the recorded one was reused by
    an unrelated process after the crawl's ended; a zombie has ended too.
    """
    if host and host != socket.gethostname():
        return None
    if not pid:
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        # create_time() is rounded differently by psutil across calls; a
        # reused pid starts seconds or days later.
        return started is not None and abs(process.create_time() - started) > 1.0
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return None


def shown_status(status: str, pid: int | None, host: str | None, started: float | None) -> str:
    """A run's status as a reader should see it: ``abandoned`` for a ``running`` row whose process is gone."""
    if status == "running" and process_gone(pid, host, started):
        return "abandoned"
    return status


class RunCloser:
    """Closes a crawl's run that is still ``running`` when the crawl leaves by any path that runs code.

    The normal end (Scrapy's ``spider_closed``) closes the run with its
    counters; this catches the rest: an exception before or around the
    crawl, the reactor stopping without closing the spider, SIGTERM or
    SIGINT, and (through ``atexit``) a ``sys.exit`` from anywhere. A
    SIGKILL or the kernel's OOM killer runs no code: readers judge those
    runs by :func:`process_gone`.
    """

    def __init__(self, db_path: str, run_id: int):
        self.db_path = db_path
        self.run_id = run_id
        self._owner = os.getpid()
        atexit.register(self._at_exit)

    def close(
        self,
        status: str,
        message: str,
        per_source: Mapping[str, Mapping[str, int]] | None = None,
    ) -> bool:
        """Close the run unless the crawl already did; True when this call closed it."""
        if os.getpid() != self._owner:  # a forked worker inherits the atexit hook
            return False
        try:
            with open_store(self.db_path, migrate=False) as store:
                return store.finish_run(
                    self.run_id,
                    status=status,
                    per_source=per_source,
                    message=message,
                    only_if_running=True,
                )
        except StoreError as exc:
            # The crawl's own error (exit 5) says the database is unwritable; the
            # daemon, or the readers' liveness check, records the run instead.
            logger.warning("run %s could not be closed: %s", self.run_id, exc)
            return False

    def _at_exit(self) -> None:
        self.close("failed", "the crawl process exited without closing its run")

    def detach(self) -> None:
        atexit.unregister(self._at_exit)


class Stopped(BaseException):
    """Raised in the main thread when SIGTERM (or SIGHUP) arrives outside Scrapy's own handlers."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, frame) -> None:
    raise Stopped(signum)


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Stopped` (SIGINT already raises KeyboardInterrupt).

    Their default action ends the process at once, running no ``finally``
    and no ``atexit``; an exception unwinds, so open transactions roll back
    and the run is closed. Only the main thread may set handlers (a crawl
    run from another thread, in tests, keeps the process's own).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def die_of(signum: int) -> None:
    """End this process by ``signum`` with its default action, so a parent sees how it ended."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


__all__ = [
    "COUNTERS",
    "EXIT_BUSY",
    "EXIT_DATABASE",
    "EXIT_UNREACHABLE",
    "RunCloser",
    "Stopped",
    "die_of",
    "process_gone",
    "set_run_process",
    "shown_status",
    "start_run",
    "stop_on_signals",
    "utcnow_iso",
]
