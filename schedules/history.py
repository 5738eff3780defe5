"""The crawl history as the daemon and ``newsmon status`` read it, plus the daemon's own row updates.

The history lives in ``crawl_runs`` (one row per crawl) and
``crawl_run_sources`` (its per-source counters, written when a crawl closes
normally). A crawl that was killed has no per-source rows; its run status
(``timeout``, ``crashed``, ...) then stands for each of its sources.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from crawler.db import write_transaction
from crawler.runs import (
    COUNTERS,
    finish_run,
    process_gone,
    set_run_process,
    shown_status,
    utcnow_iso,
)

# Run statuses that say something went wrong with the crawl (as opposed to
# ``interrupted``/``shutdown``: stopped by an operator; ``skipped``: sources busy).
FAILED_STATUSES = frozenset({"unreachable", "timeout", "crashed", "oom", "failed", "abandoned"})
NOT_FINISHED = ("running", "skipped")


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp from the database (UTC) as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------
# Writes by the daemon
# ---------------------------------------------------------------------------


def set_run_pid(db: sqlite_utils.Database, run_id: int, pid: int) -> None:
    """Record the crawl process of a run the daemon opened (the row first holds the daemon's pid)."""
    set_run_process(db, run_id, pid)


def mark_run(db: sqlite_utils.Database, run_id: int, *, status: str, message: str) -> None:
    """Set the final status of a run, keeping the counters the crawl recorded before it stopped.

    Used when the daemon knows better than the crawl why it ended (a timeout
    looks like a normal ``shutdown`` from inside Scrapy).
    """
    with write_transaction(db):
        db.execute(
            "UPDATE crawl_runs SET status = ?, message = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ?",
            [status, message, utcnow_iso(), run_id],
        )


def close_abandoned_runs(
    db: sqlite_utils.Database, *, alive: Callable[[int], bool] | None = None
) -> list[int]:
    """Close ``running`` rows whose process is gone (killed with no one left to record it).

    Rows of crawls on another host are left alone. ``alive`` replaces the
    process check (tests).
    """
    closed = []
    for row in db.query(
        "SELECT id, pid, host, pid_started FROM crawl_runs WHERE status = 'running'"
    ):
        if alive is not None:
            if row["pid"] and alive(row["pid"]):
                continue
        elif not process_gone(row["pid"], row["host"], row["pid_started"]):
            continue
        if finish_run(
            db,
            row["id"],
            status="abandoned",
            message=f"process {row['pid']} ended without closing its run",
            only_if_running=True,
        ):
            closed.append(row["id"])
    return closed


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def last_run_by_job(db: sqlite_utils.Database) -> dict[str, datetime]:
    """Start time of each job's latest scheduled run, whatever its outcome."""
    rows = db.query(
        "SELECT job_id, MAX(started_at) AS started_at FROM crawl_runs "
        "WHERE trigger = 'schedule' AND job_id IS NOT NULL GROUP BY job_id"
    )
    return {row["job_id"]: parse_time(row["started_at"]) for row in rows}


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
    host: str | None = None

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
            "host": self.host,
            "message": self.message,
            **self.counts,
        }


_RUN_COLUMNS = (
    "r.id, r.started_at, r.finished_at, r.trigger, r.job_id, r.sources, r.status, r.pid, r.message, "
    "r.host, r.pid_started"
)


def runs(
    db: sqlite_utils.Database,
    *,
    source: str | None = None,
    job_id: str | None = None,
    limit: int = 20,
    finished_only: bool = False,
    status: str | None = None,
) -> list[Run]:
    """The latest runs, newest first, optionally of one source, one job or one stored status."""
    where, params = [], []
    if status is not None:
        where.append("r.status = ?")
        params.append(status)
    if source is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(r.sources) WHERE json_each.value = ?)")
        params.append(source)
    if job_id is not None:
        where.append("r.job_id = ?")
        params.append(job_id)
    if finished_only:
        where.append(f"r.status NOT IN ({', '.join('?' for _ in NOT_FINISHED)})")
        params.extend(NOT_FINISHED)
    if source is not None:
        counts = ", ".join(f"s.{c} AS s_{c}" for c in COUNTERS)
        sql = (
            f"SELECT {_RUN_COLUMNS}, {', '.join('r.' + c for c in COUNTERS)}, s.status AS s_status, {counts} "
            "FROM crawl_runs r LEFT JOIN crawl_run_sources s ON s.run_id = r.id AND s.source = ?"
        )
        params.insert(0, source)
    else:
        sql = f"SELECT {_RUN_COLUMNS}, {', '.join('r.' + c for c in COUNTERS)} FROM crawl_runs r"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.id DESC LIMIT ?"
    params.append(limit)
    return [_run(row) for row in db.query(sql, params)]


def _run(row: dict) -> Run:
    # A crawl killed with SIGKILL (or by the OOM killer) could not close its row.
    status = shown_status(row["status"], row["pid"], row["host"], row["pid_started"])
    message = row["message"]
    if status == "abandoned" and row["status"] == "running":
        message = message or f"process {row['pid']} ended without closing its run"
    if row.get("s_status") is not None:
        counts = {c: int(row[f"s_{c}"]) for c in COUNTERS}
        if status == "ok" and row["s_status"] != "ok":
            status = row["s_status"]
    elif "s_status" in row and len(json.loads(row["sources"] or "[]")) > 1:
        counts = {}  # a multi-source run that stopped before recording this source's counts
    else:
        counts = {c: int(row[c]) for c in COUNTERS}
    return Run(
        id=row["id"],
        started_at=parse_time(row["started_at"]),
        finished_at=parse_time(row["finished_at"]),
        trigger=row["trigger"],
        job_id=row["job_id"],
        sources=json.loads(row["sources"] or "[]"),
        status=status,
        pid=row["pid"],
        message=message,
        counts=counts,
        host=row["host"],
    )


def source_names_in_history(db: sqlite_utils.Database) -> list[str]:
    """Every source named by some run, sorted."""
    rows = db.query(
        "SELECT DISTINCT json_each.value AS name FROM crawl_runs, json_each(crawl_runs.sources)"
    )
    return sorted(row["name"] for row in rows)


@dataclass(frozen=True)
class Health:
    """Why a source looks unhealthy over its last finished runs (empty: healthy or too few runs)."""

    runs: int
    """Finished runs looked at (at most the window)."""
    reasons: tuple[str, ...] = ()


def source_health(db: sqlite_utils.Database, source: str, window: int) -> Health:
    """Flag a source with no new article over its last ``window`` finished runs, or errors in most of them.

    Judged only once the source has ``window`` finished runs: a new source is
    not flagged by its first run.
    """
    return judge_health(runs(db, source=source, limit=window, finished_only=True), window)


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
