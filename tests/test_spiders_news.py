"""The ``news`` spider through Scrapy's own command line, proxies and WordPress paging."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import REPO_ROOT, run_newsmon
from tests.mockweb import content

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def scrapy(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        env=env,
    )


def test_scrapy_list():
    result = scrapy("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["archive", "news"]


@pytest.mark.slow
def test_scrapy_crawl_goes_through_the_pipelines(mock_web, mock_sources, tmp_path):
    db = tmp_path / "s.db"
    result = scrapy(
        "crawl",
        "news",
        "-a",
        "sources=azpress",
        "-a",
        "since=all",
        "-s",
        f"NEWSMON_SOURCES_FILE={mock_sources}",
        "-s",
        f"NEWSMON_DB={db}",
        "-s",
        "LOG_LEVEL=INFO",
        *FAST,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles WHERE source = 'azpress'").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM articles WHERE relevant = 1").fetchone()[0] == 3
    assert conn.execute("SELECT status, articles_new FROM crawl_runs").fetchone() == ("ok", 3)
    conn.close()


@pytest.mark.slow
def test_wordpress_search_pages_until_done(mock_web, mock_sources, tmp_path):
    db = tmp_path / "w.db"
    result = run_newsmon(
        "crawl",
        "armwire",
        "--discovery",
        "wordpress",
        "--sources",
        str(mock_sources),
        "--db",
        str(db),
        "--since",
        "all",
        "-s",
        "NEWSMON_WP_PER_PAGE=1",
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    pages = {
        (r.query["search"][0], r.query["page"][0])
        for r in mock_web.requests("armwire")
        if r.path == "/wp-json/wp/v2/posts"
    }
    assert (
        "Hakari bridge",
        "2",
    ) in pages  # the search for "Hakari bridge" finds two posts, one per page
    conn = sqlite3.connect(db)
    urls = {row[0] for row in conn.execute("SELECT url FROM articles")}
    conn.close()
    wp_only = next(a for a in content.ARTICLES if a.via_wordpress_only)
    assert mock_web.base_url("armwire") + wp_only.path in urls
    # the WordPress-only article's page itself was never fetched: the API gave its content
    assert not [r for r in mock_web.requests("armwire") if r.path == wp_only.path]


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers every absolute-URI request from the mock web's content."""

    seen: list[str] = []
    feed: bytes = b""
    page: bytes = b""

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).seen.append(self.path)
        if self.path.endswith("/robots.txt"):
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path.endswith("/feed/"):
            body, ctype = type(self).feed, "application/rss+xml"
        else:
            body, ctype = type(self).page, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.slow
def test_http_proxy_from_the_environment_is_used(tmp_path):
    base = "http://news.invalid"  # never resolves: only the proxy can answer
    article = content.ARTICLES[1]
    _Proxy.seen = []
    _Proxy.feed = content.rss2("armwire", base, [article]).encode()
    _Proxy.page = content.render_article(article, base).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "proxied"\nurl = "{base}/"\nlanguage = "en"\nfeeds = ["{base}/feed/"]\n'
        )
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        result = run_newsmon(
            "crawl",
            "--sources",
            str(sources),
            "--db",
            str(tmp_path / "p.db"),
            "--since",
            "all",
            *FAST,
            env={"http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert f"{base}/feed/" in _Proxy.seen and f"{base}{article.path}" in [
        p.split("?")[0] for p in _Proxy.seen
    ]
    conn = sqlite3.connect(tmp_path / "p.db")
    assert conn.execute("SELECT title FROM articles").fetchone()[0] == article.title
    conn.close()
