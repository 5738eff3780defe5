"""Helpers of the fault and security suites: extra outlets, crawls with stats and peak memory."""

from __future__ import annotations

import fcntl
import html
import os
import pickle
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.mockweb import MockWeb, Response
from tests.mockweb.content import MockArticle, render_article

# Fast, deterministic crawls: no politeness delays, one retry.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1"]
HTML = {"Content-Type": "text/html; charset=utf-8"}

_WORDS = (
    "council budget harbour railway festival museum winter election tariff bridge orchard vineyard "
    "parliament committee ministry reservoir highway airport stadium library hospital university "
    "farmers exporters teachers doctors engineers drivers fishermen students volunteers pensioners "
    "announced postponed approved rejected inspected expanded repaired opened closed debated "
    "northern southern eastern western coastal mountain rural urban regional municipal"
).split()


def paragraphs(seed: int, count: int = 3) -> list[str]:
    """``count`` paragraphs of English-like text, different for every seed (never near-duplicates)."""
    rng = random.Random(seed)
    result = []
    for n in range(count):
        sentences = []
        for _ in range(4):
            words = rng.sample(_WORDS, 9)
            sentences.append(f"{words[0].capitalize()} {' '.join(words[1:])} report {seed}-{n}.")
        result.append(" ".join(sentences))
    return result


def article(path: str, seed: int, title: str | None = None, **kw) -> MockArticle:
    """An English WordPress-style article (rendered with the ``armwire`` template)."""
    values = dict(
        site="armwire",
        path=path,
        title=title or f"Regional report number {seed}",
        paragraphs=paragraphs(seed),
        language="en",
        template="wordpress",
        published="2023-01-12T10:00:00+00:00",
        published_utc="2023-01-12T10:00:00+00:00",
        authors=["Desk"],
    )
    values.update(kw)
    return MockArticle(**values)


def page(a: MockArticle, base: str) -> bytes:
    return render_article(a, base).encode("utf-8")


def rss(base: str, links: list[str], *, prolog: str = "", title: str = "Outlet") -> bytes:
    """An RSS 2.0 feed whose items link to ``links`` (paths are made absolute; other URLs kept)."""
    items = "".join(
        f"<item><title>Item {n}</title><link>{html.escape(link if ':' in link else base + link)}</link>"
        f"<pubDate>Thu, 12 Jan 2023 10:00:00 +0000</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<rss version="2.0"><channel><title>{title}</title>'
        f"<link>{base}/</link><description>News</description>{items}</channel></rss>"
    ).encode()


def robots(disallow: str = "") -> Response:
    return Response(
        200, f"User-agent: *\nDisallow: {disallow}\n".encode(), {"Content-Type": "text/plain"}
    )


def source_block(
    name: str,
    url: str,
    *,
    feeds: list[str] = (),
    sitemaps: list[str] = (),
    wordpress_api: str | None = None,
    allow_private: bool = True,
    language: str = "en",
) -> str:
    lines = ["[[source]]", f'name = "{name}"', f'url = "{url}"', f'language = "{language}"']
    lines.append("feeds = [" + ", ".join(f'"{f}"' for f in feeds) + "]")
    lines.append("sitemaps = [" + ", ".join(f'"{s}"' for s in sitemaps) + "]")
    if wordpress_api:
        lines.append(f'wordpress_api = "{wordpress_api}"')
    if allow_private:
        lines.append("allow_private = true")
    return "\n".join(lines) + "\n\n"


def sources_file(web: MockWeb, sites: list[str], path: Path) -> Path:
    """A sources file with one source per mock site, each read from the site's ``/feed/``."""
    blocks = []
    for site in sites:
        base = web.base_url(site)
        blocks.append(source_block(site, f"{base}/", feeds=[f"{base}/feed/"]))
    path.write_text("".join(blocks), encoding="utf-8")
    return path


_BULK_WORDS = (
    "corridor road convoy bridge checkpoint village mountain border market bread fuel winter school hospital "
    "council river valley minister statement talks officials residents traffic trucks supplies weather "
    "harvest railway museum theatre festival engineers doctors teachers students farmers drivers"
).split()


def bulk_page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<meta property='article:published_time' content='2023-01-12T10:00:00+00:00'></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>Copyright</footer></body></html>"
    ).encode()


def add_bulk_site(
    web: MockWeb, site: str, count: int, delay: float = 0.0, seed: int = 0
) -> list[str]:
    """A site with ``count`` distinct articles listed in an RSS feed at ``/feed/``; returns their paths.

    ``delay`` seconds are spent before answering each article page.
    """
    base = web.add_site(site)
    rng = random.Random(f"{site}-{seed}")
    paths = []
    items = []
    for n in range(count):
        path = f"/{site}/story-{n}/"
        title = f"{site} story {n}: " + " ".join(rng.sample(_BULK_WORDS, 5))
        paragraphs = [" ".join(rng.choices(_BULK_WORDS, k=30)).capitalize() + "." for _ in range(4)]
        page = bulk_page(title, paragraphs)

        def handler(request, page=page):
            if delay:
                time.sleep(delay)
            return Response(200, page, HTML)

        web.route(site, path, handler)
        paths.append(path)
        items.append(f"<item><title>{html.escape(title)}</title><link>{base}{path}</link></item>")
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{site}</title>{"".join(items)}</channel></rss>'
    web.route(site, "/feed/", Response(200, feed.encode(), {"Content-Type": "application/rss+xml"}))
    web.route(site, "/robots.txt", robots())
    return paths


# The bulk crawls' settings: no politeness delays, eight requests at a time per site.
BULK_FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]


def crawl_command(sources: Path, db: Path, *extra: str) -> list[str]:
    """The command line of a plain ``newsmon crawl`` (for :func:`popen`), with ``BULK_FAST``."""
    return [
        sys.executable, "-m", "crawler.cli", "crawl", "--sources", str(sources), "--db", str(db),
        "--since", "all", *BULK_FAST, *extra,
    ]  # fmt: skip


def popen(cmd: list[str]) -> subprocess.Popen:
    """Start ``cmd`` in the repository, without the caller's ``NEWSMON_DB``, output piped."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_DB"}
    return subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@dataclass
class Crawl:
    """The outcome of one ``newsmon crawl`` subprocess."""

    result: subprocess.CompletedProcess
    stats: dict[str, object]
    """Scrapy's final stats, read from the crawl log."""
    log: str
    maxrss_mb: float | None
    """Peak resident memory of the crawl process."""

    @property
    def errors(self) -> dict[str, int]:
        """``newsmon/errors/<kind>`` counters as ``{kind: n}``."""
        prefix = "newsmon/errors/"
        return {k[len(prefix) :]: int(v) for k, v in self.stats.items() if k.startswith(prefix)}


# Runs the command line like ``python -m crawler.cli`` and reports the peak RSS
# of the crawl process on stderr; ``NEWSMON_TEST_MAX_PAGES`` caps the database
# size through SQLite's max_page_count (the full-disk simulation).
_BOOTSTRAP = """
import atexit, os, resource, sys
atexit.register(lambda: sys.stderr.write(
    "\\nNEWSMON_TEST_MAXRSS_KB=%d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
if os.environ.get("NEWSMON_TEST_MAX_PAGES"):
    import crawler.store.sqlite.connection as sqlite_connection
    _connect = sqlite_connection.connect
    def connect(*args, **kwargs):
        db = _connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = %d" % int(os.environ["NEWSMON_TEST_MAX_PAGES"]))
        return db
    sqlite_connection.connect = connect
sys.argv[0] = "newsmon"
from crawler.cli import main
main()
"""


def run_crawl(
    sources: Path,
    db: Path,
    *extra: str,
    env: dict | None = None,
    timeout: float = 120,
    popen_hook=None,
    prefix: list[str] = (),
) -> Crawl:
    """Run ``newsmon crawl`` in a subprocess, with its own log file, and collect its stats.

    ``prefix`` is put before the interpreter (e.g. ``setpriv ...``); ``popen_hook``
    is called with the running process (to watch it).
    """
    log_file = db.with_suffix(".log")
    args = [
        *prefix,
        sys.executable,
        "-c",
        _BOOTSTRAP,
        "crawl",
        "--sources",
        str(sources),
        "--db",
        str(db),
        "--since",
        "all",
        "--log-file",
        str(log_file),
        *FAST,
        *extra,
    ]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("NEWSMON_DB", None)
    process = subprocess.Popen(
        args, cwd=REPO_ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if popen_hook is not None:
        popen_hook(process)
    stdout, stderr = process.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    maxrss = re.search(r"NEWSMON_TEST_MAXRSS_KB=(\d+)", stderr)
    if maxrss:
        result.stderr = stderr[: maxrss.start()].rstrip("\n") + (
            "\n" if stderr[: maxrss.start()].strip() else ""
        )
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    return Crawl(result, parse_stats(log), log, int(maxrss.group(1)) / 1024 if maxrss else None)


def parse_stats(log: str) -> dict[str, object]:
    """The last "Dumping Scrapy stats" block of a crawl log, numbers and strings only."""
    start = log.rfind("Dumping Scrapy stats:")
    if start < 0:
        return {}
    end = log.find("}\n", start)
    block = log[start : end + 1 if end >= 0 else len(log)]
    stats: dict[str, object] = {}
    for key, value in re.findall(r"'([^']+)':\s*('(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)", block):
        if value.startswith("'"):
            stats[key] = value[1:-1]
        else:
            stats[key] = float(value) if "." in value else int(value)
    return stats


def rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM articles ORDER BY id")]
    finally:
        conn.close()


def run_sources(db: Path) -> dict[str, dict]:
    """The per-source counters of the last crawl run (``crawl_run_sources``)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        run = conn.execute("SELECT max(id) FROM crawl_runs").fetchone()[0]
        return {
            r["source"]: dict(r)
            for r in conn.execute("SELECT * FROM crawl_run_sources WHERE run_id = ?", [run])
        }
    finally:
        conn.close()


def search_index_agrees(conn: sqlite3.Connection) -> bool:
    """Whether ``articles_fts`` is sound and holds exactly the articles' text, as indexed.

    The index holds folded text (crawler/store/sqlite/ftsfold.py), so FTS5's
    own comparison with the content table (``'integrity-check'`` with rank 1)
    would see every folded letter as a difference: the expected index is
    built afresh from the articles, folded the same way, and compared term by
    term, position by position.
    """
    from crawler.store.sqlite import ftsfold

    if not ftsfold.is_folded(conn):
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        return True
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    conn.execute(
        "CREATE VIRTUAL TABLE temp.expected_fts USING fts5(title, body, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute(
        "INSERT INTO temp.expected_fts (rowid, title, body) "
        + ftsfold.folded_rows("rowid", "title", "body", "main.articles")
    )
    conn.execute("CREATE VIRTUAL TABLE temp.have USING fts5vocab(main, articles_fts, 'instance')")
    conn.execute("CREATE VIRTUAL TABLE temp.want USING fts5vocab(temp, expected_fts, 'instance')")
    differing = conn.execute(
        "SELECT count(*) FROM (SELECT * FROM (SELECT * FROM temp.have EXCEPT SELECT * FROM temp.want) "
        "UNION ALL SELECT * FROM (SELECT * FROM temp.want EXCEPT SELECT * FROM temp.have))"
    ).fetchone()[0]
    for name in ("have", "want", "expected_fts"):
        conn.execute(f"DROP TABLE temp.{name}")
    return differing == 0


def integrity(db: Path) -> tuple[str, bool]:
    """``PRAGMA integrity_check`` and whether the full-text index agrees with the articles."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            fts_ok = search_index_agrees(conn)
        except sqlite3.DatabaseError:
            fts_ok = False
        return check, fts_ok
    finally:
        conn.close()


def summary_totals(stdout: str) -> dict[str, int]:
    """The "total" row of the crawl summary table, by column name."""
    lines = [line.replace("│", "|").replace("┃", "|") for line in stdout.splitlines()]
    header = next(line for line in lines if "| source" in line)
    total = next(line for line in lines if "| total" in line)
    names = [cell.strip() for cell in header.strip().strip("|").split("|")]
    values = [cell.strip() for cell in total.strip().strip("|").split("|")]
    return {name: int(value) for name, value in zip(names[1:], values[1:], strict=True)}


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@dataclass
class LoggedRequest:
    """A request the mock web received (the picklable part of ``mockweb.server.Request``)."""

    site: str
    path: str
    query: dict[str, list[str]]


@dataclass
class Snapshot:
    """What a test module needs from its one crawl: outcome, request log, database, extra figures."""

    crawl: Crawl
    log: list[LoggedRequest]
    db: Path
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, crawl: Crawl, web: MockWeb, db: Path, **extra) -> Snapshot:
        return cls(
            crawl, [LoggedRequest(r.site, r.path, r.query) for r in web.requests()], db, extra
        )

    def requests(self, site: str | None = None) -> list[LoggedRequest]:
        return [r for r in self.log if site is None or r.site == site]


def once_per_run(tmp_path_factory, name: str, produce: Callable[[Path], Snapshot]) -> Snapshot:
    """Run ``produce(directory)`` once per test run, even when xdist spreads a module over workers.

    The first worker to get here runs the crawl and saves its snapshot; the
    others wait on a lock and load it (the pattern of xdist's documentation
    for session fixtures).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return produce(tmp_path_factory.mktemp(name))
    shared = (
        tmp_path_factory.getbasetemp().parent / f"shared-{os.environ['PYTEST_XDIST_TESTRUNUID']}"
    )
    shared.mkdir(exist_ok=True)
    saved = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        directory = shared / name
        directory.mkdir()
        snapshot = produce(directory)
        saved.write_bytes(pickle.dumps(snapshot))
        return snapshot


class FailingComponent:
    """A Scrapy component (extension, stats collector …) that cannot be built: a crawl that
    breaks after its run was opened."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("component exploded on purpose")

    @classmethod
    def from_crawler(cls, crawler):
        raise RuntimeError("component exploded on purpose")
