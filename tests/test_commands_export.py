"""``newsmon export``: every format parsed back the way its readers parse it."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.commands.export import export
from crawler.store import EXPORT_FIELDS, ArticleFilter, open_store
from pipelines.storage import store_articles
from tests.conftest import run_newsmon, stored
from tests.test_pipelines_storage import item

RU = (
    'Движение по Лачинскому коридору остаётся заблокированным, "миротворцы" ведут переговоры, а грузы ждут.\n'
    * 3
)
HY = "Լաչինի միջանցքը շարունակում է փակ մնալ, Ստեփանակերտում հացի, շաքարի և դեղերի պակաս կա։\n" * 3
EN = (
    "The chess team finished fourth at the European championship after a tense final round in Jermuk. "
    * 3
)


@pytest.fixture
def db_path(store_db):
    return stored(
        store_db,
        [
            item(1, RU, title='Лачин: "коридор", день 30', source="rusnews", language="ru",
                 authors=["Иван Петров", "Anna Smith"], published_at="2023-01-10T08:00:00+00:00"),
            item(2, RU, title="Лачин (копия)", source="ruwire", language="ru",
                 published_at="2023-01-11T08:00:00+00:00"),
            item(3, HY, title="Լաչինի միջանցք", source="armenpress", language="hy",
                 published_at="2023-01-12T08:00:00+00:00"),
            item(4, EN, title="Chess team fourth", source="sport", language="en", relevant=False,
                 topics=[], published_at="2023-01-13T08:00:00+00:00"),
        ],
    )  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(export, list(args), catch_exceptions=False)


def test_jsonl_is_one_article_per_line_with_lists(db_path):
    result = run("--format", "jsonl", "--db", str(db_path), "--relevant")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert all(list(r) == list(EXPORT_FIELDS) for r in rows)
    assert rows[0]["authors"] == ["Иван Петров", "Anna Smith"] and rows[0]["topics"] == [
        "karabakh-blockade"
    ]
    assert rows[1]["story_id"] == 1  # the copy is in the first article's story


def test_csv_opens_as_a_spreadsheet_reads_it(db_path, tmp_path):
    out = tmp_path / "x.csv"
    result = run("--format", "csv", "--db", str(db_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert b"\r\n" in raw  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    by_id = {r["id"]: r for r in rows}
    assert by_id["1"]["title"] == 'Лачин: "коридор", день 30'  # quotes and commas survive
    assert by_id["1"]["body"] == RU.strip()  # so do line breaks inside a field
    assert by_id["3"]["title"] == "Լաչինի միջանցք" and by_id["3"]["body"].startswith("Լաչինի")
    assert by_id["1"]["authors"] == "Иван Петров | Anna Smith"  # lists flattened readably
    assert by_id["4"]["topics"] == "" and by_id["4"]["relevant"] == "0"


def test_atom_is_one_entry_per_story_for_feed_readers(db_path, tmp_path):
    out = tmp_path / "feed.xml"
    result = run(
        "--format", "atom", "--db", str(db_path), "--topic", "karabakh-blockade", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    feed = feedparser.parse(out.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert titles == ["Լաչինի միջանցք", 'Лачин: "коридор", день 30']  # newest story first
    copies = [link.href for link in feed.entries[1].links]
    assert copies == ["https://news.example/a/1", "https://news.example/a/2"]  # every outlet's copy
    assert feed.entries[1].tags[0].term == "karabakh-blockade"
    assert len({e.id for e in feed.entries}) == 2


def test_sqlite_subset_is_a_database_of_its_own(db_path, tmp_path):
    out = tmp_path / "subset.db"
    result = run(
        "--format",
        "sqlite",
        "--db",
        str(db_path),
        "--source",
        "ruwire",
        "--source",
        "armenpress",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(out)
    assert set(db.table_names()) >= {
        "articles",
        "articles_fts",
        "article_versions",
        "story_bands",
        "crawl_runs",
    }
    rows = list(db["articles"].rows_where(order_by="id"))
    assert [(r["id"], r["source"]) for r in rows] == [(2, "ruwire"), (3, "armenpress")]
    # The story's first article (1) was left out: its first copy in the subset stands for it.
    assert rows[0]["story_id"] == 2
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [r["id"] for r in db["articles"].search("Лачинскому")] == [2]  # sqlite-utils' own search
    db.close()
    with open_store(out, read_only=True) as subset:
        assert [h.id for h in subset.search_stories("Լաչինի")] == [3]
    again = run("--format", "sqlite", "--db", str(db_path), "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_unknown_source_or_topic_is_one_line(db_path, tmp_path):
    for option in (("--source", "nope"), ("--topic", "nope")):
        result = run(
            "--format", "jsonl", "--db", str(db_path), *option, "--out", str(tmp_path / "o")
        )
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert f"{option[0]} 'nope'" in result.stderr
    assert not (tmp_path / "o").exists()
    assert run("--format", "sqlite", "--db", str(db_path)).exit_code == 2


def test_the_command_line_writes_utf8_to_a_pipe(db_path):
    result = run_newsmon("export", "--format", "jsonl", "--db", str(db_path), "--source", "armenpress",
                         env={"PYTHONIOENCODING": "ascii"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "Լաչինի միջանցք"


def _translated(text: dict, n: int):
    from crawler.fingerprint import content_hash
    from crawler.items import ArticleItem

    url = f"https://{text['source']}.example/{n}"
    body = "\n\n".join(line for line in text["body"].splitlines() if line.strip())
    return ArticleItem(
        url=url, url_key=url, request_url=url, source=text["source"], title=text["title"], body=body,
        content_hash=content_hash(None, body), language=text["language"],
        published_at=text["published"], fetched_at=text["published"],
    )  # fmt: skip


def _stories(db: str) -> list[tuple]:
    """``newsmon stories --json`` as the reader sees it, story ids aside (a subset renames them)."""
    result = run_newsmon("stories", "--db", db, "--since", "2023-01-01", "--json")
    assert result.returncode == 0, result.stderr
    return [
        (s["title"], s["first_seen"], s["outlets"], s["languages"], s["articles"])
        for s in map(json.loads, result.stdout.splitlines())
    ]


def test_sqlite_subset_keeps_the_translation_index(store_db, tmp_path):
    from benchmarks.quality_translations import load_texts

    texts = {(t["group"], t["language"]): t for t in load_texts()}
    hy, ru, en = (texts[("d06-salaries", language)] for language in ("hy", "ru", "en"))
    older = texts[("d01-az-mfa-road", "en")]  # 2022: left out of the subset
    with open_store(store_db) as store:
        for n, text in enumerate([hy, older, ru], 1):
            store_articles(store, [_translated(text, n)])
    out = tmp_path / "subset.db"
    result = run("--format", "sqlite", "--db", str(store_db), "--since", "2023-01-01", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(out)
    assert [r["article_id"] for r in db["translation_signatures"].rows] == [1, 3]
    assert {r["article_id"] for r in db["translation_keys"].rows} == {1, 3}
    (link,) = db["story_links"].rows
    assert (link["article_id"], link["linked_id"], link["story_id"]) == (3, 1, 1)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    assert _stories(str(out)) == _stories(str(store_db))
    # The translation that comes next joins the story in the subset as in the archive.
    for db_url in (store_db, out):
        with open_store(db_url) as store:
            store_articles(store, [_translated(en, 4)])
    (story,) = _stories(str(out))
    assert [a["url"] for a in story[4]] == [f"https://news-am.example/{n}" for n in (1, 4, 3)]
    assert _stories(str(out)) == _stories(str(store_db))
    # Search groups the copies alike, and Datasette serves the same story.
    hits = {}
    for db_url in (store_db, out):
        with open_store(db_url, read_only=True) as store:
            hits[db_url] = [
                (h.url, [c["url"] for c in h.also_in])
                for h in store.search_stories("Artsakh", ArticleFilter(since="2023-01-01"))
            ]
    assert hits[out] == hits[store_db] and len(hits[out]) == 1
    from crawler.serve import make_datasette

    ds = make_datasette(out)

    async def served():
        await ds.invoke_startup()
        return (await ds.client.get("/newsmon/stories.json?_shape=array&since=2023-01-01")).json()

    (served_story,) = asyncio.run(served())
    assert json.loads(served_story["outlets"]) == story[2]
    assert [a["url"] for a in json.loads(served_story["articles"])] == [a["url"] for a in story[4]]
