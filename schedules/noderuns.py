"""The daemon's runs on Scrapyd nodes (``runner = "scrapyd"``): waiting for a free slot,
placing a run, following it, running a lost one again, and taking over the runs an
earlier daemon left on nodes.

A mixin of :class:`schedules.daemon.Daemon`, apart because it is one idea of
its own: it uses the daemon's run bookkeeping (``_running``, ``_waiting``,
``_open_run``, ``_write_state`` ...) and its :class:`schedules.remote.NodePool`.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import datetime, timedelta
from functools import partial

from crawler.runs import process_gone, set_run_process
from crawler.store import RunRow, Store, open_store
from schedules.config import Job, Node, format_duration
from schedules.history import parse_time
from schedules.outcomes import record_remote_outcome
from schedules.remote import NodePool, Placement, RemoteOutcome, crawl_request

logger = logging.getLogger("newsmon.schedule")

BEHIND = "behind another run waiting for a free node slot"


class NodeRuns:
    """Runs handed to Scrapyd nodes; mixed into the daemon."""

    nodes: NodePool
    remote: bool
    _lock: threading.Lock
    _placing: threading.Lock
    _stopping: threading.Event
    _stop_at: float | None
    _running: dict[str, int]
    _queued: set[str]
    _waiting: dict[str, str]

    def _take_over(self, store: Store, row: RunRow, now: datetime) -> None:
        """Follow again a run an earlier daemon handed to a Scrapyd node and could not see to its end.

        The run keeps its row and its job's slot (no second run of the job
        while it goes on); its timeout counts from the row's start. The node
        then says how it ended, as for a run this daemon placed, and a run
        the node lost (or that the node does not answer for about
        ``node_timeout``) is recorded as failed and runs again elsewhere.
        """
        job = self.jobs.get(row.job_id or "")
        known = job is not None
        if job is None:  # a job since removed from the schedules file: the default limits
            job = Job(id=row.job_id or f"run-{row.id}")
        sources = list(row.sources) if job.adaptive else None
        if job.adaptive and len(row.sources) == 1:
            key = f"{job.id}:{row.sources[0]}"
        else:
            key = job.id if known else f"taken-over:{row.id}"
        if process_gone(row.pid, row.host, row.pid_started):
            # Still waiting in the node's queue: held by the daemon that placed it, gone now.
            set_run_process(store, row.id, os.getpid())
        node = self.nodes.name_of(row.node)
        elapsed = max(0.0, (now - parse_time(row.started_at)).total_seconds())
        with self._lock:
            self._running[key] = row.id
            self._queued.add(key)
        logger.warning(
            "job %s: run %d was left on node %s (Scrapyd job %s) by an earlier daemon, %s ago: "
            "followed again%s",
            job.id,
            row.id,
            node,
            row.node_job,
            format_duration(timedelta(seconds=round(elapsed))),
            "" if known else " (the job is no longer in the schedules file: default limits)",
        )
        self.scheduler.add_job(
            self._carry,
            args=[key, partial(self._run_remote, job, key, sources,
                               taken_over=(row.id, node, row.node_job, elapsed),
                               rerun=known and self.remote)],
            id=f"taken-over-run-{row.id}",
            name=f"{job.id} (run {row.id})",
            next_run_time=now,
            misfire_grace_time=None,
        )  # fmt: skip

    def _run_remote(
        self,
        job: Job,
        key: str,
        sources: list[str] | None,
        *,
        taken_over: tuple[int, str, str, float] | None = None,
        rerun: bool = True,
    ) -> None:
        """Hand a run to a Scrapyd node and follow it; a run lost with its node is rescheduled
        (as a new run) on another node, once per node.

        ``taken_over``: the run is already on a node, ``(run id, node, Scrapyd
        job, seconds under way)``: it is followed from there. ``rerun``: whether
        a lost run runs again (not for a job no longer scheduled).
        """
        lost_nodes: set[str] = set()
        while True:
            if taken_over is not None:
                (run_id, node, placed, elapsed), taken_over = taken_over, None
            else:
                started = self._place(job, key, sources, lost_nodes)
                if started is None:
                    return  # the daemon stopped while the run waited for a free slot
                run_id, placement = started
                node, placed, elapsed = placement.node, placement.job, 0.0
            if node is None:
                outcome = RemoteOutcome("", "", "unplaced", None, False, 0.0, placement.why)
            else:
                outcome = self.nodes.follow(
                    node,
                    placed,
                    timeout=job.timeout.total_seconds(),
                    kill_grace=job.kill_grace.total_seconds(),
                    stop_at=lambda: self._stop_at,
                    elapsed=elapsed,
                )
                if outcome.ended == "left":
                    logger.info(
                        "job %s: run %d left running on node %s (Scrapyd job %s) for the next daemon",
                        job.id,
                        run_id,
                        node,
                        placed,
                    )
                    return
            with open_store(self.db_path) as store:
                row, lost = record_remote_outcome(
                    store, job, run_id, outcome, self.schedule.daemon.shutdown_grace
                )
            self._log_row(job, run_id, row, outcome.duration)
            if not lost or not rerun or self._stopping.is_set():
                break
            lost_nodes.add(node)
            logger.warning("job %s: run %d lost with its node: rescheduled on another node", job.id,
                           run_id)  # fmt: skip
        self._run_alerts(job, run_id)

    def _place(
        self, job: Job, key: str, sources: list[str] | None, lost_nodes: set[str]
    ) -> tuple[int, Placement] | None:
        """Wait for a free slot on a node, open the run's row and schedule the run there:
        ``(run id, placement)``; None when the daemon stopped meanwhile.

        One run at a time goes from "a node has room" to "scheduled there", so
        runs due at once do not all see the same free slot (and open rows for
        runs that then wait); the others queue behind it.
        """
        if not self._placing.acquire(blocking=False):
            with self._lock:
                self._waiting.setdefault(key, BEHIND)
            self._placing.acquire()
        try:
            run_id = None
            while self._wait_for_room(key, lost_nodes):
                if run_id is None:
                    run_id = self._open_run(job, key, sources)
                    arguments, settings = crawl_request(
                        job,
                        run_id,
                        db_url=self.db_path,
                        sources_file=self.sources_file,
                        topics_file=self.topics_file,
                        sources=sources,
                        extra_settings=self._poll_settings(job),
                    )
                placement = self.nodes.place(
                    # Unique across databases and attempts: a node lists the jobs it ran for
                    # every daemon, and an old job of the same run id must not pass for this one.
                    job_id=f"newsmon-run-{run_id}-{uuid.uuid4().hex[:12]}",
                    arguments=arguments,
                    settings=settings,
                    exclude=lost_nodes,
                    on_choice=partial(self._record_node, run_id),
                )
                self._write_state()
                if placement.node is not None:
                    logger.info(
                        "job %s: run %d scheduled on node %s (Scrapyd job %s)",
                        job.id,
                        run_id,
                        placement.node,
                        placement.job,
                    )
                if not placement.full:
                    return run_id, placement
                # Filled by something else (another daemon's runs, a manual crawl) since the look.
            if run_id is not None:
                with open_store(self.db_path) as store:
                    store.finish_run(
                        run_id,
                        status="interrupted",
                        message="the daemon shut down while the run waited for a free node slot",
                        only_if_running=True,
                    )
            return None
        finally:
            self._placing.release()

    def _wait_for_room(self, key: str, exclude: set[str]) -> bool:
        """Wait while every Scrapyd node that answers is full; False when the daemon stops meanwhile."""
        while not self._stopping.is_set():
            why = self.nodes.room(exclude)
            if not why:
                break
            with self._lock:
                first = self._waiting.get(key) in (None, BEHIND)
                self._waiting[key] = why
            if first:
                logger.info("job %s: waits for a free node slot: %s", key, why)
                self._write_state()
            self._stopping.wait(self.schedule.daemon.poll_interval.total_seconds())
        with self._lock:
            waited = self._waiting.pop(key, None) is not None
        if waited:
            self._write_state()
        return not self._stopping.is_set()

    def _record_node(self, run_id: int, node: Node, scrapyd_job: str) -> None:
        """Name the run's node and job in its row before the node may start it: a daemon
        started after this one follows the run from there."""
        with open_store(self.db_path) as store:
            store.set_run_node(run_id, node=node.url, node_job=scrapyd_job)
