"""Triggers and first runs after a start, computed in a non-UTC local zone to catch zone bugs."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from schedules.config import Job
from schedules.triggers import build_trigger, first_run, misfire_grace_seconds, nominal_interval

NOW = datetime(
    2024, 3, 30, 22, 30, 0, tzinfo=UTC
)  # 02:30 on the 31st in Yerevan, 15:30 in Los Angeles
DELAY = timedelta(seconds=30)


@pytest.fixture(autouse=True, params=["Asia/Yerevan", "America/Los_Angeles"])
def local_zone(request, monkeypatch):
    """Run every test with the process's local zone set away from UTC."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def interval_job(every: str = "15m", **kwargs) -> Job:
    from crawler.durations import parse_duration

    return Job(id="feeds", every=parse_duration(every), **kwargs)


def test_local_zone_is_not_utc(local_zone):
    assert os.environ["TZ"] == local_zone
    assert time.localtime(NOW.timestamp()).tm_gmtoff != 0


def test_a_job_that_never_ran_runs_after_the_startup_delay():
    assert first_run(interval_job(), None, NOW, DELAY).at == NOW + DELAY


def test_a_job_that_ran_recently_waits_for_its_turn():
    last = NOW - timedelta(minutes=5)
    first = first_run(interval_job(), last, NOW, DELAY)
    assert first.at == last + timedelta(minutes=15)
    assert "last run 5m ago" in first.reason


def test_an_overdue_job_runs_soon_once():
    first = first_run(interval_job(), NOW - timedelta(hours=7), NOW, DELAY)
    assert first.at == NOW + DELAY
    assert first.reason.startswith("overdue")


def test_a_job_due_within_the_startup_delay_is_not_run_before_it():
    first = first_run(interval_job(), NOW - timedelta(minutes=14, seconds=50), NOW, DELAY)
    assert first.at == NOW + DELAY


def test_cron_is_read_in_the_jobs_zone_not_the_local_one():
    job = Job(id="morning", cron="0 9 * * *", timezone="Asia/Yerevan")
    trigger = build_trigger(job, jitter=False)
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire.astimezone(UTC) == datetime(2024, 3, 31, 5, 0, tzinfo=UTC)  # 09:00 +04:00
    utc_job = Job(id="morning", cron="0 9 * * *")
    assert build_trigger(utc_job, jitter=False).get_next_fire_time(None, NOW).astimezone(
        UTC
    ) == datetime(2024, 3, 31, 9, 0, tzinfo=UTC)


def test_cron_weekday_numbers_mean_what_crontab_means():
    job = Job(id="sunday", cron="0 12 * * 0")  # crontab: Sunday
    fire = build_trigger(job, jitter=False).get_next_fire_time(None, NOW)
    assert fire.astimezone(UTC) == datetime(
        2024, 3, 31, 12, 0, tzinfo=UTC
    )  # 2024-03-31 is a Sunday
    assert fire.weekday() == 6


def test_cron_first_run_after_a_missed_fire_and_otherwise():
    job = Job(id="hourly", cron="0 * * * *")
    ran_before_the_last_fire = NOW - timedelta(minutes=40)  # 21:50; 22:00 was missed
    assert first_run(job, ran_before_the_last_fire, NOW, DELAY).at == NOW + DELAY
    ran_at_the_last_fire = datetime(2024, 3, 30, 22, 0, 5, tzinfo=UTC)
    assert first_run(job, ran_at_the_last_fire, NOW, DELAY).at == datetime(
        2024, 3, 30, 23, 0, tzinfo=UTC
    )


def test_misfire_grace_is_one_interval_not_one_second():
    assert misfire_grace_seconds(interval_job("15m"), NOW) == 900
    assert misfire_grace_seconds(Job(id="c", cron="0 */4 * * *"), NOW) == 4 * 3600
    assert misfire_grace_seconds(interval_job("1h", misfire_grace=timedelta(minutes=5)), NOW) == 300
    assert nominal_interval(Job(id="c", cron="30 6 * * mon-fri"), NOW) >= timedelta(days=1)


def test_interval_trigger_runs_every_interval_within_the_jitter():
    job = interval_job("1h", jitter=timedelta(minutes=5))
    trigger = build_trigger(job)
    previous = NOW
    for _ in range(20):
        fire = trigger.get_next_fire_time(previous, previous)
        assert timedelta(hours=1) <= fire - previous <= timedelta(hours=1, minutes=5)
        previous = fire
    plain = build_trigger(interval_job("1h"))
    assert plain.get_next_fire_time(NOW, NOW) == NOW + timedelta(hours=1)
