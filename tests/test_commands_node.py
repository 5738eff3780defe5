"""``newsmon scrapyd-node``: the files it writes for Scrapyd, and its one-line errors.

The node it starts is exercised by ``test_schedules_scrapyd.py``.
"""

from __future__ import annotations

import configparser

from tests.conftest import one_line_error, run_newsmon


def test_check_writes_the_node_s_files(tmp_path):
    folder = tmp_path / "node"
    result = run_newsmon(
        "scrapyd-node", "--dir", str(folder), "--port", "6810", "--max-proc", "3",
        "--project", "news-prod", "--check",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    conf = configparser.ConfigParser()
    conf.read(folder / "scrapyd.conf")
    expected = {
        "bind_address": "127.0.0.1",
        "http_port": "6810",
        "max_proc": "3",
        "logs_dir": "logs",
    }
    assert dict(conf["scrapyd"]).items() >= expected.items()
    assert "username" not in conf["scrapyd"]
    cfg = configparser.ConfigParser()
    cfg.read(folder / "scrapy.cfg")
    assert dict(cfg["settings"]) == {"news-prod": "crawler.settings"}


def test_basic_auth_takes_the_password_from_the_environment(tmp_path):
    folder = tmp_path / "node"
    args = ("scrapyd-node", "--dir", str(folder), "--username", "newsmon", "--check")
    missing = run_newsmon(*args)
    assert missing.returncode == 2
    assert "--username needs the password in NEWSMON_SCRAPYD_PASSWORD" in one_line_error(missing)
    given = run_newsmon(*args, env={"NEWSMON_SCRAPYD_PASSWORD": "s3cret"})
    assert given.returncode == 0, given.stderr
    conf = configparser.ConfigParser()
    conf.read(folder / "scrapyd.conf")
    assert (conf["scrapyd"]["username"], conf["scrapyd"]["password"]) == ("newsmon", "s3cret")
    assert (folder / "scrapyd.conf").stat().st_mode & 0o077 == 0


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    result = run_newsmon("scrapyd-node", "--dir", str(tmp_path / "file" / "node"), "--check")
    assert result.returncode != 0
    assert "cannot write" in one_line_error(result)
