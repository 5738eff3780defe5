"""APScheduler triggers for schedule jobs, and when each job first runs after a start.

APScheduler's job stores are not shared: each daemon keeps its jobs in memory
and rebuilds them from the schedules file at start-up. What survives a restart
is the crawl history in the database, so the first run of each job is derived
from its last recorded run. An interval job that ran recently waits for its
next turn (no burst of runs after a restart); one whose last run is older than
its interval (or that never ran) runs ``startup_delay`` after the start. A
cron job runs at its next fire time unless its own schedule says a run was
missed: a fire time after its last run (or, when it never ran, any fire time)
that lies within its misfire grace before now.
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


# Fire times looked at to find a cron line's shortest gap: enough to see every
# weekday of a weekly pattern, few enough to stay instant for a yearly one.
_CRON_FIRES_SAMPLED = 64


def nominal_interval(job: Job, now: datetime) -> timedelta:
    """The interval, or for a cron job the shortest gap between its fire times after ``now``.

    The shortest gap, not the one after ``now``: ``0 9 * * MON-FRI`` is a
    daily job even when looked at on a Friday, whose next gap is three days.
    """
    if job.every is not None:
        return job.every
    trigger = build_trigger(job, jitter=False)
    fires = []
    fire = trigger.get_next_fire_time(None, now)
    while fire is not None and len(fires) < _CRON_FIRES_SAMPLED:
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    gaps = [b - a for a, b in zip(fires, fires[1:], strict=False)]
    return min(gaps) if gaps else timedelta(days=1)


def misfire_grace(job: Job, now: datetime) -> timedelta:
    """How late a run may start and still run, unless the job sets ``misfire_grace``.

    APScheduler's default (1 s) silently drops a run whenever the daemon is a
    second late, e.g. while all crawl slots are busy. An interval job gets one
    interval (with ``coalesce``, a late run still happens, once). A cron line
    says *when* to crawl, so a cron job gets half its shortest gap: a run
    later than that is nearer the next fire time than its own (a weekday
    09:00 job that was due on Friday does not run on Saturday at 08:00).
    """
    if job.misfire_grace is not None:
        return job.misfire_grace
    interval = nominal_interval(job, now)
    return interval if job.every is not None else interval / 2


def misfire_grace_seconds(job: Job, now: datetime) -> int:
    """:func:`misfire_grace` in whole seconds (at least 1), as APScheduler takes it."""
    return max(1, int(misfire_grace(job, now).total_seconds()))


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
    history = "never ran" if last_run is None else f"last run {_ago(now - last_run)} ago"
    if job.adaptive:
        return FirstRun(soon, "adaptive: each source when its feeds are due")
    if job.every is not None:
        # An interval has no phase of its own: a job that never ran is simply due.
        if last_run is None:
            return FirstRun(soon, history)
        due = last_run + job.every
        if due <= soon:
            return FirstRun(soon, f"overdue: {history}, interval {format_duration(job.every)}")
        return FirstRun(due, history)
    trigger = build_trigger(job, jitter=False)
    grace = misfire_grace(job, now)
    window_start = now - grace
    if last_run is not None and last_run >= window_start:
        window_start = last_run + timedelta(seconds=1)
    missed = trigger.get_next_fire_time(None, window_start)
    if missed is not None and missed <= now:
        return FirstRun(
            soon,
            f"missed {missed.astimezone(UTC):%Y-%m-%d %H:%M}Z, within its "
            f"{format_duration(grace)} misfire grace; {history}",
        )
    upcoming = trigger.get_next_fire_time(None, now)
    if upcoming is None:
        return FirstRun(soon, history)
    return FirstRun(upcoming.astimezone(UTC), f"next fire time; {history}")


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
