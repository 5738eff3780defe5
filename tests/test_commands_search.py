"""``newsmon search``: ranked FTS5 results, filters, plain output, clear errors on bad queries."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.commands.search import plain, search
from crawler.store import open_store
from tests.conftest import run_newsmon, stored
from tests.test_pipelines_storage import item

LACHIN = (
    "The Lachin corridor stayed closed for a third week, and Stepanakert shops rationed bread and sugar. "
    * 2
)
CHESS = (
    "The chess team finished fourth at the European championship after a tense final round in Jermuk. "
    * 2
)
RU = "Движение по Лачинскому коридору остается заблокированным, миротворцы ведут переговоры о гуманитарных грузах."


@pytest.fixture
def db_path(store_db):
    return stored(
        store_db,
        [
            item(1, LACHIN, title="Lachin corridor closed", source="armwire", relevant=True),
            item(2, CHESS, title="Chess team fourth", source="armwire", relevant=False),
            item(3, RU * 2, title="Лачинский коридор закрыт", source="rusnews", relevant=True),
            item(
                4,
                LACHIN + " The Hakari bridge checkpoint.",
                title="Hakari bridge \x1b[31mred\x1b[0m \u202eevil",
                source="azpress",
            ),
        ],
    )


def run(*args: str):
    return CliRunner().invoke(search, list(args), catch_exceptions=False)


def test_copies_of_a_story_are_one_hit_with_the_other_outlets(db_path):
    result = run("Lachin corridor", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    titles = [line.split("  ", 2)[2] for line in lines if not line.startswith("    ")]
    # Article 4 is a copy of article 1 (same text, another outlet, stored later): one hit,
    # the newest copy, the other under "also in".
    assert titles == ["Hakari bridge [31mred [0m evil *"]
    assert "[Lachin] [corridor]" in result.stdout
    assert "    also in: armwire (2023-01-12)" in lines
    assert "1 story" in result.stderr
    assert "* relevant: the article matched a topic" in result.stderr  # the marker explained


def test_filters_and_limit(db_path):
    assert "Chess" not in run("the", "--db", str(db_path), "--relevant").stdout
    only = run("Lachin", "--db", str(db_path), "--source", "azpress").stdout
    assert "Hakari" in only and "Lachin corridor closed" not in only
    assert (
        len(
            [
                line
                for line in run("the", "--db", str(db_path), "--limit", "1").stdout.splitlines()
                if not line.startswith(" ")
            ]
        )
        == 1
    )
    assert "Лачинский" in run("Лачинскому", "--db", str(db_path)).stdout


def test_output_has_no_control_characters(db_path):
    out = run("Hakari", "--db", str(db_path)).stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert "Hakari bridge [31mred [0m evil" in out
    assert plain("a\x00b\x07c\td\ne") == "a b c d e"


def test_json_lines_are_escaped(db_path):
    out = run("Hakari", "--db", str(db_path), "--json").stdout.splitlines()
    row = json.loads(out[0])
    assert row["title"].startswith("Hakari bridge \x1b[31mred")  # the stored value, escaped by JSON
    assert "\x1b" not in out[0]


@pytest.mark.parametrize(
    "query",
    [
        '"unterminated',
        "AND",
        "title:",
        "nosuchcolumn:word",
        "NEAR(",
        "*",
        'Lachin "corridor',
        "a OR",
        "NOT Lachin",
        "(Lachin",
        "Lachin)",
    ],
)
def test_a_malformed_query_is_a_one_line_error(db_path, query):
    result = run(query, "--db", str(db_path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "newsmon: error: invalid search query"
    )
    with open_store(db_path, read_only=True) as store:
        assert store.count_articles() == 4


def test_values_are_parameters_not_sql(db_path):
    result = run("'; DROP TABLE articles; --", "--db", str(db_path))
    assert result.exit_code == 0 and "0 stories" in result.stderr
    result = run("Lachin", "--db", str(db_path), "--source", "x' OR '1'='1")
    assert result.exit_code == 2 and "--source \"x' OR '1'='1\": no stored article" in result.stderr
    assert "known: armwire, azpress, rusnews" in result.stderr
    with open_store(db_path, read_only=True) as store:
        assert store.count_articles() == 4


def test_missing_database_is_an_error_and_not_created(tmp_path):
    result = run("Lachin", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "no database at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_the_command_line(db_path):
    result = run_newsmon("search", "Hakari OR chess", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "Chess team fourth" in result.stdout and "Hakari bridge" in result.stdout
    bad = run_newsmon("search", "(", "--db", str(db_path))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 200, encoding="utf-8")
    result = run_newsmon("search", "Lachin", "--db", str(notes))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"newsmon: error: {notes} is not a newsmon database (file is not a database)"
    ]


# --- words as people type them, dates, order ----------------------------------------------

TYPED = [
    (11, "Talks on Nagorno-Karabakh resumed in Brussels after a pause of several months, diplomats said on Monday evening.", "Brussels talks", "2023-03-01T09:00:00+00:00"),
    (12, "The mayor said it's too early to reopen the market, because flour deliveries are still uncertain this spring.", "Market stays shut", "2023-02-01T09:00:00+00:00"),
    (13, "Laçın yolunda vəziyyət sabitdir, yük maşınları keçid məntəqəsinə yaxınlaşır və yoxlamadan keçirlər.", "Laçın yolu", "2023-01-01T09:00:00+00:00"),
    (14, "Lacin district officials counted the convoys that crossed the checkpoint during the whole previous week.", "Lacin convoys", "2023-04-01T09:00:00+00:00"),
    (15, "Nagorno Karabakh is named here with a space, and the farmers of the valley sold their harvest early.", "Valley harvest", "2023-05-01T09:00:00+00:00"),
]  # fmt: skip


@pytest.fixture
def typed_db(store_db):
    return stored(
        store_db,
        [
            item(n, body * 2, title=title, source=f"s{n}", published_at=at)
            for n, body, title, at in TYPED
        ],
    )


def titles_of(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [
        line.split("  ", 2)[2].removesuffix(" *")
        for line in result.stdout.splitlines()
        if not line.startswith("    ")
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A hyphenated name is one phrase: its parts in order, with a hyphen or a space.
        ("Nagorno-Karabakh", ["Valley harvest", "Brussels talks"]),
        ("it's", ["Market stays shut"]),
        # Diacritics and the dotless ı folded as topics.toml folds them, prefix kept.
        ("Lacin*", ["Lacin convoys", "Laçın yolu"]),
        ("LAÇIN", ["Lacin convoys", "Laçın yolu"]),
        ("vəziyyət", ["Laçın yolu"]),
        ("veziyyet", ["Laçın yolu"]),
        # FTS syntax for those who use it.
        ('"Nagorno Karabakh" NOT harvest', ["Brussels talks"]),
        ("convoys OR flour", ["Lacin convoys", "Market stays shut"]),
        ("title:market", ["Market stays shut"]),
    ],
)
def test_words_as_people_type_them(typed_db, query, expected):
    assert titles_of(run(query, "--db", str(typed_db))) == expected  # newest first


def test_since_and_until(typed_db):
    assert titles_of(run("Lacin*", "--db", str(typed_db), "--since", "2023-02-01")) == [
        "Lacin convoys"
    ]
    assert titles_of(run("Lacin*", "--db", str(typed_db), "--until", "2023-01-01")) == [
        "Laçın yolu"
    ]
    assert titles_of(
        run(
            "Nagorno-Karabakh OR it's",
            "--db",
            str(typed_db),
            "--since",
            "2023-02-01",
            "--until",
            "2023-03-31",
        )
    ) == ["Brussels talks", "Market stays shut"]
    bad = run("Lacin", "--db", str(typed_db), "--since", "last tuesday")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "'last tuesday'" in bad.stderr


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ('Lachin "corridor', "unbalanced double quote at character 8"),
        ("(Lachin", "unclosed ( at character 1"),
        ("Lachin OR", "OR needs a word after it"),
        ("NOT Lachin", "NOT at character 1 needs a word before it"),
        ("nosuchcolumn:word", "unknown column 'nosuchcolumn'"),
    ],
)
def test_a_bad_query_error_names_what_is_wrong(typed_db, query, named):
    result = run(query, "--db", str(typed_db))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert named in result.stderr


def test_topic_filter_and_an_unknown_topic(store_db):
    db_path = stored(
        store_db,
        [
            item(1, LACHIN, title="Lachin corridor closed", source="armwire"),
            item(2, RU * 2, title="Лачинский коридор", source="rusnews",
                 topics=["karabakh-blockade", "russian-peacekeepers"]),
            item(3, CHESS, title="Chess team fourth", source="armwire", topics=[], relevant=False),
        ],
    )  # fmt: skip
    query = ("Lachin OR Лачинскому OR chess", "--db", str(db_path))
    assert "Lachin corridor closed" in run(*query).stdout and "Chess" in run(*query).stdout
    found = run(*query, "--topic", "russian-peacekeepers")
    assert found.exit_code == 0 and found.stdout.startswith(
        "2023-01-12  rusnews  Лачинский коридор"
    )
    assert "Lachin corridor closed" not in found.stdout and "1 story" in found.stderr
    wrong = run(*query, "--topic", "sanctions")
    assert wrong.exit_code == 2 and wrong.stderr == (
        "newsmon: error: --topic 'sanctions': no stored article has it "
        "(known: karabakh-blockade, russian-peacekeepers)\n"
    )
