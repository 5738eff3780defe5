"""``newsmon extract`` through the real command line, in a subprocess."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import one_line_error

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


NO_DATE = b"<html><head><title>A page</title></head><body><p>No date here.</p></body></html>"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timezone", "Mars/Olympus", "Invalid value for '--timezone': unknown time zone"),
        ("--language", "english", "Invalid value for '--language': 'english' is not an ISO 639-1"),
        ("--url", "example.org/a/1", "Invalid value for '--url': 'example.org/a/1' is not an http"),
        (
            "--url",
            "https://[::1/a",
            "Invalid value for '--url': 'https://[::1/a' is not a valid URL",
        ),
    ],
)
def test_bad_options_are_refused_up_front(tmp_path, option, value, message):
    undated = tmp_path / "undated.html"
    undated.write_bytes(NO_DATE)
    # Also on a page whose dates would never read the zone: the option is wrong either way.
    for page in (MASSISPOST, undated):
        result = run_newsmon("extract", str(page), option, value)
        assert result.returncode == 2
        assert result.stdout == ""
        assert message in one_line_error(result)


def test_bad_timezone_in_batch_mode_is_refused_before_reading():
    stdin = json.dumps({"file": str(MASSISPOST)}) + "\n"
    result = run_newsmon("extract", "--batch", "--timezone", "Mars/Olympus", input=stdin)
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown time zone 'Mars/Olympus'" in one_line_error(result)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: there is no page to extract"),
        (b" \n\t\n", "is empty: there is no page to extract"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "is binary data"),
        # Random bytes with no NUL: the control bytes give them away.
        (random.Random(7).randbytes(4000).replace(b"\x00", b"\x01"), "is binary data"),
        (gzip.compress(b"", mtime=0), "is empty: there is no page to extract"),
    ],
    ids=["empty", "blank", "png", "random-bytes", "empty-gzip"],
)
def test_empty_or_binary_file_is_one_line_and_non_zero(tmp_path, content, message):
    page = tmp_path / "page.html"
    page.write_bytes(content)
    result = run_newsmon("extract", str(page))
    assert result.returncode == 1 and result.stdout == ""
    assert one_line_error(result) == f"newsmon: error: {page} {message}" + (
        ", not an HTML page" if message == "is binary data" else ""
    )


def test_a_page_with_neither_title_nor_body_says_so(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><head></head><body><div></div></body></html>")
    result = run_newsmon("extract", str(page))
    assert result.returncode == 1
    assert json.loads(result.stdout)["title"] is None
    assert one_line_error(result).endswith("no title or body found (is it an article page?)")


def test_dash_reads_standard_input_plain_or_gzipped():
    from_file = run_newsmon("extract", str(MASSISPOST), "--url", MASSISPOST_URL)
    html = MASSISPOST.read_bytes()
    for data in (html, gzip.compress(html)):
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "extract", "-", "--url", MASSISPOST_URL],
            input=data,
            capture_output=True,
            timeout=120,
            cwd=REPO_ROOT,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == json.loads(from_file.stdout)
    empty = run_newsmon("extract", "-", input="")
    assert empty.returncode == 1
    assert (
        one_line_error(empty)
        == "newsmon: error: standard input is empty: there is no page to extract"
    )


def test_batch_reports_empty_and_binary_pages_as_error_objects(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.html").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    stdin = "".join(
        json.dumps({"file": str(tmp_path / name)}) + "\n" for name in ("empty.html", "image.html")
    )
    result = run_newsmon("extract", "--batch", input=stdin)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["error"] == f"{tmp_path / 'empty.html'} is empty: there is no page to extract"
    assert records[1]["error"] == f"{tmp_path / 'image.html'} is binary data, not an HTML page"
    assert result.returncode == 1
