"""The FTS5 query syntax translated for PostgreSQL, and snippets built outside the database."""

from __future__ import annotations

import pytest

from crawler.store import SearchQueryError
from crawler.store.textsearch import (
    COLUMN_GAP,
    index_words,
    parse_query,
    search_document,
    snippet,
    tsvector_text,
    typed_query,
)


def test_the_document_is_folded_words_as_fts5_folds_them():
    assert search_document("Şuşa — LAÇIN_yolu, 2023!") == "susa lacin yolu 2023"
    assert search_document("МИРОТВОРЦЫ «ведут» ЁЛКА") == "миротворцы ведут ёлка"
    # Latin diacritics only; letters of their own stay, as in unicode61
    assert search_document("İstanbul Azərbaycan ıxxx Ầb Άέ ẞ Łódź") == (
        "istanbul azərbaycan ıxxx ab άέ ß łodz"
    )
    assert search_document("Լաչինի միջանցքը փակ է։") == "լաչինի միջանցքը փակ է"


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("lachin corridor", "'lachin' & 'corridor'"),
        ("lachin AND corridor", "'lachin' & 'corridor'"),
        ('"Corridor  stayed"', "('corridor' <-> 'stayed')"),
        ("a OR b NOT c", "'a' | 'b' & ! 'c'"),
        ("(a OR b) c", "( 'a' | 'b' ) & 'c'"),
        ("коридор*", "'коридор':*"),
        ('"lachin corr"*', "('lachin' <-> 'corr':*)"),
        ("Nagorno-Karabakh", "('nagorno' <-> 'karabakh')"),  # a split word is a phrase
        ("o'brien", "('o' <-> 'brien')"),
        ("Şuşa", "'susa'"),
        ("NEAR(a b, 1)", "(('a' <1> 'b' | 'b' <1> 'a' | 'a' <2> 'b' | 'b' <2> 'a'))"),
    ],
)
def test_translation(query, tsquery):
    assert parse_query(query).tsquery == tsquery


@pytest.mark.parametrize(
    "query",
    [
        '"unterminated',
        "",
        "NOT x",
        "x OR",
        "(x",
        "x)",
        "x OR OR y",
        "!!!",
        "NEAR(a)",
        "NEAR(a b, x)",
        "NEAR(a b",
    ],
)
def test_what_fts5_refuses_is_a_search_error(query):
    with pytest.raises(SearchQueryError):
        parse_query(query)


def test_negated_words_are_not_marked_in_snippets():
    parsed = parse_query("lachin NOT bread")
    assert parsed.words == {"lachin"}
    text = "The Lachin corridor stayed closed; Stepanakert rationed bread."
    assert (
        snippet(text, parsed) == "The [Lachin] corridor stayed closed; Stepanakert rationed bread."
    )


def test_snippets_cut_around_the_matches_and_fold_like_the_index():
    text = (
        " ".join(f"w{n}" for n in range(40)) + " Şuşa yolu " + " ".join(f"x{n}" for n in range(40))
    )
    made = snippet(text, parse_query("susa"), tokens=6)
    assert made.startswith("…") and made.endswith("…")
    assert "[Şuşa]" in made and len(made.split()) == 6
    assert snippet("Коридор закрыт", parse_query("коридор*")) == "[Коридор] закрыт"


def test_the_tsvector_keeps_title_and_body_apart():
    made = tsvector_text("Şuşa road", "The road's end. O'Brien")
    body = 2 + 1 + COLUMN_GAP
    assert made == (
        f"'susa':1A 'road':2A,{body + 1}B 'the':{body}B 's':{body + 2}B 'end':{body + 3}B "
        f"'o':{body + 4}B 'brien':{body + 5}B"
    )
    assert tsvector_text("", "it's") == f"'it':{1 + COLUMN_GAP}B 's':{2 + COLUMN_GAP}B"


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("Nagorno-Karabakh", "('nagorno' <-> 'karabakh')"),
        ("LAÇIN", "('lacin')"),  # the dotless ı folded as SQLite's index folds it
        ("Lacin*", "('lacin':*)"),
        ("title:market", "('market':A)"),  # a column filter is the column's weight
        ('body:"closed road"*', "('closed':B <-> 'road':*B)"),
        ("a OR b NOT c", "(('a') | (('b') & !('c')))"),
        ("NEAR(a b, 1)", "(('a' <1> 'b' | 'b' <1> 'a' | 'a' <2> 'b' | 'b' <2> 'a'))"),
    ],
)
def test_a_query_as_typed_is_translated(query, tsquery):
    assert typed_query(query).tsquery == tsquery


def test_a_query_as_typed_keeps_ftsquery_messages_and_marks():
    with pytest.raises(SearchQueryError, match="unknown column 'nosuchcolumn'"):
        typed_query("nosuchcolumn:word")
    parsed = typed_query("vəziyyət NOT bread")
    assert parsed.words == {"veziyyet"}
    assert snippet("Laçın: vəziyyət sabitdir", parsed) == "Laçın: [vəziyyət] sabitdir"


def test_the_index_folds_what_the_tokenizer_leaves_alone():
    assert tsvector_text("Laçın", "") == "'lacin':1A"
    assert index_words("Azərbaycan ıxxx ﬁx") == ["azerbaycan", "ixxx", "fix"]
