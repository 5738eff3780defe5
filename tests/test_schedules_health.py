"""Source health judged over time against the outlet's own rate: the rule as a pure function."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from schedules.health import HealthRule, judge_health, run_failed, span, usual_gap
from schedules.history import Run

NOW = datetime(2024, 3, 30, 22, 30, tzinfo=UTC)  # 02:30 the next day in Yerevan
SECOND = timedelta(seconds=1)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


# Every test with the process's local zone away from UTC (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("local_zone")


def run(ago: timedelta, status: str = "ok", message: str | None = None, **counts) -> Run:
    started = NOW - ago
    return Run(id=0, started_at=started.isoformat(), finished_at=(started + MIN).isoformat(),
               trigger="schedule",
               job_id="feeds", sources=["s"], status=status, pid=None, message=message,
               counts={"pages_fetched": 1, "errors": 0, "articles_new": 0, **counts})  # fmt: skip


def every_15_minutes(length: timedelta, **kwargs) -> list[Run]:
    """Runs of the default feeds job over the last ``length``, newest first."""
    return [run(i * 15 * MIN, **kwargs) for i in range(int(length / (15 * MIN)))]


def steady(gap: timedelta, until: datetime, days: int = 30) -> list[datetime]:
    """Article times every ``gap`` for ``days`` days up to ``until``."""
    return [until - i * gap for i in range(int(days * DAY / gap))]


def test_a_quiet_afternoon_or_an_unchanged_feed_is_not_unhealthy():
    # Publishes about hourly; quiet for 2½ hours, its feed answering 304 at every run.
    articles = steady(HOUR, NOW - 150 * MIN)
    health = judge_health(articles, every_15_minutes(DAY), NOW)
    assert health.state == "ok" and health.reasons == ()
    assert health.usual_gap == HOUR


def test_a_source_quiet_for_many_times_its_usual_gap_is_unhealthy_and_says_why():
    articles = steady(4 * HOUR, NOW - 3 * DAY)
    health = judge_health(articles, every_15_minutes(3 * DAY), NOW)
    assert health.state == "unhealthy"
    assert health.reasons == ("no new article for 3d, usually every 4h",)
    # The same silence is fine for a weekly outlet.
    weekly = steady(7 * DAY, NOW - 3 * DAY, days=60)
    assert judge_health(weekly, every_15_minutes(3 * DAY), NOW).reasons == ()


def test_quiet_time_is_measured_up_to_the_last_run_not_to_now():
    # Nobody crawled for 3 days (the daemon was stopped): nothing says the outlet went quiet.
    articles = steady(4 * HOUR, NOW - 3 * DAY - HOUR)
    history = [run(3 * DAY + i * 15 * MIN) for i in range(8)]
    assert judge_health(articles, history, NOW).state == "ok"


def test_articles_published_together_do_not_make_a_daily_outlet_look_busy():
    # Ten articles at 08:00 each day: the usual gap is a day, not seconds.
    mornings = [NOW.replace(hour=8) - d * DAY for d in range(30)]
    bursts = [m + i * 10 * SECOND for m in mornings for i in range(10)]
    assert usual_gap(bursts) == DAY - 90 * SECOND
    history = every_15_minutes(DAY)
    assert judge_health(bursts, history, NOW).state == "ok"  # 14h since this morning's batch
    later = NOW + 4 * DAY
    late_history = [run(-4 * DAY + i * 15 * MIN) for i in range(4)]
    health = judge_health(bursts, late_history, later)
    assert health.reasons == ("no new article for 4d, usually every 1d",)


def test_one_long_outage_in_the_window_does_not_make_the_outlet_look_slow():
    before = steady(4 * HOUR, NOW - 10 * DAY, days=20)
    after = steady(4 * HOUR, NOW - 2 * DAY, days=3)
    assert usual_gap(before + after) == 4 * HOUR
    assert judge_health(before + after, every_15_minutes(DAY), NOW).reasons == (
        "no new article for 2d, usually every 4h",
    )


def test_a_busy_outlet_gets_the_floor_not_four_times_fifteen_minutes():
    articles = steady(15 * MIN, NOW - 5 * HOUR, days=5)
    assert judge_health(articles, every_15_minutes(DAY), NOW).state == "ok"
    quiet = steady(15 * MIN, NOW - 13 * HOUR, days=5)
    assert judge_health(quiet, every_15_minutes(DAY), NOW).reasons == (
        "no new article for 13h, usually every 15m",
    )


def test_a_new_outlet_is_judged_against_the_default_gap():
    few = [NOW - 2 * DAY, NOW - 3 * DAY]
    assert judge_health(few, every_15_minutes(2 * DAY), NOW).state == "ok"
    old = [NOW - 5 * DAY, NOW - 6 * DAY]
    assert judge_health(old, every_15_minutes(DAY), NOW).reasons == (
        "no new article for 5d (too few articles to know its usual gap; assumed 1d)",
    )
    # Never any article: counted from its first crawl.
    assert judge_health([], every_15_minutes(DAY), NOW, first_crawl=NOW - DAY).state == "ok"
    assert judge_health([], every_15_minutes(DAY), NOW, first_crawl=NOW - 5 * DAY).reasons == (
        "no article in 5d of crawling",
    )
    # An article older than the window still counts as its last one.
    assert judge_health([], every_15_minutes(DAY), NOW, last_article=NOW - 60 * DAY).reasons == (
        "no new article for 60d (too few articles to know its usual gap; assumed 1d)",
    )


def test_errors_for_hours_make_a_source_unhealthy_and_say_what_failed():
    articles = steady(HOUR, NOW - 30 * MIN)
    failing = every_15_minutes(7 * HOUR, status="unreachable", pages_fetched=0, errors=3)
    history = failing + every_15_minutes(DAY)[28:]
    health = judge_health(articles, history, NOW)
    assert health.reasons == ("errors for 6h: no page could be fetched",)
    assert health.failing_since == NOW - 27 * 15 * MIN
    # Shorter than 6 hours, or broken by one good run: not yet.
    assert judge_health(articles, failing[:20] + every_15_minutes(DAY), NOW).state == "ok"
    broken = failing[:10] + [run(10 * 15 * MIN)] + failing[11:]
    assert judge_health(articles, broken, NOW).state == "ok"


def test_what_failed_comes_from_the_run():
    articles = steady(HOUR, NOW - 30 * MIN)
    timeouts = [run(i * 2 * HOUR, "timeout", "exceeded its 30m timeout; stopped gracefully (SIGINT)")
                for i in range(5)]  # fmt: skip
    assert judge_health(articles, timeouts, NOW).reasons == (
        "errors for 8h: timeout: exceeded its 30m timeout",
    )
    dns = every_15_minutes(8 * HOUR, status="error", pages_fetched=0, errors=2)
    assert judge_health(articles, dns, NOW).reasons == ("errors for 7h: all 2 request(s) failed",)
    # The crawl's errors by kind, from the run's message: this source's when it was alone.
    told = "errors: DNS lookup failed ×2"
    alone = every_15_minutes(8 * HOUR, status="error", message=told, pages_fetched=0, errors=2)
    assert judge_health(articles, alone, NOW).reasons == ("errors for 7h: DNS lookup failed ×2",)
    shared = [replace(r, sources=["s", "t"]) for r in alone]
    assert judge_health(articles, shared, NOW).reasons == (
        "errors for 7h: all 2 request(s) failed (in the run: DNS lookup failed ×2)",
    )
    offline = every_15_minutes(8 * HOUR, status="unreachable", message=told, pages_fetched=0)
    assert judge_health(articles, offline, NOW).reasons == (
        "errors for 7h: no page could be fetched: DNS lookup failed ×2",
    )


def test_what_counts_as_a_failed_run():
    assert not run_failed(run(HOUR))  # a 304
    assert not run_failed(run(HOUR, pages_fetched=12, errors=1))  # one dead link among many pages
    assert run_failed(run(HOUR, pages_fetched=1, errors=1))  # the feed itself answered 404
    assert run_failed(run(HOUR, "error", pages_fetched=0, errors=4))  # DNS, refused connections
    assert run_failed(run(HOUR, "crashed"))


def test_runs_an_operator_stopped_are_neither_failures_nor_successes():
    articles = steady(HOUR, NOW - 30 * MIN)
    failing = every_15_minutes(7 * HOUR, status="unreachable", pages_fetched=0, errors=3)
    history = [run(0 * MIN, "interrupted"), *failing[1:]]
    assert judge_health(articles, history, NOW).reasons[0].startswith("errors for 6h")


def test_a_source_never_crawled_is_not_judged():
    health = judge_health([NOW - 90 * DAY], [], NOW)
    assert health.state == "unknown" and health.reasons == ()


def test_a_longer_window_measures_the_rate_over_more_articles():
    # Weekly for months, then nothing for 12 days: the 30-day window holds only 1 article.
    articles = steady(7 * DAY, NOW - 12 * DAY, days=120)
    short = judge_health(articles, every_15_minutes(DAY), NOW)
    assert "too few articles" in short.reasons[0]
    long = judge_health(articles, every_15_minutes(DAY), NOW, rule=HealthRule(window=120 * DAY))
    assert long.state == "ok" and long.usual_gap == 7 * DAY


def test_span():
    assert [span(x) for x in (40 * SECOND, 25 * MIN, 4 * HOUR, 3 * DAY, DAY - MIN)] == [
        "40s", "25m", "4h", "3d", "23h",
    ]  # fmt: skip
    assert [span(x, nearest=True) for x in (DAY - 2 * MIN, 150 * MIN, 100 * SECOND)] == [
        "1d", "3h", "2m",
    ]  # fmt: skip
