"""Dates pipeline: page date, feed fallback, implausible dates rejected and counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.dates import DatesPipeline
from tests.timezones import machine_zone

FETCHED = "2023-01-12T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _new_york_machine():
    with machine_zone("America/New_York"):
        yield


def make_pipeline(**settings):
    crawler = get_crawler(settings_dict=settings)
    return DatesPipeline.from_crawler(crawler), crawler.stats


def make_item(**fields) -> ArticleItem:
    defaults = dict(
        url="https://example.org/a",
        source="s",
        timezone="Asia/Yerevan",
        date_languages=["hy", "ru"],
        fetched_at=FETCHED,
    )
    return ArticleItem(**{**defaults, **fields})


def test_page_date_in_the_source_zone():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(
        make_item(published_raw="12 января 2023, 14:05", modified_raw="2 ժամ առաջ")
    )
    assert item.published_at == "2023-01-12T10:05:00+00:00"
    assert item.modified_at == "2023-01-12T10:00:00+00:00"  # two hours before the fetch
    assert item.date_source == "page"
    assert item.published_raw == "12 января 2023, 14:05"
    assert stats.get_value("dates/source/page") == 1


def test_feed_date_is_the_fallback():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(
        make_item(published_raw=None, feed_published_raw="Thu, 12 Jan 2023 14:05:00 +0400")
    )
    assert item.published_at == "2023-01-12T10:05:00+00:00"
    assert item.date_source == "feed"
    assert item.published_raw == "Thu, 12 Jan 2023 14:05:00 +0400"
    assert stats.get_value("dates/source/feed") == 1


def test_feed_date_replaces_an_unreadable_page_date():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(
        make_item(published_raw="sometime", feed_published_raw="2023-01-12T10:05:00Z")
    )
    assert (item.published_at, item.date_source) == ("2023-01-12T10:05:00+00:00", "feed")
    assert item.published_raw == "sometime"  # what the page said stays beside the normalised value
    assert stats.get_value("dates/unparsed") == 1


def test_future_date_rejected_then_feed_used():
    pipeline, stats = make_pipeline(NEWSMON_MAX_FUTURE_SKEW_HOURS=24)
    item = pipeline.process_item(
        make_item(published_raw="2023-01-14T10:00:00Z", feed_published_raw="2023-01-12T09:00:00Z")
    )
    assert item.published_at == "2023-01-12T09:00:00+00:00"
    assert stats.get_value("dates/rejected/future") == 1


def test_skew_setting_is_read():
    pipeline, stats = make_pipeline(NEWSMON_MAX_FUTURE_SKEW_HOURS=72)
    item = pipeline.process_item(make_item(published_raw="2023-01-14T10:00:00Z"))
    assert item.published_at == "2023-01-14T10:00:00+00:00"
    assert stats.get_value("dates/rejected/future") is None


def test_too_old_and_missing():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(make_item(published_raw="1 January 1970"))
    assert item.published_at is None and item.date_source is None
    assert stats.get_value("dates/rejected/too_old") == 1
    assert stats.get_value("dates/missing") == 1


def test_modified_kept_apart_from_published():
    pipeline, _ = make_pipeline()
    item = pipeline.process_item(make_item(published_raw=None, modified_raw="2023-01-12T10:05:00Z"))
    assert item.published_at is None
    assert item.modified_at == "2023-01-12T10:05:00+00:00"


def test_relative_dates_count_from_the_fetch_time():
    pipeline, _ = make_pipeline()
    item = pipeline.process_item(
        make_item(
            published_raw="2 saat əvvəl",
            date_languages=["az"],
            fetched_at="2023-03-01T08:30:00+00:00",
        )
    )
    assert item.published_at == "2023-03-01T06:30:00+00:00"


def test_same_string_from_page_and_api_counted_once():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(make_item(published_raw="garbage", feed_published_raw="garbage"))
    assert item.published_at is None
    assert stats.get_value("dates/unparsed") == 1


def test_without_fetch_time_the_clock_is_used():
    crawler = get_crawler(settings_dict={})
    pipeline = DatesPipeline(
        crawler.stats,
        max_future=DatesPipeline.from_crawler(crawler).max_future,
        now=lambda: datetime(2023, 1, 12, 12, tzinfo=UTC),
    )
    item = pipeline.process_item(make_item(published_raw="вчера в 14:05", fetched_at=None))
    assert item.published_at == "2023-01-11T10:05:00+00:00"
