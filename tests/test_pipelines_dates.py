"""Dates pipeline: page and feed dates weighed by strength, implausible dates rejected and counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.extraction import extract_article
from crawler.items import ArticleItem
from pipelines.dates import DatesPipeline, choose_published
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


# --- page evidence weighed against the feed / sitemap / API date ---------------------

PAGES = Path(__file__).parent / "data" / "dates" / "pages"
FEED_DATE = "Thu, 12 Jan 2023 14:05:00 +0400"


def _extracted_item(page: str, **fields) -> ArticleItem:
    """An item as the spider builds it from a golden page and its feed entry."""
    article = extract_article((PAGES / f"{page}.html").read_bytes(), "https://example.org/news/a")
    return make_item(
        published_raw=article.published_raw,
        published_kind=article.published_kind,
        date_languages=["en"],
        **fields,
    )


def test_copyright_year_gives_way_to_the_feed_date():
    pipeline, stats = make_pipeline()
    item = _extracted_item(
        "copyright-year-only", feed_published_raw=FEED_DATE, discovered_via="feed"
    )
    assert item.published_kind == "year"
    item = pipeline.process_item(item)
    assert (item.published_at, item.date_source) == ("2023-01-12T10:05:00+00:00", "feed")
    assert item.published_raw == "2021-01-01"  # the page's guess stays beside the stored date
    assert stats.get_value("dates/source/feed") == 1
    assert stats.get_value("dates/overruled") == 1


def test_date_in_the_text_gives_way_to_the_sitemap_date():
    pipeline, stats = make_pipeline()
    item = _extracted_item(
        "in-text-date", feed_published_raw="2023-01-12T10:05:00Z", discovered_via="sitemap"
    )
    assert (item.published_raw, item.published_kind) == ("9 November 2020", "text")
    item = pipeline.process_item(item)
    assert (item.published_at, item.date_source) == ("2023-01-12T10:05:00+00:00", "sitemap")
    assert stats.get_value("dates/source/sitemap") == 1


def test_weak_guess_kept_without_a_feed_date():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(_extracted_item("in-text-date"))
    assert (item.published_at, item.date_source) == ("2020-11-08T20:00:00+00:00", "text")
    assert stats.get_value("dates/source/text") == 1
    assert stats.get_value("dates/overruled") is None


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("2023-01-10T09:00:00+04:00", "structured"),
        ("2023-01-10T09:00:00+04:00", "meta"),
        ("10 января 2023, 09:00", "dateline"),
    ],
)
def test_strong_page_date_beats_the_feed_date(raw, kind):
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(
        make_item(
            published_raw=raw,
            published_kind=kind,
            feed_published_raw=FEED_DATE,
            discovered_via="feed",
        )
    )
    assert (item.published_at, item.date_source) == ("2023-01-10T05:00:00+00:00", kind)
    assert stats.get_value(f"dates/source/{kind}") == 1


@pytest.mark.parametrize(
    ("page_day", "expected"),
    [
        ("2023-01-12", ("2023-01-12T10:05:00+00:00", "feed")),
        # Another day: the page's, at midnight in the source's zone (Asia/Yerevan, UTC+4).
        ("2023-01-11", ("2023-01-10T20:00:00+00:00", "url")),
    ],
)
def test_feed_gives_its_clock_to_a_page_day_it_agrees_with(page_day, expected):
    pipeline, _ = make_pipeline()
    item = pipeline.process_item(
        make_item(
            published_raw=page_day,
            published_kind="url",
            feed_published_raw=FEED_DATE,
            discovered_via="feed",
        )
    )
    assert (item.published_at, item.date_source) == expected


def test_api_date_copied_onto_the_page_is_the_api_s():
    pipeline, stats = make_pipeline()
    item = pipeline.process_item(
        make_item(
            published_raw="2023-01-12T10:05:00",
            feed_published_raw="2023-01-12T10:05:00",
            published_kind="text",
            discovered_via="wordpress",
            timezone="UTC",
        )
    )
    assert (item.published_at, item.date_source) == ("2023-01-12T10:05:00+00:00", "wordpress")
    assert stats.get_value("dates/source/wordpress") == 1
    assert stats.get_value("dates/overruled") is None


@pytest.mark.parametrize(
    ("page", "feed", "expected"),
    [
        (None, None, (None, None)),
        ("text", None, ("page", "text")),
        ("text", "x", ("feed", "sitemap")),
        ("year", "x", ("feed", "sitemap")),
        ("htmldate", "x", ("feed", "sitemap")),
        ("far", "x", ("feed", "sitemap")),
        ("url", "x", ("page", "url")),
        (None, "x", ("feed", "sitemap")),
    ],
)
def test_choose_published_by_strength(page, feed, expected):
    page_value = datetime(2023, 1, 1, 9, tzinfo=UTC)
    feed_value = datetime(2023, 1, 5, 9, tzinfo=UTC)
    chosen, source = choose_published(
        page_value if page else None,
        page,
        "1 January 2023, 09:00" if page else None,
        feed_value if feed else None,
        "sitemap",
    )
    which = {page_value: "page", feed_value: "feed", None: None}[chosen]
    assert (which, source) == expected


@pytest.mark.parametrize(
    ("zone", "page_says", "expected"),
    [
        ("Asia/Yerevan", None, "2023-02-01"),  # the source's zone: day first
        ("America/New_York", None, "2023-01-02"),  # English in the United States: month first
        ("America/New_York", True, "2023-02-01"),  # the page's own country wins
        ("Asia/Yerevan", False, "2023-01-02"),
    ],
)
def test_numeric_dates_ordered_by_page_then_source_zone(zone, page_says, expected):
    pipeline, _ = make_pipeline()
    item = pipeline.process_item(
        make_item(
            published_raw="01/02/2023 12:00",
            date_languages=["en"],
            timezone=zone,
            numeric_day_first=page_says,
            fetched_at="2023-03-01T00:00:00+00:00",
        )
    )
    assert item.published_at[:10] == expected
