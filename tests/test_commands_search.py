"""``newsmon search``: ranked FTS5 results, filters, plain output, clear errors on bad queries."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from crawler.commands.search import plain, search
from crawler.store import open_store
from pipelines.storage import store_articles
from tests.conftest import run_newsmon
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
def db_path(tmp_path):
    path = tmp_path / "news.db"
    store = open_store(path)
    store_articles(
        store,
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
    store.close()
    return path


def run(*args: str):
    return CliRunner().invoke(search, list(args), catch_exceptions=False)


def test_results_are_ranked_with_snippets(db_path):
    result = run("Lachin corridor", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    titles = [line.split("  ", 2)[2] for line in lines if not line.startswith("    ")]
    assert titles[0].startswith("Lachin corridor closed") and len(titles) == 2
    assert "[Lachin] [corridor]" in result.stdout
    assert "2 result(s)" in result.stderr


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
        "'; DROP TABLE articles; --",
    ],
)
def test_a_malformed_query_is_a_one_line_error(db_path, query):
    result = run(query, "--db", str(db_path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "newsmon: error: invalid search query"
    )
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    conn.close()


def test_values_are_parameters_not_sql(db_path):
    result = run("Lachin", "--db", str(db_path), "--source", "x' OR '1'='1")
    assert result.exit_code == 0 and "0 result(s)" in result.stderr


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
