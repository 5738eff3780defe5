"""``newsmon alerts run|test`` as a user runs them, two runs at once, and the daemon running alerts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from crawler.store import open_store
from tests.alert_servers import Receiver
from tests.conftest import REPO_ROOT, run_newsmon
from tests.test_schedules_daemon import start_daemon, wait_for
from tests.test_store_contract import row


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def seed(db, n: int, *, hours_ago: float = 0) -> list[int]:
    """``n`` relevant one-copy stories, first seen ``hours_ago``."""
    seen = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()
    with open_store(db) as store, store.write() as tx:
        return [
            tx.insert_article(
                row(i, relevant=1, topics='["karabakh-blockade"]', first_seen_at=seen), None
            )
            for i in range(n)
        ]


def write_alerts(path, body: str, extra: str = "") -> str:
    path.write_text(f'[[alert]]\nname = "desk"\nsince = "2000-01-01"\n{body}\n{extra}')
    return str(path)


def test_run_delivers_once_and_says_what_it_did(tmp_path, receiver, store_db):
    receiver.reset()
    db = store_db
    ids = seed(db, 3)
    alerts = write_alerts(tmp_path / "a.toml", f'webhook = "{receiver.url}"')
    first = run_newsmon("alerts", "run", "--alerts", alerts, "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert first.stdout == "desk webhook: 3 stories sent\n"
    assert first.stderr == "3 stories sent over 1 channel(s)\n"
    second = run_newsmon("alerts", "run", "--db", str(db), env={"NEWSMON_ALERTS": alerts})
    assert second.returncode == 0 and second.stdout == "desk webhook: nothing new\n"
    assert sorted(receiver.story_ids()) == ids


def test_a_failed_channel_exits_1_and_is_retried_later(tmp_path, receiver, store_db):
    receiver.reset()
    db = store_db
    seed(db, 1)
    alerts = write_alerts(tmp_path / "a.toml", f'webhook = "{receiver.url}"')
    receiver.mode = "500"
    failed = run_newsmon("alerts", "run", "--alerts", alerts, "--db", str(db))
    assert failed.returncode == 1
    assert "desk webhook: 0 stories sent, then failed: webhook " in failed.stdout
    assert "HTTP 500 Internal Server Error, retry at " in failed.stdout
    receiver.mode = "ok"
    waiting = run_newsmon("alerts", "run", "--alerts", alerts, "--db", str(db))
    assert waiting.returncode == 0 and "waiting after 1 failure(s)" in waiting.stdout
    assert receiver.accepted == []


def test_two_runs_at_once_never_deliver_a_story_twice(tmp_path, receiver, store_db):
    receiver.reset()
    receiver.mode = "delay"
    db = store_db
    ids = seed(db, 12)
    alerts = write_alerts(
        tmp_path / "a.toml", f'webhook = "{receiver.url}"', "[delivery]\nmax_stories = 1\n"
    )
    argv = [sys.executable, "-m", "crawler.cli", "alerts", "run", "--alerts", alerts, "--db", db]  # fmt: skip
    procs = [
        subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert sorted(receiver.story_ids()) == ids  # every story, each once
    assert any("being sent by another run" in out for out in outputs) or all(
        "nothing new" in out for out in outputs[1:]
    )


def test_user_errors_are_one_line(tmp_path, receiver):
    db = tmp_path / "news.db"
    alerts = write_alerts(tmp_path / "a.toml", f'webhook = "{receiver.url}"')
    no_db = run_newsmon("alerts", "run", "--alerts", alerts, "--db", str(db))
    assert no_db.returncode == 2
    assert (
        no_db.stderr
        == f"newsmon: error: no database at {db} (run newsmon crawl first, or give --db)\n"
    )
    seed(db, 1)
    bad = write_alerts(tmp_path / "b.toml", 'topics = ["blockade"]\ncommand = "true"')
    wrong_topic = run_newsmon("alerts", "run", "--alerts", bad, "--db", str(db))
    assert wrong_topic.returncode == 2 and wrong_topic.stderr.count("\n") == 1
    assert "b.toml: alert 'desk': field 'topics': unknown topic 'blockade'" in wrong_topic.stderr
    missing = run_newsmon("alerts", "run", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("newsmon: error: alerts.toml: file not found (give --alerts")
    unknown = run_newsmon("alerts", "test", "nope", "--alerts", alerts, "--db", str(db))
    assert unknown.returncode == 2 and "no alert named 'nope' (known: desk)" in unknown.stderr


def test_the_daemon_refuses_to_start_with_a_broken_alerts_file(tmp_path):
    bad = write_alerts(tmp_path / "bad.toml", 'command = "true"\nupdates = 1')
    result = run_newsmon("schedule", "--check", "--alerts", bad, "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr == (
        f"newsmon: error: {bad}: alert 'desk': field 'updates' must be of type bool\n"
    )


def test_alerts_test_sends_a_sample(tmp_path, receiver):
    receiver.reset()
    alerts = write_alerts(tmp_path / "a.toml", f'webhook = "{receiver.url}"')
    sent = run_newsmon("alerts", "test", "desk", "--alerts", alerts, "--db", str(tmp_path / "x.db"))
    assert sent.returncode == 0 and sent.stdout == "desk webhook: sent 1 story(ies)\n"
    assert receiver.story_ids() == [0]


# --- the daemon --------------------------------------------------------------------------------

DAEMON = """
[daemon]
shutdown_grace = "5s"
startup_delay = "0s"

[defaults]
memory = "none"

[[job]]
id = "quick"
every = "1s"
sources = ["a"]
settings = { FAKE_SLEEP = "0.1" }
"""

RECORD = "import sys, pathlib; pathlib.Path(sys.argv[1]).open('a').write(sys.stdin.read() + '\\n')"


def finished_runs(db, job: str) -> list:
    with open_store(db, read_only=True) as store:
        return [run for run in store.runs(job_id=job) if run.finished_at]


@pytest.mark.slow
def test_the_daemon_runs_alerts_after_every_crawl_and_survives_a_failing_one(
    tmp_path, monkeypatch, store_db
):
    db = store_db
    ids = seed(db, 2)
    out = tmp_path / "got.jsonl"
    command = json.dumps([sys.executable, "-c", RECORD, str(out)])
    (tmp_path / "alerts.toml").write_text(
        f'[[alert]]\nname = "broken"\nsince = "2000-01-01"\ncommand = "false"\n\n'
        f'[[alert]]\nname = "desk"\nsince = "2000-01-01"\ncommand = {command}\n'
    )
    monkeypatch.setenv("NEWSMON_ALERTS", str(tmp_path / "alerts.toml"))
    daemon = start_daemon(tmp_path, DAEMON, db=db if db.startswith("postgresql://") else None)
    try:
        wait_for(lambda: out.exists() and out.read_text().strip(), what="the alert")
        wait_for(lambda: len(finished_runs(db, "quick")) >= 3,
                 what="crawls after the failing alert")  # fmt: skip
        daemon.stop()
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
    assert daemon.proc.returncode == 0
    (line,) = out.read_text().splitlines()  # once, although alerts ran after every crawl
    assert [s["story_id"] for s in json.loads(line)["stories"]] == ids
    log = daemon.log()
    assert "alerts: desk command: 2 stories sent" in log
    assert (
        "alerts: broken command: 0 stories sent, then failed: command false: exit status 1" in log
    )
    assert log.count("alerts: desk command: nothing new") >= 1
