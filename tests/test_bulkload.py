"""benchmarks/bulkload.py: the copy kept on the way and a build that goes on from it are the archive a build in one go makes."""

from __future__ import annotations

import shutil
import sqlite3

from benchmarks import bulkload

CONTENTS = (
    "SELECT id, url, title, body, language, content_hash, story_id FROM articles ORDER BY id",
    "SELECT band_hash, article_id FROM story_bands ORDER BY 1, 2",
    "SELECT para_hash, article_id FROM story_paragraphs ORDER BY 1, 2",
    "SELECT article_id, language, family, signature FROM translation_signatures ORDER BY 1",
    "SELECT key, article_id FROM translation_keys ORDER BY 1, 2",
    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'reported' ORDER BY 1",
)


def rows(path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_milestone_copy_and_a_resumed_build_equal_a_straight_build(tmp_path, monkeypatch):
    monkeypatch.setattr(bulkload, "CHUNK", 40)
    straight = tmp_path / "straight" / "base-120.db"
    straight.parent.mkdir()
    bulkload.build_sqlite(straight, 120, workers=1, milestones=(80,))
    milestone = bulkload.base_path(straight.parent, 80)

    resumed = tmp_path / "resumed" / "base-120.db"
    resumed.parent.mkdir()
    shutil.copyfile(milestone, bulkload.partial_path(resumed))
    bulkload.build_sqlite(resumed, 120, workers=1)

    assert rows(milestone, "SELECT count(*), max(id) FROM articles") == [(80, 80)]
    assert not bulkload.partial_path(resumed).exists()
    for sql in CONTENTS:
        assert rows(straight, sql) == rows(resumed, sql), sql
    # Every article is in the full-text index (each names people: "Reported …").
    assert len(rows(resumed, CONTENTS[-1])) == 120
    # Copies of earlier articles share their story; translation keys were written.
    assert rows(resumed, "SELECT count(*) FROM articles WHERE story_id != id")[0][0] > 0
    assert len(rows(resumed, CONTENTS[4])) > 120
