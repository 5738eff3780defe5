"""``newsmon export``: every format parsed back the way its readers parse it."""

from __future__ import annotations

import csv
import io
import json

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.commands.export import export
from crawler.store import EXPORT_FIELDS, open_store
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
