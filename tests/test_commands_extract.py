"""``newsmon extract`` through the real command line, in a subprocess."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

PAGES = Path(__file__).parent / "fixtures" / "pages"
MASSISPOST = PAGES / "en-wordpress-massispost.html"
MASSISPOST_URL = "https://massispost.com/2023/02/russian-peacekeepers-decline-to-escort-karabakh-protest-convoy-to-hakari-bridge/"
REQUIRED = {"title", "body", "published_at", "modified_at", "authors", "language"}


def run_newsmon(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """The real command line (``python -m crawler.cli``) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


def test_one_file_prints_one_json_object():
    result = run_newsmon("extract", str(MASSISPOST), "--url", MASSISPOST_URL)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert REQUIRED <= set(record)
    assert (
        record["title"]
        == "Russian Peacekeepers Decline to Escort Karabakh Protest Convoy to Hakari Bridge"
    )
    assert record["body"].endswith("we will continue our struggle,” Osipyan said.")
    assert record["published_at"] == "2023-02-07T09:15:42+00:00"
    assert record["modified_at"] == "2023-02-07T11:02:10+00:00"
    assert record["language"] == "en"
    assert record["url"] == MASSISPOST_URL


def test_gzipped_file_and_default_url(tmp_path):
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress((PAGES / "hy-news-agency.html").read_bytes()))
    result = run_newsmon("extract", str(page))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == page.resolve().as_uri()
    assert record["language"] == "hy"
    # Local time with its offset, normalised to UTC as the pipeline does.
    assert record["published_at"] == "2023-01-30T10:25:00+00:00"


def test_missing_file_is_one_line_and_non_zero(tmp_path):
    result = run_newsmon("extract", str(tmp_path / "nope.html"))
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.html" in lines[0]
    assert "Traceback" not in result.stderr


def test_broken_gzip_and_directory_are_one_line_errors(tmp_path):
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8bnot really gzip")
    for path in (broken, tmp_path):
        result = run_newsmon("extract", str(path))
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_batch_in_order_with_error_objects(tmp_path):
    copy = tmp_path / "copy.html"
    shutil.copy(PAGES / "ru-news-agency-ld-body.html", copy)
    jobs = [
        {"file": str(MASSISPOST), "url": MASSISPOST_URL},
        {"file": str(tmp_path / "missing.html"), "url": "https://e.org/missing"},
        {"file": str(copy), "url": "https://tass.ru/mezhdunarodnaya-panorama/16880123"},
        {"url": "https://e.org/no-file"},
        {"file": str(PAGES / "az-news-agency.html")},
    ]
    stdin = "\n".join(json.dumps(job) for job in jobs) + "\nnot json\n"
    result = run_newsmon("extract", "--batch", input=stdin)
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    records = [json.loads(line) for line in lines]
    assert records[0]["language"] == "en" and REQUIRED <= set(records[0])
    assert (
        "error" in records[1]
        and records[1]["file"].endswith("missing.html")
        and records[1]["line"] == 2
    )
    assert (
        records[2]["language"] == "ru"
        and records[2]["url"] == "https://tass.ru/mezhdunarodnaya-panorama/16880123"
    )
    assert records[2]["published_at"] == "2023-01-25T14:42:11+00:00"
    assert "error" in records[3]
    assert records[4]["language"] == "az" and records[4]["authors"] == ["Elnur Məmmədov"]
    assert "error" in records[5] and records[5]["line"] == 6
    # The batch goes on after errors, then says so: exit 1 and a one-line summary.
    assert result.returncode == 1
    assert "3 page(s) extracted, 3 error(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_batch_all_good_exits_zero():
    stdin = json.dumps({"file": str(MASSISPOST), "url": MASSISPOST_URL}) + "\n\n"
    result = run_newsmon("extract", "--batch", input=stdin)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_batch_and_file_together_is_a_usage_error():
    result = run_newsmon("extract", "--batch", str(MASSISPOST))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
