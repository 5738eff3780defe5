"""Relevance pipeline: fields set on items, stats, the topics file from settings."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.config import ConfigError
from crawler.items import ArticleItem
from pipelines.relevance import RelevancePipeline

RELEVANT = ArticleItem(
    url="https://news.example/a/1",
    source="news",
    title="Lachin corridor blocked for a thirtieth day",
    body=(
        "STEPANAKERT — The Lachin corridor remained blocked on Wednesday.\n\n"
        "Russian peacekeepers stood by the protesters' tents near Shushi. The peacekeepers did not intervene."
    ),
)
GAZA = ArticleItem(
    url="https://news.example/a/2",
    source="news",
    title="Gaza hospitals run out of fuel as blockade tightens",
    body="The blockade of Gaza entered its second month.\n\nPeacekeepers in Lebanon reported fire.",
)


def pipeline(**settings) -> tuple[RelevancePipeline, object]:
    crawler = get_crawler(settings_dict=settings)
    return RelevancePipeline.from_crawler(crawler), crawler


def test_relevant_item_gets_topics_terms_score_and_stats():
    pipe, crawler = pipeline()
    item = pipe.process_item(ArticleItem(**vars(RELEVANT)))
    assert item.relevant is True
    assert item.topics == ["karabakh-blockade", "russian-peacekeepers"]
    assert "Lachin corridor" in item.topic_terms["karabakh-blockade"]
    assert "peacekeepers" in item.topic_terms["russian-peacekeepers"]
    assert item.relevance_score >= 2
    stats = crawler.stats
    assert stats.get_value("relevance/scored") == 1 and stats.get_value("relevance/relevant") == 1
    assert stats.get_value("relevance/topic/karabakh-blockade") == 1
    assert stats.get_value("relevance/topic/russian-peacekeepers") == 1


def test_irrelevant_item_passes_through_unmarked():
    pipe, crawler = pipeline()
    item = pipe.process_item(ArticleItem(**vars(GAZA)))
    assert (
        item.relevant is False
        and item.topics == []
        and item.topic_terms == {}
        and item.relevance_score == 0
    )
    assert crawler.stats.get_value("relevance/scored") == 1
    assert crawler.stats.get_value("relevance/relevant") is None


def test_feed_title_is_used_when_the_page_has_none():
    pipe, _ = pipeline()
    item = ArticleItem(
        url="https://x.example/1",
        source="x",
        title=None,
        feed_title="Karabakh blockade: day 100",
        body="Text.\n\nMore.",
    )
    assert pipe.process_item(item).topics == ["karabakh-blockade"]


def test_topics_file_comes_from_settings(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nname = "gaza"\nanchors = ["Gaza"]\nterms = ["blockade*"]\n', encoding="utf-8"
    )
    pipe, _ = pipeline(NEWSMON_TOPICS_FILE=str(path))
    assert pipe.process_item(ArticleItem(**vars(GAZA))).topics == ["gaza"]
    assert pipe.process_item(ArticleItem(**vars(RELEVANT))).topics == []


def test_bad_topics_file_fails_at_construction(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["ok", "x*y"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"topic 't': field 'terms'"):
        pipeline(NEWSMON_TOPICS_FILE=str(path))


def test_the_publication_date_keeps_a_topic_to_its_period():
    pipe, _ = pipeline()
    before = pipe.process_item(
        ArticleItem(**{**vars(RELEVANT), "published_at": "2021-05-03T08:00:00+00:00"})
    )
    during = pipe.process_item(
        ArticleItem(**{**vars(RELEVANT), "published_at": "2023-01-10T08:00:00+00:00"})
    )
    # The peacekeepers were there in 2021; the blockade began in December 2022.
    assert before.topics == ["russian-peacekeepers"]
    assert during.topics == ["karabakh-blockade", "russian-peacekeepers"]
