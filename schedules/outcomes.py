"""What the daemon records when a crawl process has ended: its run's final status and message."""

from __future__ import annotations

import logging
import signal
from datetime import timedelta

from crawler.runs import EXIT_BUSY, EXIT_DATABASE, EXIT_UNREACHABLE
from crawler.store import Store
from schedules.config import Job, format_duration
from schedules.remote import RemoteOutcome
from schedules.supervisor import Outcome

logger = logging.getLogger("newsmon.schedule")

# Exit statuses of `newsmon crawl` after which the crawl has closed its own run
# (ok, unreachable, skipped). After EXIT_DATABASE (full disk, read-only file)
# its own record of the run may be missing, so the daemon writes one.
CRAWL_CLOSED_ITS_RUN = frozenset({0, EXIT_UNREACHABLE, EXIT_BUSY})
# Statuses a crawl on a node records when it ends without being stopped.
ENDED_ON_ITS_OWN = frozenset({"ok", "unreachable", "skipped"})


def _stopped(
    job: Job, outcome: Outcome | RemoteOutcome, shutdown_grace: timedelta, where: str = ""
) -> tuple[str, str] | None:
    """The status and message of a crawl the daemon stopped (None when it ended on its own)."""
    how = (
        f"killed (SIGKILL) after {format_duration(job.kill_grace)} more"
        if outcome.killed
        else "stopped gracefully (SIGINT)"
    )
    if outcome.stopped_for == "timeout":
        return "timeout", f"exceeded its {format_duration(job.timeout)} timeout{where}; {how}"
    if outcome.stopped_for == "shutdown":
        return (
            "interrupted",
            f"daemon shut down and the crawl outlasted the {format_duration(shutdown_grace)} grace{where}; {how}",
        )
    return None


def classify(job: Job, outcome: Outcome, shutdown_grace: timedelta) -> tuple[str | None, str]:
    """The status and message the daemon records for an ended crawl, or (None, "") to keep the crawl's own."""
    if stopped := _stopped(job, outcome, shutdown_grace):
        return stopped
    code = outcome.returncode
    limit = f" (limit {job.memory >> 20} MB)" if job.memory else ""
    if code in CRAWL_CLOSED_ITS_RUN:
        if outcome.memory_errors:
            # Scrapy logs a MemoryError in a callback and goes on: the run
            # finished, but with pages lost to the memory limit.
            return (
                "oom",
                f"ran out of memory{limit} {outcome.memory_errors} time(s) and went on; see its log",
            )
        return None, ""
    if outcome.out_of_memory:
        return "oom", f"out of memory{limit}: {outcome.last_line}"
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (by the kernel's OOM killer?)" if -code == signal.SIGKILL else ""
        return "crashed", f"killed by {name}{hint}"
    if code == 2:
        return "failed", f"crawl refused to start: {outcome.last_line}"
    if code == EXIT_DATABASE:
        return "database_error", f"could not write to the database: {outcome.last_line}"
    return "crashed", f"exit status {code}: {outcome.last_line}"


def record_outcome(
    store: Store, job: Job, run_id: int, outcome: Outcome, shutdown_grace: timedelta
) -> dict:
    """Make the run's row say how the crawl ended; returns the row's status, counters and message."""
    status, message = classify(job, outcome, shutdown_grace)
    if status is not None:
        store.mark_run(run_id, status=status, message=message)
    elif store.finish_run(
        run_id,
        status="failed",
        message=f"exited with status {outcome.returncode} without closing its run",
        only_if_running=True,
    ):
        logger.error("job %s: run %d exited without closing its run", job.id, run_id)
    return store.run_summary(run_id)


def record_remote_outcome(
    store: Store, job: Job, run_id: int, outcome: RemoteOutcome, shutdown_grace: timedelta
) -> tuple[dict, bool]:
    """Make the run's row say how a crawl handed to a Scrapyd node ended.

    Returns the row's status, counters and message, and whether the run was
    lost with its node (the daemon then reschedules it elsewhere). A crawl
    that closed its own row (it finished, or was skipped) keeps what it wrote.
    """
    where = f" on node {outcome.node}" if outcome.node else ""
    if outcome.ended == "unplaced":
        store.finish_run(run_id, status="failed", message=outcome.detail)
        return store.run_summary(run_id), False
    if stopped := _stopped(job, outcome, shutdown_grace, where):
        if store.run_summary(run_id)["status"] in ENDED_ON_ITS_OWN:
            # The crawl closed its run before the stop reached it; a node may take a
            # while to report a job whose process is still exiting.
            return store.run_summary(run_id), False
        status, message = stopped
        store.mark_run(run_id, status=status, message=f"{message} (Scrapyd job {outcome.job_id})")
        return store.run_summary(run_id), False
    lost = False
    if outcome.ended == "lost":
        lost = store.finish_run(
            run_id,
            status="failed",
            message=f"node {outcome.node} lost: {outcome.detail}",
            only_if_running=True,
        )
    elif store.finish_run(
        run_id,
        status="failed",
        message=f"Scrapyd job {outcome.job_id} ended{where} without closing its run"
        + (f"; its log: {outcome.detail}" if outcome.detail else ""),
        only_if_running=True,
    ):
        logger.error("job %s: run %d ended%s without closing its run", job.id, run_id, where)
    return store.run_summary(run_id), lost
