"""``newsmon backfill --warc``: pages from local WARC files written here with warcio."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archives.warc import WarcDamaged, read_pages
from tests.conftest import one_line_error, run_newsmon
from tests.mockweb import content

BASE = {
    "armwire": "https://armwire.example",
    "rusnews": "https://rusnews.example",
    "azpress": "https://azpress.example",
}
WHEN = "2023-01-20T08:00:00Z"


def write_warc(
    path: Path, records: list[tuple[str, str, int, bytes]], *, gzip: bool = True
) -> Path:
    """``records``: (kind, url, status, body); kind among response, request, metadata."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for kind, url, status, body in records:
            if kind == "response":
                http = StatusAndHeaders(
                    f"{status} OK",
                    [("Content-Type", "text/html; charset=utf-8")],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    url, "response", payload=io.BytesIO(body), http_headers=http,
                    warc_headers_dict={"WARC-Date": WHEN},
                )  # fmt: skip
            elif kind == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
                record = writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), http_headers=http
                )
            else:
                record = writer.create_warc_record(url, kind, payload=io.BytesIO(body))
            writer.write_record(record)
    return path


def article_records() -> list[tuple[str, str, int, bytes]]:
    records = []
    for article in content.ARTICLES:
        url = BASE[article.site] + article.path
        records.append(("request", url, 0, b""))
        records.append(
            ("response", url, 200, content.render_article(article, BASE[article.site]).encode())
        )
        records.append(("metadata", url, 0, b"fetchTimeMs: 12"))
    return records


def truncated(path: Path, to: Path) -> Path:
    """``path`` cut inside the response record two thirds in (a download that broke off)."""
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        starts = [(records.get_record_offset(), r.rec_type) for r in records]
    responses = [offset for offset, kind in starts if kind == "response"]
    to.write_bytes(path.read_bytes()[: responses[len(responses) * 2 // 3] + 60])
    return to


def sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        "".join(
            f'[[source]]\nname = "{site}"\nurl = "{base}/"\nlanguage = "{content.SITES[site]["language"]}"\n'
            f'timezone = "{content.SITES[site]["timezone"]}"\narchive_only = true\n'
            for site, base in BASE.items()
        )
    )
    return path


def stored(db: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(db)
    try:
        return {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT url, source, archive, captured_at, fetched_url FROM articles"
            )
        }
    finally:
        conn.close()


def test_read_pages_keeps_responses_and_stops_at_the_damage(tmp_path):
    records = article_records()
    whole = write_warc(tmp_path / "a.warc.gz", records)
    counts: dict[str, int] = {}
    pages = list(read_pages(whole, counts))
    assert [p.url for p in pages] == [BASE[a.site] + a.path for a in content.ARTICLES]
    assert counts == {"records": 1 + len(records), "other": 1 + 2 * len(content.ARTICLES)}
    assert pages[0].captured_at == "2023-01-20T08:00:00+00:00" and pages[0].status == 200
    assert b"</html>" in pages[0].body
    plain = write_warc(tmp_path / "a.warc", records, gzip=False)
    assert [p.url for p in read_pages(plain)] == [p.url for p in pages]

    cut = truncated(whole, tmp_path / "cut.warc.gz")
    got = []
    with pytest.raises(WarcDamaged, match=r"cut.warc.gz: damaged after \d+ record\(s\)"):
        for page in read_pages(cut):
            got.append(page.url)
    assert 3 <= len(got) < len(pages)
    assert got == [p.url for p in pages[: len(got)]]
    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is not a WARC file\n" * 10)
    with pytest.raises(WarcDamaged, match="damaged after 0 record"):
        list(read_pages(garbage))


@pytest.mark.slow
def test_backfill_from_warcs_stores_the_configured_sites_only(tmp_path):
    records = article_records()
    other = ("response", "https://elsewhere.example/2023/01/x/", 200, records[1][3])
    not_found = ("response", BASE["armwire"] + "/2023/01/missing/", 404, b"<html>nope</html>")
    first = write_warc(tmp_path / "one.warc.gz", records[:15] + [other, not_found])
    second = write_warc(tmp_path / "two.warc", records[15:], gzip=False)
    db = tmp_path / "n.db"
    result = run_newsmon(
        "backfill", "--warc", str(first), "--warc", str(second), "--sources", str(sources_file(tmp_path)),
        "--db", str(db),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rows = stored(db)
    assert set(rows) == {BASE[a.site] + a.path for a in content.ARTICLES}
    for article in content.ARTICLES:
        url = BASE[article.site] + article.path
        assert rows[url] == (article.site, "warc", "2023-01-20T08:00:00+00:00", url)
    # Read again: nothing new, nothing twice.
    again = run_newsmon(
        "backfill", "--warc", str(first), "--sources", str(sources_file(tmp_path)), "--db", str(db)
    )
    assert again.returncode == 0 and len(stored(db)) == len(rows)


@pytest.mark.slow
def test_source_takes_every_record_and_a_truncated_file_keeps_what_came_before(tmp_path):
    records = article_records()
    cut = truncated(write_warc(tmp_path / "all.warc.gz", records), tmp_path / "cut.warc.gz")
    kept = [p.url for p in _pages_before_damage(cut)]
    db = tmp_path / "n.db"
    result = run_newsmon(
        "backfill", "--warc", str(cut), "--source", "azpress", "--sources", str(sources_file(tmp_path)),
        "--db", str(db), "-s", "NEWSMON_PROGRESS_INTERVAL=0",
    )  # fmt: skip
    assert result.returncode == 1
    assert "cut.warc.gz: damaged after" in one_line_error(result)
    rows = stored(db)
    assert set(rows) == set(kept) and {r[0] for r in rows.values()} == {"azpress"}


def _pages_before_damage(path):
    try:
        yield from read_pages(path)
    except WarcDamaged:
        return


@pytest.mark.parametrize(
    "args, message",
    [
        (["--warc", "/nonexistent.warc.gz"], "does not exist"),
        (["--source", "armwire"], "--source"),
        (["--warc", "{warc}", "--source", "nosuch"], "unknown source 'nosuch'"),
    ],
)
def test_bad_warc_input(tmp_path, args, message):
    warc = write_warc(tmp_path / "a.warc.gz", article_records()[:3])
    args = [a.replace("{warc}", str(warc)) for a in args]
    result = run_newsmon(
        "backfill", *args, "--sources", str(sources_file(tmp_path)), "--db", str(tmp_path / "n.db")
    )
    assert result.returncode == 2
    assert message in one_line_error(result)
