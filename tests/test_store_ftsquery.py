"""Queries as people type them (crawler/store/ftsquery.py) and the folded full-text index behind them."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
import sqlite_utils

from crawler.store import SearchQueryError, open_store
from crawler.store.ftsquery import INDEX_FOLDS, fts5_query, parse
from crawler.store.sqlite import ftsfold
from crawler.store.sqlite.schema import migrations
from crawler.textfold import fold


@pytest.mark.parametrize(
    ("typed", "fts5"),
    [
        ("Nagorno-Karabakh", '"Nagorno-Karabakh"'),
        ("it's", '"it\'s"'),
        ("Lacin*", '"Lacin"*'),
        ("Laçın", '"Laçin"'),  # ı folded here, ç by the tokenizer
        ("Xankəndi", '"Xankendi"'),
        ('"Hakari bridge" OR Stepanakert', '"Hakari bridge" OR "Stepanakert"'),
        ("a b NOT c", '"a" AND ("b" NOT "c")'),  # NOT binds tighter, as in FTS5
        ("(a OR b) c", '("a" OR "b") AND "c"'),
        ("title:Lachin corridor", 'title:"Lachin" AND "corridor"'),
        ("NEAR(Lachin corridor, 5)", 'NEAR("Lachin" "corridor", 5)'),
        ("Armenia & Azerbaijan", '"Armenia" AND "Azerbaijan"'),  # punctuation alone is no word
        ("or and not", '"or" AND "and" AND "not"'),  # operators are upper case, as in FTS5
        ('say "hi"', '"say" AND "hi"'),
        ("https://news.am/eng 10:30", '"https://news.am/eng" AND "10:30"'),
    ],
)
def test_typed_words_become_quoted_folded_phrases(typed, fts5):
    assert fts5_query(typed) == fts5


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ('"open', "unbalanced double quote at character 1"),
        ("a (b", "unclosed ( at character 3"),
        ("a b)", "unmatched ) at character 4"),
        ("OR a", "OR at character 1 needs a word before it"),
        ("a OR", "OR needs a word after it"),
        ("a AND", "AND at character 3 needs a word after it"),
        ("NOT a", "NOT at character 1 needs a word before it"),
        ("a NOT", "NOT at character 3 needs a word after it"),
        ("*", "* must end a word"),
        ("title:", "title: at character 1 needs a word after it"),
        ("colour:red", "unknown column 'colour'"),
        ("NEAR(a", "unclosed NEAR( at character 1"),
        ("NEAR(a)", "NEAR( at character 1 needs two words or more"),
        ("- –", "the query has no word to search for"),
    ],
)
def test_a_query_that_cannot_mean_anything_names_the_problem(typed, named):
    with pytest.raises(SearchQueryError) as raised:
        parse(typed)
    assert named in str(raised.value) and "\n" not in str(raised.value)


MONITORED_SCRIPTS = [
    (0x20, 0x17F),  # Latin, Latin-1, Latin Extended-A (Azerbaijani, Turkish)
    (0x18F, 0x18F), (0x259, 0x259),  # Ə ə
    (0x400, 0x45F), (0x483, 0x489),  # Cyrillic and its combining marks
    (0x531, 0x58A),  # Armenian
    (0xFB00, 0xFB06), (0xFB13, 0xFB17),  # Latin and Armenian ligatures
    (0xAD, 0xAD), (0x200B, 0x200F), (0x2060, 0x2064), (0xFEFF, 0xFEFF),  # invisible
]  # fmt: skip


def _characters() -> list[str]:
    """The scripts' characters, and the combining marks their letters decompose into (NFD input)."""
    chars = [chr(c) for low, high in MONITORED_SCRIPTS for c in range(low, high + 1)]
    marks = {m for c in chars for m in unicodedata.normalize("NFD", c) if unicodedata.combining(m)}
    return [c for c in chars if unicodedata.category(c) not in ("Cn", "Cc")] + sorted(marks)


def test_the_index_folds_every_letter_of_the_monitored_scripts_as_topics_toml_does():
    """Through SQLite's own tokenizer: the folded index sees each character as textfold does."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")

    def tokens(text: str) -> list[str]:
        conn.execute("DELETE FROM t")
        conn.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", [text])
        return [term for (term,) in conn.execute("SELECT term FROM v ORDER BY offset")]

    expression = ftsfold.folded_rows("1", "?", "''")
    differing = []
    for low, high in MONITORED_SCRIPTS:
        for code in range(low, high + 1):
            char = chr(code)
            if unicodedata.category(char) in ("Cn", "Cc"):
                continue
            text = f"ab{char}cd"
            indexed = conn.execute(expression, [text]).fetchone()[1]  # what the triggers index
            if tokens(indexed) != tokens(fold(text)):
                differing.append(
                    f"U+{code:04X} {char!r}: {tokens(indexed)} != {tokens(fold(text))}"
                )
    assert differing == [], "\n".join(differing)


def test_index_folds_are_single_characters_with_their_textfold_form():
    assert all(len(char) == 1 and fold(char) == folded for char, folded in INDEX_FOLDS.items())


ARTICLES = [
    ("Laçın yolu bağlıdır", "Laçın yolunda vəziyyət sabitdir, yük maşınları gözləyir."),
    ("Ёлка на площади", "Йошкар-Ола и Лачинский коридор: ёлки стоят."),
    ("Ստեփանակերտ", "Ստեփանակերտում հացը քիչ է, և մարդիկ սպասում են։"),
]


def _archive(path, *, migrated: bool):
    """An archive of ARTICLES, with or without migration m020 applied."""
    db = sqlite_utils.Database(path)
    pending = [m for m in migrations._migrations if migrated or not m.name.startswith("m020")]
    original, migrations._migrations = migrations._migrations, pending
    try:
        store = open_store(path)
    finally:
        migrations._migrations = original
    with store.write() as tx:
        for n, (title, body) in enumerate(ARTICLES, 1):
            tx.insert_article(
                {"url": f"u{n}", "url_key": f"u{n}", "source": "s", "title": title, "body": body,
                 "fetched_at": "2024-01-01T00:00:00+00:00", "first_seen_at": "2024-01-01T00:00:00+00:00",
                 "content_hash": f"h{n}"},
                None,
            )  # fmt: skip
    store.close()
    db.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Lacin*", [1]), ("LAÇIN", [1]), ("veziyyet", [1]), ("елка", [2]), ("Иошкар-Ола", [2]),
     ("ёлки", [2]), ("Ստեփանակերտում", [3]), ("եւ", [3]), ("ԵՎ", [3])],
)  # fmt: skip
def test_an_archive_made_before_the_folded_index_is_migrated(tmp_path, query, expected):
    path = tmp_path / "old.db"
    _archive(path, migrated=False)
    with open_store(path, read_only=True) as old:
        # Read-only, the old index cannot change: queries are not folded for it.
        assert not ftsfold.is_folded(old.conn)
        assert [h.id for h in old.search_stories("Laçın")] == [1]
    with open_store(path) as migrated:  # a writer migrates
        assert ftsfold.is_folded(migrated.conn)
        assert [h.id for h in migrated.search_stories(query)] == expected
        migrated.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_updates_and_deletes_keep_the_folded_index_in_step(tmp_path):
    path = tmp_path / "new.db"
    _archive(path, migrated=True)
    with open_store(path) as store:
        with store.write() as tx:
            tx.update_article(1, {"title": "Şuşa", "body": "Şuşa şəhərində yeni xəbər yoxdur."})
        assert [h.id for h in store.search_stories("Lacin")] == []
        assert [h.id for h in store.search_stories("susa seheri*")] == [1]
        store.conn.execute("DELETE FROM articles WHERE id = 2")
        assert [h.id for h in store.search_stories("елка")] == []
        store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_the_index_has_prefix_lists_and_prefix_queries_still_fold(tmp_path):
    path = tmp_path / "new.db"
    _archive(path, migrated=True)
    with open_store(path) as store:
        (sql,) = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'"
        ).fetchone()
        assert "prefix='2 3'" in sql
        assert [h.id for h in store.search_stories("La*")] == [1]
        assert [h.id for h in store.search_stories("Lac*")] == [1]
        assert [h.id for h in store.search_stories("Ստե*")] == [3]
        store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
