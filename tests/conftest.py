"""Shared fixtures: paths, the shared data sets, the mock news web."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mockweb import MockWeb

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["Asia/Yerevan", "America/Los_Angeles"])
def local_zone(request, monkeypatch):
    """The process's local zone set away from UTC (both sides of it), for tests of
    code that must read UTC whatever the machine's zone; use with
    ``pytestmark = pytest.mark.usefixtures("local_zone")``."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout (``NEWSMON_SHARED_DATA`` overrides)."""
    return Path(os.environ.get("NEWSMON_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data sets not found at {path} (set NEWSMON_SHARED_DATA)")
    return path


@pytest.fixture
def mock_web():
    """A fresh mock news web (three outlets) for one test."""
    web = MockWeb().start()
    yield web
    web.stop()


@pytest.fixture
def mock_sources(mock_web, tmp_path) -> Path:
    """A sources file pointing at ``mock_web``."""
    return mock_web.sources_toml(tmp_path / "sources.toml")


def run_newsmon(
    *args: str, env: dict | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("NEWSMON_DB", None) if env is None or "NEWSMON_DB" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd or REPO_ROOT,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single stderr line of a failed command (asserting there is one and no traceback)."""
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the machine's binaries for this test session (skipped, with the reason, without one)."""
    from tests.pgserver import PostgresServer, ServerUnavailable

    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        pytest.skip(f"PostgreSQL tests need a server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new, empty database on the session's server."""
    return postgres_server.create_database()


def stored(db: str, items: list) -> str:
    """``db`` (a ``--db`` value) with ``items`` stored as the crawl stores them."""
    from crawler.store import open_store
    from pipelines.storage import store_articles

    with open_store(db) as store:
        store_articles(store, items)
    return db


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path) -> str:
    """The ``--db`` value of each backend, not created yet: a file path, or an empty database
    of the session's server (for the commands' tests that run on both)."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "news.db")
