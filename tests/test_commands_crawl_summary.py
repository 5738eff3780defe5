"""The summary ``newsmon crawl`` prints at the end: how long, how it ended, and what went wrong where."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from crawler.commands.summary import print_summary, summary_lines
from crawler.stats import per_source
from tests.conftest import REPO_ROOT
from tests.fault_helpers import crawl_command, robots, source_block
from tests.mockweb import MockWeb, Response


def summary(capsys, stats: dict, names: list[str], run_id: int | None = 7) -> list[str]:
    print_summary(per_source(stats, names), stats, run_id=run_id, db_path="/data/news.db")
    return capsys.readouterr().out.splitlines()


STATS = {
    "finish_reason": "finished",
    "elapsed_time_seconds": 83.4,
    "source/alpha/pages_fetched": 0,
    "source/alpha/errors": 52,
    "source/alpha/errors/download/CannotResolveHostError": 40,
    "source/alpha/errors/download/DownloadTimeoutError": 12,
    "source/beta/pages_fetched": 9,
    "source/beta/articles_new": 4,
}


def test_the_summary_says_how_long_and_the_main_error_kinds_of_each_source(capsys):
    lines = summary(capsys, STATS, ["alpha", "beta"])
    assert "run 7 finished in 1m 23s" in lines
    assert "  alpha: DNS lookup failed ×40, timeout ×12" in lines
    assert not any(line.lstrip().startswith("beta:") for line in lines)  # no errors, no line
    assert lines[-1] == "database: /data/news.db"
    text = "\n".join(lines)
    assert "finished (finished)" not in text
    assert not any(line.rstrip().endswith(";") for line in lines)


@pytest.mark.parametrize(
    ("extra", "ending"),
    [
        ({"finish_reason": "shutdown"}, "run 7 stopped early (SIGINT or SIGTERM) in 1m 23s"),
        ({"finish_reason": "closespider_timeout"}, "run 7 stopped early: CLOSESPIDER_TIMEOUT reached in 1m 23s"),
        ({"finish_reason": "odd_reason"}, "run 7 stopped early (odd_reason) in 1m 23s"),
        ({"newsmon/killed_by": "SIGINT"}, "run 7 stopped by SIGINT twice (forced) in 1m 23s"),
    ],
)  # fmt: skip
def test_the_first_line_says_how_the_crawl_ended(extra, ending):
    assert summary_lines({**STATS, **extra}, run_id=7, db_path="x.db")[0] == ending


def test_a_crawl_closed_without_scrapy_elapsed_time_counts_from_its_start():
    stats = {"start_time": datetime.now(UTC) - timedelta(seconds=75)}
    first = summary_lines(stats, run_id=None, db_path="x.db")[0]
    assert first.startswith("stopped before the crawl closed in 1m 1")
    assert summary_lines({}, run_id=None, db_path="x.db")[0] == "stopped before the crawl closed"


def test_skipped_and_unchanged_counts_only_when_there_are_some():
    quiet = summary_lines(STATS, run_id=7, db_path="x.db")
    assert not any("not fetched again" in line for line in quiet)
    busy = summary_lines(
        {**STATS, "incremental/skipped": 5, "conditional/not_modified": 2}, run_id=7, db_path="x.db"
    )
    assert "5 stored article(s) not fetched again, 2 feed(s)/sitemap(s) unchanged (304)" in busy


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_crawl_names_each_sources_error_kinds_in_its_summary_and_run(tmp_path):
    web = MockWeb()
    try:
        base = web.add_site("missing")
        web.route("missing", "/robots.txt", robots())
        web.route("missing", "/feed/", Response(404, b"gone"))
        refused = f"http://127.0.0.1:{closed_port()}"
        sources = tmp_path / "sources.toml"
        sources.write_text(
            source_block("missing", f"{base}/", feeds=[f"{base}/feed/"])
            + source_block("refused", f"{refused}/", feeds=[f"{refused}/feed/"])
        )
        db = tmp_path / "news.db"
        result = subprocess.run(
            crawl_command(sources, db, "-s", "RETRY_TIMES=0"),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        web.stop()
    assert result.returncode == 0, result.stderr[-2000:]  # the 404 was a page fetched
    out = result.stdout.splitlines()
    assert "  missing: HTTP 404 ×1" in out
    refused_line = next(line for line in out if line.startswith("  refused: "))
    assert refused_line.startswith("  refused: connection refused ×")
    assert any(line.startswith("run 1 finished in ") for line in out)
    conn = sqlite3.connect(db)
    message = conn.execute("SELECT message FROM crawl_runs").fetchone()[0]
    conn.close()
    kinds = message.removeprefix("errors: ").split(", ")
    assert "HTTP 404 ×1" in kinds and any(k.startswith("connection refused ×") for k in kinds)
