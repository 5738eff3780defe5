"""HTTP servers of the mock news web, one per outlet, on 127.0.0.1 ephemeral ports.

Each outlet is a table of routes (path -> handler). Tests may add routes
(slow pages, errors, redirects …) with :meth:`MockWeb.route`. Every request is
logged so tests can check what was (not) fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.mockweb import content


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False  # serve ETag / Last-Modified and answer 304


@dataclass
class Request:
    site: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: BaseHTTPRequestHandler | None = field(default=None, repr=False, compare=False)
    """The server's handler, for routes that write the response themselves (and return None)."""


Handler = Callable[[Request], "Response | None"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client hanging up (timeouts, size limits in the fault tests) is expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class MockWeb:
    """Three fake outlets (see ``content``) plus any routes a test adds."""

    def __init__(self):
        self.servers: dict[str, _Server] = {}
        self.routes: dict[str, dict[str, Handler]] = {}
        self.log: list[Request] = []
        self._lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------
    def start(self, sites: list[str] | None = None) -> MockWeb:
        for site in sites or list(content.SITES):
            self.add_site(site)
        return self

    def add_site(self, site: str) -> str:
        """Start a server for ``site`` (routes may be added later); returns its base URL."""
        web = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                web._handle(site, self)

            def do_HEAD(self):
                web._handle(site, self)

        server = _Server(("127.0.0.1", 0), RequestHandler)
        self.servers[site] = server
        self.routes.setdefault(site, {})
        thread = threading.Thread(target=server.serve_forever, name=f"mockweb-{site}", daemon=True)
        thread.start()
        if site in content.SITES:
            self._install_default_routes(site)
        return self.base_url(site)

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def base_url(self, site: str) -> str:
        host, port = self.servers[site].server_address[:2]
        return f"http://{host}:{port}"

    # --- routes ------------------------------------------------------------------
    def route(self, site: str, path: str, handler: Handler | Response) -> None:
        self.routes[site][path] = handler if callable(handler) else (lambda req, r=handler: r)

    def requests(self, site: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if site is None or r.site == site]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _handle(self, site: str, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = Request(
            site=site,
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k: v for k, v in handler.headers.items()},
            raw=handler,
        )
        with self._lock:
            self.log.append(request)
        route = self.routes[site].get(parts.path)
        response = (
            route(request)
            if route
            else Response(
                404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"}
            )
        )
        if response is None:  # the handler wrote the response itself
            return
        headers = dict(response.headers)
        status = response.status
        body = response.body
        if response.conditional and status == 200:
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = "Thu, 12 Jan 2023 12:00:00 GMT"
            if request.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # --- the three outlets -----------------------------------------------------
    def _install_default_routes(self, site: str) -> None:
        base = self.base_url(site)
        articles = [a for a in content.ARTICLES if a.site == site]
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        for article in articles:
            page = content.render_article(article, base).encode("utf-8")
            self.route(site, article.path, Response(200, page, html_type))
        feed_articles = [a for a in articles if a.in_feed]
        if site == "armwire":
            self.route(
                site,
                "/robots.txt",
                Response(
                    200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}
                ),
            )
            secret = content.MockArticle(
                site=site,
                path="/private/secret-draft/",
                title="Draft",
                paragraphs=["Unpublished draft."] * 3,
                language="en",
                template="wordpress",
                published="2023-01-12T00:00:00Z",
                published_utc="2023-01-12T00:00:00+00:00",
            )
            self.route(
                site,
                secret.path,
                Response(200, content.render_article(secret, base).encode(), html_type),
            )
            feed = content.rss2(site, base, feed_articles + [secret]).encode("utf-8")
            self.route(
                site,
                "/feed/",
                Response(
                    200,
                    feed,
                    {"Content-Type": "application/rss+xml; charset=UTF-8"},
                    conditional=True,
                ),
            )

            def wp_api(request: Request) -> Response:
                term = (request.query.get("search") or [""])[0].lower()
                found = [
                    a
                    for a in articles
                    if term
                    and any(word in (a.title + a.body).lower() for word in term.split())
                    and (a.via_wordpress_only or a.relevant)
                ]
                page = int((request.query.get("page") or ["1"])[0])
                per_page = int((request.query.get("per_page") or ["10"])[0])
                chunk = found[(page - 1) * per_page : page * per_page]
                total_pages = max(1, -(-len(found) // per_page))
                if page > total_pages:
                    return Response(
                        400,
                        b'{"code":"rest_post_invalid_page_number"}',
                        {"Content-Type": "application/json"},
                    )
                body = content.wordpress_posts(base, chunk).encode("utf-8")
                return Response(
                    200,
                    body,
                    {
                        "Content-Type": "application/json",
                        "X-WP-Total": str(len(found)),
                        "X-WP-TotalPages": str(total_pages),
                    },
                )

            self.route(site, "/wp-json/wp/v2/posts", wp_api)
        elif site == "rusnews":
            self.route(
                site,
                "/robots.txt",
                Response(
                    200,
                    f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(),
                    {"Content-Type": "text/plain"},
                ),
            )
            self.route(
                site,
                "/atom.xml",
                Response(
                    200,
                    content.atom(site, base, feed_articles).encode("utf-8"),
                    {"Content-Type": "application/atom+xml"},
                    conditional=True,
                ),
            )
            self.route(
                site,
                "/sitemap.xml",
                Response(
                    200,
                    content.sitemap_index(base).encode(),
                    {"Content-Type": "application/xml"},
                    conditional=True,
                ),
            )
            news = gzip.compress(
                content.news_sitemap(base, [a for a in articles if not a.in_feed]).encode("utf-8")
            )
            self.route(
                site,
                "/sitemap-news.xml.gz",
                Response(200, news, {"Content-Type": "application/x-gzip"}, conditional=True),
            )
            old = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
            self.route(
                site, "/sitemap-2015.xml", Response(200, old, {"Content-Type": "application/xml"})
            )
        elif site == "azpress":
            self.route(
                site,
                "/robots.txt",
                Response(200, b"User-agent: *\nDisallow:\n", {"Content-Type": "text/plain"}),
            )
            self.route(
                site,
                "/rss",
                Response(
                    200,
                    content.rss1(site, base, feed_articles).encode("utf-8"),
                    {"Content-Type": "application/rdf+xml"},
                    conditional=True,
                ),
            )

    # --- configuration for newsmon --------------------------------------------
    def sources_toml(self, path: Path, extra: str = "") -> Path:
        """Write a sources file pointing newsmon at the mock outlets."""
        lines = []
        for site, info in content.SITES.items():
            if site not in self.servers:
                continue
            base = self.base_url(site)
            feeds = {
                "armwire": [f"{base}/feed/"],
                "rusnews": [f"{base}/atom.xml"],
                "azpress": [f"{base}/rss"],
            }[site]
            sitemaps = [f"{base}/sitemap.xml"] if site == "rusnews" else []
            lines += [
                "[[source]]",
                f'name = "{site}"',
                f'url = "{base}/"',
                f'language = "{info["language"]}"',
                f'timezone = "{info["timezone"]}"',
                f"feeds = {feeds!r}".replace("'", '"'),
                f"sitemaps = {sitemaps!r}".replace("'", '"'),
                "allow_private = true",
            ]
            if "languages" in info:
                lines.append(f"languages = {info['languages']!r}".replace("'", '"'))
            if site == "armwire":
                lines.append(f'wordpress_api = "{base}/"')
            lines.append("")
        path.write_text("\n".join(lines) + extra, encoding="utf-8")
        return path
