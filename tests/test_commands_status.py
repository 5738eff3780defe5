"""``newsmon status`` and ``newsmon runs`` on a database with a known history."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.db import connect, write_transaction
from crawler.runs import finish_run, start_run
from tests.conftest import run_newsmon

SCHEDULES = """
[daemon]
startup_delay = "10s"
[[job]]
id = "feeds"
every = "15m"
discovery = ["feeds"]
[[job]]
id = "weekly"
cron = "0 3 * * 0"
enabled = false
"""

SOURCES = """
[[source]]
name = "alpha"
url = "https://alpha.example/"
language = "en"
feeds = ["https://alpha.example/feed"]

[[source]]
name = "beta"
url = "https://beta.example/"
language = "ru"
feeds = ["https://beta.example/feed"]

[[source]]
name = "gamma"
url = "https://gamma.example/"
language = "hy"
feeds = ["https://gamma.example/feed"]
"""


@pytest.fixture
def yerevan(monkeypatch):
    """Local time in Yerevan (+04:00), and a console wide enough for one line per row."""
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("TZ", "Asia/Yerevan")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def setup(tmp_path):
    """A database with 4 finished runs: alpha healthy, beta finds nothing new, and one run killed."""
    db_path = tmp_path / "news.db"
    (tmp_path / "schedules.toml").write_text(SCHEDULES)
    (tmp_path / "sources.toml").write_text(SOURCES)
    db = connect(db_path)
    for hour in range(3):
        run_id = start_run(db, trigger="schedule", sources=["alpha", "beta"], job_id="feeds")
        finish_run(db, run_id, status="ok", per_source={
            "alpha": {"pages_fetched": 5, "articles_new": 2},
            "beta": {"pages_fetched": 4, "articles_new": 0},
        })  # fmt: skip
        with write_transaction(db):
            db.execute("UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE id = ?",
                       [f"2024-01-01T0{hour}:00:00+00:00", f"2024-01-01T0{hour}:01:30+00:00", run_id])  # fmt: skip
    manual = start_run(db, trigger="manual", sources=["beta"])
    finish_run(db, manual, status="timeout", message="exceeded its 10m timeout")
    with write_transaction(db):
        db.execute(
            "UPDATE crawl_runs SET started_at = '2024-01-01T10:00:00+00:00' WHERE id = ?", [manual]
        )
        for n, (source, relevant) in enumerate([("alpha", 1), ("alpha", 0), ("beta", 1)]):
            db.execute(
                "INSERT INTO articles (url, url_key, source, title, body, fetched_at, first_seen_at, content_hash, relevant) "
                "VALUES (?, ?, ?, 't', 'b', '2024-01-01T00:00:00+00:00', strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?, ?)",
                [f"https://x/{n}", f"x/{n}", source, f"h{n}", relevant],
            )
    db.close()
    return tmp_path


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def status_json(tmp_path, *extra: str) -> dict:
    out = invoke("status", "--db", str(tmp_path / "news.db"), "--schedules", str(tmp_path / "schedules.toml"),
                 "--sources", str(tmp_path / "sources.toml"), "--json", *extra)  # fmt: skip
    return json.loads(out)


def test_status_reports_sources_health_jobs_and_database(setup):
    report = status_json(setup, "--window", "3")
    sources = {s["source"]: s for s in report["sources"]}
    assert list(sources) == ["alpha", "beta", "gamma"]
    assert sources["alpha"]["unhealthy"] == []
    assert (
        sources["alpha"]["last_run"]["articles_new"] == 2
        and sources["alpha"]["last_run"]["job_id"] == "feeds"
    )
    assert (
        sources["beta"]["last_run"]["status"] == "timeout"
        and sources["beta"]["last_run"]["trigger"] == "manual"
    )
    assert sources["beta"]["unhealthy"] == ["no new article in its last 3 runs"]
    assert sources["gamma"]["last_run"] is None and sources["gamma"]["judged_runs"] == 0

    jobs = {j["job"]: j for j in report["jobs"]}
    assert not report["daemon"]["running"]
    assert jobs["feeds"]["last_run"]["id"] == 3
    assert (
        jobs["feeds"]["next_run_note"] == "if the daemon starts now"
    )  # overdue: soon after a start
    assert jobs["weekly"]["enabled"] is False and jobs["weekly"]["next_run_at"] is None

    database = report["database"]
    assert (
        database["articles"] == 3
        and database["relevant_articles"] == 2
        and database["articles_last_24h"] == 3
    )
    assert (
        database["sources_with_articles"] == 2
        and database["runs"] == 4
        and database["size_bytes"] > 0
    )


def test_a_longer_window_does_not_judge_sources_with_fewer_runs(setup):
    report = status_json(setup, "--window", "10")
    assert all(not s["unhealthy"] for s in report["sources"])


def test_status_shows_the_running_daemons_next_runs(setup):
    state = {
        "pid": os.getpid(),
        "jobs": {"feeds": {"next_run_at": "2030-01-01T00:00:00+00:00", "running_run_id": 9}},
    }
    (setup / "news.schedule.json").write_text(json.dumps(state))
    report = status_json(setup)
    feeds = next(j for j in report["jobs"] if j["job"] == "feeds")
    assert report["daemon"] == {"running": True, "pid": os.getpid()}
    assert (
        feeds["next_run_at"] == "2030-01-01T00:00:00+00:00"
        and feeds["next_run_note"] == "running now (run 9)"
    )


def test_a_stale_state_file_means_no_daemon(setup):
    gone = 2**22 + 1  # above Linux's largest pid_max: no such process
    (setup / "news.schedule.json").write_text(json.dumps({"pid": gone, "jobs": {}}))
    assert status_json(setup)["daemon"]["running"] is False


def test_status_table_in_local_time(setup, yerevan):
    out = invoke("status", "--db", str(setup / "news.db"), "--schedules", str(setup / "schedules.toml"),
                 "--sources", str(setup / "sources.toml"), "--window", "3")  # fmt: skip
    assert "daemon: not running" in out
    assert "2024-01-01 14:00:00" in out  # the manual run of 10:00 UTC, in Yerevan (+04:00)
    assert "unhealthy: no new article in its last 3 runs" in out
    assert "times are local (UTC+04:00)" in out
    assert "3 article(s) (2 relevant" in out


def test_runs_lists_the_history_newest_first(setup, yerevan):
    out = invoke("runs", "--db", str(setup / "news.db"), "--limit", "2")
    assert (
        "2024-01-01 14:00:00" in out
        and "2024-01-01 06:00:00" in out
        and "2024-01-01 05:00:00" not in out
    )
    # how long the run took
    assert "timeout" in out and "schedule (feeds)" in out and "1m 30s" in out
    listed = json.loads(invoke("runs", "--db", str(setup / "news.db"), "--json"))
    assert [r["id"] for r in listed] == [4, 3, 2, 1]
    assert listed[0]["trigger"] == "manual" and listed[1]["job_id"] == "feeds"


def test_runs_of_one_source_show_its_own_counts(setup):
    listed = json.loads(
        invoke(
            "runs", "--db", str(setup / "news.db"), "--source", "alpha", "--json", "--limit", "1"
        )
    )
    assert len(listed) == 1 and listed[0]["id"] == 3
    assert (
        listed[0]["pages_fetched"] == 5 and listed[0]["articles_new"] == 2
    )  # alpha's share of the run's 9 pages
    assert (
        json.loads(invoke("runs", "--db", str(setup / "news.db"), "--source", "gamma", "--json"))
        == []
    )
    assert "no runs recorded yet" in invoke(
        "runs", "--db", str(setup / "news.db"), "--source", "gamma"
    )


def test_a_missing_database_is_one_line_and_exit_2(tmp_path):
    for command in ("status", "runs"):
        result = run_newsmon(command, "--db", str(tmp_path / "none.db"))
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"newsmon: error: {tmp_path / 'none.db'}: no such database (create it with `newsmon crawl` or `newsmon schedule`)"
        ]
        assert not (tmp_path / "none.db").exists()


def test_a_file_named_on_the_command_line_must_load(tmp_path):
    from crawler.db import connect

    db = tmp_path / "x.db"
    connect(db).close()
    missing = tmp_path / "nope.toml"
    for option in ("--sources", "--schedules"):
        result = run_newsmon("status", "--db", str(db), option, str(missing))
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [f"newsmon: error: {missing}: file not found"]


def test_huge_counts_are_usage_errors(tmp_path):
    from crawler.db import connect

    db = tmp_path / "x.db"
    connect(db).close()
    for command, option in (
        ("runs", "--limit"),
        ("status", "--window"),
        ("rescore", "--batch-size"),
    ):
        result = run_newsmon(command, "--db", str(db), option, "99999999999999999999")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert f"Invalid value for '{option}'" in result.stderr
