"""``newsmon status`` and ``newsmon runs`` on a database with a known history."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.runs import start_run
from crawler.store import open_store
from crawler.store.sqlite.connection import connect, write_transaction
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
    db = open_store(db_path)
    for hour in range(3):
        run_id = start_run(db, trigger="schedule", sources=["alpha", "beta"], job_id="feeds")
        db.finish_run(run_id, status="ok", per_source={
            "alpha": {"pages_fetched": 5, "articles_new": 2},
            "beta": {"pages_fetched": 4, "articles_new": 0},
        })  # fmt: skip
        with db.write() as tx:
            tx.conn.execute("UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE id = ?",
                       [f"2024-01-01T0{hour}:00:00+00:00", f"2024-01-01T0{hour}:01:30+00:00", run_id])  # fmt: skip
    manual = start_run(db, trigger="manual", sources=["beta"])
    db.finish_run(manual, status="timeout", message="exceeded its 10m timeout")
    with db.write() as tx:
        tx.conn.execute(
            "UPDATE crawl_runs SET started_at = '2024-01-01T10:00:00+00:00', "
            "finished_at = '2024-01-01T10:10:00+00:00' WHERE id = ?",
            [manual],
        )
        for n, (source, relevant) in enumerate([("alpha", 1), ("alpha", 0), ("beta", 1)]):
            tx.conn.execute(
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
    report = status_json(setup)
    sources = {s["source"]: s for s in report["sources"]}
    assert list(sources) == ["alpha", "beta", "gamma"]
    assert sources["alpha"]["unhealthy"] == [] and sources["alpha"]["health"]["state"] == "ok"
    assert (
        sources["alpha"]["last_run"]["articles_new"] == 2
        and sources["alpha"]["last_run"]["job_id"] == "feeds"
    )
    assert (
        sources["beta"]["last_run"]["status"] == "timeout"
        and sources["beta"]["last_run"]["trigger"] == "manual"
    )
    assert sources["beta"]["unhealthy"] == []  # 3 runs without a new article are not 3 quiet days
    assert sources["gamma"]["last_run"] is None and sources["gamma"]["health"]["state"] == "unknown"

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


def test_a_window_that_is_not_a_duration_is_one_line_and_exit_2(setup):
    result = run_newsmon("status", "--db", str(setup / "news.db"), "--window", "10")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--window" in result.stderr and "'10' is not a duration" in result.stderr


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
                 "--sources", str(setup / "sources.toml"))  # fmt: skip
    assert "daemon: not running" in out
    assert "2024-01-01 14:00:00" in out  # the manual run of 10:00 UTC, in Yerevan (+04:00)
    assert "not crawled yet" in out  # gamma
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


HEALTH_SOURCES = "".join(
    f'[[source]]\nname = "{name}"\nurl = "https://{name}.example/"\nlanguage = "en"\n'
    f'feeds = ["https://{name}.example/feed"]\n\n'
    for name in ("steady", "quiet", "failing", "newcomer")
)


@pytest.fixture
def health_db(tmp_path):
    """A day of 15-minute feeds runs: a steady outlet, one quiet for 3 days, one failing for 7 hours."""
    now = datetime.now(UTC).replace(microsecond=0)
    db = connect(tmp_path / "news.db")
    (tmp_path / "sources.toml").write_text(HEALTH_SOURCES)
    (tmp_path / "schedules.toml").write_text(SCHEDULES)
    with write_transaction(db):
        for step in range(4 * 24 * 3, 0, -1):  # every 15 minutes for 3 days, oldest first
            started = now - step * timedelta(minutes=15)
            failing = step <= 4 * 7
            cursor = db.execute(
                "INSERT INTO crawl_runs (started_at, finished_at, trigger, job_id, sources, status, message) "
                "VALUES (?, ?, 'schedule', 'feeds', '[\"steady\",\"quiet\",\"failing\"]', 'ok', '')",
                [started.isoformat(), (started + timedelta(minutes=1)).isoformat()],
            )
            # An unchanged feed: one page (the 304), no error, nothing new.
            for source in ("steady", "quiet", "failing"):
                pages, errors = (0, 3) if source == "failing" and failing else (1, 0)
                db.execute(
                    "INSERT INTO crawl_run_sources (run_id, source, status, pages_fetched, errors) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        cursor.lastrowid,
                        source,
                        "error" if errors and not pages else "ok",
                        pages,
                        errors,
                    ],
                )
        articles = [
            ("steady", now - timedelta(minutes=150) - n * timedelta(hours=1)) for n in range(200)
        ]
        articles += [
            ("quiet", now - timedelta(days=3, hours=1) - n * timedelta(hours=4)) for n in range(100)
        ]
        articles += [
            ("failing", now - timedelta(hours=7) - n * timedelta(hours=2)) for n in range(100)
        ]
        for n, (source, when) in enumerate(articles):
            db.execute(
                "INSERT INTO articles (url, url_key, source, title, body, published_at, fetched_at, "
                "first_seen_at, content_hash) VALUES (?, ?, ?, 't', 'b', ?, ?, ?, ?)",
                [f"https://x/{n}", f"x/{n}", source, when.isoformat(), when.isoformat(),
                 when.isoformat(), f"h{n}"],
            )  # fmt: skip
    db.close()
    return tmp_path


def test_health_is_judged_over_time_and_says_why(health_db, yerevan):
    report = status_json(health_db)
    health = {s["source"]: s["health"] for s in report["sources"]}
    # Quiet for 2½ hours, its feed answering 304 at each of 288 runs: healthy.
    assert health["steady"]["state"] == "ok" and health["steady"]["reasons"] == []
    assert health["steady"]["usual_gap_seconds"] == 3600
    assert health["quiet"]["reasons"] == ["no new article for 3d, usually every 4h"]
    assert health["failing"]["reasons"] == ["errors for 6h: all 3 request(s) failed"]
    assert health["newcomer"]["state"] == "unknown"
    assert report["window"] == "30d"

    out = invoke("status", "--db", str(health_db / "news.db"), "--schedules",
                 str(health_db / "schedules.toml"), "--sources", str(health_db / "sources.toml"))  # fmt: skip
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert "ok (last article 2h ago, usually every 1h)" in lines["steady"]
    assert "unhealthy: no new article for 3d, usually every 4h" in lines["quiet"]
    assert "unhealthy: errors for 6h: all 3 request(s) failed" in lines["failing"]
    assert "not crawled yet" in lines["newcomer"]


def test_crawls_killed_without_closing_their_runs_count_as_errors(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    gone = 2**22 + 1  # above Linux's largest pid_max: no such process
    db = connect(tmp_path / "news.db")
    with write_transaction(db):
        for step in range(7, -1, -1):  # a crawl every hour, each killed (SIGKILL, OOM killer)
            db.execute(
                "INSERT INTO crawl_runs (started_at, trigger, sources, status, pid) "
                "VALUES (?, 'manual', '[\"killed\"]', 'running', ?)",
                [(now - timedelta(hours=step)).isoformat(), gone],
            )
    db.close()
    (tmp_path / "sources.toml").write_text(SOURCES.replace("alpha", "killed"))
    (tmp_path / "schedules.toml").write_text(SCHEDULES)
    report = status_json(tmp_path)
    killed = next(s for s in report["sources"] if s["source"] == "killed")
    assert killed["last_run"]["status"] == "abandoned"
    assert killed["unhealthy"][-1] == (
        f"errors for 7h: abandoned: process {gone} ended without closing its run"
    )


def test_a_file_named_on_the_command_line_must_load(tmp_path):
    from crawler.store import open_store as connect

    db = tmp_path / "x.db"
    connect(db).close()
    missing = tmp_path / "nope.toml"
    for option in ("--sources", "--schedules"):
        result = run_newsmon("status", "--db", str(db), option, str(missing))
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [f"newsmon: error: {missing}: file not found"]


def test_huge_counts_are_usage_errors(tmp_path):
    from crawler.store import open_store as connect

    db = tmp_path / "x.db"
    connect(db).close()
    for command, option, value in (
        ("runs", "--limit", "99999999999999999999"),
        ("status", "--window", "99999999999999999999d"),
        ("rescore", "--batch-size", "99999999999999999999"),
    ):
        result = run_newsmon(command, "--db", str(db), option, value)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("newsmon: error: Invalid value for ")
        assert option in result.stderr
