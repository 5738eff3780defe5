"""``newsmon schedule`` through the real command line: bad input ends in one line."""

from __future__ import annotations

from tests.conftest import run_newsmon


def test_schedule_check_refuses_a_broken_topics_file(tmp_path):
    topics = tmp_path / "topics.toml"
    topics.write_text("[[topic]]\nname = \n", encoding="utf-8")
    result = run_newsmon(
        "schedule", "--check", "--topics", str(topics), "--db", str(tmp_path / "x.db")
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"newsmon: error: {topics}: invalid TOML")
    assert "Traceback" not in result.stderr


def test_schedule_with_a_database_under_a_regular_file_is_one_line(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = run_newsmon("schedule", "--db", str(tmp_path / "file" / "x.db"), timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"newsmon: error: cannot write the log folder {tmp_path / 'file' / 'logs'}: Not a directory"
    ]
