"""``newsmon stories``: one entry per story, newest first, with its outlets, languages and copies."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.commands.stories import stories
from crawler.store import ArticleFilter, open_store
from tests.conftest import stored
from tests.test_pipelines_storage import item

BLOCKADE = (
    "The Lachin corridor stayed closed for a third week, and Stepanakert shops rationed bread and sugar. "
    * 3
)
TALKS = (
    "Foreign ministers met in Brussels to discuss the peace treaty and the opening of transport links. "
    * 3
)
CHESS = (
    "The chess team finished fourth at the European championship after a tense final round in Jermuk. "
    * 3
)


@pytest.fixture
def db_path(store_db):
    return stored(
        store_db,
        [
            item(1, BLOCKADE, title="Corridor closed", source="armwire", language="en",
                 published_at="2023-01-10T08:00:00+00:00"),
            # A copy carried later by a Russian-language outlet, and one with no date.
            item(2, BLOCKADE, title="Corridor closed (copy)", source="rusnews", language="ru",
                 published_at="2023-01-11T08:00:00+00:00"),
            item(3, BLOCKADE, title="Corridor closed (undated)", source="azpress", language="az",
                 published_at=None),
            item(4, TALKS, title="Brussels talks", source="armwire", language="en",
                 topics=["peace-talks"], published_at="2023-02-01T08:00:00+00:00"),
            item(5, CHESS, title="Chess team fourth", source="sport", language="en", relevant=False,
                 topics=[], published_at="2023-03-01T08:00:00+00:00"),
        ],
    )  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(stories, list(args), catch_exceptions=False)


def test_json_has_exactly_the_documented_fields(db_path):
    result = run("--db", str(db_path), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(r) for r in rows] == [
        {"story_id", "title", "first_seen", "outlets", "languages", "articles"}
    ] * 3
    assert [r["title"] for r in rows] == ["Chess team fourth", "Brussels talks", "Corridor closed"]
    blockade = rows[2]
    assert blockade["story_id"] == 1 and blockade["first_seen"] == "2023-01-10T08:00:00+00:00"
    assert blockade["outlets"][:2] == ["armwire", "rusnews"]  # in order of publication
    assert set(blockade["outlets"]) == {"armwire", "rusnews", "azpress"}
    assert set(blockade["languages"]) == {"en", "ru", "az"}
    assert blockade["articles"][0] == {
        "url": "https://news.example/a/1",
        "source": "armwire",
        "published_at": "2023-01-10T08:00:00+00:00",
    }
    assert all(set(a) == {"url", "source", "published_at"} for a in blockade["articles"])


def test_topic_dates_and_limit(db_path):
    def titles(*args):
        result = run("--db", str(db_path), "--json", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["title"] for line in result.stdout.splitlines()]

    assert titles("--topic", "peace-talks") == ["Brussels talks"]
    assert titles("--relevant") == ["Brussels talks", "Corridor closed"]
    assert titles("--since", "2023-01-15", "--until", "2023-02-28") == ["Brussels talks"]
    assert titles("--until", "2023-01-10", "--source", "armwire", "--source", "rusnews") == [
        "Corridor closed"
    ]
    assert titles("--limit", "1") == ["Chess team fourth"]


def test_unknown_topic_is_one_line(db_path):
    result = run("--db", str(db_path), "--topic", "nope")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "--topic 'nope'" in result.stderr and "karabakh-blockade, peace-talks" in result.stderr


def test_text_output(db_path):
    result = run("--db", str(db_path), "--relevant")
    assert result.exit_code == 0, result.output
    assert "2023-01-10 08:00  Corridor closed" in result.stdout
    assert "3 copies in 3 outlet(s) (en, ru, az): armwire, rusnews, azpress" in result.stdout
    assert "2 stories" in result.stderr


def test_store_stories_carry_topics(db_path):
    with open_store(db_path, read_only=True) as store:
        (story,) = store.stories(ArticleFilter(topic="peace-talks"))
    assert story.topics == ["peace-talks"] and story.outlets == ["armwire"]
