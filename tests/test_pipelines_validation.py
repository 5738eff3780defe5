"""Validation pipeline: items without URL, title or body are dropped and counted."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.validation import ValidationPipeline

BODY = "The Lachin corridor remained closed on Wednesday. " * 4


def make_pipeline():
    crawler = get_crawler(settings_dict={})
    return ValidationPipeline.from_crawler(crawler), crawler.stats


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (ArticleItem(url="", source="s", title="t", body=BODY), "no_url"),
        (ArticleItem(url="https://a.example/1", source="s", title=" ", body=BODY), "no_title"),
        (ArticleItem(url="https://a.example/1", source="s", title="t", body=None), "no_body"),
        (
            ArticleItem(url="https://a.example/1", source="s", title="t", body="Too short."),
            "short_body",
        ),
    ],
)
def test_dropped_with_reason(item, reason):
    pipeline, stats = make_pipeline()
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(item)
    assert stats.get_value(f"validation/dropped/{reason}") == 1
    assert stats.get_value("source/s/dropped") == 1


def test_feed_title_is_a_fallback():
    pipeline, stats = make_pipeline()
    item = ArticleItem(
        url="https://a.example/1", source="s", title=None, feed_title="From the feed", body=BODY
    )
    assert pipeline.process_item(item).title == "From the feed"
    assert stats.get_value("newsmon/dropped") is None
