"""The crawl benchmark's run on two Scrapyd nodes (``benchmarks/crawl.py --compare-scrapyd``).

The real daemon (``newsmon schedule``, ``runner = "scrapyd"``) hands two
jobs, each half of the outlets, to two ``newsmon scrapyd-node`` processes on
this machine, all writing into one PostgreSQL database. Wall time is from
the first run's start to the last run's end as ``crawl_runs`` records them
(the daemon's own start-up is left out, as the local crawl's command is
timed alone); CPU counts the nodes and everything they started (crawls,
extraction workers: live ones and reaped ones), the daemon, and the database
server. On one machine this shows the runner's overhead, not a gain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path

from tests.pgserver import tree_cpu_seconds

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent


def schedules_file(node_urls: list[str], halves: list[list[str]], settings: dict) -> str:
    table = ", ".join(f'{name} = "{value}"' for name, value in settings.items())
    nodes = "".join(f'[[daemon.node]]\nurl = "{url}"\n' for url in node_urls)
    jobs = "".join(
        f'[[job]]\nid = "half{i}"\nevery = "1d"\nsources = {half!r}\n'.replace("'", '"')
        for i, half in enumerate(halves, 1)
    )
    return f"""
[daemon]
runner = "scrapyd"
startup_delay = "0s"
max_parallel = {len(halves)}
poll_interval = "0.5s"
[defaults]
since = "all"
discovery = ["feeds"]
timeout = "1h"
memory = "none"
settings = {{ {table} }}
{nodes}{jobs}"""


def run_on_nodes(
    nodes, db: str, sources: Path, work: Path, settings: dict, db_cpu, timeout: float = 3600
) -> dict:
    """One crawl of every outlet over the ``nodes``; wall time and CPU seconds (see the module)."""
    from crawler.store import open_store

    names = [s["name"] for s in tomllib.loads(sources.read_text())["source"]]
    halves = [names[: len(names) // 2], names[len(names) // 2 :]]
    folder = work / f"daemon-{int(time.time() * 1000)}"
    folder.mkdir(parents=True)
    (folder / "schedules.toml").write_text(schedules_file([n.url for n in nodes], halves, settings))
    node_cpu_before = sum(tree_cpu_seconds(n.proc.pid) for n in nodes)
    db_cpu_before = db_cpu()
    env = {**os.environ}
    env.pop("NEWSMON_DB", None)
    with (folder / "daemon.err").open("wb") as err:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "schedule", "--db", db,
             "--schedules", str(folder / "schedules.toml"), "--sources", str(sources)],
            stdout=subprocess.DEVNULL, stderr=err, cwd=folder, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        rows: list = []
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if daemon.poll() is not None:
                raise SystemExit(
                    f"benchmark: the daemon exited: {(folder / 'daemon.err').read_text()[-2000:]}"
                )
            try:
                with open_store(db, read_only=True) as store:
                    rows = store.runs(limit=10)
            except Exception:  # the daemon is still creating the schema
                continue
            if len(rows) == len(halves) and all(r.finished_at for r in rows):
                break
        else:
            raise SystemExit("benchmark: the runs on the nodes did not end in time")
        daemon_cpu = tree_cpu_seconds(daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
    bad = [(r.id, r.status, r.message) for r in rows if r.status != "ok"]
    if bad:
        raise SystemExit(f"benchmark: runs on the nodes did not succeed: {bad}")
    started = min(datetime.fromisoformat(r.started_at) for r in rows)
    finished = max(datetime.fromisoformat(r.finished_at) for r in rows)
    node_cpu = sum(tree_cpu_seconds(n.proc.pid) for n in nodes) - node_cpu_before
    return {
        "wall": (finished - started).total_seconds(),
        "node_cpu": node_cpu,
        "daemon_cpu": daemon_cpu,
        "db_cpu": db_cpu() - db_cpu_before,
        "runs": len(rows),
    }
