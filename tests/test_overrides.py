"""``-s NAME=VALUE`` overrides are read with the type of the setting's default before a crawl."""

from __future__ import annotations

import os

import pytest

from crawler.overrides import check_override, check_overrides


@pytest.fixture(scope="module")
def settings():
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DOWNLOAD_DELAY", "1.5"),
        ("DOWNLOAD_TIMEOUT", "2.5"),  # an int default in Scrapy, read with getfloat
        ("CONCURRENT_REQUESTS", "4"),
        ("ROBOTSTXT_OBEY", "false"),
        ("ROBOTSTXT_OBEY", "0"),
        ("EXTENSIONS", '{"scrapy.extensions.logstats.LogStats": null}'),
        ("RETRY_HTTP_CODES", "500,503"),
        ("USER_AGENT", "anything at all"),
        ("NEWSMON_SINCE", "7d"),
        ("NEWSMON_EXTRACT_WORKERS", "auto"),
        ("NEWSMON_INCREMENTAL", "False"),
        ("SOME_ADDON_SETTING", "x"),  # unknown to both: an add-on may read it
    ],
)
def test_good_values_pass(settings, name, value):
    assert check_override(name, value, settings) is None


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DOWNLOAD_DELAY", "abc", "DOWNLOAD_DELAY='abc': expected a number (default 0.5)"),
        ("DOWNLOAD_DELAY", "nan", "DOWNLOAD_DELAY='nan': expected a number"),
        ("CONCURRENT_REQUESTS", "2.5", "CONCURRENT_REQUESTS='2.5': expected a whole number"),
        ("ROBOTSTXT_OBEY", "maybe", "ROBOTSTXT_OBEY='maybe': expected True or False"),
        ("NEWSMON_RECORD_RUNS", "yes please", "NEWSMON_RECORD_RUNS='yes please': expected True"),
        ("EXTENSIONS", "LogStats", "EXTENSIONS='LogStats': expected a JSON object"),
        ("NEWSMON_SINCE", "2099-01-01", "is in the future"),
        ("NEWSMON_EXTRACT_WORKERS", "-1", "must be 'auto' or >= 0"),
        ("download_delay", "1", "'download_delay' is not a setting name"),
    ],
)
def test_bad_values_name_the_setting(settings, name, value, problem):
    assert problem in check_override(name, value, settings)


def test_check_overrides_raises_the_first_problem(settings):
    check_overrides({"DOWNLOAD_DELAY": "1"}, settings)
    with pytest.raises(ValueError, match="^DOWNLOAD_TIMEOUT='x'"):
        check_overrides({"DOWNLOAD_DELAY": "1", "DOWNLOAD_TIMEOUT": "x", "X": "y"}, settings)
