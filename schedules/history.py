"""The crawl history as the daemon and ``newsmon status`` read it.

The store keeps the history (``store.runs``): one row per crawl, and its
per-source counters, written when a crawl closes normally. A crawl that was killed has no per-source rows; its run status
(``timeout``, ``crashed``, ...) then stands for each of its sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import psutil

from crawler.store import RunRow, Store

# Run statuses that say something went wrong with the crawl (as opposed to
# ``interrupted``/``shutdown``: stopped by an operator; ``skipped``: sources busy).
FAILED_STATUSES = frozenset({"unreachable", "timeout", "crashed", "oom", "failed", "abandoned"})
NOT_FINISHED = ("running", "skipped")


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp from the database (UTC) as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------
# The daemon's repair on start
# ---------------------------------------------------------------------------


def close_abandoned_runs(
    store: Store, *, alive: Callable[[int], bool] = psutil.pid_exists
) -> list[int]:
    """Close ``running`` rows whose process is gone (killed with no one left to record it)."""
    closed = []
    for run_id, pid in store.running_runs():
        if pid and alive(pid):
            continue
        if store.finish_run(
            run_id,
            status="abandoned",
            message=f"process {pid} ended without closing its run",
            only_if_running=True,
        ):
            closed.append(run_id)
    return closed


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def last_run_by_job(store: Store) -> dict[str, datetime]:
    """Start time of each job's latest scheduled run, whatever its outcome."""
    return {job: parse_time(started) for job, started in store.last_run_by_job().items()}


@dataclass
class Run:
    """One row of the history; with a source filter, the counters are that source's."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    job_id: str | None
    sources: list[str]
    status: str
    """The run's status, or the source's own when its crawl closed normally with errors."""
    pid: int | None
    message: str | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return (
            self.status in FAILED_STATUSES
            or self.status == "error"
            or self.counts.get("errors", 0) > 0
        )

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "trigger": self.trigger,
            "job_id": self.job_id,
            "sources": self.sources,
            "status": self.status,
            "pid": self.pid,
            "message": self.message,
            **self.counts,
        }


def runs(
    store: Store,
    *,
    source: str | None = None,
    job_id: str | None = None,
    limit: int = 20,
    finished_only: bool = False,
) -> list[Run]:
    """The latest runs, newest first, optionally of one source or one job."""
    rows = store.runs(
        source=source,
        job_id=job_id,
        limit=limit,
        exclude_statuses=NOT_FINISHED if finished_only else (),
    )
    return [_run(row, by_source=source is not None) for row in rows]


def _run(row: RunRow, *, by_source: bool) -> Run:
    status = row.status
    if row.source_counts is not None:
        counts = dict(row.source_counts)
        if status == "ok" and row.source_status != "ok":
            status = row.source_status
    elif by_source and len(row.sources) > 1:
        counts = {}  # a multi-source run that stopped before recording this source's counts
    else:
        counts = dict(row.counts)
    return Run(
        id=row.id,
        started_at=parse_time(row.started_at),
        finished_at=parse_time(row.finished_at),
        trigger=row.trigger,
        job_id=row.job_id,
        sources=row.sources,
        status=status,
        pid=row.pid,
        message=row.message,
        counts=counts,
    )


@dataclass(frozen=True)
class Health:
    """Why a source looks unhealthy over its last finished runs (empty: healthy or too few runs)."""

    runs: int
    """Finished runs looked at (at most the window)."""
    reasons: tuple[str, ...] = ()


def source_health(store: Store, source: str, window: int) -> Health:
    """Flag a source with no new article over its last ``window`` finished runs, or errors in most of them.

    Judged only once the source has ``window`` finished runs: a new source is
    not flagged by its first run.
    """
    return judge_health(runs(store, source=source, limit=window, finished_only=True), window)


def judge_health(history: list[Run], window: int) -> Health:
    """:func:`source_health` of a source whose last finished runs, newest first, are ``history``."""
    if len(history) < window:
        return Health(runs=len(history))
    reasons = []
    if not any(run.counts.get("articles_new", 0) for run in history):
        reasons.append(f"no new article in its last {window} runs")
    failed = sum(run.failed for run in history)
    if failed * 2 > window:
        reasons.append(f"errors in {failed} of its last {window} runs")
    return Health(runs=len(history), reasons=tuple(reasons))
