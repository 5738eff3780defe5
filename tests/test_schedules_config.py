"""The schedules file: defaults, validation with one-line errors, sizes and crontab weekdays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.config import ConfigError, load_sources
from schedules import DEFAULT_SCHEDULES_FILE
from schedules.config import (
    DISCOVERY_KINDS,
    crontab_for_apscheduler,
    format_duration,
    load_schedules,
    parse_size,
)
from tests.conftest import run_newsmon


def test_default_schedule_is_valid_and_sensible():
    plan = load_schedules(sources=load_sources())
    assert plan.path == DEFAULT_SCHEDULES_FILE
    jobs = {job.id: job for job in plan.enabled_jobs}
    assert jobs["feeds"].adaptive and jobs["feeds"].discovery == ("feeds",)
    assert plan.adaptive.min_interval <= plan.adaptive.default_interval <= timedelta(minutes=15)
    assert jobs["sitemaps"].every == timedelta(hours=1) and jobs["sitemaps"].discovery == (
        "sitemaps",
    )
    assert jobs["wordpress"].every >= timedelta(hours=2) and jobs["wordpress"].discovery == (
        "wordpress",
    )
    for job in jobs.values():
        assert job.sources == ()  # every enabled source
        assert job.memory
        if not job.adaptive:
            assert job.timeout < job.every  # a routine run ends before its next turn
            assert job.jitter < job.every
    assert plan.daemon.shutdown_grace > timedelta(0)


def test_discovery_kinds_are_the_spiders():
    from crawler import config
    from crawler.spiders.news import DISCOVERY_KINDS as SPIDER_KINDS

    # One definition, where the daemon can read it without importing Scrapy.
    assert (
        DISCOVERY_KINDS
        is SPIDER_KINDS
        is config.DISCOVERY_KINDS
        == ("feeds", "sitemaps", "wordpress")
    )


def test_defaults_apply_and_jobs_override_them(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        """
[daemon]
max_parallel = 3
startup_delay = "0"
[defaults]
timeout = "5m"
memory = "512MB"
settings = { DOWNLOAD_DELAY = 0 }
[[job]]
id = "a"
every = "90s"
[[job]]
id = "b"
cron = "30 6 * * mon-fri"
timezone = "Asia/Yerevan"
timeout = "1h"
memory = "none"
sources = ["x", "y"]
discovery = "sitemaps"
enabled = false
"""
    )
    plan = load_schedules(path)
    a, b = plan.jobs
    assert plan.daemon.max_parallel == 3 and plan.daemon.startup_delay == timedelta(0)
    assert (
        a.timeout == timedelta(minutes=5)
        and a.memory == 512 << 20
        and a.settings == (("DOWNLOAD_DELAY", "0"),)
    )
    assert a.cadence == "every 90s" and a.discovery == DISCOVERY_KINDS
    assert b.timeout == timedelta(hours=1) and b.memory is None and b.sources == ("x", "y")
    assert b.cadence == "cron 30 6 * * mon-fri (Asia/Yerevan)" and b.discovery == ("sitemaps",)
    assert plan.enabled_jobs == [a]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('[[job]]\nid = "a"\nevery = "15x"', "job 'a': field 'every'", "is not a duration"),
        ('[[job]]\nid = "a"\nevery = 15', "job 'a': field 'every'", "duration string"),
        ('[[job]]\nid = "a"', "job 'a'", "exactly one of 'every'"),
        ('[[job]]\nid = "a"\nevery = "1h"\ncron = "0 * * * *"', "job 'a'", "exactly one of"),
        ('[[job]]\nid = "a"\ncron = "61 * * * *"', "job 'a': field 'cron'", "'61 * * * *'"),
        ('[[job]]\nid = "a"\ncron = "0 * * *"', "job 'a': field 'cron'", "Wrong number of fields"),
        (
            '[[job]]\nid = "a"\ncron = "0 * * * *"\ntimezone = "Mars/Base"',
            "job 'a': field 'timezone'",
            "unknown time zone",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\ntimezone = "UTC"',
            "job 'a': field 'timezone'",
            "only applies to 'cron'",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nsources = ["massispost", "nowhere"]',
            "job 'a': field 'sources'",
            "unknown source 'nowhere'",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nsources = []',
            "job 'a': field 'sources'",
            '"all" or a non-empty list',
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\ndiscovery = ["feeds", "rss"]',
            "job 'a': field 'discovery'",
            "unknown kind 'rss'",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nsince = "2099-01-01"',
            "job 'a': field 'since'",
            "is in the future",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\njitter = "2h"',
            "job 'a': field 'jitter'",
            "shorter than the interval",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nmemory = "lots"',
            "job 'a': field 'memory'",
            "not a size",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nmemory = "10MB"',
            "job 'a': field 'memory'",
            "too small",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nsince = "yesterday-ish"',
            "job 'a': field 'since'",
            "neither a duration",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nsettings = { delay = "1" }',
            "job 'a': field 'settings'",
            "upper-case",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\nenabled = "yes"',
            "job 'a': field 'enabled'",
            "type bool",
        ),
        (
            '[[job]]\nid = "a"\nevery = "1h"\ntimout = "1m"',
            "job 'a': unknown field 'timout'",
            "known:",
        ),
        ('[[job]]\nid = "a b"\nevery = "1h"', "job #1: field 'id'", "letters, digits"),
        (
            '[[job]]\nid = "a"\nevery = "1h"\n[[job]]\nid = "a"\nevery = "2h"',
            "job 'a'",
            "duplicate id",
        ),
        (
            '[[job]]\nid = "a"\nadaptive = true\nevery = "1h"',
            "job 'a': field 'every'",
            "an adaptive job polls each source when it is due",
        ),
        ('[[job]]\nid = "a"\nadaptive = "yes"', "job 'a': field 'adaptive'", "type bool"),
        (
            '[adaptive]\nmin_interval = "2h"\nmax_interval = "1h"\n[[job]]\nid = "a"\nadaptive = true',
            "[adaptive]: field 'min_interval'",
            "longer than max_interval (1h)",
        ),
        (
            '[adaptive]\ndefault_interval = "1d"\n[[job]]\nid = "a"\nadaptive = true',
            "[adaptive]: field 'default_interval'",
            "between min_interval and max_interval",
        ),
        (
            '[adaptive]\ntick = "often"\n[[job]]\nid = "a"\nadaptive = true',
            "[adaptive]: field 'tick'",
            "is not a duration",
        ),
        (
            '[adaptive]\nrate = "1m"\n[[job]]\nid = "a"\nadaptive = true',
            "[adaptive]: unknown field 'rate'",
            "known:",
        ),
        (
            '[daemon]\nmax_parallel = 0\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'max_parallel'",
            "at least 1",
        ),
        (
            '[daemon]\nmax_parallel = true\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'max_parallel'",
            "type int",
        ),
        (
            '[defaults]\nevery = "1h"\n[[job]]\nid = "a"\nevery = "1h"',
            "[defaults]: unknown field 'every'",
            "",
        ),
        (
            '[defaults]\ntimeout = "soon"\n[[job]]\nid = "a"\nevery = "1h"',
            "[defaults]: field 'timeout'",
            "not a duration",
        ),
        (
            '[daemon]\nrunner = "k8s"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'runner'",
            "'k8s' is not one of local, scrapyd",
        ),
        (
            '[daemon]\nrunner = "scrapyd"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'runner'",
            "needs at least one [[daemon.node]]",
        ),
        (
            '[daemon]\nnodes = ["ftp://crawl1:6800"]\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'url'",
            "not an http(s) URL with a host",
        ),
        (
            '[daemon]\nnodes = ["http://crawl1:99999"]\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'url'",
            "out of range",
        ),
        (
            '[daemon]\nnodes = ["http://u:p@crawl1:6800"]\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'url'",
            "credentials go in 'username'",
        ),
        (
            '[daemon]\nnodes = ["http://a:1", "http://a:1/"]\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #2: field 'url'",
            "listed twice",
        ),
        (
            '[[daemon.node]]\nurl = "http://a:1"\nusername = "u"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'password'",
            "needs both 'username' and a password",
        ),
        (
            '[[daemon.node]]\nurl = "http://a:1"\nusername = "u"\npassword_env = "NEWSMON_TEST_UNSET_PW"\n'
            '[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'password_env'",
            "NEWSMON_TEST_UNSET_PW is not set",
        ),
        (
            '[[daemon.node]]\nurl = "http://a:1"\nslots = 0\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'slots'",
            "must be at least 1",
        ),
        (
            '[[daemon.node]]\nurl = "http://a:1"\nslots = "4"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: field 'slots'",
            "must be of type int",
        ),
        (
            '[[daemon.node]]\nurl = "http://a:1"\nport = 2\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon] node #1: unknown field 'port'",
            "known:",
        ),
        (
            '[daemon]\npoll_interval = "0"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'poll_interval'",
            "",
        ),
        (
            '[daemon]\nleave_node_runs = true\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'leave_node_runs'",
            "only with runner = 'scrapyd'",
        ),
        (
            '[daemon]\nleave_node_runs = "yes"\n[[job]]\nid = "a"\nevery = "1h"',
            "[daemon]: field 'leave_node_runs'",
            "must be of type bool",
        ),
        ("[[jobs]]\nid = 'a'", "unknown top-level key 'jobs'", ""),
        ("[daemon]", "no [[job]] entries", ""),
        ("[[job]\n", "invalid TOML", ""),
    ],
)
def test_errors_name_the_file_the_job_and_the_field(tmp_path, text, where, message):
    path = tmp_path / "schedules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_schedules(path, sources=load_sources())
    error = str(info.value)
    assert error.startswith(f"{path}: ")
    assert where in error and message in error
    assert "\n" not in error


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_schedules(tmp_path / "nope.toml")


def test_the_command_line_reports_a_bad_file_in_one_line(tmp_path):
    path = tmp_path / "schedules.toml"
    path.write_text('[[job]]\nid = "feeds"\nevery = "often"\n')
    result = run_newsmon(
        "schedule", "--check", "--schedules", str(path), "--db", str(tmp_path / "x.db")
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newsmon: error: {path}: job 'feeds': field 'every': 'often' is not a duration (expected e.g. 30s, 15m, 2h, 2d, 1w)"
    ]


def test_check_lists_the_jobs(tmp_path):
    result = run_newsmon("schedule", "--check", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0, result.stderr
    for job in ("feeds", "sitemaps", "wordpress"):
        assert job in result.stdout
    assert "never ran" in result.stdout
    assert not (tmp_path / "x.db").exists()  # checking creates nothing


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("2GB", 2 << 30),
        ("1.5G", 3 << 29),
        ("512MB", 512 << 20),
        ("512MiB", 512 << 20),
        ("100000K", 100000 << 10),
        ("none", None),
    ],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("crontab", "expected"),
    [
        ("0 9 * * 1-5", "0 9 * * mon-fri"),
        ("0 9 * * 0", "0 9 * * sun"),
        ("0 9 * * 7", "0 9 * * sun"),
        ("0 9 * * 1,3,5", "0 9 * * mon,wed,fri"),
        ("*/15 * * * */2", "*/15 * * * */2"),  # a step is not a weekday
        ("0 9 * * sat", "0 9 * * sat"),
    ],
)
def test_crontab_weekdays_follow_crontab_not_apscheduler(crontab, expected):
    assert crontab_for_apscheduler(crontab) == expected


def test_format_duration():
    assert [format_duration(timedelta(seconds=s)) for s in (1.5, 90, 900, 3600, 86400 * 2)] == [
        "1.5s",
        "90s",
        "15m",
        "1h",
        "2d",
    ]


def test_scrapyd_nodes_as_tables_or_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_TEST_NODE_PW", "s3cret")
    path = tmp_path / "s.toml"
    path.write_text(
        """
[daemon]
runner = "scrapyd"
project = "news-prod"
poll_interval = "2s"
node_timeout = "90s"
[[daemon.node]]
url = "http://crawl1.example:6800/"
[[daemon.node]]
url = "https://crawl2.example/scrapyd"
slots = 6
username = "newsmon"
password_env = "NEWSMON_TEST_NODE_PW"
[[job]]
id = "a"
every = "1h"
"""
    )
    daemon = load_schedules(path).daemon
    assert daemon.runner == "scrapyd" and daemon.project == "news-prod"
    assert daemon.poll_interval == timedelta(seconds=2)
    assert daemon.node_timeout == timedelta(seconds=90)
    first, second = daemon.nodes
    assert (first.url, first.name, first.username, first.password) == (
        "http://crawl1.example:6800", "crawl1.example:6800", None, None
    )  # fmt: skip
    assert (second.url, second.username, second.password, second.slots) == (
        "https://crawl2.example/scrapyd", "newsmon", "s3cret", 6
    )  # fmt: skip
    assert first.slots is None  # what the node says, else 1
    assert "s3cret" not in repr(second)
    path.write_text(
        '[daemon]\nnodes = ["http://a:6800", "http://b:6800"]\n[[job]]\nid = "a"\nevery = "1h"'
    )
    daemon = load_schedules(path).daemon
    assert daemon.runner == "local" and [n.name for n in daemon.nodes] == ["a:6800", "b:6800"]
    assert load_schedules(DEFAULT_SCHEDULES_FILE).daemon.runner == "local"


def test_an_adaptive_job_and_its_defaults(tmp_path):
    path = tmp_path / "schedules.toml"
    path.write_text(
        '[defaults]\njitter = "1m"\n[adaptive]\ntick = "45s"\nmin_interval = "5m"\n'
        '[[job]]\nid = "feeds"\nadaptive = true\ndiscovery = ["feeds"]\n'
        '[[job]]\nid = "maps"\nevery = "1h"\n'
    )
    plan = load_schedules(path)
    feeds, maps = plan.jobs
    assert feeds.adaptive and feeds.every is None and feeds.cadence == "adaptive"
    assert feeds.jitter == timedelta(0)  # the defaults' jitter spreads fixed cadences only
    assert not maps.adaptive and maps.jitter == timedelta(minutes=1)
    assert plan.adaptive.tick == timedelta(seconds=45)
    assert plan.adaptive.bounds.min_interval == timedelta(minutes=5)
    assert plan.adaptive.bounds.max_interval == timedelta(hours=6)
