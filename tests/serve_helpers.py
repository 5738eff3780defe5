"""A small newsmon database with known stories, and a real ``newsmon serve`` around it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from crawler.store import open_store

REPO_ROOT = Path(__file__).resolve().parents[1]
BLOCKADE, PEACEKEEPERS = "karabakh-blockade", "russian-peacekeepers"

COLUMNS = (
    "id", "url", "url_key", "source", "title", "body", "published_at", "first_seen_at",
    "fetched_at", "language", "relevant", "topics", "story_id", "content_hash",
)  # fmt: skip

# Story 1 is carried by three outlets; apa published it first although it
# was stored last. Article 6 has no publication date (first seen counts).
ARTICLES = [
    (1, "asbarez", "Lachin corridor blocked again", "Traffic on the Laçın corridor stopped; "
     "Nagorno-Karabakh is cut off. It's the third closure.", "2023-05-01T08:00:00+00:00",
     "2023-05-01T09:00:00+00:00", "en", 1, [BLOCKADE], 1),
    (2, "news-am", "Լաչինի միջանցքը կրկին փակ է", "Nagorno-Karabakh blockade, Laçın.",
     "2023-05-01T10:00:00+00:00", "2023-05-01T10:30:00+00:00", "hy", 1, [BLOCKADE], 1),
    (3, "apa", "Laçın yolu", "Laçın yolunda nəzarət. Xankəndi.", "2023-04-30T20:00:00+00:00",
     "2023-05-01T11:00:00+00:00", "az", 1, [BLOCKADE], 1),
    (4, "tass", "Миротворцы в Карабахе", "Российские миротворцы, Степанакерт.",
     "2023-05-02T09:00:00+00:00", "2023-05-02T09:10:00+00:00", "ru", 1, [PEACEKEEPERS], 4),
    (5, "asbarez", "Yerevan weather", "Sunny in Yerevan.", "2023-05-02T12:00:00+00:00",
     "2023-05-02T12:05:00+00:00", "en", 0, [], 5),
    (6, "news-am", "Peacekeepers at the Hakari bridge", "Peacekeepers watch the Hakari bridge "
     "checkpoint on the Lachin corridor.", None, "2023-05-03T07:00:00+00:00", "hy", 1,
     [BLOCKADE, PEACEKEEPERS], 6),
]  # fmt: skip


def build_fixture_db(path: Path) -> Path:
    """The six articles above, and one earlier text of article 1."""
    rows = []
    for aid, source, title, body, published, first_seen, lang, relevant, topics, story in ARTICLES:
        url = f"https://{source}.example/news/{aid}"
        rows.append(
            (aid, url, url, source, title, body, published, first_seen, first_seen, lang,
             relevant, json.dumps(topics), story, f"hash{aid}")
        )  # fmt: skip
    with open_store(path) as store:
        with store.write() as tx:
            tx.load_articles(COLUMNS, rows)
        with store.write() as tx:
            tx.archive_version(1, "2023-05-01T12:00:00+00:00")
            tx.update_article(1, {"title": "Lachin corridor blocked again (updated)"})
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, str, str]:
    """Status, content type and text of a GET (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


def get_json(url: str):
    status, _, text = get(url)
    assert status == 200, text[:500]
    return json.loads(text)


@contextmanager
def serving(db: Path, *, extra: tuple[str, ...] = (), timeout: float = 60):
    """``newsmon serve --db DB`` in a subprocess on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NEWSMON_DB", None)
    # The server's output goes to a file: an unread pipe would fill and stall it.
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(port),
         *extra],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"newsmon serve exited: {log.read()}")
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("newsmon serve did not answer") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_executable() -> str | None:
    """The system's Chromium (``NEWSMON_CHROMIUM`` overrides), None when there is none."""
    for candidate in (os.environ.get("NEWSMON_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


@contextmanager
def chromium_page(user_data_dir: Path, *, width: int = 1280, height: int = 900):
    """A page of the system's Chromium, driven by Playwright, with a fresh profile.

    Records console errors, page errors and every host the page asked for
    (``page.newsmon_errors``, ``page.newsmon_hosts``).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=chromium_executable(),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": width, "height": height},
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            hosts: set[str] = set()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda r: hosts.add(urllib.parse.urlsplit(r.url).hostname or ""))
            page.newsmon_errors, page.newsmon_hosts = errors, hosts
            yield page
        finally:
            context.close()


def chart_marks(page, selector: str, mark: str) -> int:
    """How many data marks (``rect``, ``line``, ``symbol``…) the Vega chart at ``selector`` drew.

    Counted in Vega's scenegraph, so the count is the same whether the chart
    is drawn on a canvas or as SVG; legends and axes are not marks of the data.
    """
    return page.evaluate(
        """([selector, mark]) => {
            const root = document.querySelector(selector);
            const svg = root && root.querySelector('svg');
            if (svg) return svg.querySelectorAll(`g.mark-${mark}.role-mark > path`).length;
            return -1;
        }""",
        [selector, mark],
    )
