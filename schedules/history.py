"""The crawl history as the daemon and ``newsmon status`` read it.

The store keeps the history (``store.runs``): one row per crawl, and its
per-source counters, written when a crawl closes normally. A crawl that was killed has no per-source rows; its run status
(``timeout``, ``crashed``, ...) then stands for each of its sources.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.runs import process_gone, shown_status
from crawler.store import RunRow, Store

# Run statuses that say something went wrong with the crawl (as opposed to
# ``interrupted``/``shutdown``: stopped by an operator; ``skipped``: sources busy).
FAILED_STATUSES = frozenset({"unreachable", "timeout", "crashed", "oom", "failed", "abandoned"})
NOT_FINISHED = ("running", "skipped")


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp from the database (UTC) as an aware datetime (UTC if written without offset)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------
# The daemon's repair on start
# ---------------------------------------------------------------------------


def close_abandoned_runs(
    store: Store, *, alive: Callable[[int], bool] | None = None, keep: Collection[int] = ()
) -> list[int]:
    """Close ``running`` rows whose process is gone (killed with no one left to record it).

    Rows of crawls on another host are left alone, and so are the runs in
    ``keep`` (runs on Scrapyd nodes, which the daemon follows again: one still
    waiting in a node's queue is held by the daemon that scheduled it, gone by
    now). ``alive`` replaces the process check (tests).
    """
    closed = []
    for run_id, pid, host, pid_started in store.running_runs():
        if run_id in keep:
            continue
        if alive is not None:
            if pid and alive(pid):
                continue
        elif not process_gone(pid, host, pid_started):
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


@dataclass(frozen=True)
class Run(RunRow):
    """One row of the history as shown: its ``status`` is the judged one (``abandoned``, or the
    source's own when its crawl closed normally with errors), and with a source filter its
    ``counts`` and ``message`` are that source's view."""

    @property
    def started(self) -> datetime:
        return parse_time(self.started_at)

    @property
    def finished(self) -> datetime | None:
        return parse_time(self.finished_at)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "started_at": self.started.isoformat(),
            "finished_at": self.finished.isoformat() if self.finished else None,
            "trigger": self.trigger,
            "job_id": self.job_id,
            "sources": self.sources,
            "status": self.status,
            "pid": self.pid,
            "host": self.host,
            "node": self.node,
            "node_job": self.node_job,
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
    status: str | None = None,
) -> list[Run]:
    """The latest runs, newest first, optionally of one source, one job or one stored status."""
    rows = store.runs(
        source=source,
        job_id=job_id,
        limit=limit,
        exclude_statuses=NOT_FINISHED if finished_only else (),
        status=status,
    )
    return [_run(row, by_source=source is not None) for row in rows]


def _run(row: RunRow, *, by_source: bool) -> Run:
    # A crawl killed with SIGKILL (or by the OOM killer) could not close its row.
    status = shown_status(row.status, row.pid, row.host, row.pid_started)
    message = row.message
    if status == "abandoned" and row.status == "running":
        message = message or f"process {row.pid} ended without closing its run"
    if row.source_counts is not None:
        counts = dict(row.source_counts)
        if status == "ok" and row.source_status != "ok":
            status = row.source_status
    elif by_source and len(row.sources) > 1:
        counts = {}  # a multi-source run that stopped before recording this source's counts
    else:
        counts = dict(row.counts)
    return Run(**{**vars(row), "status": status, "message": message, "counts": counts})


@dataclass(frozen=True)
class Activity:
    """What :func:`schedules.health.judge_health` needs of a source's articles and runs."""

    article_times: list[datetime]
    """When each article of the window appeared: published, or first seen if earlier or unknown."""
    last_article: datetime | None
    first_crawl: datetime | None


def source_activity(store: Store, source: str, since: datetime) -> Activity:
    """The source's article times since ``since``, its latest article time ever, and (when it has
    no article) its first run."""
    rows = store.article_times(source, since.astimezone(UTC).isoformat())
    times = [
        min(filter(None, (parse_time(published), parse_time(seen)))) for published, seen in rows
    ]
    recent = [t for t in times if t >= since]
    # The latest article is in the window when the window has any.
    latest = max(recent) if recent else None
    first = None
    if latest is None:
        latest = parse_time(store.last_article_time(source))
    if latest is None:  # only a source without any article is judged from its first crawl
        first = parse_time(store.first_run_time(source))
    return Activity(article_times=recent, last_article=latest, first_crawl=first)
