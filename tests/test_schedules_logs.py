"""The daemon's logs: UTC timestamps in a rotating file and on stderr, pruning of per-run crawl logs."""

from __future__ import annotations

import logging
import re
import time

from schedules.logs import configure_logging, prune_crawl_logs


def test_prune_keeps_the_newest_runs_by_number(tmp_path):
    for run in (1, 2, 9, 10, 11, 100):
        (tmp_path / f"run-{run}.log").write_text("x")
    (tmp_path / "notes.txt").write_text("kept")
    prune_crawl_logs(tmp_path, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "run-10.log",
        "run-100.log",
        "run-11.log",
    ]
    prune_crawl_logs(tmp_path, 0)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_log_lines_carry_utc_times_whatever_the_local_zone(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TZ", "Asia/Yerevan")
    time.tzset()
    root, apscheduler = logging.getLogger(), logging.getLogger("apscheduler")
    handlers, level, apscheduler_level = list(root.handlers), root.level, apscheduler.level
    try:
        path = configure_logging(tmp_path / "logs")
        before = time.gmtime()
        logging.getLogger("newsmon.schedule").info("job feeds: run 1 ok")
        for handler in root.handlers:
            handler.flush()
        configured_apscheduler_level = apscheduler.level
    finally:
        for handler in root.handlers[len(handlers) :]:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        apscheduler.setLevel(apscheduler_level)
        monkeypatch.undo()
        time.tzset()
    line = path.read_text().strip()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ INFO job feeds: run 1 ok", line)
    assert line[11:13] in {
        f"{before.tm_hour:02d}",
        f"{(before.tm_hour + 1) % 24:02d}",
    }  # UTC, not +04:00
    assert line in capsys.readouterr().err
    assert (
        configured_apscheduler_level == logging.ERROR
    )  # its warnings repeat the daemon's own lines
