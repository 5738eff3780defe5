"""Validation of sources.toml: every problem is one line naming file, entry and field."""

from __future__ import annotations

from datetime import timedelta

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
        assert source.feeds or source.sitemaps or source.wordpress_api or source.archive_only


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
        (
            GOOD + 'min_interval = "soon"\n',
            "source 'one': field 'min_interval': 'soon' is not a duration",
        ),
        (GOOD + "max_interval = 60\n", "field 'max_interval' must be of type str"),
        (
            GOOD + 'min_interval = "2h"\nmax_interval = "30m"\n',
            "source 'one': field 'min_interval': longer than max_interval (30m)",
        ),
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


@pytest.mark.parametrize(
    ("field", "url", "problem"),
    [
        ("url", "http://[::1/", "is not a valid URL (Invalid IPv6 URL)"),
        ("feeds", "https://one.example/a feed/", "contains a space"),
        ("sitemaps", "https://one.example:70000/sitemap.xml", "Port out of range"),
        ("wordpress_api", "https://one.example:http/", "is not a valid URL"),
        ("feeds", "https://exa$mple.org/feed", "not allowed in a host name"),
        ("feeds", "https://one..example/feed", "empty or over-long label"),
    ],
)
def test_every_url_field_is_checked_as_the_downloader_would(tmp_path, field, url, problem):
    base = GOOD.replace('url = "https://one.example/"\n', "").replace(
        'feeds = ["https://one.example/feed/"]\n', ""
    )
    values = {
        "url": '"https://one.example/"',
        "feeds": '["https://one.example/feed/"]',
    }
    values[field] = f'"{url}"' if field in ("url", "wordpress_api") else f'["{url}"]'
    text = base + "".join(f"{key} = {value}\n" for key, value in values.items())
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert message.startswith(f"{path}: source 'one': field '{field}': {url!r}")
    assert problem in message and "\n" not in message


def test_internationalised_hosts_and_ipv6_literals_are_urls(tmp_path):
    text = GOOD.replace("https://one.example/feed/", "https://[2001:db8::1]:8080/feed/").replace(
        'url = "https://one.example/"', 'url = "https://news.xn--y9a3aq/"'
    )
    text += 'sitemaps = ["https://пример.рф/sitemap.xml"]\n'
    source = load_sources(write(tmp_path, text)).get("one")
    assert source.feeds == ("https://[2001:db8::1]:8080/feed/",)


TWO = """
[[source]]
name = "two"
url = "https://two.example/"
language = "en"
"""


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ('feeds = ["https://one.example/feed/"]', "feeds"),
        # The crawler's duplicate filter ignores fragments and query order.
        ('sitemaps = ["https://one.example/feed/#top"]', "sitemaps"),
    ],
)
def test_a_feed_listed_by_two_sources_is_refused(tmp_path, second, field):
    path = write(tmp_path, GOOD + TWO + second + "\n")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert message.startswith(f"{path}: source 'two': field '{field}': ")
    assert "listed by source 'one' too (feeds)" in message and "\n" not in message


def test_shared_wordpress_api_is_refused_but_a_disabled_source_may_share(tmp_path):
    one = GOOD + 'wordpress_api = "https://one.example/"\n'
    with pytest.raises(ConfigError, match="listed by source 'one' too \\(wordpress_api\\)"):
        load_sources(write(tmp_path, one + TWO + 'wordpress_api = "https://one.example"\n'))
    old = TWO + 'feeds = ["https://one.example/feed/"]\nenabled = false\n'
    assert load_sources(write(tmp_path, old + GOOD)).names == ["two", "one"]


LATIN1 = GOOD.replace('timezone = "Asia/Yerevan"\n', 'notes = "Laçin road"\n').encode("latin-1")


def test_a_file_that_is_not_utf8_names_file_line_and_byte(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_bytes(LATIN1)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    bad = b"\xe7"
    line = LATIN1.split(b"\n").index(b'notes = "La' + bad + b'in road"') + 1
    assert str(info.value) == (
        f"{path}: not UTF-8 text: byte 0xe7 at line {line}, column 12 "
        f"(byte offset {LATIN1.index(bad)}); save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["crawl"], "--sources"),
        (["crawl"], "--topics"),
        (["rescore"], "--topics"),
        (["schedule", "--check"], "--schedules"),
        (["schedule", "--check"], "--sources"),
        (["schedule", "--check"], "--topics"),
        (["status"], "--schedules"),
        (["status"], "--sources"),
    ],
)
def test_cli_names_a_file_that_is_not_utf8_in_one_line(tmp_path, command, option):
    from crawler.store import open_store as connect

    db = tmp_path / "x.db"
    connect(db).close()  # status and rescore read an existing database
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[[x]]\nname = "La\xe7in"\n')
    result = run_newsmon(*command, option, str(path), "--db", str(db))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"newsmon: error: {path}: not UTF-8 text: byte 0xe7 at line 2, column 11 "
        "(byte offset 16); save the file as UTF-8"
    ]


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


def test_polling_bounds_of_a_source(tmp_path):
    source = load_sources(write(tmp_path, GOOD + 'min_interval = "5m"\nmax_interval = "2h"\n'))
    assert source.get("one").min_interval == timedelta(minutes=5)
    assert source.get("one").max_interval == timedelta(hours=2)
    assert load_sources(write(tmp_path, GOOD)).get("one").min_interval is None
