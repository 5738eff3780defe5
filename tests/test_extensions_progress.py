"""Progress while a crawl runs: a per-source live table on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
import re
import subprocess
import time

from rich.console import Console
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.extensions.progress import Progress
from crawler.stats import inc_error, inc_source
from tests.conftest import REPO_ROOT
from tests.fault_helpers import crawl_command, robots, sources_file
from tests.mockweb import MockWeb, Response

LINE = re.compile(
    r"^progress [\d.]+s: \d+ pages, \d+ new, \d+ updated, \d+ duplicates, \d+ errors, "
    r"-?\d+ queued; \d+/\d+ sources answered$"
)


def progress(console: Console, **settings) -> tuple[Progress, object]:
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return Progress(crawler, console=console), crawler.stats


def test_on_a_terminal_each_source_has_a_row_with_its_counts_and_main_errors():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    view, stats = progress(console)
    view.sources = ["alpha", "beta", "gamma"]
    inc_source(stats, "alpha", "pages_fetched", 12)
    inc_source(stats, "alpha", "articles_new", 5)
    for _ in range(4):
        inc_error(stats, "beta", "download/CannotResolveHostError")
    inc_error(stats, "beta", "download/DownloadTimeoutError")
    console.print(view.table())
    rows = {line.split()[1]: line for line in out.getvalue().splitlines() if line.count("│") > 2}
    assert {"alpha", "beta", "gamma"} <= set(rows)
    assert rows["alpha"].split("│")[2:4] == ["    12 ", "   5 "]
    assert "DNS lookup failed ×4, timeout ×1" in rows["beta"]
    assert view.interval < 1  # redrawn often on a terminal


def test_elsewhere_a_plain_line_every_few_seconds():
    view, stats = progress(Console(file=io.StringIO()))
    assert not view.live
    assert view.interval == get_project_settings().getfloat("NEWSMON_PROGRESS_INTERVAL") <= 10
    view.sources = ["alpha", "beta"]
    inc_source(stats, "alpha", "pages_fetched", 3)
    assert LINE.match(view.line())
    assert "3 pages" in view.line() and "1/2 sources answered" in view.line()
    short, _ = progress(Console(file=io.StringIO()), NEWSMON_PROGRESS_INTERVAL=0.25)
    assert short.interval == 0.25


def test_a_backfill_shows_what_it_listed_skipped_and_fetched_per_source():
    from crawler.spiders.archive import ArchiveSpider, archive_stat

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    view, stats = progress(console)
    sources = [type("Source", (), {"name": name}) for name in ("alpha", "beta")]
    view.follow(
        type(
            "Spider",
            (),
            {"selected_sources": sources, "progress_columns": ArchiveSpider.progress_columns},
        )
    )
    stats.inc_value(archive_stat("alpha", "listed"), 40)
    stats.inc_value(archive_stat("alpha", "skipped"), 3)
    stats.inc_value(archive_stat("alpha", "fetched"), 12)
    stats.inc_value(archive_stat("beta", "listed"), 2)
    inc_source(stats, "alpha", "articles_new", 9)
    console.print(view.table())
    header = next(line for line in out.getvalue().splitlines() if "listed" in line)
    assert [cell.strip() for cell in header.split("┃")[2:6]] == [
        "listed",
        "skipped",
        "fetched",
        "new",
    ]
    rows = {line.split()[1]: line for line in out.getvalue().splitlines() if line.count("│") > 2}
    assert [cell.strip() for cell in rows["alpha"].split("│")[2:6]] == ["40", "3", "12", "9"]
    assert view.line().endswith(", 42 listed, 3 skipped, 12 fetched")


def test_a_crawl_whose_stderr_is_not_a_terminal_prints_progress_lines_as_it_goes(tmp_path):
    web = MockWeb()

    def feed(request):
        time.sleep(2.0)
        return Response(200, b"<rss version='2.0'><channel></channel></rss>")

    try:
        web.add_site("slowfeed")
        web.route("slowfeed", "/feed/", feed)
        web.route("slowfeed", "/robots.txt", robots())
        sources = sources_file(web, ["slowfeed"], tmp_path / "sources.toml")
        result = subprocess.run(
            crawl_command(sources, tmp_path / "news.db", "-s", "NEWSMON_PROGRESS_INTERVAL=0.2"),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        web.stop()
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress ")]
    assert len(lines) >= 3, result.stderr[-2000:]
    assert all(LINE.match(line) for line in lines), lines
    assert "run 1 finished in" in result.stdout
