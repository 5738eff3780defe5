"""``newsmon crawl`` option errors: a clear message and exit 2, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, one_line_error, run_newsmon


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "yesterdayish"],
            "Invalid value for --since: 'yesterdayish' is neither a duration",
        ),
        (["-s", "BROKEN"], "Invalid value for -s: 'BROKEN' is not NAME=VALUE"),
        (["--topics", "/nonexistent/topics.toml"], "/nonexistent/topics.toml: file not found"),
    ],
)
def test_bad_options_fail_clearly(tmp_path, args, message):
    result = run_newsmon("crawl", "--db", str(tmp_path / "x.db"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


UNREACHABLE = """
[[source]]
name = "quiet"
url = "http://127.0.0.1:1/"
language = "en"
feeds = ["http://127.0.0.1:1/feed/"]
allow_private = true
"""
FAST = ("-s", "RETRY_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")


@pytest.fixture
def unreachable(tmp_path) -> Path:
    """A sources file whose only source refuses connections (nothing leaves the machine)."""
    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "sources.toml"
    path.write_text(UNREACHABLE, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--discovery", "feeds,rss"],
            "Invalid value for --discovery: unknown kind 'rss' (known: feeds, sitemaps, wordpress)",
        ),
        (
            ["-s", "DOWNLOAD_DELAY=abc"],
            "Invalid value for -s: DOWNLOAD_DELAY='abc': expected a number",
        ),
        (
            ["-s", "ROBOTSTXT_OBEY=maybe"],
            "Invalid value for -s: ROBOTSTXT_OBEY='maybe': expected True",
        ),
        (["-s", "CONCURRENT_REQUESTS=many"], "CONCURRENT_REQUESTS='many': expected a whole number"),
        (["--since", "2099-01-01"], "Invalid value for --since: '2099-01-01' is in the future"),
        (
            ["--log-file", "{tmp}/missing/dir/x.log"],
            "Invalid value for --log-file: folder '{tmp}/missing/dir' does not exist",
        ),
        (["--since", "99999999999d"], "Invalid value for --since: '99999999999d': too long"),
        (["--wait", "99999999999w"], "Invalid value for --wait: '99999999999w': too long"),
        (["--db", ""], "Invalid value for '--db': is empty"),
        (["--sources", ""], "Invalid value for '--sources': is empty"),
    ],
)
def test_usage_errors_come_before_any_lock_or_run_row(tmp_path, unreachable, args, message):
    db = tmp_path / "data" / "x.db"
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run_newsmon("crawl", "--sources", str(unreachable), "--db", str(db), *args)
    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("newsmon: error: ") and message.replace("{tmp}", str(tmp_path)) in line
    # Nothing was taken or written: no database (so no crawl_runs row), no lock, no log.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_a_database_path_that_is_a_directory_is_a_usage_error(tmp_path, unreachable):
    result = run_newsmon("crawl", "--sources", str(unreachable), "--db", str(tmp_path))
    assert result.returncode == 2
    assert f"'{tmp_path}' is a directory" in one_line_error(result)


def test_discovery_defaults_to_every_kind():
    from crawler.commands.crawl import crawl
    from crawler.config import DISCOVERY_KINDS

    option = next(p for p in crawl.params if p.name == "discovery")
    assert option.default.split(",") == list(DISCOVERY_KINDS)


def test_default_log_folder_is_created_and_an_existing_folder_is_accepted(tmp_path, unreachable):
    db = tmp_path / "data" / "x.db"
    result = run_newsmon("crawl", "--sources", str(unreachable), "--db", str(db), *FAST)
    assert result.returncode == 3, result.stderr  # nothing reachable, as intended
    assert len(list((tmp_path / "data" / "logs").glob("crawl-*.log"))) == 1
    log = tmp_path / "mine.log"
    result = run_newsmon(
        "crawl", "--sources", str(unreachable), "--db", str(db), "--log-file", str(log), *FAST
    )
    assert result.returncode == 3, result.stderr
    assert "127.0.0.1:1" in log.read_text()


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_database_under_a_regular_file_exits_5(tmp_path, unreachable, verbose):
    (tmp_path / "file").write_text("not a folder")
    db = tmp_path / "file" / "x.db"
    result = run_newsmon("crawl", "--sources", str(unreachable), "--db", str(db), *verbose)
    assert result.returncode == 5
    line = one_line_error(result)
    assert line.startswith(f"newsmon: error: cannot write to the database {db}: ")
    assert line.endswith("Not a directory")


def _read_only_mount_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o ro tmpfs /mnt"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mount_works(), reason="no private read-only mount here")
@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_database_in_a_read_only_folder_exits_5(tmp_path, unreachable, verbose):
    folder = tmp_path / "ro"
    folder.mkdir()
    # A read-only tmpfs over the folder, in a mount namespace of this command only
    # (as root, a chmod would not stop the writes).
    script = 'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"'
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--sources", str(unreachable)]
    command += ["--db", str(folder / "x.db"), *verbose]
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), *command],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 5, result.stderr
    assert one_line_error(result).endswith("Read-only file system")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_database_in_an_unwritable_folder_exits_5(tmp_path, unreachable):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run_newsmon("crawl", "--sources", str(unreachable), "--db", str(folder / "x.db"))
    finally:
        folder.chmod(0o755)
    assert result.returncode == 5
    assert one_line_error(result).endswith("Permission denied")
