"""Fault suite, part 1: an outlet whose server and pages misbehave in every common way.

One crawl covers all the faults (crawls are subprocesses: the reactor cannot
restart); each test checks that the crawl finished, that its fault was counted
in the stats and in the per-source summary, and that the good articles were
stored regardless.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import TextResponse

from crawler.spiders.news import followable, is_html
from tests.fault_helpers import (
    HTML,
    Snapshot,
    article,
    once_per_run,
    page,
    path_of,
    robots,
    rows,
    rss,
    run_crawl,
    run_sources,
    source_block,
    summary_totals,
)
from tests.mockweb import MockWeb, Response
from tests.mockweb.content import MockArticle, render_article
from tests.mockweb.faults import drop_mid_body, redirect, sequence, slow

GOOD = {f"/news/ok-{n}": article(f"/news/ok-{n}", seed=n) for n in (1, 2, 3)}
FLAKY = article("/news/flaky", seed=10, title="Second time lucky")
FINAL = article("/news/final-article", seed=11, title="Reached after three redirects")
TRUNCATED = article("/news/truncated", seed=12, title="A page cut short")

RU_META = MockArticle(
    site="rusnews",
    path="/news/cp1251-meta",
    title="Фермеры Арарата собрали рекордный урожай абрикосов",
    paragraphs=[
        "Фермеры Араратской долины сообщили о рекордном урожае абрикосов: по данным министерства, "
        "сбор вырос на треть по сравнению с прошлым годом.",
        "Экспортеры уже заключили контракты на поставку свежих фруктов в соседние страны, а "
        "перерабатывающие заводы расширили смены.",
    ],
    language="ru",
    template="jsonld",
    published="2023-01-12T09:00:00+04:00",
    published_utc="2023-01-12T05:00:00+00:00",
)
RU_BARE = MockArticle(
    site="rusnews",
    path="/news/cp1251-bare",
    title="В Гюмри открылся отреставрированный театр",
    paragraphs=[
        "После трех лет реставрации в Гюмри вновь открылся драматический театр, сообщила мэрия города.",
        "Первым спектаклем новой сцены станет комедия местного драматурга, билеты на премьеру раскуплены "
        "за несколько часов.",
    ],
    language="ru",
    template="jsonld",
    published="2023-01-12T11:00:00+04:00",
    published_utc="2023-01-12T07:00:00+00:00",
)

# The first pages parsed load the extraction and date models, which takes a
# moment: with extraction in a worker process and a timeout of a few seconds,
# only the slow page times out, whatever the load of the machine.
TIMEOUT_SETTINGS = ["-s", "DOWNLOAD_TIMEOUT=3", "-s", "NEWSMON_EXTRACT_WORKERS=1"]
SLOW_SECONDS = 6

# Everything the feed lists, in feed order.
FEED_LINKS = [
    *GOOD,
    "/news/gone-404",
    "/news/gone-410",
    "/news/flaky",
    "/news/down",
    "/news/slow",
    "/news/dropped",
    "/news/chain-start",
    "/news/loop-a",
    "/news/truncated",
    "/news/empty",
    "/files/report.pdf",
    "/images/photo.jpg",
    "/news/cp1251-meta",
    "/news/cp1251-bare",
    "/private/draft",
    "/news/to-private",
]

# kind -> the errors the crawl must count (newsmon/errors/<kind>)
EXPECTED_ERRORS = {
    "http/404": 1,
    "http/410": 1,
    "http/503": 1,
    "download/DownloadTimeoutError": 1,
    "download/ResponseDataLossError": 1,
    "download/redirect_loop": 1,
    "empty_page": 1,
    "not_html": 2,
}


def _cyrillic_page(a: MockArticle, base: str, declaration: str) -> Response:
    text = render_article(a, base).replace('<meta charset="utf-8">', declaration)
    # The server names no charset either: only the <meta> (or nothing) tells.
    return Response(200, text.encode("cp1251"), {"Content-Type": "text/html"})


def faulty_outlet(web: MockWeb, tmp: Path) -> tuple[Path, str]:
    """Start the misbehaving outlet on ``web``; returns its sources file and base URL."""
    base = web.add_site("faulty")
    truncated_html = page(TRUNCATED, base)
    cut = truncated_html.index(TRUNCATED.paragraphs[2].encode()) + 40  # inside the third paragraph
    routes = {
        "/robots.txt": robots("/private/"),
        "/feed/": Response(200, rss(base, FEED_LINKS), {"Content-Type": "application/rss+xml"}),
        **{path: Response(200, page(a, base), HTML) for path, a in GOOD.items()},
        "/news/gone-404": Response(404, b"<html><body>Not found</body></html>", HTML),
        "/news/gone-410": Response(410, b"<html><body>Gone</body></html>", HTML),
        "/news/flaky": sequence(
            Response(500, b"oops", HTML), Response(200, page(FLAKY, base), HTML)
        ),
        "/news/down": Response(503, b"<html><body>Maintenance</body></html>", HTML),
        "/news/slow": slow(
            SLOW_SECONDS, Response(200, page(article("/news/slow", seed=13), base), HTML)
        ),
        "/news/dropped": drop_mid_body(page(article("/news/dropped", seed=14), base)),
        "/news/chain-start": redirect("/news/chain-2", 301),
        "/news/chain-2": redirect(f"{base}/news/chain-3", 302),
        "/news/chain-3": redirect("/news/final-article", 307),
        "/news/final-article": Response(200, page(FINAL, base), HTML),
        "/news/loop-a": redirect("/news/loop-b"),
        "/news/loop-b": redirect("/news/loop-a"),
        "/news/truncated": Response(200, truncated_html[:cut], HTML),
        "/news/empty": Response(200, b"", HTML),
        "/files/report.pdf": Response(
            200,
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
            {"Content-Type": "application/pdf"},
        ),
        "/images/photo.jpg": Response(
            200, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, {"Content-Type": "image/jpeg"}
        ),
        "/news/cp1251-meta": _cyrillic_page(
            RU_META,
            base,
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
        ),
        "/news/cp1251-bare": _cyrillic_page(RU_BARE, base, ""),
        "/private/draft": Response(200, page(article("/private/draft", seed=15), base), HTML),
        "/news/to-private": redirect("/private/other-draft"),
        "/private/other-draft": Response(
            200, page(article("/private/other-draft", seed=16), base), HTML
        ),
    }
    for path, handler in routes.items():
        web.route("faulty", path, handler)
    sources = tmp / "sources.toml"
    sources.write_text(source_block("faulty", f"{base}/", feeds=[f"{base}/feed/"]))
    return sources, base


def _crawl(tmp: Path) -> Snapshot:
    web = MockWeb()
    try:
        sources, base = faulty_outlet(web, tmp)
        result = run_crawl(sources, tmp / "faults.db", *TIMEOUT_SETTINGS)
        return Snapshot.of(result, web, tmp / "faults.db", base=base)
    finally:
        web.stop()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """(crawl outcome, request log, database, base URL) of the one crawl of this module."""
    snap = once_per_run(tmp_path_factory, "faults-http", _crawl)
    return snap.crawl, snap, snap.db, snap.extra["base"]


def stored(db) -> dict[str, dict]:
    return {path_of(r["url"]): r for r in rows(db)}


def test_the_crawl_finishes_and_stores_every_good_article(crawl):
    result, _, db, _ = crawl
    assert result.result.returncode == 0, result.result.stderr
    assert result.stats["finish_reason"] == "finished"
    assert "Traceback" not in result.result.stderr
    expected = {
        *GOOD,
        "/news/flaky",
        "/news/final-article",
        "/news/truncated",
        "/news/cp1251-meta",
        "/news/cp1251-bare",
    }
    assert set(stored(db)) == expected
    for path, a in GOOD.items():
        row = stored(db)[path]
        assert row["title"] == a.title
        assert row["body"] == "\n\n".join(a.paragraphs)


def test_each_fault_is_counted_in_stats_and_in_the_summary(crawl):
    result, _, db, _ = crawl
    assert result.errors == EXPECTED_ERRORS
    total = sum(EXPECTED_ERRORS.values())
    assert result.stats["newsmon/errors"] == total
    # the per-source summary (table on stdout, crawl_run_sources in the database)
    assert run_sources(db)["faulty"]["errors"] == total
    assert run_sources(db)["faulty"]["articles_new"] == 8
    assert summary_totals(result.result.stdout)["errors"] == total


def test_500_then_200_is_stored_after_a_retry(crawl):
    result, web, db, _ = crawl
    assert [r.path for r in web.requests("faulty")].count("/news/flaky") == 2
    assert stored(db)["/news/flaky"]["title"] == FLAKY.title
    # 503 always: tried twice (RETRY_TIMES=1), then counted once
    assert [r.path for r in web.requests("faulty")].count("/news/down") == 2
    assert result.stats["retry/max_reached"] >= 3  # 503, timeout, dropped connection


def test_redirect_chain_is_stored_under_its_final_canonical_url(crawl):
    _, web, db, base = crawl
    row = stored(db)["/news/final-article"]
    assert row["url"] == f"{base}/news/final-article"
    assert row["title"] == FINAL.title
    assert not [r for r in rows(db) if "chain" in r["url"]]


def test_redirect_loop_ends_with_an_error(crawl):
    _, web, _, _ = crawl
    loop = [r.path for r in web.requests("faulty") if r.path.startswith("/news/loop-")]
    assert 2 <= len(loop) <= 7  # REDIRECT_MAX_TIMES = 5, then given up


def test_truncated_page_is_stored_from_what_arrived(crawl):
    result, _, db, _ = crawl
    body = stored(db)["/news/truncated"]["body"]
    assert body.startswith(TRUNCATED.paragraphs[0])
    assert TRUNCATED.paragraphs[1] in body
    assert TRUNCATED.paragraphs[2] not in body
    assert result.stats["pages/unterminated_html"] == 1


def test_windows_1251_pages_are_stored_as_cyrillic_text(crawl):
    _, _, db, _ = crawl
    for a in (RU_META, RU_BARE):
        row = stored(db)[a.path]
        assert row["title"] == a.title, a.path
        assert row["body"] == "\n\n".join(a.paragraphs), a.path


def test_pages_disallowed_by_robots_txt_are_never_requested(crawl):
    result, web, _, _ = crawl
    paths = [r.path for r in web.requests("faulty")]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/private/")]
    assert "/news/to-private" in paths  # the redirect itself was followed up to robots.txt
    assert result.stats["robotstxt/forbidden"] == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a", True),
        ("HTTP://news.example/a", True),
        ("http:///no-host", False),
        ("file:///etc/passwd", False),
        ("ftp://news.example/a", False),
        ("javascript:alert(1)", False),
        ("data:text/html,<h1>x</h1>", False),
        ("mailto:desk@news.example", False),
    ],
)
def test_only_http_links_are_followable(url, expected):
    assert followable(url) is expected


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=utf-8", b"<p>x</p>", True),
        ("application/xhtml+xml", b"<html/>", True),
        ("application/pdf", b"%PDF-1.4 text-like bytes", False),
        ("image/jpeg", b"JFIF", False),
        ("", b"\xef\xbb\xbf<!DOCTYPE html><html><body>x</body></html>", True),
        ("text/plain", b"<!-- cms --><html><body>x</body></html>", True),
        ("text/plain", b"just words", False),
        ("application/json", b"<html></html>", False),
    ],
)
def test_pages_are_html_by_content_type_or_by_their_start(content_type, body, expected):
    headers = {"Content-Type": content_type} if content_type else {}
    response = TextResponse("http://news.example/a", body=body, headers=headers, encoding="utf-8")
    assert is_html(response) is expected
