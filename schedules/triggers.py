"""APScheduler triggers for schedule jobs, and when each job first runs after a start.

APScheduler's job stores are not shared: each daemon keeps its jobs in memory
and rebuilds them from the schedules file at start-up. What survives a restart
is the crawl history in the database, so the first run of each job is derived
from its last recorded run: a job that ran recently waits for its next turn
(no burst of runs after a restart), a job whose last run is older than its
interval (or that never ran) runs ``startup_delay`` after the start.
All times here are aware datetimes in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from schedules.config import Job, crontab_for_apscheduler, format_duration


def build_trigger(job: Job, *, jitter: bool = True) -> BaseTrigger:
    """The APScheduler trigger of ``job`` (intervals in UTC, cron in the job's zone)."""
    seconds = job.jitter.total_seconds() if jitter else 0
    if job.every is not None:
        return IntervalTrigger(
            seconds=job.every.total_seconds(), timezone=UTC, jitter=seconds or None
        )
    trigger = CronTrigger.from_crontab(
        crontab_for_apscheduler(job.cron or ""), timezone=ZoneInfo(job.timezone)
    )
    trigger.jitter = seconds or None
    return trigger


def nominal_interval(job: Job, now: datetime) -> timedelta:
    """The interval, or for a cron job the gap between its next two fire times after ``now``."""
    if job.every is not None:
        return job.every
    trigger = build_trigger(job, jitter=False)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first) if first else None
    if first is None or second is None:
        return timedelta(days=1)
    return second - first


def misfire_grace_seconds(job: Job, now: datetime) -> int:
    """How late a run may start and still run: one interval unless the job says otherwise.

    APScheduler's default (1 s) silently drops a run whenever the daemon is a
    second late, e.g. while all crawl slots are busy; one interval (with
    ``coalesce``) means a late run still happens, once.
    """
    grace = job.misfire_grace or nominal_interval(job, now)
    return max(1, int(grace.total_seconds()))


@dataclass(frozen=True)
class FirstRun:
    """When a job runs first after a start, and why (for the log)."""

    at: datetime
    reason: str


def first_run(
    job: Job, last_run: datetime | None, now: datetime, startup_delay: timedelta
) -> FirstRun:
    """The first run of ``job`` in a daemon started at ``now``, given its last recorded run."""
    soon = now + startup_delay
    if last_run is None:
        return FirstRun(soon, "never ran")
    ago = _ago(now - last_run)
    if job.every is not None:
        due = last_run + job.every
        if due <= soon:
            return FirstRun(
                soon, f"overdue: last run {ago} ago, interval {format_duration(job.every)}"
            )
        return FirstRun(due, f"last run {ago} ago")
    trigger = build_trigger(job, jitter=False)
    missed = trigger.get_next_fire_time(None, last_run + timedelta(seconds=1))
    if missed is not None and missed <= now:
        return FirstRun(
            soon, f"overdue: missed {missed.astimezone(UTC):%Y-%m-%d %H:%M}Z, last run {ago} ago"
        )
    upcoming = trigger.get_next_fire_time(None, now)
    return FirstRun(upcoming.astimezone(UTC) if upcoming else soon, f"last run {ago} ago")


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
