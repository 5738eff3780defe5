"""``newsmon serve``: a real server over a small database with known stories, read through its JSON API."""

from __future__ import annotations

import hashlib
import json
import socket
import urllib.parse

import feedparser
import pytest

from tests.conftest import run_newsmon
from tests.serve_helpers import (
    BLOCKADE,
    PEACEKEEPERS,
    build_fixture_db,
    get,
    get_json,
    serving,
)

pytestmark = pytest.mark.slow


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_fixture_db(tmp_path_factory.mktemp("serve") / "collection.db")
    before = {p.name: _digest(p) for p in db.parent.iterdir()}
    with serving(db) as base:
        yield base
    # Nothing the tests asked for changed a byte of the database.
    assert {p.name: _digest(p) for p in db.parent.iterdir() if p.name in before} == before


def rows(base: str, query: str, **params) -> list[dict]:
    params["_shape"] = "array"
    return get_json(f"{base}/newsmon/{query}.json?{urllib.parse.urlencode(params)}")


# --- metadata --------------------------------------------------------------------------


def test_internal_tables_are_hidden_and_readers_tables_described(server):
    tables = {t["name"]: t for t in get_json(f"{server}/newsmon.json")["tables"]}
    for internal in ("story_bands", "story_paragraphs", "http_validators", "_sqlite_migrations"):
        assert tables[internal]["hidden"], internal
    assert all(t["hidden"] for name, t in tables.items() if name.startswith("articles_fts"))
    assert not tables["articles"]["hidden"] and not tables["article_versions"]["hidden"]
    status, _, page = get(f"{server}/newsmon/articles")
    assert status == 200
    assert "Copies of one story across outlets share story_id" in page
    assert "Publication time, ISO 8601 UTC" in page  # a column's description
    assert "story_bands" not in get(f"{server}/newsmon")[2]


def test_facets_by_source_language_and_topic(server):
    data = get_json(f"{server}/newsmon/articles.json")
    facets = data["facet_results"]
    counts = {
        name: {row["value"]: row["count"] for row in facets[name]["results"]}
        for name in ("source", "language", "topics")
    }
    assert counts["source"] == {"asbarez": 2, "news-am": 2, "apa": 1, "tass": 1}
    assert counts["language"] == {"en": 2, "hy": 2, "az": 1, "ru": 1}
    # topics is a JSON list: faceted by its items, not by the whole list.
    assert counts["topics"] == {BLOCKADE: 4, PEACEKEEPERS: 2}


# --- canned queries ----------------------------------------------------------------------


def test_relevant_stories_one_row_per_story_newest_first(server):
    stories = rows(server, "relevant_stories")
    assert [s["story_id"] for s in stories] == [6, 4, 1]
    first = stories[2]
    assert first["title"] == "Lachin corridor blocked again (updated)"
    # Outlets in order of publication: apa published first though stored last.
    assert json.loads(first["outlets"]) == ["apa", "asbarez", "news-am"]
    assert (first["outlet_count"], first["language_count"]) == (3, 3)
    assert json.loads(first["languages"]) == ["az", "en", "hy"]
    assert first["first_seen"] == "2023-04-30T20:00:00+00:00"
    assert first["last_seen"] == "2023-05-01T10:00:00+00:00"
    assert [a["url"] for a in json.loads(first["articles"])] == [
        "https://apa.example/news/3",
        "https://asbarez.example/news/1",
        "https://news-am.example/news/2",
    ]
    # An article without a publication date is dated by when it was first seen.
    assert stories[0]["first_seen"] == "2023-05-03T07:00:00+00:00"
    assert json.loads(stories[0]["topics"]) == [BLOCKADE, PEACEKEEPERS]


def test_relevant_stories_by_topic_and_dates(server):
    assert [s["story_id"] for s in rows(server, "relevant_stories", topic=PEACEKEEPERS)] == [6, 4]
    assert [s["story_id"] for s in rows(server, "relevant_stories", topic=BLOCKADE)] == [6, 1]
    assert [
        s["story_id"]
        for s in rows(server, "relevant_stories", since="2023-05-02", until="2023-05-02")
    ] == [4]
    # until is inclusive, and a story seen in the period comes with all its copies.
    (story,) = rows(server, "relevant_stories", until="2023-05-01")
    assert story["story_id"] == 1 and story["outlet_count"] == 3
    assert rows(server, "relevant_stories", topic="no-such-topic") == []
    assert [s["story_id"] for s in rows(server, "relevant_stories", limit=1)] == [6]


def test_stories_every_story_newest_first(server):
    stories = rows(server, "stories")
    assert [s["story_id"] for s in stories] == [6, 5, 4, 1]
    assert [s["outlet_count"] for s in stories] == [1, 1, 1, 3]
    assert json.loads(stories[3]["outlets"]) == ["apa", "asbarez", "news-am"]
    assert [s["story_id"] for s in rows(server, "stories", since="2023-05-02")] == [6, 5, 4]
    assert [s["story_id"] for s in rows(server, "stories", until="2023-05-01")] == [1]


def test_coverage_daily_by_outlet_language_and_all(server):
    coverage = rows(server, "coverage_daily", topic=BLOCKADE)
    table = {
        (r["day"], r["dimension"], r["value"]): (r["articles"], r["relevant"]) for r in coverage
    }
    assert table[("2023-04-30", "outlet", "apa")] == (1, 1)
    assert table[("2023-05-01", "outlet", "asbarez")] == (1, 1)
    assert table[("2023-05-02", "outlet", "tass")] == (1, 0)  # relevant, to the other topic
    assert table[("2023-05-02", "language", "en")] == (1, 0)
    assert table[("2023-05-03", "language", "hy")] == (1, 1)
    assert {k[0]: v for k, v in table.items() if k[1] == "all"} == {
        "2023-04-30": (1, 1),
        "2023-05-01": (2, 2),
        "2023-05-02": (2, 0),
        "2023-05-03": (1, 1),
    }
    share = {r["day"]: r["share"] for r in coverage if r["dimension"] == "all"}
    assert share["2023-05-02"] == 0 and share["2023-05-01"] == 1
    any_topic = rows(server, "coverage_daily", since="2023-05-02", until="2023-05-02")
    assert {(r["dimension"], r["value"], r["relevant"]) for r in any_topic} == {
        ("all", "all", 1),
        ("outlet", "asbarez", 0),
        ("outlet", "tass", 1),
        ("language", "en", 0),
        ("language", "ru", 1),
    }


def test_article_versions_earlier_texts(server):
    (version,) = rows(server, "article_versions", article_id=1)
    assert version["title"] == "Lachin corridor blocked again"
    assert version["current_title"] == "Lachin corridor blocked again (updated)"
    assert version["replaced_at"] == "2023-05-01T12:00:00+00:00"
    assert rows(server, "article_versions", article_id=2) == []


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "ids"),
    [
        ("Nagorno-Karabakh", {1, 2}),  # a hyphen: the index split the word
        ("it's", {1}),  # an apostrophe
        ("Lacin*", {1, 2, 3}),  # Laçın, with its dotless ı, found from plain ASCII
        ("LAÇIN", {1, 2, 3}),
        ("Xankendi", {3}),  # ə written e
        ('"Hakari bridge" OR Степанакерт', {4, 6}),  # a phrase, an operator, Cyrillic
        ("corridor NOT Hakari", {1}),
        ("(Lachin", {1, 6}),  # an unbalanced bracket is closed, not an error
    ],
)
def test_search_takes_words_as_people_type_them(server, typed, ids):
    found = rows(server, "articles", _search=typed)
    assert {row["id"] for row in found} == ids


# --- read-only --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "update articles set title = 'x'",
        "delete from articles",
        "insert into articles (id) values (99)",
        "pragma journal_mode = delete",
    ],
)
def test_no_write_reaches_the_database(server, sql):
    status, _, _ = get(f"{server}/newsmon.json?{urllib.parse.urlencode({'sql': sql})}")
    assert status >= 400
    assert len(rows(server, "articles", _search="corridor")) >= 1


# --- the Atom feed ------------------------------------------------------------------------


def test_topic_feed_one_entry_per_story_with_every_copy(server):
    status, content_type, text = get(f"{server}/-/feeds/{BLOCKADE}.atom")
    assert status == 200 and content_type.startswith("application/atom+xml")
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == f"newsmon: {BLOCKADE}"
    assert feed.feed.updated_parsed[:3] == (2023, 5, 3)
    assert [entry.title for entry in feed.entries] == [
        "Peacekeepers at the Hakari bridge",
        "Lachin corridor blocked again (updated)",
    ]
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == 2 and all(i.startswith("http://127.0.0.1:") for i in ids)
    story = feed.entries[1]
    assert story.updated_parsed[:4] == (2023, 5, 1, 10)
    assert story.published_parsed[:4] == (2023, 4, 30, 20)
    assert [link.href for link in story.links] == [
        "https://apa.example/news/3",
        "https://asbarez.example/news/1",
        "https://news-am.example/news/2",
    ]
    assert story.link == "https://apa.example/news/3"  # the first to publish is the alternate
    assert "news-am.example/news/2" in story.content[0].value
    # The same request gives the same ids (feed readers recognise entries they have seen).
    assert [
        e.id for e in feedparser.parse(get(f"{server}/-/feeds/{BLOCKADE}.atom")[2]).entries
    ] == ids


def test_feed_of_each_topic_and_unknown_topic(server):
    feed = feedparser.parse(get(f"{server}/-/feeds/{PEACEKEEPERS}.atom")[2])
    assert [e.title for e in feed.entries] == [
        "Peacekeepers at the Hakari bridge",
        "Миротворцы в Карабахе",
    ]
    status, _, text = get(f"{server}/-/feeds/no-such-topic.atom")
    assert status == 404 and BLOCKADE in text


def test_coverage_dashboard_page(server):
    status, _, page = get(f"{server}/-/dashboards/coverage?topic={BLOCKADE}")
    assert status == 200
    assert "vega-lite.min.js" in page and "Relevant articles per day, by outlet" in page
    assert "cdn." not in page and "https://unpkg" not in page


# --- user errors -------------------------------------------------------------------------------


def _one_line_error(result) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsmon: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_missing_database_is_one_line(tmp_path):
    line = _one_line_error(run_newsmon("serve", "--db", str(tmp_path / "none.db")))
    assert "no such database" in line
    assert not (tmp_path / "none.db").exists()


def test_port_in_use_is_one_line(tmp_path):
    db = build_fixture_db(tmp_path / "c.db")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_line_error(run_newsmon("serve", "--db", str(db), "--port", str(port)))
    assert str(port) in line


def test_bad_host_is_one_line(tmp_path):
    db = build_fixture_db(tmp_path / "c.db")
    line = _one_line_error(run_newsmon("serve", "--db", str(db), "--host", "no-such-host.invalid"))
    assert "--host no-such-host.invalid" in line


def test_not_a_database_is_one_line(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are not the tables you are looking for\n" * 100)
    line = _one_line_error(run_newsmon("serve", "--db", str(bogus), "--port", "0"))
    assert "notes.db: not a SQLite database" in line


def test_a_copy_in_a_read_only_directory_is_served_immutable(tmp_path, monkeypatch):
    import asyncio

    from crawler import serve

    db = build_fixture_db(tmp_path / "handed-over.db")
    assert serve.read_only_mode(db) == "ro"
    # As the analyst's account sees it (root, running the tests, may write anywhere).
    monkeypatch.setattr(serve.os, "access", lambda path, mode: False)
    assert serve.read_only_mode(db) == "immutable"
    ds = serve.make_datasette(db, topics=[BLOCKADE, PEACEKEEPERS])
    assert not ds.get_database("newsmon").is_mutable

    async def stories():
        await ds.invoke_startup()
        response = await ds.client.get("/newsmon/relevant_stories.json?_shape=array")
        return [row["story_id"] for row in response.json()]

    assert asyncio.run(stories()) == [6, 4, 1]


def test_a_count_that_takes_too_long_leaves_the_page_without_its_total(tmp_path, monkeypatch):
    import asyncio
    import concurrent.futures
    import contextlib

    import datasette.database

    from crawler import serve

    db = build_fixture_db(tmp_path / "big.db")
    # The counts' own limit is recognised by its value: under it every
    # statement is interrupted at once, as a count of 1M rows would be.
    monkeypatch.setattr(serve, "COUNT_TIME_LIMIT_MS", 7)
    real_timelimit = datasette.database.sqlite_timelimit
    limits = []

    @contextlib.contextmanager
    def timelimit(conn, ms):
        limits.append(ms)
        if ms != 7:
            with real_timelimit(conn, ms):
                yield
            return
        conn.set_progress_handler(lambda: 1, 1)
        try:
            yield
        finally:
            conn.set_progress_handler(None, 1)

    monkeypatch.setattr(datasette.database, "sqlite_timelimit", timelimit)
    ds = serve.make_datasette(db, topics=[BLOCKADE, PEACEKEEPERS])
    # One connection: the page's rows query opens the search index on it
    # before the count (interrupted that early, its opening fails otherwise).
    ds.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    async def pages():
        await ds.invoke_startup()
        table = await ds.client.get("/newsmon/articles.json?_shape=objects")
        search = await ds.client.get("/newsmon/articles.json?_search=Lacin*&_shape=objects")
        html = await ds.client.get("/newsmon/articles?_search=Lacin*")
        own = await ds.client.get(
            "/newsmon.json?" + urllib.parse.urlencode({"sql": "select count(*) from articles"})
        )
        return table.json(), search.json(), html, own.json()

    table, search, html, own = asyncio.run(pages())
    assert 7 in limits
    assert table["filtered_table_rows_count"] is None
    assert sorted(row["id"] for row in table["rows"]) == [1, 2, 3, 4, 5, 6]
    # Grouping a set that could not be counted in time is not attempted either,
    # but for the topics: counted through article_topics, they do not grow with it.
    assert list(table["facet_results"]) == ["topics"]
    # The search box still finds Laçın from plain ASCII; only the total is gone.
    assert search["filtered_table_rows_count"] is None
    assert {row["id"] for row in search["rows"]} == {1, 2, 3}
    assert html.status_code == 200 and "Laçın yolu" in html.text
    assert "These facets timed out: source, language" in html.text
    assert "These facets timed out: source, language, topics" not in html.text
    # A reader's own count is no table page: it runs under sql_time_limit_ms.
    assert own["rows"] == [[6]]


def _pages(db, paths: list[str]) -> list:
    import asyncio

    from crawler import serve

    ds = serve.make_datasette(db, topics=[BLOCKADE, PEACEKEEPERS])

    async def pages():
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(pages())


def _topic_counts(response) -> dict[str, int]:
    return {r["value"]: r["count"] for r in response.json()["facet_results"]["topics"]["results"]}


def test_the_topics_facet_and_filter_read_article_topics_over_any_set(tmp_path, monkeypatch):
    from crawler.serve import plugin

    db = build_fixture_db(tmp_path / "big.db")
    # As if the table were too big to unnest every article's list in time.
    monkeypatch.setattr(plugin, "LIST_FACET_MAX_ROWS", 3)
    whole, page, by_source, by_topic, both, search, topic_and_more = _pages(
        db,
        [
            "/newsmon/articles.json",
            "/newsmon/articles",
            "/newsmon/articles.json?source=news-am",
            f"/newsmon/articles.json?_shape=objects&topics__arraycontains={PEACEKEEPERS}",
            f"/newsmon/articles.json?_shape=objects&topics__arraycontains={PEACEKEEPERS}"
            f"&topics__arraycontains={BLOCKADE}",
            "/newsmon/articles.json?_search=Lacin*",
            f"/newsmon/articles.json?topics__arraycontains={BLOCKADE}&_search=Lacin*&source=apa",
        ],
    )
    assert _topic_counts(whole) == {BLOCKADE: 4, PEACEKEEPERS: 2}
    assert "These facets timed out" not in page.text and "russian-peacekeepers" in page.text
    assert _topic_counts(by_source) == {BLOCKADE: 2, PEACEKEEPERS: 1}
    assert _topic_counts(search) == {BLOCKADE: 3}
    # A topic chosen in the facet filters through article_topics, and shows as selected.
    data = by_topic.json()
    assert sorted(row["id"] for row in data["rows"]) == [4, 6]
    assert "article_topics" in data["query"]["sql"]
    assert _topic_counts(by_topic) == {PEACEKEEPERS: 2, BLOCKADE: 1}
    shown = {r["value"]: r for r in data["facet_results"]["topics"]["results"]}
    assert shown[PEACEKEEPERS]["selected"] and not shown[BLOCKADE]["selected"]
    assert "topics__arraycontains" not in shown[PEACEKEEPERS]["toggle_url"]
    assert f"topics__arraycontains={BLOCKADE}" in shown[BLOCKADE]["toggle_url"]
    assert [row["id"] for row in both.json()["rows"]] == [6]
    assert _topic_counts(both) == {BLOCKADE: 1, PEACEKEEPERS: 1}
    # A topic's page counts within article_topics; a topic and other filters, on the rows.
    assert _topic_counts(topic_and_more) == {BLOCKADE: 1}


def test_a_copy_made_before_article_topics_unnests_the_lists_where_it_can(tmp_path, monkeypatch):
    import sqlite3

    from crawler.serve import plugin

    db = build_fixture_db(tmp_path / "old.db")
    conn = sqlite3.connect(db)
    with conn:  # what a copy from before migration m071 lacks
        for trigger in ("article_topics_ai", "article_topics_au", "article_topics_ad"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE article_topics")
    conn.close()
    monkeypatch.setattr(plugin, "LIST_FACET_MAX_ROWS", 3)
    whole, page, filtered, by_topic = _pages(
        db,
        [
            "/newsmon/articles.json",
            "/newsmon/articles",
            "/newsmon/articles.json?source=asbarez",
            f"/newsmon/articles.json?_shape=objects&topics__arraycontains={PEACEKEEPERS}",
        ],
    )
    assert sorted(whole.json()["facet_results"]) == ["language", "source"]
    assert "These facets timed out: topics" in page.text
    # Over a set it can unnest in time, topics are counted item by item.
    assert _topic_counts(filtered) == {BLOCKADE: 1}
    assert sorted(row["id"] for row in by_topic.json()["rows"]) == [4, 6]


def test_serving_connections_read_the_file_through_a_memory_map(tmp_path):
    import asyncio

    from crawler import serve

    ds = serve.make_datasette(build_fixture_db(tmp_path / "c.db"), topics=[BLOCKADE])

    async def mapped() -> int:
        await ds.invoke_startup()
        db = ds.get_database("newsmon")
        return await db.execute_fn(lambda conn: conn.execute("PRAGMA mmap_size").fetchone()[0])

    # SQLite's default is 0 (no map); builds cap the size just under 2 GiB.
    assert asyncio.run(mapped()) >= 2**30
