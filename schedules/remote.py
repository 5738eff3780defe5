"""Crawls on Scrapyd nodes: choosing a node, scheduling a run there, following it to its end.

The daemon's ``runner = "scrapyd"`` hands each run to the node that answers
with the most free slots (``daemonstatus.json``; a full node gets nothing,
and with every node full the run waits), as ``scrapy crawl news`` with the
arguments and settings a local run gets (``schedule.json``), follows it
(``listjobs.json``), and past the job's timeout (or the daemon's shutdown
grace) stops it with ``cancel.json``: SIGINT first, on which Scrapy closes
gracefully and records its counters, SIGKILL ``kill_grace`` later. A node
that does not answer for ``node_timeout`` has lost its crawl: the daemon
records the run as failed and reschedules it on another node. A daemon
started later follows the runs an earlier one left on nodes (the run's row
names its node and job) with the same :meth:`NodePool.follow`. What the
daemon knows of each node (up or down, why, its load) goes into its state
file for ``newsmon status``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schedules.config import DaemonSettings, Job, Node
from schedules.scrapyd import NodeError, ScrapydClient
from schedules.supervisor import StopPlan

logger = logging.getLogger("newsmon.schedule")

SPIDER = "news"


@dataclass(frozen=True)
class RemoteOutcome:
    """How a run handed to a node ended, as the daemon saw it."""

    node: str
    """The node's name (``host:port``); empty when no node took the run."""
    job_id: str
    """Scrapyd's job id."""
    ended: str
    """``finished`` (the node says so), ``lost`` (the node stopped answering, or forgot the job),
    ``unplaced`` (no node accepted it), ``left`` (the daemon shuts down and leaves it running:
    ``leave_node_runs``)."""
    stopped_for: str | None
    """``"timeout"`` or ``"shutdown"`` when the daemon cancelled it, else None."""
    killed: bool
    """True when the graceful stop was not enough and SIGKILL was sent."""
    duration: float
    """Seconds from scheduling to the end."""
    detail: str = ""
    """Why the node was lost or no node took the run; the job's log URL once finished."""


DEFAULT_SLOTS = 1
"""A node's slots when neither the schedules file nor the node says: one crawl at a time is
safe on any node (a newsmon crawl spreads its extraction over the node's cores)."""


@dataclass(frozen=True)
class Placement:
    """Where :meth:`NodePool.place` put a run, or why it could not."""

    node: str | None
    """The node's name, or None when no node took the run."""
    job: str = ""
    """Scrapyd's job id on that node."""
    why: str = ""
    """Why no node took it."""
    full: bool = False
    """No node took it because every node that answers is full: the run should wait."""


class NodePool:
    """The nodes, their health as last seen, and the choice of a node for the next run."""

    def __init__(self, settings: DaemonSettings, *, client=ScrapydClient):
        self.settings = settings
        self._client = client
        self.clients = {node.name: client(node) for node in settings.nodes}
        self.nodes: dict[str, Node] = {node.name: node for node in settings.nodes}
        self.health: dict[str, dict] = {
            node.name: {"url": node.url, "up": None, "checked_at": None, "error": None}
            for node in settings.nodes
        }
        self._placeable = set(self.clients)
        self._lock = threading.Lock()

    def name_of(self, url: str) -> str:
        """The name of the node at ``url``, as recorded in a run's row; a node no longer in the
        schedules file is followed there (without credentials) but given no new runs."""
        with self._lock:
            for name, node in self.nodes.items():
                if node.url == url.rstrip("/"):
                    return name
            node = Node(url=url.rstrip("/"))
            if node.name not in self.clients:
                self.clients[node.name] = self._client(node)
                self.nodes[node.name] = node
                self.health[node.name] = {
                    "url": node.url, "up": None, "checked_at": None, "error": None,
                    "note": "not in the schedules file: its runs are followed, no new ones",
                }  # fmt: skip
            return node.name

    def _seen(self, name: str, *, error: str | None = None, **load) -> None:
        entry = self.health[name]
        was_up = entry["up"]
        entry.update(
            up=error is None,
            error=error,
            checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
            **load,
        )
        if error is not None and was_up is not False:
            logger.warning("node %s is down: %s", name, error)
        elif error is None and was_up is False:
            logger.info("node %s is back", name)

    def mark_down(self, name: str, error: str) -> None:
        with self._lock:
            self._seen(name, error=error)

    def snapshot(self) -> dict[str, dict]:
        """Each node's health, for the daemon's state file."""
        with self._lock:
            return {name: dict(entry) for name, entry in self.health.items()}

    def _free_slots(self, exclude: Iterable[str]) -> dict[str, int]:
        """Free slots of each node that answers (under ``self._lock``): its slots (the file's
        ``slots``, else the ``max_proc`` it reports, else :data:`DEFAULT_SLOTS`) less its jobs."""
        free = {}
        for name in self._placeable - set(exclude):
            try:
                load = self.clients[name].load()
            except NodeError as exc:
                self._seen(name, error=str(exc))
                continue
            slots = self.nodes[name].slots or load.max_proc or DEFAULT_SLOTS
            self._seen(name, running=load.running, pending=load.pending, slots=slots)
            free[name] = slots - load.busy
        # Most free slots first; among equals, the order of the schedules file.
        order = list(self.nodes)
        return dict(sorted(free.items(), key=lambda item: (-item[1], order.index(item[0]))))

    def _full(self, free: dict[str, int]) -> str:
        """Why every node that answers is full ("" when one has room or none answers)."""
        if not free or max(free.values()) > 0:
            return ""
        return (
            "every Scrapyd node that answers is full ("
            + ", ".join(
                f"{name}: {self.health[name]['running'] + self.health[name]['pending']}"
                f"/{self.health[name]['slots']}"
                for name in free
            )
            + ")"
        )

    def room(self, exclude: Iterable[str] = ()) -> str:
        """Why a run must wait now ("" when a node has a free slot, or when no node answers:
        placing the run then fails and says why)."""
        with self._lock:
            return self._full(self._free_slots(exclude))

    def place(
        self,
        *,
        job_id: str,
        arguments: dict[str, str],
        settings: dict[str, str],
        exclude: Iterable[str] = (),
        on_choice: Callable[[Node, str], None] = lambda node, job: None,
    ) -> Placement:
        """Schedule a crawl on the node with the most free slots.

        A full node is given nothing; with every node that answers full the
        placement says so (``full``) and the run should wait. ``on_choice(node,
        job_id)`` is called before ``schedule.json``, so that the run's row names
        its node and job before the crawl can start. Held under a lock from the
        load query to ``schedule.json``, so two runs due at once see each
        other's job in the nodes' counts.
        """
        exclude = set(exclude)
        with self._lock:
            free = self._free_slots(exclude)
            for name, room in free.items():
                if room <= 0:
                    break
                on_choice(self.nodes[name], job_id)
                try:
                    scrapyd_job = self.clients[name].schedule(
                        self.settings.project,
                        SPIDER,
                        job_id=job_id,
                        arguments=arguments,
                        settings=settings,
                    )
                except NodeError as exc:
                    self._seen(name, error=str(exc))
                    continue
                return Placement(name, scrapyd_job)
            if full := self._full({name: n for name, n in free.items() if self.health[name]["up"]}):
                return Placement(None, why=full, full=True)
            problems = [
                f"{name}: {self.health[name]['error']}" if name not in exclude else f"{name}: lost"
                for name in sorted(self._placeable, key=list(self.nodes).index)
            ]
        return Placement(None, why="no Scrapyd node took the run (" + "; ".join(problems) + ")")

    def follow(
        self,
        name: str,
        scrapyd_job: str,
        *,
        timeout: float,
        kill_grace: float,
        stop_at: Callable[[], float | None] = lambda: None,
        elapsed: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RemoteOutcome:
        """Wait for a job to end on node ``name``, cancelling it at ``timeout`` or at ``stop_at()``.

        ``elapsed``: seconds the job has already been under way (a run taken over
        from an earlier daemon), counted against its timeout.
        """
        client = self.clients[name]
        project = self.settings.project
        poll = self.settings.poll_interval.total_seconds()
        lost_after = self.settings.node_timeout.total_seconds()
        last_answer = clock()
        started = last_answer - elapsed
        stop = StopPlan(started, timeout, kill_grace, stop_at)

        def outcome(ended: str, detail: str = "") -> RemoteOutcome:
            return RemoteOutcome(
                node=name,
                job_id=scrapyd_job,
                ended=ended,
                stopped_for=stop.stopped_for,
                killed=stop.killed,
                duration=clock() - started,
                detail=detail,
            )

        while True:
            if self.settings.leave_node_runs and stop_at() is not None:
                return outcome("left")  # the next daemon follows it (its row names node and job)
            now = clock()
            try:
                state, entry = client.job_state(project, scrapyd_job)
            except NodeError as exc:
                self.mark_down(name, str(exc))
                if now - last_answer >= lost_after:
                    return outcome("lost", f"no answer for {now - last_answer:.0f}s: {exc}")
                sleep(poll)
                continue
            last_answer = now
            if self.health[name]["up"] is False:
                with self._lock:
                    self._seen(name)
            if state == "finished":
                return outcome("finished", entry.get("log_url") or "")
            if state is None:
                if stop.soft_sent is not None:
                    return outcome("finished")  # cancelled while still pending: dropped
                return outcome("lost", f"the node no longer knows job {scrapyd_job} (restarted?)")
            action = stop.due(now)
            if action == "soft":
                self._cancel(name, scrapyd_job, "INT")
            elif action == "kill":
                logger.warning(
                    "job %s on %s still running %.0fs after SIGINT: SIGKILL",
                    scrapyd_job,
                    name,
                    kill_grace,
                )
                self._cancel(name, scrapyd_job, "KILL")
            sleep(poll)

    def _cancel(self, name: str, scrapyd_job: str, signal: str) -> None:
        try:
            self.clients[name].cancel(self.settings.project, scrapyd_job, signal)
        except NodeError as exc:
            # Followed on: a node that stays silent is lost, one that answers is asked again.
            logger.warning("cancel of job %s on %s failed: %s", scrapyd_job, name, exc)


def crawl_request(
    job: Job,
    run_id: int,
    *,
    db_url: str,
    sources_file: str | None,
    topics_file: str | None,
    sources: Sequence[str] | None = None,
    extra_settings: Iterable[tuple[str, str]] = (),
) -> tuple[dict[str, str], dict[str, str]]:
    """The spider arguments and settings of one run on a node: what ``newsmon crawl`` would get.

    The run's row is opened by the daemon (``NEWSMON_RUN_ID``); the crawl on
    the node takes it over, locks its sources (waiting ``lock_wait``) and
    closes it. Files named here must exist at the same path on the nodes.
    """
    arguments = {"discovery": ",".join(job.discovery)}
    if sources or job.sources:
        # An adaptive job's run crawls the one source that is due, not the job's list.
        arguments["sources"] = ",".join(sources or job.sources)
    if job.since:
        arguments["since"] = job.since
    settings = {
        "NEWSMON_DB": db_url,
        "NEWSMON_RUN_ID": str(run_id),
        "NEWSMON_TRIGGER": "schedule",
        "NEWSMON_LOCK_WAIT": f"{job.lock_wait.total_seconds():g}",
    }
    if sources_file:
        settings["NEWSMON_SOURCES_FILE"] = sources_file
    if topics_file:
        settings["NEWSMON_TOPICS_FILE"] = topics_file
    settings.update(dict(extra_settings))
    settings.update(dict(job.settings))
    return arguments, settings
