"""fold_fts_query: what people type, as an FTS5 query over an index built like articles_fts."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.store.ftsquery import fold_for_index, fold_fts_query

TEXTS = {
    1: "Traffic on the Laçın corridor stopped; Nagorno-Karabakh is cut off. It's the third closure.",
    2: "Xankəndi and Stepanakert are one city; the Hakari bridge checkpoint.",
    3: "LAÇIN, İSTANBUL and Ağdam: Azərbaycan's view.",
    4: "Лачинский коридор: миротворцы. Ёлка.",
    5: "The Zangezur corridor is another matter.",
}


@pytest.fixture(scope="module")
def index():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
    )
    # Folded as the articles_fts triggers fold what they index (migration m020).
    conn.executemany(
        "INSERT INTO t (rowid, body) VALUES (?, ?)",
        [(n, fold_for_index(text)) for n, text in TEXTS.items()],
    )
    yield lambda typed: {
        row[0]
        for row in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [fold_fts_query(typed)])
    }
    conn.close()


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Nagorno-Karabakh", {1}),
        ("nagorno karabakh", {1}),
        ("it's", {1}),
        ("Lacin", {1, 3}),
        ("Laçın", {1, 3}),
        ("LAÇIN", {1, 3}),
        ("lacin*", {1, 3}),
        ("Xankendi", {2}),
        ("istanbul", {3}),
        ("Azerbaycan's", {3}),
        ("Agdam", {3}),
        ("лачин*", {4}),
        ("елка", {4}),
        ('"Hakari bridge"', {2}),
        ('"Hakari bridge" OR Zangezur', {2, 5}),
        ("corridor NOT Zangezur", {1}),
        ("corridor AND (Lacin OR Zangezur)", {1, 5}),
        ("NEAR(Hakari checkpoint, 3)", {2}),
        ("body:Stepanakert", {2}),
    ],
)
def test_words_as_people_type_them(index, typed, found):
    assert index(typed) == found


@pytest.mark.parametrize(
    "typed",
    ["", '"', "(", ")", "((a", "a OR", "OR", "AND b", "NOT", "a AND AND b", "NEAR(", "NEAR(a b,",
     "*", "-", "title:", "x:y", "it's \"half", "()", "a ()", "Ğ-İ-Ə"],
)  # fmt: skip
def test_never_a_syntax_error(index, typed):
    index(typed)  # raises sqlite3.OperationalError on a malformed query
