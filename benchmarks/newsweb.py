"""A local news web for the crawl benchmark: N outlets, each with an RSS feed of its articles.

Pages are real article pages (``shared/data/articles-dev``) turned into
templates: their paragraphs, title and dates are replaced per copy, the text
varied (sentences shuffled across the page, about one word in five replaced
by another word of the corpus) so no two copies are duplicates or
near-duplicates. Canonical links, OpenGraph and JSON-LD of the original site
are removed and replaced by the copy's own.

The server is a single asyncio process answering from pre-rendered bytes
(keep-alive, ``ETag`` / ``If-None-Match`` on feeds), so it costs the crawlers
as little CPU as possible. Each outlet listens on its own loopback address
(127.0.0.2, 127.0.0.3 …) so Scrapy gives it its own download slot. ``GET
/__stats`` (any outlet) returns the request counters as JSON, ``GET
/__reset`` zeroes them.

Run as a script: ``python benchmarks/newsweb.py --out DIR [--articles 2000
--outlets 20]`` writes ``DIR/sources.toml`` and prints ``READY`` once listening;
it serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import html
import json
import os
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import html as lxml_html

REPO_ROOT = Path(__file__).resolve().parents[1]
MARK = "\ue000"  # a private-use character: never in real text
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Sprinkled into some pages so the relevance stage has work to do.
TOPIC_SENTENCES = [
    "Residents of Stepanakert said the Lachin corridor had been closed for weeks.",
    "Russian peacekeepers were seen near the Hakari bridge checkpoint on Tuesday.",
    "The blockade of Nagorno-Karabakh left shops without fresh food, officials said.",
    "Food shortages and rationing were reported in Stepanakert as the road stayed blocked.",
    "Eco-activists kept their tents on the Lachin corridor road near Shushi for another day.",
]


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout (``NEWSMON_SHARED_DATA`` overrides)."""
    return Path(os.environ.get("NEWSMON_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


@dataclass
class Template:
    """A real page cut into literal parts around placeholders."""

    parts: list[str]
    """Literal HTML; placeholders sit between consecutive parts."""
    slots: list[str]
    """What each placeholder is: ``title``, ``head`` or ``p``."""
    paragraphs: list[str]
    """The original paragraph texts, in page order."""


def _template(page: str) -> Template | None:
    tree = lxml_html.fromstring(page)
    head = tree.find("head")
    body = tree.find("body")
    if head is None or body is None:
        return None
    for xpath in (
        '//script[@type="application/ld+json"]',
        '//link[@rel="canonical" or @rel="amphtml" or @rel="alternate"]',
        '//meta[starts-with(@property, "og:") or starts-with(@property, "article:")]',
        '//meta[starts-with(@name, "twitter:") or contains(@name, "date") or contains(@itemprop, "date")]',
        "//meta[@charset or @http-equiv]",
        "//time",
    ):
        for node in tree.xpath(xpath):
            node.drop_tree()
    paragraphs = []
    slots = []
    for p in list(body.iter("p")):
        text = " ".join(p.text_content().split())
        if len(text) < 40:
            continue
        for child in list(p):
            p.remove(child)
        p.text = f"{MARK}p{MARK}"
        paragraphs.append(text)
    if len(paragraphs) < 3:
        return None
    title = tree.find(".//title")
    if title is None:
        title = lxml_html.Element("title")
        head.insert(0, title)
    for child in list(title):
        title.remove(child)
    title.text = f"{MARK}title{MARK}"
    for h1 in body.iter("h1"):
        for child in list(h1):
            h1.remove(child)
        h1.text = f"{MARK}title{MARK}"
    marker = lxml_html.Element("meta", name="newsmon-bench")
    head.insert(0, marker)
    source = lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
    source = source.replace('<meta name="newsmon-bench">', f"{MARK}head{MARK}", 1)
    pieces = source.split(MARK)
    parts, slots = pieces[0::2], pieces[1::2]
    return Template(parts=parts, slots=slots, paragraphs=paragraphs)


def load_templates(folder: Path) -> list[Template]:
    """Templates from every ``*.html.gz`` page of ``folder`` that has enough paragraphs."""
    templates = []
    for path in sorted(folder.glob("*.html.gz")):
        page = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        template = _template(page)
        if template is not None:
            templates.append(template)
    if not templates:
        raise SystemExit(f"no usable page in {folder}")
    return templates


@dataclass
class Article:
    outlet: int
    path: str
    title: str
    published: datetime
    html: bytes = b""


@dataclass
class Outlet:
    index: int
    base: str
    """``http://127.0.0.N:PORT``"""
    name: str
    articles: list[Article] = field(default_factory=list)


def _vary(template: Template, rng: random.Random, vocabulary: list[str]) -> list[str]:
    """The template's paragraphs with shuffled sentences and one word in five replaced."""
    sentences = [s for p in template.paragraphs for s in _SENTENCE.split(p) if s]
    rng.shuffle(sentences)

    def swap(match: re.Match) -> str:
        return rng.choice(vocabulary) if rng.random() < 0.2 else match.group(0)

    sentences = [_WORD.sub(swap, s) for s in sentences]
    if rng.random() < 0.15:
        at = rng.randrange(len(sentences) + 1)
        sentences[at:at] = rng.sample(TOPIC_SENTENCES, 2)
    count = len(template.paragraphs)
    # Spread the sentences over as many paragraphs as the page had, in order.
    out: list[list[str]] = [[] for _ in range(count)]
    for i, sentence in enumerate(sentences):
        out[i * count // len(sentences)].append(sentence)
    return [" ".join(p) for p in out]


def _render(template: Template, article: Article, base: str, paragraphs: list[str]) -> bytes:
    url = base + article.path
    title = html.escape(article.title)
    when = article.published.isoformat()
    head = (
        f'<meta charset="utf-8"><link rel="canonical" href="{url}">'
        f'<meta property="og:title" content="{title}"><meta property="og:url" content="{url}">'
        f'<meta property="article:published_time" content="{when}">'
    )
    out = [template.parts[0]]
    paragraph = iter(paragraphs)
    for slot, part in zip(template.slots, template.parts[1:], strict=True):
        if slot == "title":
            out.append(title)
        elif slot == "head":
            out.append(head)
        else:
            out.append(html.escape(next(paragraph, "")))
        out.append(part)
    return "".join(out).encode("utf-8")


def build(articles: int, bases: list[str], seed: int = 7) -> list[Outlet]:
    """One outlet per base URL and its rendered article pages (deterministic for a seed)."""
    templates = load_templates(shared_data_dir() / "articles-dev")
    counts = Counter(
        w for t in templates for p in t.paragraphs for w in _WORD.findall(p) if len(w) > 2
    )
    vocabulary = [w for w, _ in counts.most_common(20000)]
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    outlets = len(bases)
    result = [Outlet(i, base, f"outlet{i:02d}") for i, base in enumerate(bases)]
    for n in range(articles):
        outlet = result[n % outlets]
        template = templates[n % len(templates)]
        paragraphs = _vary(template, rng, vocabulary)
        words = [w for w in _WORD.findall(paragraphs[0]) if w.isascii()][:8] or ["untitled"]
        title = " ".join(words).capitalize()
        slug = "-".join(words[:5]).lower()
        article = Article(
            outlet=outlet.index,
            path=f"/news/{n // outlets:04d}/{slug}-{n}",
            title=title,
            published=now - timedelta(minutes=7 * n + 5),
        )
        article.html = _render(template, article, bases[outlet.index], paragraphs)
        outlet.articles.append(article)
    return result


def rss(outlet: Outlet, base: str) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{base}{a.path}</link>"
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<guid>{base}{a.path}</guid></item>"
        for a in outlet.articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{outlet.name}</title><link>{base}/</link><description>News</description>{items}"
        "</channel></rss>"
    ).encode()


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode("latin-1") + body


class Site:
    """Pre-rendered responses of one outlet."""

    def __init__(self, outlet: Outlet):
        self.routes: dict[bytes, tuple[str, bytes]] = {}
        self.etags: dict[bytes, tuple[bytes, bytes]] = {}
        for article in outlet.articles:
            self.routes[article.path.encode()] = (
                "article",
                _response("200 OK", article.html, "text/html; charset=utf-8"),
            )
        feed = rss(outlet, outlet.base)
        etag = '"' + hashlib.sha1(feed).hexdigest()[:16] + '"'
        self.routes[b"/feed/"] = (
            "feed",
            _response("200 OK", feed, "application/rss+xml; charset=utf-8", f"ETag: {etag}\r\n"),
        )
        self.etags[b"/feed/"] = (
            etag.encode(),
            _response("304 Not Modified", b"", "application/rss+xml", f"ETag: {etag}\r\n"),
        )
        self.routes[b"/robots.txt"] = (
            "robots",
            _response("200 OK", b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        )


class Counters:
    def __init__(self):
        self.values: Counter[str] = Counter()


NOT_FOUND = _response("404 Not Found", b"<html><body>Not found</body></html>", "text/html")


class HTTPProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 for GET: keep-alive, pipelining-safe, no request bodies."""

    def __init__(self, site: Site, counters: Counters):
        self.site = site
        self.counters = counters
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = head.split(b"\r\n")
            try:
                _method, target, _version = lines[0].split(b" ", 2)
            except ValueError:
                self.transport.close()
                return
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            self.transport.write(self._answer(target.split(b"?", 1)[0], headers))
            if headers.get(b"connection", b"").lower() == b"close":
                self.transport.close()
                return

    def _answer(self, path: bytes, headers: dict[bytes, bytes]) -> bytes:
        values = self.counters.values
        if path == b"/__stats":
            return _response("200 OK", json.dumps(values).encode(), "application/json")
        if path == b"/__reset":
            values.clear()
            return _response("200 OK", b"{}", "application/json")
        route = self.site.routes.get(path)
        if route is None:
            values["not_found"] += 1
            return NOT_FOUND
        kind, response = route
        values[kind] += 1
        if kind == "feed":
            sent = headers.get(b"if-none-match")
            if sent is not None:
                values["feed_conditional"] += 1
                etag, not_modified = self.site.etags[path]
                if sent == etag:
                    values["feed_not_modified"] += 1
                    return not_modified
        return response


def sources_toml(outlets: list[Outlet]) -> str:
    lines = []
    for outlet in outlets:
        lines += [
            "[[source]]",
            f'name = "{outlet.name}"',
            f'url = "{outlet.base}/"',
            'language = "en"',
            'timezone = "UTC"',
            f'feeds = ["{outlet.base}/feed/"]',
            "allow_private = true",
            "",
        ]
    return "\n".join(lines)


async def serve(articles: int, outlets: int, seed: int, out: Path) -> None:
    loop = asyncio.get_running_loop()
    counters = Counters()
    sites: dict[int, Site] = {}
    bases = []
    for index in range(outlets):
        # Bind first to learn the port; pages are rendered with the final base URL.
        server = await loop.create_server(
            lambda index=index: HTTPProtocol(sites[index], counters),
            f"127.0.0.{index + 2}",
            0,
            backlog=512,
        )
        bases.append(f"http://127.0.0.{index + 2}:{server.sockets[0].getsockname()[1]}")
    web = build(articles, bases, seed)
    for outlet in web:
        sites[outlet.index] = Site(outlet)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sources.toml").write_text(sources_toml(web), encoding="utf-8")
    (out / "web.json").write_text(
        json.dumps(
            {
                "articles": sum(len(o.articles) for o in web),
                "outlets": len(web),
                "page_bytes": sum(len(a.html) for o in web for a in o.articles),
                "bases": bases,
            }
        ),
        encoding="utf-8",
    )
    print("READY", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for sources.toml and web.json"
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.articles, args.outlets, args.seed, args.out))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
