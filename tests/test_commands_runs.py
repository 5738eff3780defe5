"""``newsmon runs``: nothing cut or blanked at 80, 100 and 120 columns; the counts --json has."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.runs import start_run
from crawler.store import open_store

MESSAGE = (
    "skipped busy source(s): news-am (pid 4242 on crawler-2, run 8); "
    "errors: DNS lookup failed ×40, timeout ×12, HTTP 404 ×3"
)


@pytest.fixture
def history(tmp_path):
    """Four runs: finished with a long message, still running, abandoned (process gone), unreachable."""
    db_path = tmp_path / "news.db"
    db = open_store(db_path)
    done = start_run(db, trigger="schedule", sources=["massispost", "asbarez"], job_id="sitemaps")
    db.finish_run(done, status="ok", message=MESSAGE, per_source={
        "massispost": {"pages_fetched": 1234, "articles_new": 321, "articles_updated": 12,
                       "duplicates": 5, "relevant": 7, "errors": 55},
    })  # fmt: skip
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    start_run(db, trigger="manual", sources=["news-am"], pid=gone.pid)
    start_run(db, trigger="manual", sources=[f"source-{n}" for n in range(25)])  # this process
    unreachable = start_run(db, trigger="schedule", sources=["a", "b", "c"], job_id="feeds")
    db.finish_run(unreachable, status="unreachable", per_source={"a": {"errors": 16}})
    with db.write() as tx:
        tx.conn.execute(
            "UPDATE crawl_runs SET finished_at = '2024-01-01T01:23:45+00:00', "
            "started_at = '2024-01-01T00:00:00+00:00' WHERE id = ?",
            [done],
        )
    db.close()
    return db_path


def runs_output(db_path, columns: int, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["runs", "--db", str(db_path), *args], env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_runs_fit_the_terminal_and_cut_nothing(history, columns):
    out = runs_output(history, columns)
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines), "\n".join(lines)
    rows = {line.split()[0]: line for line in lines if line.split() and line.split()[0].isdigit()}
    assert set(rows) == {"1", "2", "3", "4"}
    assert rows["1"].split()[-6:] == ["1234", "321", "12", "5", "7", "55"]
    assert " ok " in rows["1"] and "1h 23m" in rows["1"]
    assert " abandoned " in rows["2"]
    assert " running " in rows["3"]
    assert " unreachable " in rows["4"]
    header = next(line for line in lines if line.startswith("run "))
    assert header.split()[-6:] == ["pages", "new", "upd", "dup", "rel", "err"]
    # The details wrap under each run, whole: trigger, sources, message.
    flat = " ".join(" ".join(lines).split())
    assert f"schedule (sitemaps) · massispost, asbarez · {MESSAGE}" in flat
    assert "manual · news-am · process" in flat and "ended without closing its run" in flat
    assert "manual · 25 sources" in flat


def test_runs_json_has_the_same_counts_and_the_judged_status(history):
    listed = json.loads(runs_output(history, 80, "--json"))
    assert [r["status"] for r in listed] == ["unreachable", "running", "abandoned", "ok"]
    assert listed[3]["relevant"] == 7 and listed[3]["errors"] == 55
    assert all(r["host"] for r in listed)
