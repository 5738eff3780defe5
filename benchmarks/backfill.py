"""Backfill benchmark: ``newsmon backfill --warc`` against ``newsmon crawl`` on the same pages.

The pages are the crawl benchmark's local news web (benchmarks/newsweb.py,
same seed, so the same articles): ``crawl`` reads them from the running web
through its feeds; the backfill reads them from one WARC.gz file written
here with warcio (one gzip member per record, a request record before each
response, as crawlers write them). Both start from an empty database and
run the whole pipeline. Figures: stored articles, wall time, pages/s, peak
memory (RSS of the process and its extraction workers, summed), CPU per page.

Usage::

    python benchmarks/backfill.py                  # 10k pages over 20 outlets
    python benchmarks/backfill.py --articles 500   # a quick run
    python benchmarks/backfill.py --keep DIR       # also keep the WARC and sources file in DIR
    python benchmarks/backfill.py --reuse DIR      # only the backfill, from a kept WARC
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from benchmarks.crawl import COMMON_SETTINGS, Web, _settings_args, mib, run_measured  # noqa: E402
from benchmarks.newsweb import build  # noqa: E402
from crawler.store import open_store  # noqa: E402


def write_warc(path: Path, bases: list[str], articles: int) -> int:
    """The news web's article pages as response records; returns the number written."""
    written = 0
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for outlet in build(articles, bases):
            for article in outlet.articles:
                url = outlet.base + article.path
                request = StatusAndHeaders(
                    f"GET {article.path} HTTP/1.1",
                    [("Host", url.split("/")[2])],
                    is_http_request=True,
                )
                writer.write_record(
                    writer.create_warc_record(
                        url, "request", payload=io.BytesIO(b""), http_headers=request
                    )
                )
                http = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                writer.write_record(
                    writer.create_warc_record(
                        url,
                        "response",
                        payload=io.BytesIO(article.html),
                        http_headers=http,
                        warc_headers_dict={"WARC-Date": when},
                    )  # fmt: skip
                )
                written += 1
    return written


def stored(db: Path) -> int:
    with open_store(str(db), migrate=False) as store:
        return store.count_articles()


def report(name: str, result: dict, articles: int) -> dict:
    figures = {
        "stored": articles,
        "wall_s": round(result["wall"], 1),
        "pages_per_s": round(articles / result["wall"], 1),
        "peak_rss": mib(result["peak_rss"]),
        "cpu_ms_per_page": round(1000 * result["cpu"] / max(articles, 1), 1),
    }
    print(f"{name:9s} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    return figures


def run_backfill(warc: Path, sources: Path, db: Path, work: Path) -> dict:
    return run_measured(
        [sys.executable, "-m", "crawler.cli", "backfill", "--warc", str(warc),
         "--sources", str(sources), "--db", str(db),
         "--log-file", str(work / "backfill.log"), *_settings_args(COMMON_SETTINGS)],
        work, "backfill",
    )  # fmt: skip


def backfill_only(kept: Path) -> None:
    """The backfill alone, from a WARC and sources file kept by an earlier run (no web, no crawl)."""
    with tempfile.TemporaryDirectory(prefix="newsmon-backfill-bench-") as tmp:
        work = Path(tmp)
        result = run_backfill(kept / "pages.warc.gz", kept / "sources.toml", work / "b.db", work)
        if result["returncode"] != 0:
            raise SystemExit(f"benchmark: backfill failed:\n{result['stderr'][-2000:]}")
        print(json.dumps({"backfill": report("backfill", result, stored(work / "b.db"))}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="copy the WARC and sources file to this folder")
    parser.add_argument(
        "--reuse", type=Path, help="a folder kept by --keep: run only the backfill, from its WARC"
    )
    args = parser.parse_args(argv)
    if args.reuse:
        return backfill_only(args.reuse)
    with tempfile.TemporaryDirectory(prefix="newsmon-backfill-bench-") as tmp:
        work = Path(tmp)
        print(
            f"building the news web: {args.articles} articles over {args.outlets} outlets …",
            flush=True,
        )
        web = Web(work / "web", args.articles, args.outlets)
        try:
            warc = work / "pages.warc.gz"
            count = write_warc(warc, web.info["bases"], args.articles)
            print(f"WARC: {count} responses, {mib(warc.stat().st_size)}", flush=True)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(warc, args.keep / "pages.warc.gz")
                shutil.copy(web.sources, args.keep / "sources.toml")
            settings = _settings_args(COMMON_SETTINGS)
            crawl_db = work / "crawl.db"
            crawl = run_measured(
                [sys.executable, "-m", "crawler.cli", "crawl", "--sources", str(web.sources),
                 "--db", str(crawl_db), "--since", "all", "--discovery", "feeds",
                 "--log-file", str(work / "crawl.log"), *settings],
                work, "crawl",
            )  # fmt: skip
            backfill_db = work / "backfill.db"
            backfill = run_backfill(warc, web.sources, backfill_db, work)
        finally:
            web.stop()
        for name, result in (("crawl", crawl), ("backfill", backfill)):
            if result["returncode"] != 0:
                raise SystemExit(f"benchmark: {name} failed:\n{result['stderr'][-2000:]}")
        figures = {
            "crawl": report("crawl", crawl, stored(crawl_db)),
            "backfill": report("backfill", backfill, stored(backfill_db)),
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
