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


# Every test with the process's local zone away from UTC (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("local_zone")


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


def test_misfire_grace_is_one_interval_or_half_a_cron_gap_not_one_second():
    assert misfire_grace_seconds(interval_job("15m"), NOW) == 900
    assert misfire_grace_seconds(Job(id="c", cron="0 */4 * * *"), NOW) == 2 * 3600
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


# 2024-03-30 (NOW's date) is a Saturday; a weekday job at 09:00 in Yerevan (05:00Z).
WEEKDAYS = Job(id="weekdays", cron="0 9 * * MON-FRI", timezone="Asia/Yerevan")


def yerevan(day: int, hour: int, minute: int = 0) -> datetime:
    """A March 2024 time in Yerevan (+04:00, no DST), as UTC."""
    return datetime(2024, 3, day, hour - 4, minute, tzinfo=UTC)


def test_a_cron_job_that_never_ran_waits_for_its_next_fire_time():
    saturday_8am = yerevan(30, 8)
    first = first_run(WEEKDAYS, None, saturday_8am, DELAY)
    assert first.at == yerevan(25, 9) + timedelta(days=7)  # Monday 1 April, 09:00
    assert "never ran" in first.reason
    # A Friday morning start is an hour before Friday's run, not a catch-up of Thursday's.
    assert first_run(WEEKDAYS, None, yerevan(29, 8), DELAY).at == yerevan(29, 9)
    # Daily and hourly lines alike.
    daily = Job(id="daily", cron="30 6 * * *")
    at_night = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)
    assert first_run(daily, None, at_night, DELAY).at == datetime(2024, 3, 31, 6, 30, tzinfo=UTC)


def test_a_cron_job_that_never_ran_catches_up_a_fire_time_within_its_grace():
    tuesday_9_10 = yerevan(26, 9, 10)
    first = first_run(WEEKDAYS, None, tuesday_9_10, DELAY)
    assert first.at == tuesday_9_10 + DELAY
    assert first.reason.startswith("missed 2024-03-26 05:00Z, within its 12h misfire grace")
    # Later than half a day after it, the next fire time is nearer: wait for it.
    assert first_run(WEEKDAYS, None, yerevan(26, 22), DELAY).at == yerevan(27, 9)


def test_a_cron_job_down_longer_than_its_grace_waits_for_its_next_fire_time():
    last_thursday = yerevan(28, 9, 0) + timedelta(seconds=3)
    # Down since Thursday's run; restarted Monday at 08:00: Friday's 09:00 is long gone.
    monday_8am = yerevan(25, 8) + timedelta(days=7)
    assert first_run(WEEKDAYS, last_thursday, monday_8am, DELAY).at == yerevan(25, 9) + timedelta(
        days=7
    )
    # Restarted on Friday at 10:00: Friday's run was missed an hour ago, so it runs now.
    friday_10am = yerevan(29, 10)
    assert first_run(WEEKDAYS, last_thursday, friday_10am, DELAY).at == friday_10am + DELAY
    # A run already done since the last fire time is not repeated.
    ran_friday = yerevan(29, 9) + timedelta(seconds=2)
    assert first_run(WEEKDAYS, ran_friday, friday_10am, DELAY).at == yerevan(25, 9) + timedelta(
        days=7
    )


def test_the_grace_of_a_cron_job_is_the_same_whatever_day_it_is_computed():
    for day in range(25, 32):  # Monday 25 to Sunday 31 March
        assert misfire_grace_seconds(WEEKDAYS, yerevan(day, 8)) == 12 * 3600
    assert nominal_interval(Job(id="twice", cron="0 9,10 * * *"), NOW) == timedelta(hours=1)
    explicit = Job(id="w", cron="0 9 * * MON-FRI", misfire_grace=timedelta(days=3))
    assert first_run(explicit, None, yerevan(30, 8), DELAY).at == yerevan(30, 8) + DELAY
