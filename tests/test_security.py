"""Security of a crawl: no listening socket, no fetch into private networks, plain stored text.

One crawl serves most tests: an outlet that allows private addresses (the
mock web runs on loopback) whose pages redirect to another loopback port, a
source on loopback that does not allow it, a name that does not resolve, and
a page whose markup must not reach the database. A second crawl goes through
an HTTP proxy from the environment.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import psutil
import pytest

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
)
from tests.mockweb import MockWeb, Response
from tests.mockweb.faults import slow

MARKUP_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Mayor opens the “new” bridge &amp; O’Brien’s plan</title>
<meta property="article:published_time" content="2023-01-12T10:00:00+00:00">
<style>p { color: red }</style><script>var leaked = "SCRIPT-CONTENT";</script>
</head><body><main><article>
<h1 class="entry-title">Mayor <em>opens</em> the &#8220;new&#8221; bridge &amp; O&rsquo;Brien&rsquo;s plan</h1>
<div class="entry-content">
<p>The <b>mayor</b> of the <a href="/city">city</a> opened the new bridge on Thursday &amp; said traffic would
ease within weeks, according to a statement published by the municipal council on its website.</p>
<script>document.write("<p>INJECTED-BY-SCRIPT</p>")</script>
<p>Engineers said the bridge, which took four years to build, carries two lanes each way &lt;and&gt; a
cycle path; residents quoted in the statement said “finally” and one wrote: "; DROP TABLE articles; --.</p>
<p>O’Brien’s plan for a second crossing is due before the council in the spring, officials said.</p>
</div></article></main></body></html>"""
MARKUP_TITLE = "Mayor opens the “new” bridge & O’Brien’s plan"
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def watch_sockets(process: psutil.Process, seen: dict, stop: threading.Event) -> None:
    """Record the crawl's (and its children's) sockets until it exits."""
    while not stop.is_set():
        try:
            procs = [process, *process.children(recursive=True)]
            for proc in procs:
                for conn in proc.net_connections(kind="inet"):
                    seen["polls_with_sockets"] += 1
                    listening = conn.status == psutil.CONN_LISTEN or (
                        conn.type.name == "SOCK_DGRAM" and not conn.raddr
                    )
                    if listening:
                        seen["listening"].append(conn)
            seen["polls"] += 1
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return
        time.sleep(0.1)


def _crawl(tmp: Path) -> Snapshot:
    web = MockWeb()
    try:
        base = web.add_site("outlet")
        intranet = web.add_site("intranet")  # another service on the same machine, in no source
        closed = web.add_site("closed")  # a source on loopback that does not allow it
        intranet_port = intranet.rsplit(":", 1)[1]
        web.route(
            "intranet", "/admin", Response(200, b"<html><body>router admin</body></html>", HTML)
        )
        slow_article = article("/news/slow", seed=300, title="Published after a pause")
        for path, handler in {
            "/robots.txt": robots(),
            "/feed/": Response(
                200,
                rss(base, ["/news/markup", "/news/slow", "/news/jump", "/news/jump-name"]),
                {"Content-Type": "application/rss+xml"},
            ),
            "/news/markup": Response(200, MARKUP_PAGE.encode(), HTML),
            "/news/slow": slow(
                2, Response(200, page(slow_article, base), HTML)
            ),  # keeps the crawl running a while
            "/news/jump": Response(302, b"", {"Location": f"{intranet}/admin"}),
            "/news/jump-name": Response(
                302, b"", {"Location": f"http://localhost:{intranet_port}/admin"}
            ),
            "/wp-json/wp/v2/posts": Response(
                200,
                json.dumps(
                    [
                        {
                            "link": f"{base}/news/wp-post",
                            "title": {
                                "rendered": "Council <em>backs</em> &#8220;budget&#8221; &amp; more"
                            },
                            "content": {
                                "rendered": "<p>The <strong>council</strong> backed the budget for roads, schools and the new "
                                "library on Tuesday after a long debate.</p><script>alert('x')</script><p>The vote was "
                                "twelve to four, with two abstentions, the chair said after the session.</p>"
                            },
                            "date_gmt": "2023-01-12T10:00:00",
                        }
                    ]
                ).encode(),
                {"Content-Type": "application/json"},
            ),
        }.items():
            web.route("outlet", path, handler)
        web.route(
            "closed",
            "/feed/",
            Response(200, rss(closed, ["/news/1"]), {"Content-Type": "application/rss+xml"}),
        )
        ghost = "http://ghost.newsmon-test.invalid"
        sources = tmp / "sources.toml"
        sources.write_text(
            source_block("outlet", f"{base}/", feeds=[f"{base}/feed/"], wordpress_api=f"{base}/")
            + source_block("closed", f"{closed}/", feeds=[f"{closed}/feed/"], allow_private=False)
            + source_block("ghost", f"{ghost}/", feeds=[f"{ghost}/feed/"], allow_private=False)
        )
        seen = {"polls": 0, "polls_with_sockets": 0, "listening": []}
        stop = threading.Event()
        threads = []

        def hook(popen):
            thread = threading.Thread(
                target=watch_sockets, args=(psutil.Process(popen.pid), seen, stop), daemon=True
            )
            thread.start()
            threads.append(thread)

        result = run_crawl(sources, tmp / "security.db", "-s", "DNS_TIMEOUT=5", popen_hook=hook)
        stop.set()
        for thread in threads:
            thread.join(5)
        seen["listening"] = [repr(conn) for conn in seen["listening"]]
        return Snapshot.of(result, web, tmp / "security.db", seen=seen)
    finally:
        web.stop()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """(crawl outcome, request log, database, sockets seen) of the one crawl of this module."""
    snap = once_per_run(tmp_path_factory, "security", _crawl)
    return snap.crawl, snap, snap.db, snap.extra["seen"]


def test_a_crawl_opens_no_listening_socket(crawl):
    result, _, _, seen = crawl
    assert result.result.returncode == 0, result.result.stderr
    assert seen["polls"] >= 10 and seen["polls_with_sockets"] > 0  # the watch saw the crawl at work
    assert seen["listening"] == []
    assert "Telnet console listening" not in result.log and "Remote control" not in result.log


def test_redirects_into_the_operators_network_are_refused(crawl):
    result, web, db, _ = crawl
    assert web.requests("intranet") == []  # not even robots.txt
    assert web.requests("closed") == []
    # two redirects (by address and by name) to another loopback port, and the source without allow_private
    assert result.stats["privatenet/refused"] == 3
    assert result.errors["privatenet/refused"] == 3
    per_source = run_sources(db)
    assert per_source["outlet"]["errors"] == 2 and per_source["closed"]["errors"] == 1
    assert "3 request(s) to private or loopback addresses refused" in result.result.stdout
    assert {path_of(r["url"]) for r in rows(db)} == {"/news/markup", "/news/slow", "/news/wp-post"}


def test_a_name_that_does_not_resolve_is_a_download_error_not_a_refusal(crawl):
    result, _, db, _ = crawl
    assert result.errors["download/CannotResolveHostError"] == 1
    assert run_sources(db)["ghost"]["errors"] == 1


def test_stored_text_is_plain(crawl):
    _, _, db, _ = crawl
    stored = {path_of(r["url"]): r for r in rows(db)}
    markup = stored["/news/markup"]
    assert markup["title"] == MARKUP_TITLE
    assert "The mayor of the city opened the new bridge on Thursday & said" in markup["body"]
    assert "<and>" in markup["body"]  # escaped text stays text
    assert (
        '"; DROP TABLE articles; --' in markup["body"]
    )  # stored verbatim by a parameterised INSERT
    assert stored["/news/wp-post"]["title"] == "Council backs “budget” & more"
    for row in stored.values():
        for field in ("title", "body"):
            text = row[field].replace("<and>", "")
            assert not TAG.search(text) and not ENTITY.search(text), (row["url"], field)
            assert (
                "SCRIPT-CONTENT" not in text
                and "INJECTED-BY-SCRIPT" not in text
                and "alert(" not in text
            )


@pytest.mark.slow
def test_through_a_proxy_the_proxy_resolves_names(tmp_path):
    """With http_proxy set, a loopback name is the proxy's business: nothing is refused."""
    web = MockWeb()
    try:
        proxy = web.add_site("proxy")  # answers absolute-URI requests for any host
        target = "http://localhost:9"  # refused without a proxy: loopback, and the source does not allow it
        story = article("/news/proxied", seed=301, title="Fetched through the proxy")
        web.route("proxy", "/robots.txt", robots())
        web.route(
            "proxy",
            "/feed/",
            Response(200, rss(target, ["/news/proxied"]), {"Content-Type": "application/rss+xml"}),
        )
        web.route("proxy", "/news/proxied", Response(200, page(story, target), HTML))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            source_block("viaproxy", f"{target}/", feeds=[f"{target}/feed/"], allow_private=False)
        )
        env = {"http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}
        result = run_crawl(sources, tmp_path / "proxy.db", env=env)
    finally:
        web.stop()
    assert result.result.returncode == 0, result.result.stderr
    assert [r["title"] for r in rows(tmp_path / "proxy.db")] == [story.title]
    assert "privatenet/refused" not in result.stats
    assert result.stats["privatenet/proxied"] >= 2
