"""Choosing a Scrapyd node, following a job and recording its end, with nodes faked in memory.

The real nodes are in ``test_schedules_scrapyd.py``; here each rule is checked
on its own, with a fake clock, in a few milliseconds.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest

from crawler.runs import start_run
from crawler.store import open_store
from schedules.config import DaemonSettings, Job, Node
from schedules.outcomes import record_remote_outcome
from schedules.remote import NodePool, RemoteOutcome, crawl_request
from schedules.scrapyd import NodeError, NodeLoad


class FakeClient:
    """A node: its load, its jobs' states in turn, and the calls it got."""

    nodes: dict[str, FakeClient] = {}

    def __init__(self, node: Node):
        self.node = node
        self.down = False
        self.busy = 0
        self.max_proc: int | None = None
        self.states: list[str | None] = ["running", "finished"]
        self.scheduled: list[dict] = []
        self.cancels: list[str] = []
        FakeClient.nodes[node.name] = self

    def _check(self, what: str) -> None:
        if self.down:
            raise NodeError(f"{self.node.name}: {what}: Connection refused")

    def load(self) -> NodeLoad:
        self._check("daemonstatus.json")
        return NodeLoad(running=self.busy, pending=0, max_proc=self.max_proc)

    def schedule(self, project, spider, *, job_id, arguments, settings) -> str:
        self._check("schedule.json")
        self.scheduled.append({"job": job_id, "arguments": arguments, "settings": settings})
        self.busy += 1
        return job_id

    def job_state(self, project, job_id):
        self._check("listjobs.json")
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return state, ({"log_url": f"/logs/{job_id}.log"} if state == "finished" else {})

    def cancel(self, project, job_id, signal="INT"):
        self._check("cancel.json")
        self.cancels.append(signal)
        return "running"


def pool(*names: str, slots: dict[str, int] | None = None, **settings) -> NodePool:
    FakeClient.nodes = {}
    slots = slots or {}
    daemon = DaemonSettings(
        runner="scrapyd",
        nodes=tuple(Node(url=f"http://{name}", slots=slots.get(name)) for name in names),
        poll_interval=timedelta(seconds=1),
        node_timeout=timedelta(seconds=10),
        **settings,
    )
    return NodePool(daemon, client=FakeClient)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def place(nodes: NodePool, job: str = "j", exclude=frozenset()) -> tuple[str | None, str]:
    placement = nodes.place(job_id=job, arguments={}, settings={}, exclude=set(exclude))
    return placement.node, placement.job or placement.why


def test_runs_go_to_the_node_with_most_free_slots_and_a_node_down_is_skipped_and_reported():
    nodes = pool("a:1", "b:1", "c:1")
    for name in ("a:1", "b:1", "c:1"):
        FakeClient.nodes[name].max_proc = 4  # as `newsmon scrapyd-node` reports it
    FakeClient.nodes["a:1"].busy = 2
    FakeClient.nodes["b:1"].down = True
    assert place(nodes, "j1") == ("c:1", "j1")  # a has 2 free, b is down
    assert place(nodes, "j2") == ("c:1", "j2")  # c: 3 free, a: 2
    assert place(nodes, "j3") == ("a:1", "j3")  # equal: the file's order
    health = nodes.snapshot()
    assert health["b:1"]["up"] is False and "Connection refused" in health["b:1"]["error"]
    assert health["a:1"]["up"] and health["a:1"]["running"] == 2  # as seen before j3
    assert health["a:1"]["slots"] == 4
    FakeClient.nodes["b:1"].down = False
    assert place(nodes, "j4") == ("b:1", "j4")  # back, and idle
    assert nodes.snapshot()["b:1"]["up"] is True


def test_node_capacity_is_weighed_and_a_full_node_gets_no_more():
    # a: 4 slots from the file (over the 1 its max_proc says); b: max_proc 2; c: says nothing: 1.
    nodes = pool("a:1", "b:1", "c:1", slots={"a:1": 4})
    FakeClient.nodes["a:1"].max_proc = 1
    FakeClient.nodes["b:1"].max_proc = 2
    chosen = [place(nodes, f"j{n}")[0] for n in range(7)]
    # Free slots before each: a 4,3,2 then ties with b (2 / 1) and c (1) in the file's order.
    assert chosen == ["a:1", "a:1", "a:1", "b:1", "a:1", "b:1", "c:1"]
    assert {name: c.busy for name, c in FakeClient.nodes.items()} == {"a:1": 4, "b:1": 2, "c:1": 1}
    assert nodes.room() == "every Scrapyd node that answers is full (a:1: 4/4, b:1: 2/2, c:1: 1/1)"
    full = nodes.place(job_id="j8", arguments={}, settings={})
    assert (full.node, full.full) == (None, True) and full.why == nodes.room()
    assert sum(len(c.scheduled) for c in FakeClient.nodes.values()) == 7  # nothing queued on a node
    FakeClient.nodes["b:1"].busy = 1  # a crawl ended
    assert nodes.room() == ""
    assert place(nodes, "j8") == ("b:1", "j8")
    # A node down is no reason to wait: placing fails and says why (the run is recorded failed).
    for client in FakeClient.nodes.values():
        client.down = True
    assert nodes.room() == ""
    assert place(nodes, "j9")[0] is None


def test_the_run_s_node_and_job_are_recorded_before_the_node_can_start_it():
    nodes = pool("a:1", "b:1")
    FakeClient.nodes["a:1"].down = True  # answers daemonstatus.json, then fails schedule.json
    calls = []
    FakeClient.nodes["a:1"].load = lambda: NodeLoad(running=0, pending=0)
    FakeClient.nodes["b:1"].busy = 0
    FakeClient.nodes["b:1"].max_proc = 1
    FakeClient.nodes["b:1"].schedule = lambda *a, **k: calls.append("scheduled") or k["job_id"]
    placement = nodes.place(
        job_id="j",
        arguments={},
        settings={},
        on_choice=lambda node, job: calls.append((node.url, job)),
    )
    assert placement.node == "b:1"
    assert calls == [("http://a:1", "j"), ("http://b:1", "j"), "scheduled"]


def test_no_node_takes_the_run_when_all_are_down_or_lost():
    nodes = pool("a:1", "b:1")
    FakeClient.nodes["a:1"].down = True
    node, why = place(nodes, exclude={"b:1"})
    assert node is None
    assert (
        why
        == "no Scrapyd node took the run (a:1: a:1: daemonstatus.json: Connection refused; b:1: lost)"
    )


def test_a_node_left_out_of_the_schedules_file_is_followed_but_given_no_run():
    nodes = pool("a:1")
    assert nodes.name_of("http://a:1/") == "a:1"
    assert nodes.name_of("http://old:1") == "old:1"
    FakeClient.nodes["old:1"].states = ["running", "finished"]
    clock = Clock()
    outcome = nodes.follow("old:1", "j", timeout=60, kill_grace=5, clock=clock, sleep=clock.sleep)
    assert outcome.ended == "finished"
    FakeClient.nodes["a:1"].busy = 1  # full (1 slot); old:1 is idle but not for new runs
    assert place(nodes, "j2") == (None, "every Scrapyd node that answers is full (a:1: 1/1)")


def test_following_a_job_to_its_end():
    nodes = pool("a:1")
    clock = Clock()
    FakeClient.nodes["a:1"].states = ["pending", "running", "running", "finished"]
    outcome = nodes.follow("a:1", "j", timeout=60, kill_grace=5, clock=clock, sleep=clock.sleep)
    assert (outcome.ended, outcome.stopped_for, outcome.killed) == ("finished", None, False)
    assert outcome.detail == "/logs/j.log" and outcome.duration == 3
    assert FakeClient.nodes["a:1"].cancels == []


def test_a_job_past_its_timeout_is_cancelled_softly_then_killed():
    nodes = pool("a:1")
    clock = Clock()
    node = FakeClient.nodes["a:1"]
    node.states = ["running"] * 12 + ["finished"]
    outcome = nodes.follow("a:1", "j", timeout=4, kill_grace=5, clock=clock, sleep=clock.sleep)
    assert (outcome.ended, outcome.stopped_for, outcome.killed) == ("finished", "timeout", True)
    assert node.cancels == ["INT", "KILL"]


def test_a_job_taken_over_counts_its_timeout_from_its_real_start():
    nodes = pool("a:1")
    clock = Clock()
    node = FakeClient.nodes["a:1"]
    node.states = ["running"] * 12 + ["finished"]
    outcome = nodes.follow(
        "a:1", "j", timeout=60, kill_grace=5, elapsed=58, clock=clock, sleep=clock.sleep
    )
    assert (outcome.stopped_for, node.cancels) == ("timeout", ["INT", "KILL"])
    assert clock.now - 1000 == 12 and outcome.duration == 70  # the 58 s before it was taken over
    # An unreachable node gets node_timeout (10 s) from the take-over, not from the run's start.
    nodes = pool("a:1")
    FakeClient.nodes["a:1"].down = True
    clock = Clock()
    outcome = nodes.follow(
        "a:1", "j", timeout=600, kill_grace=5, elapsed=300, clock=clock, sleep=clock.sleep
    )
    assert outcome.ended == "lost" and clock.now - 1000 == 10


def test_a_job_stopped_by_the_daemon_s_shutdown():
    nodes = pool("a:1")
    clock = Clock()
    node = FakeClient.nodes["a:1"]
    node.states = ["running", "running", None]  # cancelled while pending: the node forgets it
    outcome = nodes.follow(
        "a:1", "j", timeout=60, kill_grace=5, stop_at=lambda: 1000.5, clock=clock, sleep=clock.sleep
    )
    assert (outcome.ended, outcome.stopped_for, outcome.killed) == ("finished", "shutdown", False)
    assert node.cancels == ["INT"]


def test_a_node_that_stops_answering_or_forgets_the_job_has_lost_it():
    nodes = pool("a:1")
    clock = Clock()
    node = FakeClient.nodes["a:1"]
    node.states = ["running"]
    calls = {"n": 0}
    job_state = node.job_state

    def flaky(project, job_id):
        calls["n"] += 1
        if calls["n"] == 2:
            raise NodeError("a:1: listjobs.json: timed out")  # one miss is not a loss
        if calls["n"] >= 4:
            raise NodeError("a:1: listjobs.json: Connection refused")
        return job_state(project, job_id)

    node.job_state = flaky
    outcome = nodes.follow("a:1", "j", timeout=600, kill_grace=5, clock=clock, sleep=clock.sleep)
    assert outcome.ended == "lost"
    assert outcome.detail == "no answer for 10s: a:1: listjobs.json: Connection refused"
    assert clock.now - 1000 == 12  # 3 answers, then 10 s of silence
    assert nodes.snapshot()["a:1"]["up"] is False

    nodes = pool("a:1")
    FakeClient.nodes["a:1"].states = ["running", None]
    outcome = nodes.follow("a:1", "j", timeout=600, kill_grace=5, clock=clock, sleep=clock.sleep)
    assert outcome.ended == "lost" and "no longer knows job j" in outcome.detail


def test_a_run_on_a_node_gets_what_a_local_run_gets(tmp_path):
    job = Job(
        id="feeds",
        every=timedelta(minutes=15),
        sources=("armwire", "azpress"),
        discovery=("feeds",),
        since="3d",
        lock_wait=timedelta(minutes=2),
        settings=(("DOWNLOAD_DELAY", "1"),),
    )
    arguments, settings = crawl_request(
        job, 42, db_url="postgresql://pg/newsmon", sources_file="/srv/s.toml", topics_file=None
    )
    assert arguments == {"discovery": "feeds", "sources": "armwire,azpress", "since": "3d"}
    assert settings == {
        "NEWSMON_DB": "postgresql://pg/newsmon",
        "NEWSMON_RUN_ID": "42",
        "NEWSMON_TRIGGER": "schedule",
        "NEWSMON_LOCK_WAIT": "120",
        "NEWSMON_SOURCES_FILE": "/srv/s.toml",
        "DOWNLOAD_DELAY": "1",
    }
    arguments, _ = crawl_request(
        Job(id="all", every=timedelta(hours=1)), 1, db_url="x", sources_file=None, topics_file=None
    )
    assert arguments == {"discovery": "feeds,sitemaps,wordpress"}  # every source


def outcome(**fields) -> RemoteOutcome:
    base = dict(
        node="a:1",
        job_id="newsmon-run-1",
        ended="finished",
        stopped_for=None,
        killed=False,
        duration=3.0,
        detail="",
    )
    return RemoteOutcome(**{**base, **fields})


JOB = Job(id="j", every=timedelta(hours=1), timeout=timedelta(minutes=10))


@pytest.mark.parametrize(
    ("closed_by_crawl", "result", "status", "message", "lost"),
    [
        (True, outcome(), "ok", None, False),
        (
            False,
            outcome(detail="http://a:1/logs/x.log"),
            "failed",
            "Scrapyd job newsmon-run-1 ended on node a:1 without closing its run; its log: http://a:1/logs/x.log",
            False,
        ),
        (
            False,
            outcome(ended="lost", detail="no answer for 60s: refused"),
            "failed",
            "node a:1 lost: no answer for 60s: refused",
            True,
        ),
        (True, outcome(ended="lost", detail="gone"), "ok", None, False),
        (
            False,
            outcome(stopped_for="timeout", killed=True),
            "timeout",
            "exceeded its 10m timeout on node a:1; killed (SIGKILL) after 30s more (Scrapyd job newsmon-run-1)",
            False,
        ),
        # The crawl ended on its own just before the daemon's stop reached it.
        (True, outcome(stopped_for="shutdown"), "ok", None, False),
        (
            False,
            outcome(node="", job_id="", ended="unplaced", detail="no Scrapyd node took the run"),
            "failed",
            "no Scrapyd node took the run",
            False,
        ),
    ],
)
def test_the_run_row_says_how_the_job_ended(
    tmp_path, closed_by_crawl, result, status, message, lost
):
    with open_store(tmp_path / "news.db") as store:
        run_id = start_run(store, trigger="schedule", sources=["a"], job_id="j")
        if closed_by_crawl:
            store.finish_run(run_id, status="ok", per_source={})
        row, was_lost = record_remote_outcome(store, JOB, run_id, result, timedelta(seconds=60))
    assert (row["status"], row["message"], was_lost) == (status, message, lost)


def test_an_adaptive_run_on_a_node_crawls_only_its_due_source_and_feeds(tmp_path):
    from schedules.config import load_schedules
    from schedules.daemon import Daemon

    path = tmp_path / "schedules.toml"
    path.write_text(
        '[daemon]\nrunner = "scrapyd"\nnodes = ["http://127.0.0.1:1"]\n'
        '[adaptive]\ntick = "45s"\n[[job]]\nid = "feeds"\nadaptive = true\ndiscovery = ["feeds"]\n'
    )
    schedule = load_schedules(path)
    (job,) = schedule.jobs
    daemon = Daemon(schedule, db_path="postgresql://pg/newsmon")
    poll_settings = daemon._poll_settings(job)
    assert ("NEWSMON_POLL_DUE_ONLY", "True") in poll_settings
    assert ("NEWSMON_POLL_AHEAD", "45s") in poll_settings
    local = daemon.command(job, 7, ["armwire"])
    assert all(f"{name}={value}" in local for name, value in poll_settings)
    arguments, settings = crawl_request(
        job,
        7,
        db_url=daemon.db_path,
        sources_file=None,
        topics_file=None,
        sources=["armwire"],
        extra_settings=poll_settings,
    )
    assert arguments == {"discovery": "feeds", "sources": "armwire"}
    assert all(settings[name] == value for name, value in poll_settings)


def test_a_daemon_takes_over_the_runs_an_earlier_one_left_on_nodes(tmp_path):
    from dataclasses import replace

    from schedules.config import load_schedules
    from schedules.daemon import Daemon

    path = tmp_path / "schedules.toml"
    path.write_text('[[job]]\nid = "feeds"\nevery = "1h"\nsources = ["armwire"]\n')
    schedule = load_schedules(path)  # a local runner now: it follows node runs, places none
    db = tmp_path / "news.db"
    with open_store(db) as store:
        # Rows of processes that are gone (this pid, but another start time).
        gone = {"pid": os.getpid(), "host": socket.gethostname(), "pid_started": 1.0}
        local = store.start_run(trigger="schedule", sources=["armwire"], job_id="feeds", **gone)
        on_node = store.start_run(trigger="schedule", sources=["armwire"], job_id="feeds", **gone)
        store.set_run_node(on_node, node="http://old:1", node_job="newsmon-run-2-x")
        daemon = Daemon(schedule, db_path=db)
        daemon.nodes = NodePool(replace(schedule.daemon, nodes=()), client=FakeClient)
        FakeClient.nodes = {}
        daemon._prepare(store)
        rows = {r.id: r for r in store.runs()}
    assert rows[local].status == "abandoned"
    assert (
        rows[on_node].status == "running" and rows[on_node].pid_started != 1.0
    )  # now the daemon's
    assert daemon._running == {"feeds": on_node}
    daemon._run_job("feeds")  # its turn while the run goes on: skipped
    FakeClient.nodes["old:1"].states = [None]  # the node was restarted and lost its queue
    (taken,) = [j for j in daemon.scheduler.get_jobs() if j.id == f"taken-over-run-{on_node}"]
    taken.func(*taken.args)
    with open_store(db) as store:
        rows = {r.id: r for r in store.runs()}
    assert sorted(rows) == [local, on_node]  # not run again by a local daemon
    assert rows[on_node].status == "failed"
    assert (
        rows[on_node].message
        == "node old:1 lost: the node no longer knows job newsmon-run-2-x (restarted?)"
    )
    assert daemon._running == {}
    assert "not in the schedules file" in daemon.nodes.snapshot()["old:1"]["note"]


def test_a_daemon_that_leaves_its_node_runs_stops_following_them_at_once(tmp_path):
    from schedules.config import load_schedules
    from schedules.daemon import Daemon

    path = tmp_path / "schedules.toml"
    path.write_text(
        '[daemon]\nrunner = "scrapyd"\nnodes = ["http://a:1"]\nleave_node_runs = true\n'
        '[[job]]\nid = "feeds"\nevery = "1h"\nsources = ["armwire"]\n'
    )
    schedule = load_schedules(path)
    assert schedule.daemon.leave_node_runs
    daemon = Daemon(schedule, db_path=tmp_path / "news.db")
    daemon.nodes = NodePool(schedule.daemon, client=FakeClient)
    node = FakeClient.nodes["a:1"]
    node.states = ["running"]
    with open_store(tmp_path / "news.db") as store:
        run_id = start_run(store, trigger="schedule", sources=["armwire"], job_id="feeds")
    daemon._stop_at = 0.0  # shutting down, its grace long over
    daemon._run_remote(
        schedule.jobs[0], "feeds", None, taken_over=(run_id, "a:1", "newsmon-run-1-x", 5.0)
    )
    assert node.cancels == []
    with open_store(tmp_path / "news.db") as store:
        assert store.run_summary(run_id)["status"] == "running"  # for the next daemon to follow
