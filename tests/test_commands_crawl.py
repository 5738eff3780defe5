"""``newsmon crawl`` option errors: a clear message and exit 2, never a traceback."""

from __future__ import annotations

import pytest

from tests.conftest import run_newsmon


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
