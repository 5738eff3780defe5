"""Validation of sources.toml: every problem is one line naming file, entry and field."""

from __future__ import annotations

import pytest

from crawler.config import DEFAULT_SOURCES_FILE, ConfigError, load_sources
from tests.conftest import run_newsmon

GOOD = """
[[source]]
name = "one"
url = "https://one.example/"
language = "en"
timezone = "Asia/Yerevan"
feeds = ["https://one.example/feed/"]
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_sources_file_is_valid_and_broad():
    sources = load_sources()
    assert sources.path == DEFAULT_SOURCES_FILE
    assert len(sources) >= 20
    assert {s.language for s in sources} >= {"en", "hy", "ru", "az"}
    for source in sources:
        assert source.feeds or source.sitemaps or source.wordpress_api


def test_good_file_loads(tmp_path):
    sources = load_sources(write(tmp_path, GOOD))
    assert sources.names == ["one"]
    source = sources.get("one")
    assert source.timezone == "Asia/Yerevan" and source.date_languages == ["en"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (GOOD + 'colour = "red"\n', "source 'one': unknown key 'colour'"),
        (GOOD.replace('language = "en"\n', ""), "source 'one': missing field 'language'"),
        (
            GOOD.replace("https://one.example/feed/", "ftp://one.example/feed"),
            "source 'one': field 'feeds': 'ftp://one.example/feed' is not an http(s) URL",
        ),
        (
            GOOD.replace('url = "https://one.example/"', 'url = "not a url"'),
            "source 'one': field 'url'",
        ),
        (GOOD + GOOD, "source 'one': duplicate name"),
        (GOOD.replace("Asia/Yerevan", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (
            GOOD.replace('language = "en"', 'language = "english"'),
            "is not an ISO 639-1 language code",
        ),
        (GOOD.replace('feeds = ["https://one.example/feed/"]', ""), "needs at least one of"),
        ("[[source]\nname=", "invalid TOML"),
        ("", "no [[source]] entries"),
        (
            GOOD.replace(
                'feeds = ["https://one.example/feed/"]', 'feeds = "https://one.example/feed/"'
            ),
            "field 'feeds' must be of type list",
        ),
    ],
)
def test_invalid_files_name_file_entry_and_field(tmp_path, change, message):
    path = write(tmp_path, change)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    text = str(info.value)
    assert str(path) in text and message in text
    assert "\n" not in text


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


def test_select_unknown_source(tmp_path):
    sources = load_sources(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="unknown source 'two'"):
        sources.select(["two"])
    assert [s.name for s in sources.select([])] == ["one"]


def test_cli_reports_bad_sources_file_in_one_line(tmp_path):
    path = write(tmp_path, GOOD + "bogus = 1\n")
    result = run_newsmon("crawl", "--sources", str(path), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"newsmon: error: {path}: source 'one': unknown key 'bogus'"


def test_family_names_the_editions_of_one_outlet(tmp_path):
    sources = load_sources(write(tmp_path, GOOD + 'family = "agency"\n'))
    assert sources.get("one").family == "agency"
    assert load_sources(write(tmp_path, GOOD)).get("one").family == ""
    default = load_sources()
    assert (
        default.get("tass-en").family == "tass"
        and default.get("azatutyun-ru").family == "azatutyun"
    )
    with pytest.raises(ConfigError, match="source 'one': field 'family' must be letters"):
        load_sources(write(tmp_path, GOOD + 'family = "a b"\n'))
