"""The daemon's Scrapyd runner with two real ``scrapyd`` nodes, a real PostgreSQL and the mock news web.

The nodes (``newsmon scrapyd-node``, this checkout installed) are started once
per session; a test that kills one has it started again by the next.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from crawler.store import open_store
from schedules.config import Node
from schedules.scrapyd import ScrapydClient
from tests.conftest import REPO_ROOT
from tests.mockweb import content
from tests.scrapydnodes import ScrapydNode, free_port
from tests.test_schedules_daemon import wait_for
from tests.test_schedules_mockweb import hold

pytestmark = pytest.mark.slow

FAST = '{ AUTOTHROTTLE_ENABLED = "0", DOWNLOAD_DELAY = "0", NEWSMON_EXTRACT_WORKERS = "0" }'
# A feed held by the test hangs until released, not until the download timeout gives up on it.
PATIENT = FAST.replace(" }", ', DOWNLOAD_TIMEOUT = "300" }')


@pytest.fixture(scope="session")
def scrapyd_nodes(tmp_path_factory):
    """Two Scrapyd nodes on 127.0.0.1, each in its own folder."""
    nodes = [ScrapydNode(tmp_path_factory.mktemp(f"scrapyd-{i}")) for i in (1, 2)]
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def nodes(scrapyd_nodes) -> list[ScrapydNode]:
    """The two nodes, both up (one killed by an earlier test is started again)."""
    for node in scrapyd_nodes:
        if not node.alive():
            node.start()
    return scrapyd_nodes


def query(url: str, sql: str, params=()) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        try:
            return conn.execute(sql, params).fetchall()
        except psycopg.errors.UndefinedTable:  # the daemon is creating the schema
            return []


def runs(url: str) -> list[dict]:
    return query(url, "SELECT * FROM crawl_runs ORDER BY id")


class Daemon:
    """``newsmon schedule`` on a PostgreSQL store, in its own folder (its state file lands there)."""

    def __init__(self, folder: Path, db: str, schedules: str, sources: Path):
        self.folder, self.db = folder, db
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "schedules.toml").write_text(schedules)
        env = {
            **os.environ,
            "TZ": "Asia/Yerevan",
            "NEWSMON_DAEMON_REPORT": str(folder / "report.json"),
        }
        env.pop("NEWSMON_DB", None)
        self.sources = sources
        with (folder / "daemon.err").open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "schedule", "--db", db,
                 "--schedules", str(folder / "schedules.toml"), "--sources", str(sources)],
                stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=folder,
            )  # fmt: skip

    def log(self) -> str:
        return (self.folder / "daemon.err").read_text()

    def status(self) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "status", "--db", self.db,
             "--sources", str(self.sources), "--schedules", str(self.folder / "schedules.toml"),
             "--json"],
            capture_output=True, text=True, cwd=self.folder, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def schedules(nodes: list[str], jobs: str, settings: str = FAST, **daemon: str) -> str:
    extra = "".join(f"{key} = {value}\n" for key, value in daemon.items())
    node_tables = "".join(f'[[daemon.node]]\nurl = "{url}"\n' for url in nodes)
    return f"""
[daemon]
runner = "scrapyd"
startup_delay = "0s"
shutdown_grace = "5s"
poll_interval = "0.3s"
node_timeout = "3s"
{extra}
{node_tables}
[defaults]
since = "all"
kill_grace = "20s"
settings = {settings}
{jobs}
"""


def feed_jobs(*sites: str) -> str:
    """One hourly job per site, of its feeds only."""
    return "".join(
        f'[[job]]\nid = "{site}"\nevery = "1h"\nsources = ["{site}"]\ndiscovery = ["feeds"]\n'
        for site in sites
    )


def start_daemon(tmp_path: Path, db: str, node_urls: list[str], jobs: str, sources: Path) -> Daemon:
    return Daemon(tmp_path / "daemon", db, schedules(node_urls, jobs), sources)


def placed(daemon: Daemon, nodes: list[ScrapydNode], run_id: int) -> tuple[ScrapydNode, str] | None:
    """The node a run was scheduled on and its Scrapyd job id, as the daemon logged them."""
    match = re.search(rf"run {run_id} scheduled on node (\S+) \(Scrapyd job (\S+)\)", daemon.log())
    if match is None:
        return None
    (node,) = [n for n in nodes if n.name == match.group(1)]
    return node, match.group(2)


def stored_once(db: str) -> list[str]:
    urls = [r["url"] for r in query(db, "SELECT url FROM articles")]
    assert len(urls) == len(set(urls))
    return urls


def test_runs_spread_over_both_nodes_and_a_node_down_is_skipped_and_shown(
    nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    daemon = start_daemon(
        tmp_path,
        postgres_url,
        [down, *(n.url for n in nodes)],
        """
[[job]]
id = "armwire"
every = "1h"
sources = ["armwire"]
[[job]]
id = "rest"
every = "1h"
sources = ["azpress", "rusnews"]
""",
        mock_sources,
    )
    try:
        done = wait_for(
            lambda: (
                len([r for r in runs(postgres_url) if r["finished_at"]]) == 2 and daemon.status()
            ),
            120,
            "two runs",
        )
        status = done["nodes"]
        assert status[down.removeprefix("http://")]["up"] is False
        assert "Connection refused" in status[down.removeprefix("http://")]["error"]
        assert all(status[n.name]["up"] for n in nodes)
        text = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "status", "--db", postgres_url,
             "--sources", str(mock_sources)],
            capture_output=True, text=True, cwd=daemon.folder, timeout=60,
        ).stdout  # fmt: skip
        assert "Scrapyd nodes" in text and "down" in text
    finally:
        daemon.stop()
    rows = runs(postgres_url)
    assert [
        (r["job_id"], r["status"], r["trigger"]) for r in sorted(rows, key=lambda r: r["job_id"])
    ] == [
        ("armwire", "ok", "schedule"),
        ("rest", "ok", "schedule"),
    ], rows
    # Least busy first: the second run went to the node the first did not take.
    on = [placed(daemon, nodes, r["id"]) for r in rows]
    assert {node.name for node, _ in on} == {n.name for n in nodes}
    assert all(job in node.jobs()["finished"] for node, job in on)
    assert all(r["pages_fetched"] > 0 for r in rows)
    assert len(stored_once(postgres_url)) == len(content.ARTICLES)
    assert f"node {down.removeprefix('http://')} is down" in daemon.log()
    report = json.loads((daemon.folder / "report.json").read_text())
    assert report["runs_started"] == 2 and "scrapy" not in report["modules"]


def test_a_killed_node_s_run_is_recorded_failed_and_rescheduled_on_the_other(
    nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    release = threading.Event()
    hold(mock_web, "armwire", "/feed/", release, times=1)  # the first crawl hangs on it
    daemon = start_daemon(
        tmp_path,
        postgres_url,
        [n.url for n in nodes],
        """
[[job]]
id = "all"
every = "1h"
""",
        mock_sources,
    )
    try:
        first = wait_for(lambda: runs(postgres_url), 60, "the first run")[0]
        node, job = wait_for(lambda: placed(daemon, nodes, first["id"]), 60, "the placement")
        wait_for(lambda: job in node.jobs()["running"], 60, "the crawl on its node")
        # The crawl has its sources locked once it has taken the run over (its pid).
        wait_for(lambda: runs(postgres_url)[0]["pid"] != daemon.proc.pid, 60, "the node's crawl")
        time.sleep(1)
        node.kill()
        wait_for(
            lambda: len(rows := runs(postgres_url)) == 2 and rows[1]["finished_at"],
            120,
            "the rerun",
        )
    finally:
        release.set()
        daemon.stop()
    lost, rerun = runs(postgres_url)
    assert lost["status"] == "failed" and lost["message"].startswith(f"node {node.name} lost"), lost
    assert rerun["status"] == "ok" and rerun["job_id"] == "all", (rerun, daemon.log())
    (other,) = [n for n in nodes if n is not node]
    assert placed(daemon, nodes, rerun["id"])[0] is other
    assert len(stored_once(postgres_url)) == len(content.ARTICLES)
    assert "rescheduled on another node" in daemon.log()


def test_a_run_past_its_timeout_is_cancelled_on_its_node(
    nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    release = threading.Event()
    hold(mock_web, "rusnews", "/atom.xml", release)
    daemon = start_daemon(
        tmp_path,
        postgres_url,
        [n.url for n in nodes],
        """
[[job]]
id = "rusnews"
every = "1h"
sources = ["rusnews"]
discovery = ["feeds"]
timeout = "4s"
# The held feed lets go within its download timeout (20 s from its request): a graceful
# close must not race the kill on a loaded machine.
kill_grace = "60s"
""",
        mock_sources,
    )
    try:
        # The crawl closes its row first ("shutdown", on the SIGINT); the daemon's
        # verdict follows once the node reports the job finished.
        (row,) = wait_for(
            lambda: [r for r in runs(postgres_url) if r["status"] == "timeout"], 120, "the timeout"
        )
    finally:
        release.set()
        daemon.stop()
    assert row["message"].startswith("exceeded its 4s timeout on node 127.0.0.1:"), row
    assert "stopped gracefully (SIGINT)" in row["message"]
    node, job = placed(daemon, nodes, row["id"])
    assert "/cancel.json" in node.output()
    assert job in node.jobs()["finished"]


def test_a_crawl_on_a_node_takes_its_sources_locks(nodes, mock_web, mock_sources, postgres_url):
    node = nodes[0]
    with open_store(postgres_url) as store:
        locks = store.source_locks(["azpress"])
        assert not locks.acquire(0)  # this process crawls azpress, as far as the node can tell
        try:
            client = ScrapydClient(Node(url=node.url))
            job = client.schedule(
                "newsmon", "news", job_id="locks-busy",
                arguments={"sources": "azpress,armwire", "since": "all", "discovery": "feeds"},
                settings={"NEWSMON_DB": postgres_url, "NEWSMON_SOURCES_FILE": str(mock_sources),
                          "NEWSMON_LOCK_WAIT": "0", "AUTOTHROTTLE_ENABLED": "0",
                          "NEWSMON_EXTRACT_WORKERS": "0"},
            )  # fmt: skip
            wait_for(lambda: job in node.jobs()["finished"], 120, "the node's crawl")
        finally:
            locks.release()
    (row,) = runs(postgres_url)
    assert row["status"] == "ok" and row["trigger"] == "manual"
    assert row["sources"] in (["armwire"], '["armwire"]')
    assert "skipped busy source(s): azpress (pid" in row["message"]
    sources = {r["source"] for r in query(postgres_url, "SELECT source FROM articles")}
    assert sources == {"armwire"}


def test_runner_scrapyd_refuses_a_sqlite_store(tmp_path, mock_sources):
    (tmp_path / "schedules.toml").write_text(
        schedules(["http://127.0.0.1:6800"], '[[job]]\nid = "x"\nevery = "1h"\n')
    )
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "schedule", "--db", str(tmp_path / "news.db"),
         "--schedules", str(tmp_path / "schedules.toml"), "--sources", str(mock_sources)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "runner = 'scrapyd'" in line]
    assert lines and "not the SQLite file" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("stop", ["killed", "left"])
def test_a_restarted_daemon_follows_its_predecessor_s_run_to_its_end(
    stop, nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    """The first daemon dies under the run (SIGKILL), or stops leaving it on its node
    (SIGTERM with ``leave_node_runs``)."""
    release = threading.Event()
    hold(mock_web, "armwire", "/feed/", release, times=1, at_most=240)  # a slow crawl
    job = """
[[job]]
id = "armwire"
every = "15s"
sources = ["armwire"]
"""
    leave = {"leave_node_runs": "true"} if stop == "left" else {}
    text = schedules([n.url for n in nodes], job, PATIENT, **leave)
    first = Daemon(tmp_path / "first", postgres_url, text, mock_sources)
    second = None
    try:
        (row,) = wait_for(lambda: runs(postgres_url), 60, "the run")
        node, scrapyd_job = wait_for(lambda: placed(first, nodes, row["id"]), 60, "the placement")
        # The crawl on the node has taken the run over and holds its source's lock.
        wait_for(lambda: runs(postgres_url)[0]["pid"] != first.proc.pid, 120, "the node's crawl")
        if stop == "killed":
            first.proc.kill()  # the daemon dies (not its node): nothing closes or cancels the run
            first.proc.wait()
        else:
            first.stop()
            assert f"run {row['id']} left running on node {node.name}" in first.log()
            assert runs(postgres_url)[0]["status"] == "running"
        second = Daemon(tmp_path / "second", postgres_url, text, mock_sources)
        wait_for(lambda: "followed again" in second.log(), 60, "the take-over")
        # The job comes due while its run goes on: no second crawl of the source.
        wait_for(lambda: "taken over from an earlier daemon" in second.log(), 60, "a turn")
        assert [r["id"] for r in runs(postgres_url)] == [row["id"]]
        assert scrapyd_job in node.jobs()["running"]
        release.set()
        # The crawl closes its row, then the node reports its job finished to the daemon.
        wait_for(lambda: f"job armwire: run {row['id']} ok" in second.log(), 120, "the run's end")
        done = runs(postgres_url)[0]
    finally:
        release.set()
        first.stop()
        if second is not None:
            second.stop()
    assert done["status"] == "ok" and done["pages_fetched"] > 0, (done, second.log())
    assert done["node"] == node.url and done["node_job"] == scrapyd_job
    assert f"run {row['id']} was left on node {node.name} (Scrapyd job {scrapyd_job})" in (
        second.log()
    )
    later = [r for r in runs(postgres_url) if r["id"] != row["id"]]
    assert all(r["started_at"] >= done["finished_at"] for r in later)  # none while it ran
    urls = stored_once(postgres_url)
    assert urls and {r["source"] for r in query(postgres_url, "SELECT source FROM articles")} == {
        "armwire"
    }


def test_a_run_left_on_a_node_that_is_gone_or_forgot_it_is_failed_and_run_again(
    nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there any more
    with open_store(postgres_url) as store:
        on_gone = store.start_run(trigger="schedule", sources=["armwire"], job_id="armwire")
        store.set_run_node(on_gone, node=gone, node_job=f"newsmon-run-{on_gone}-0")
        forgotten = store.start_run(trigger="schedule", sources=["azpress"], job_id="azpress")
        store.set_run_node(forgotten, node=nodes[0].url, node_job="newsmon-run-never-scheduled")
    daemon = start_daemon(
        tmp_path,
        postgres_url,
        [n.url for n in nodes],
        feed_jobs("armwire", "azpress"),
        mock_sources,
    )
    try:
        wait_for(
            lambda: len(rows := runs(postgres_url)) == 4 and all(r["finished_at"] for r in rows),
            180,
            "both runs again",
        )
    finally:
        daemon.stop()
    rows = {r["id"]: r for r in runs(postgres_url)}
    assert rows[on_gone]["status"] == "failed"
    assert rows[on_gone]["message"].startswith(
        f"node {gone.removeprefix('http://')} lost: no answer for"
    ), rows[on_gone]
    assert rows[forgotten]["status"] == "failed"
    assert "no longer knows job newsmon-run-never-scheduled" in rows[forgotten]["message"]
    reruns = [r for r in rows.values() if r["id"] not in (on_gone, forgotten)]
    assert sorted((r["job_id"], r["status"]) for r in reruns) == [
        ("armwire", "ok"),
        ("azpress", "ok"),
    ], daemon.log()
    # The node no longer in the file was followed, and given nothing new.
    assert all(r["node"] in {n.url for n in nodes} for r in reruns)
    assert "rescheduled on another node" in daemon.log()


def test_nodes_get_no_more_runs_than_their_slots_and_a_run_waits_for_one(
    nodes, mock_web, mock_sources, postgres_url, tmp_path
):
    assert nodes[0].api("daemonstatus.json")["max_proc"] == 4  # what the node says it runs
    release = threading.Event()
    for site, path in (("armwire", "/feed/"), ("azpress", "/rss"), ("rusnews", "/atom.xml")):
        hold(mock_web, site, path, release, times=1, at_most=240)
    node_tables = "".join(f'[[daemon.node]]\nurl = "{n.url}"\nslots = 1\n' for n in nodes)
    jobs = feed_jobs("armwire", "azpress", "rusnews")
    text = schedules([], jobs, PATIENT, max_parallel="3").replace(
        "[defaults]", node_tables + "[defaults]"
    )
    daemon = Daemon(tmp_path / "daemon", postgres_url, text, mock_sources)
    try:
        status = wait_for(
            lambda: (
                len(runs(postgres_url)) == 2
                and (s := daemon.status())
                and any("waiting for a free node slot" in j["next_run_note"] for j in s["jobs"])
                and s
            ),
            120,
            "a run waiting for a slot",
        )
        (waiting,) = [j for j in status["jobs"] if "waiting" in j["next_run_note"]]
        assert "every Scrapyd node that answers is full" in waiting["next_run_note"]
        assert all(status["nodes"][n.name]["slots"] == 1 for n in nodes)
        assert {placed(daemon, nodes, r["id"])[0].name for r in runs(postgres_url)} == {
            n.name for n in nodes
        }  # one on each
        release.set()
        wait_for(
            lambda: len(rows := runs(postgres_url)) == 3 and all(r["finished_at"] for r in rows),
            180,
            "the third run",
        )
    finally:
        release.set()
        daemon.stop()
    assert [r["status"] for r in runs(postgres_url)] == ["ok"] * 3, daemon.log()
    assert "waits for a free node slot" in daemon.log()
    on = [placed(daemon, nodes, r["id"]) for r in runs(postgres_url)]
    for node in nodes:  # a node never ran two of them at once
        ours = {job for n, job in on if n is node}
        finished = node.api("listjobs.json", project="newsmon")["finished"]
        spans = sorted((j["start_time"], j["end_time"]) for j in finished if j["id"] in ours)
        assert len(spans) == len(ours)
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans)), spans
    assert len(stored_once(postgres_url)) == len([a for a in content.ARTICLES if a.in_feed])
