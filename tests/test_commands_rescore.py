"""``newsmon rescore``: the real command line against a temporary database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crawler.commands.rescore import rescore_articles
from crawler.relevance import load_topics
from crawler.store import open_store
from crawler.store.sqlite.connection import connect, write_transaction
from tests.conftest import run_newsmon

BLOCKADE_TITLE = "Lachin corridor blocked for a thirtieth day"
BLOCKADE_BODY = (
    "STEPANAKERT — The Lachin corridor remained blocked on Wednesday.\n\n"
    "Food shortages were reported in Stepanakert as the blockade continued."
)
PEACEKEEPERS_TITLE = "Миротворцы встретились с жителями Степанакерта"
PEACEKEEPERS_BODY = (
    "Российские миротворцы в Карабахе провели встречу.\n\nМиротворцы обещали помочь."
)
GAZA_TITLE = "Gaza hospitals run out of fuel as blockade tightens"
GAZA_BODY = "The blockade of Gaza entered its second month.\n\nAid convoys waited at Rafah."


def insert(
    db, n: int, title: str, body: str, *, relevant=False, topics=(), terms=None, score=0.0
) -> None:
    with write_transaction(db):
        db["articles"].insert(
            {
                "url": f"https://news.example/{n}",
                "url_key": f"https://news.example/{n}",
                "source": "news",
                "title": title,
                "body": body,
                "fetched_at": "2023-01-12T11:00:00+00:00",
                "first_seen_at": "2023-01-12T11:00:00+00:00",
                "content_hash": f"hash-{n}",
                "relevant": int(relevant),
                "topics": json.dumps(list(topics)),
                "topic_terms": json.dumps(terms or {}),
                "relevance_score": score,
            }
        )


@pytest.fixture
def db_path(tmp_path) -> Path:
    """Four articles stored under stale rules: two should flip, one should be left as is."""
    path = tmp_path / "news.db"
    db = connect(path)
    insert(db, 1, BLOCKADE_TITLE, BLOCKADE_BODY)  # relevant now, stored as not
    insert(
        db, 2, GAZA_TITLE, GAZA_BODY, relevant=True, topics=["karabakh-blockade"], score=3.0
    )  # the reverse
    insert(
        db,
        3,
        PEACEKEEPERS_TITLE,
        PEACEKEEPERS_BODY,
        relevant=True,
        topics=["karabakh-blockade"],
        score=2.0,
    )
    current = load_topics().match("Chess", "Armenia finished fourth.\n\nThe team trains in Jermuk.")
    insert(
        db,
        4,
        "Chess",
        "Armenia finished fourth.\n\nThe team trains in Jermuk.",
        score=current.score,
    )
    db.close()
    return path


def rows(path: Path) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]: (bool(r[1]), json.loads(r[2]), json.loads(r[3]), r[4])
            for r in conn.execute(
                "SELECT id, relevant, topics, topic_terms, relevance_score FROM articles"
            )
        }
    finally:
        conn.close()


def topic_rows(path: Path) -> set[tuple[int, str]]:
    """What ``newsmon serve`` counts topics by (article_topics, migration m071)."""
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT article_id, topic FROM article_topics"))
    finally:
        conn.close()


def test_rescore_rewrites_changed_articles_and_reports(db_path):
    result = run_newsmon("rescore", "--db", str(db_path), "--batch-size", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Rescored 4 articles" in out
    assert "changed: 3  (became relevant 1, no longer relevant 1, topics changed 3)" in out
    assert "relevant: 2 -> 2" in out
    assert "karabakh-blockade: 2 -> 1" in out and "russian-peacekeepers: 0 -> 1" in out
    stored = rows(db_path)
    assert (
        stored[1][:2] == (True, ["karabakh-blockade"])
        and "Lachin corridor" in stored[1][2]["karabakh-blockade"]
    )
    assert stored[2] == (False, [], {}, 0.0)
    assert (
        stored[3][:2] == (True, ["russian-peacekeepers"])
        and "Миротворцы" in stored[3][2]["russian-peacekeepers"]
    )
    assert stored[4] == (False, [], {}, 0.0)
    assert topic_rows(db_path) == {(1, "karabakh-blockade"), (3, "russian-peacekeepers")}
    again = run_newsmon("rescore", "--db", str(db_path))
    assert again.returncode == 0 and "changed: 0" in again.stdout


def test_rescore_with_another_topics_file_and_db_from_environment(db_path, tmp_path):
    topics = tmp_path / "topics.toml"
    topics.write_text(
        '[[topic]]\nname = "gaza"\nanchors = ["Gaza"]\nterms = ["blockade*"]\n', encoding="utf-8"
    )
    result = run_newsmon("rescore", "--topics", str(topics), env={"NEWSMON_DB": str(db_path)})
    assert result.returncode == 0, result.stderr
    assert "relevant: 2 -> 1" in result.stdout and "gaza: 0 -> 1" in result.stdout
    stored = rows(db_path)
    assert stored[2][:2] == (True, ["gaza"]) and [k for k, v in stored.items() if v[0]] == [2]
    assert topic_rows(db_path) == {(2, "gaza")}


def test_dry_run_writes_nothing(db_path):
    before = rows(db_path)
    result = run_newsmon("rescore", "--db", str(db_path), "--dry-run")
    assert (
        result.returncode == 0 and "would change: 3" in result.stdout and "dry run" in result.stdout
    )
    assert rows(db_path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "{tmp}/missing.db"], "no such database file"),
        (["--db", "{db}", "--topics", "{tmp}/none.toml"], "none.toml: file not found"),
        (["--db", "{db}", "--topics", "{bad}"], "topic 't': field 'terms'"),
        (["--db", "{notdb}"], "notdb"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(db_path, tmp_path, args, message):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x*y"]\n', encoding="utf-8")
    notdb = tmp_path / "notdb"
    notdb.write_bytes(b"this is not a database" * 100)
    args = [a.format(tmp=tmp_path, db=db_path, bad=bad, notdb=notdb) for a in args]
    result = run_newsmon("rescore", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_row_rewritten_by_a_crawl_meanwhile_is_left_alone(db_path):
    store = open_store(db_path)
    topics = load_topics()

    class CrawlWritesDuringScoring:
        """Topics whose scoring of article 1 coincides with a crawl updating that article."""

        names = topics.names

        def match(self, title, body, published=None):
            if title == BLOCKADE_TITLE:
                other = connect(db_path)
                with write_transaction(other):
                    other.execute(
                        "UPDATE articles SET content_hash = 'new', relevant = 0 WHERE id = 1"
                    )
                other.close()
            return topics.match(title, body, published)

    report = rescore_articles(store, CrawlWritesDuringScoring(), batch_size=10)
    store.close()
    assert report.changed == 3 and report.skipped_concurrent == 1
    assert rows(db_path)[1][0] is False  # the crawl's row, not our stale score
