"""Crawl benchmark: newsmon against a hand-written Scrapy spider, then storage at scale.

Figures printed:

1. ``newsmon crawl`` end to end (fetch, extract, dates, dedup, relevance,
   storage) and a bare Scrapy spider (fetch + ``trafilatura.extract``,
   nothing stored) over the same local news web (benchmarks/newsweb.py), with
   the same politeness settings: pages/s of each, their ratio, wall time and
   peak memory (RSS of the process and its children, summed).
   With ``--compare-postgresql``, newsmon also crawls into a PostgreSQL
   database (a throwaway server of the machine's binaries): its pages/s and
   CPU per page, the database server's CPU included. With ``--compare-scrapyd``
   (which implies it), the daemon also crawls the same web on two Scrapyd
   nodes of this machine into PostgreSQL (benchmarks/nodes.py).
2. A second ``newsmon crawl`` over the unchanged web: article requests
   (target 0) and the share of feed requests that were conditional (target
   100 %).
3. Dedup + storage cost per new article with 1k, 10k, 100k and 1M articles
   already stored (target: flat), the databases filled through the same
   pipeline code, and the median full-text query time at the largest size
   (target < 50 ms).

Usage::

    python benchmarks/crawl.py            # the full run (several minutes: the 1M database)
    python benchmarks/crawl.py --quick    # a short sanity run (300 pages, 1k/10k articles)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(REPO_ROOT))

# Politeness relaxed the same way for both crawlers; robots.txt obeyed by both.
COMMON_SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
}


# --- processes ------------------------------------------------------------------
class Web:
    """The news web server process (benchmarks/newsweb.py)."""

    def __init__(self, folder: Path, articles: int, outlets: int):
        self.folder = folder
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "newsweb.py"),
                "--out",
                str(folder),
                "--articles",
                str(articles),
                "--outlets",
                str(outlets),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "READY":
            self.process.kill()
            raise SystemExit("benchmark: the news web did not start")
        self.info = json.loads((folder / "web.json").read_text())
        self.sources = folder / "sources.toml"
        self.psutil = psutil.Process(self.process.pid)

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.info["bases"][0] + "/__stats", timeout=10) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        urllib.request.urlopen(self.info["bases"][0] + "/__reset", timeout=10).read()

    def cpu_seconds(self) -> float:
        times = self.psutil.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)


def run_measured(cmd: list[str], out_dir: Path, name: str) -> dict:
    """Run ``cmd``; wall time, peak summed RSS of it and its children, CPU seconds, output.

    Memory and CPU are sampled every 50 ms over the process tree (the crawl,
    its fork server and extraction workers).
    """
    started = time.perf_counter()
    stdout_path, stderr_path = out_dir / f"{name}.out", out_dir / f"{name}.err"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        process = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True, cwd=REPO_ROOT)
        root = psutil.Process(process.pid)
        peak = 0
        peak_main = 0
        cpu: dict[int, float] = {}
        while process.poll() is None:
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += rss
                cpu[proc.pid] = times.user + times.system
                if proc.pid == root.pid:
                    peak_main = max(peak_main, rss)
            peak = max(peak, total)
            time.sleep(0.05)
        process.wait()
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "peak_rss": peak,
        "peak_rss_main": peak_main,
        "cpu": sum(cpu.values()),
        "cpu_main": cpu.get(process.pid, 0.0),
        "returncode": process.returncode,
        "stdout": stdout_path.read_text(),
        "stderr": stderr_path.read_text(),
    }


def _settings_args(settings: dict) -> list[str]:
    args = []
    for name, value in settings.items():
        args += ["-s", f"{name}={int(value) if isinstance(value, bool) else value}"]
    return args


def run_newsmon(web: Web, db: Path, log: Path, extra: dict | None = None) -> dict:
    cmd = [
        sys.executable, "-m", "crawler.cli", "crawl",
        "--sources", str(web.sources), "--db", str(db), "--since", "all", "--discovery", "feeds",
        "--log-file", str(log),
        *_settings_args({**COMMON_SETTINGS, **(extra or {})}),
    ]  # fmt: skip
    web.reset()
    result = run_measured(cmd, log.parent, "newsmon")
    result["requests"] = web.stats()
    if result["returncode"] != 0:
        raise SystemExit(
            f"benchmark: newsmon crawl failed ({result['returncode']}):\n{result['stderr'][-2000:]}"
        )
    return result


def run_nodes(web: Web, postgres, nodes, work: Path, extra: dict | None) -> dict:
    """One crawl of the web by the daemon over two Scrapyd nodes (benchmarks/nodes.py)."""
    from nodes import run_on_nodes

    web.reset()
    settings = {
        name: int(value) if isinstance(value, bool) else value
        for name, value in {**COMMON_SETTINGS, **(extra or {})}.items()
    }
    run = run_on_nodes(
        nodes, postgres.create_database(), web.sources, work, settings, postgres.cpu_seconds
    )
    run["requests"] = web.stats()
    # As run_measured reports it; the database server's share is added by the caller.
    run.update(cpu=run["node_cpu"] + run["daemon_cpu"], cpu_main=run["node_cpu"])
    run.update(peak_rss=0, peak_rss_main=0)
    return run


def run_bare(web: Web, log: Path) -> dict:
    settings = {**COMMON_SETTINGS, "LOG_FILE": str(log)}
    web.reset()
    result = run_measured(
        [sys.executable, str(HERE / "bare_spider.py"), str(web.sources), json.dumps(settings)],
        log.parent,
        "bare",
    )
    result["requests"] = web.stats()
    if result["returncode"] != 0:
        raise SystemExit(
            f"benchmark: bare spider failed ({result['returncode']}):\n{result['stderr'][-2000:]}"
        )
    result["stats"] = json.loads(result["stdout"].strip().splitlines()[-1])
    return result


# --- report -----------------------------------------------------------------------
def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def crawl_figures(args, work: Path, postgres=None, nodes=None) -> dict:
    """The crawl figures; with ``postgres`` (a :class:`tests.pgserver.PostgresServer`) newsmon
    also crawls into a database of that server, its CPU per page counting the server's."""
    print(
        f"building the news web: {args.articles} articles over {args.outlets} outlets …", flush=True
    )
    web = Web(work / "web", args.articles, args.outlets)
    figures: dict = {
        "articles": web.info["articles"],
        "page_kib": web.info["page_bytes"] / web.info["articles"] / 1024,
    }
    try:
        # Alternate the two crawlers and keep each one's best run: the machine
        # may be shared, and a burst of other work should not decide the ratio.
        best: dict[str, dict] = {}
        names = ("bare", "newsmon") + (("newsmon-pg",) if postgres else ())
        names += ("nodes-pg",) if nodes else ()
        for _ in range(args.repeat):
            for name in names:
                cpu_before = web.cpu_seconds()
                db_cpu_before = postgres.cpu_seconds() if postgres else 0.0
                if name == "bare":
                    run = run_bare(web, work / "bare.log")
                elif name == "nodes-pg":
                    run = run_nodes(web, postgres, nodes, work, args.newsmon_settings)
                elif name == "newsmon-pg":
                    db = postgres.create_database()
                    run = run_newsmon(web, db, work / "newsmon-pg.log", args.newsmon_settings)
                else:
                    db = work / "news.db"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{db}{suffix}").unlink(missing_ok=True)
                    run = run_newsmon(web, db, work / "newsmon.log", args.newsmon_settings)
                run["server_cpu"] = web.cpu_seconds() - cpu_before
                # The database server works for the crawl too: its CPU is the crawl's.
                run["db_cpu"] = postgres.cpu_seconds() - db_cpu_before if postgres else 0.0
                run["cpu"] += run["db_cpu"] if name in ("newsmon-pg", "nodes-pg") else 0.0
                fetched = run["requests"].get("article", 0)
                run["pages"] = fetched
                run["pages_per_s"] = fetched / run["wall"]
                print(
                    f"  {name:8s} {fetched} article pages in {run['wall']:.1f} s = {run['pages_per_s']:.1f} pages/s; "
                    f"peak RSS {mib(run['peak_rss'])} (main process {mib(run['peak_rss_main'])}); "
                    f"CPU {run['cpu']:.1f} s "
                    f"(main process {run['cpu_main']:.1f} s, server {run['server_cpu']:.1f} s); "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                if name not in best or run["pages_per_s"] > best[name]["pages_per_s"]:
                    best[name] = run
        if postgres:
            figures["postgresql"] = {
                x: best["newsmon-pg"][x] for x in ("pages", "wall", "cpu", "db_cpu", "pages_per_s")
            }
            if nodes:
                figures["scrapyd"] = {
                    x: best["nodes-pg"][x]
                    for x in (
                        "pages",
                        "wall",
                        "cpu",
                        "db_cpu",
                        "node_cpu",
                        "daemon_cpu",
                        "pages_per_s",
                    )
                }
            for name in ("newsmon", "newsmon-pg") + (("nodes-pg",) if nodes else ()):
                run = best[name]
                per_page = {
                    k: run.get(k, 0.0) / max(run["pages"], 1) * 1000
                    for k in ("cpu", "db_cpu", "node_cpu", "daemon_cpu")
                }
                nodes_share = (
                    f", Scrapyd nodes and their crawls {per_page['node_cpu']:.1f}, "
                    f"daemon {per_page['daemon_cpu']:.1f}"
                    if name == "nodes-pg"
                    else ""
                )
                print(
                    f"  {name:10s} best {run['pages_per_s']:6.1f} pages/s, "
                    f"CPU {per_page['cpu']:.1f} ms/page "
                    f"(database server {per_page['db_cpu']:.1f}{nodes_share} ms/page)",
                    flush=True,
                )
        runs = {name: best[name] for name in ("bare", "newsmon")}
        from crawler.store import open_store

        with open_store(work / "news.db", read_only=True) as store:
            figures["stored"] = store.count_articles()
        figures["bare_extracted"] = runs["bare"]["stats"].get("bare/extracted", 0)
        figures["runs"] = {
            k: {
                x: v[x]
                for x in (
                    "pages",
                    "wall",
                    "peak_rss",
                    "peak_rss_main",
                    "cpu",
                    "cpu_main",
                    "server_cpu",
                    "pages_per_s",
                )
            }
            for k, v in runs.items()
        }
        figures["ratio"] = runs["newsmon"]["pages_per_s"] / runs["bare"]["pages_per_s"]
        for name, run in runs.items():
            print(
                f"  best {name:8s} {run['pages_per_s']:6.1f} pages/s, peak RSS {mib(run['peak_rss'])}, "
                f"CPU {run['cpu'] / max(run['pages'], 1) * 1000:.1f} ms/page "
                f"(main process {run['cpu_main'] / max(run['pages'], 1) * 1000:.1f} ms/page)",
                flush=True,
            )
        # What the CPU time allows whatever else runs on the machine: the bare
        # spider is one process; newsmon is bounded by all cores and by its
        # main process (reactor and pipelines), which runs on one.
        cores = os.cpu_count() or 1
        bare_ms = runs["bare"]["cpu"] / max(runs["bare"]["pages"], 1)
        news_ms = runs["newsmon"]["cpu"] / max(runs["newsmon"]["pages"], 1)
        main_ms = runs["newsmon"]["cpu_main"] / max(runs["newsmon"]["pages"], 1)
        ceiling = min(cores / news_ms, 1 / main_ms) / (1 / bare_ms)
        figures["cpu_ceiling_ratio"] = ceiling
        print(
            f"  CPU-bound ceiling of the ratio on {cores} idle core(s): {ceiling:.2f}x "
            f"(bare {bare_ms * 1000:.1f} ms CPU/page on one core; newsmon {news_ms * 1000:.1f} ms/page over "
            f"{cores}, of which {main_ms * 1000:.1f} ms in the main process)",
            flush=True,
        )
        print(
            f"  ratio newsmon / bare: {figures['ratio']:.2f}x (target >= 1.5x); "
            f"newsmon stored {figures['stored']} articles, the bare spider extracted {figures['bare_extracted']}",
            flush=True,
        )

        if args.compare_inline:
            # The evidence for NEWSMON_EXTRACT_WORKERS: the same crawl, extraction inline.
            db = work / "inline.db"
            inline = run_newsmon(web, db, work / "inline.log", {"NEWSMON_EXTRACT_WORKERS": 0})
            inline["pages_per_s"] = inline["requests"].get("article", 0) / inline["wall"]
            figures["inline"] = {
                "pages_per_s": inline["pages_per_s"],
                "peak_rss": inline["peak_rss"],
                "cpu": inline["cpu"],
            }
            print(
                f"  newsmon with extraction inline (NEWSMON_EXTRACT_WORKERS=0): {inline['pages_per_s']:.1f} pages/s, "
                f"peak RSS {mib(inline['peak_rss'])}, CPU {inline['cpu']:.1f} s; "
                f"the pool is {runs['newsmon']['pages_per_s'] / inline['pages_per_s']:.2f}x faster",
                flush=True,
            )

        again = run_newsmon(web, work / "news.db", work / "newsmon.log", args.newsmon_settings)
        requests = again["requests"]
        feeds = requests.get("feed", 0)
        figures["second_run"] = {
            "wall": again["wall"],
            "article_requests": requests.get("article", 0),
            "feed_requests": feeds,
            "conditional_share": requests.get("feed_conditional", 0) / feeds if feeds else 0.0,
            "not_modified": requests.get("feed_not_modified", 0),
        }
        s = figures["second_run"]
        print(
            f"  second run: {s['article_requests']} article requests (target 0); "
            f"{requests.get('feed_conditional', 0)}/{feeds} feed requests conditional = {s['conditional_share']:.0%} "
            f"(target 100%), {s['not_modified']} answered 304; {s['wall']:.1f} s",
            flush=True,
        )
    finally:
        web.stop()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="newsmon crawl benchmark",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("--quick", action="store_true", help="a short sanity run")
    parser.add_argument(
        "--articles", type=int, help="article pages of the news web (default 2000, quick 300)"
    )
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument(
        "--repeat", type=int, help="runs of each crawler, best kept (default 2, quick 1)"
    )
    parser.add_argument(
        "--sizes", help="comma-separated stored-article counts (default 1000,10000,100000,1000000)"
    )
    parser.add_argument(
        "--compare-inline",
        action="store_true",
        help="also time newsmon with extraction inline (NEWSMON_EXTRACT_WORKERS=0)",
    )
    parser.add_argument(
        "--compare-postgresql",
        action="store_true",
        help="also crawl into PostgreSQL (a throwaway server of the machine's binaries)",
    )
    parser.add_argument(
        "--compare-scrapyd",
        action="store_true",
        help="also crawl on two Scrapyd nodes of this machine into PostgreSQL (implies --compare-postgresql)",
    )
    parser.add_argument("--skip-crawl", action="store_true", help="only the storage figures")
    parser.add_argument("--skip-storage", action="store_true", help="only the crawl figures")
    parser.add_argument(
        "--workers", type=int, help="NEWSMON_EXTRACT_WORKERS for newsmon (default: its own default)"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep databases and logs here (default: a temporary folder)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.newsmon_settings = (
        {} if args.workers is None else {"NEWSMON_EXTRACT_WORKERS": args.workers}
    )
    args.articles = args.articles or (300 if args.quick else 2000)
    args.repeat = args.repeat or (1 if args.quick else 2)
    sizes = [
        int(s)
        for s in (
            args.sizes or ("1000,10000" if args.quick else "1000,10000,100000,1000000")
        ).split(",")
    ]

    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"newsmon crawl benchmark; {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; "
        f"work folder {work}",
        flush=True,
    )
    figures: dict = {"cpus": os.cpu_count()}
    try:
        if not args.skip_crawl and (args.compare_postgresql or args.compare_scrapyd):
            from tests.pgserver import PostgresServer
            from tests.scrapydnodes import ScrapydNode

            server = PostgresServer().start()
            nodes = []
            try:
                if args.compare_scrapyd:
                    for i in (1, 2):
                        nodes.append(ScrapydNode(work / f"node{i}", poll_interval=0.5).start())
                figures["crawl"] = crawl_figures(args, work, server, nodes)
            finally:
                for node in nodes:
                    node.stop()
                server.stop()
        elif not args.skip_crawl:
            figures["crawl"] = crawl_figures(args, work)
        if not args.skip_storage:
            from storage_scale import storage_figures

            figures["storage"] = storage_figures(sizes, work)
    finally:
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
