"""The crawl daemon: an APScheduler ``BlockingScheduler`` that starts each scheduled crawl in a child process.

The daemon opens the run's ``crawl_runs`` row, starts ``newsmon crawl
--run-id N --trigger schedule ...`` through :mod:`schedules.supervisor`, and
when the child is gone makes sure the row tells what happened (the crawl
closes it itself when it ends normally; a timeout, crash or kill is recorded
here). With ``runner = "scrapyd"`` the run goes to a Scrapyd node instead
(:mod:`schedules.noderuns`, :mod:`schedules.remote`); on start-up the daemon
follows again the node runs an earlier daemon left. It never imports Scrapy, holds no state across runs beyond
APScheduler's in-memory jobs, and refuses to start twice on one database.

For tests and benchmarks, ``NEWSMON_DAEMON_REPORT=FILE`` makes the daemon
write, on exit, a JSON report with the number of runs it started and the
top-level modules it had imported.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.polling import source_plans
from crawler.runs import set_run_process, start_run
from crawler.store import Store, StoreError, local_path, open_store
from crawler.store.filelocks import daemon_state_path
from schedules.config import Job, Schedule, format_duration
from schedules.history import close_abandoned_runs, last_run_by_job
from schedules.logs import prune_crawl_logs
from schedules.noderuns import NodeRuns
from schedules.outcomes import record_outcome
from schedules.remote import NodePool
from schedules.supervisor import CrawlProcess, Outcome
from schedules.triggers import build_trigger, first_run, misfire_grace_seconds

logger = logging.getLogger("newsmon.schedule")

DEFAULT_CRAWL_COMMAND = (sys.executable, "-m", "crawler.cli", "crawl")
DEFAULT_ALERTS_COMMAND = (sys.executable, "-m", "crawler.cli", "alerts", "run")
ALERTS_TIMEOUT_S = 600


class DaemonError(RuntimeError):
    """The daemon cannot start; the message is one line."""


def utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


class Daemon(NodeRuns):
    """Runs the jobs of a schedule until SIGTERM/SIGINT; see :meth:`run`."""

    def __init__(
        self,
        schedule: Schedule,
        *,
        db_path: str | Path,
        sources_file: str | Path | None = None,
        topics_file: str | Path | None = None,
        crawl_command: list[str] | tuple[str, ...] = DEFAULT_CRAWL_COMMAND,
        log_dir: str | Path | None = None,
        alerts_file: str | Path | None = None,
        alerts_command: list[str] | tuple[str, ...] = DEFAULT_ALERTS_COMMAND,
    ):
        self.schedule = schedule
        self.jobs = {job.id: job for job in schedule.enabled_jobs}
        # The crawls it starts run in other folders: a database file is named absolutely.
        path = local_path(db_path)
        self.db_path = str(path.resolve()) if path is not None else str(db_path)
        self.sources_file = str(Path(sources_file).resolve()) if sources_file else None
        self.topics_file = str(Path(topics_file).resolve()) if topics_file else None
        self.crawl_command = list(crawl_command)
        # Logs go beside a database file; with a server, in the working folder.
        data_dir = Path(self.db_path).parent if path is not None else Path.cwd()
        self.log_dir = Path(log_dir) if log_dir else data_dir / "logs"
        self.crawl_log_dir = self.log_dir / "crawls"
        self.state_path = daemon_state_path(self.db_path)
        self.scheduler: BlockingScheduler | None = None
        self._stopping = threading.Event()
        self._stop_at: float | None = None
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}  # job id (adaptive: "job:source") -> run id
        self._queued: set[str] = set()  # "job:source" of adaptive crawls waiting or running
        self._launched: dict[str, datetime] = {}  # "job:source" -> when it was last queued
        self._active = 0
        self._runs_started = 0
        self._closed = False
        self._state_lock = threading.Lock()  # orders state-file writes and its removal
        self.alerts_file = str(Path(alerts_file).resolve()) if alerts_file else None
        self.alerts_command = list(alerts_command)
        self._alerts_lock = threading.Lock()  # one alerts run at a time
        self.remote = schedule.daemon.runner == "scrapyd"
        # A local runner places nothing on nodes, but follows the runs an earlier
        # daemon with runner = "scrapyd" left on them.
        self.nodes = NodePool(
            schedule.daemon if self.remote else replace(schedule.daemon, nodes=())
        )
        self._waiting: dict[str, str] = {}  # run key -> why it waits for a free node slot
        self._placing = threading.Lock()  # see _place

    # --- lifecycle -----------------------------------------------------------

    def run(self) -> int:
        """Schedule the jobs and block until a signal stops the daemon; returns the exit status (0)."""
        if not self.jobs:
            raise DaemonError(f"{self.schedule.path}: no enabled job")
        if self.remote and local_path(self.db_path) is not None:
            raise DaemonError(
                f"{self.schedule.path}: runner = 'scrapyd' needs a store the nodes can reach "
                f"(--db postgresql://...), not the SQLite file {self.db_path}"
            )
        # Held open for the daemon's life: a store's lock may live in its session.
        store = open_store(self.db_path)
        daemon_lock = store.daemon_lock()
        if not daemon_lock.try_acquire():
            holder = daemon_lock.holder()
            store.close()
            who = f" ({holder.describe()})" if holder else ""
            raise DaemonError(f"another newsmon schedule is already running on {self.db_path}{who}")
        try:
            self._prepare(store)
            self._install_signal_handlers()
            logger.info(
                "daemon started (pid %d); schedules %s; database %s",
                os.getpid(),
                self.schedule.path,
                self.db_path,
            )
            if not self._stopping.is_set():  # a signal may have come during the preparations
                self.scheduler.start()  # blocks until _stop_scheduler() shuts it down
            self._wait_for_crawls()
        finally:
            self._remove_state()
            self._write_report()
            daemon_lock.release()
            store.close()
        logger.info("daemon stopped")
        return 0

    def _prepare(self, store: Store) -> None:
        on_nodes = [r for r in store.runs(status="running", limit=100_000) if r.node]
        for run_id in close_abandoned_runs(store, keep={r.id for r in on_nodes}):
            logger.warning(
                "run %d was left open by a process that is gone: recorded as abandoned", run_id
            )
        last_runs = last_run_by_job(store)
        settings = self.schedule.daemon
        self.scheduler = BlockingScheduler(
            # One in-memory store per daemon: a job store shared by two
            # processes would run every job twice.
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=settings.max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        now = datetime.now(UTC)
        tick = self.schedule.adaptive.tick
        for job in self.jobs.values():
            first = first_run(job, last_runs.get(job.id), now, settings.startup_delay)
            if job.adaptive:
                self.scheduler.add_job(
                    self._tick,
                    trigger=IntervalTrigger(seconds=tick.total_seconds(), timezone=UTC),
                    args=[job.id],
                    id=job.id,
                    name=job.id,
                    next_run_time=first.at,
                    misfire_grace_time=max(1, int(tick.total_seconds())),
                )
                logger.info(
                    "job %s: adaptive (looks for due sources every %s), %s, %s; first look %s",
                    job.id,
                    format_duration(tick),
                    ",".join(job.discovery),
                    ", ".join(job.sources) or "all sources",
                    utc(first.at),
                )
                continue
            self.scheduler.add_job(
                self._run_job,
                trigger=build_trigger(job),
                args=[job.id],
                id=job.id,
                name=job.id,
                next_run_time=first.at,
                misfire_grace_time=misfire_grace_seconds(job, now),
            )
            logger.info(
                "job %s: %s, %s, %s; first run %s (%s)",
                job.id,
                job.cadence,
                ",".join(job.discovery),
                ", ".join(job.sources) or "all sources",
                utc(first.at),
                first.reason,
            )
        for row in on_nodes:
            self._take_over(store, row, now)
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED
        )

    def _install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame) -> None:
        # Only flags and a thread here: the handler may interrupt the
        # scheduler's main loop while it holds its locks.
        name = signal.Signals(signum).name
        if not self._stopping.is_set():
            self._stop_at = time.monotonic() + self.schedule.daemon.shutdown_grace.total_seconds()
            self._stopping.set()
            threading.Thread(
                target=self._stop_scheduler, args=(name,), name="shutdown", daemon=True
            ).start()
        else:
            self._stop_at = time.monotonic()
            threading.Thread(
                target=logger.warning, args=(f"{name} again: stopping running crawls now",)
            ).start()

    def _stop_scheduler(self, signal_name: str) -> None:
        with self._lock:
            running = dict(self._running)
        grace = format_duration(self.schedule.daemon.shutdown_grace)
        runs = ", ".join(f"{job} (run {run})" for job, run in running.items())
        if running and self.schedule.daemon.leave_node_runs:
            logger.info(
                "%s: no new crawls; running crawls go on on their nodes for the next daemon: %s",
                signal_name,
                runs,
            )
        elif running:
            logger.info(
                "%s: no new crawls; running crawls get %s to finish: %s", signal_name, grace, runs
            )
        else:
            logger.info("%s: no new crawls; none running", signal_name)
        # A signal just before start() finds the scheduler not yet running:
        # give start() a moment rather than leave it running for good.
        deadline = time.monotonic() + 5
        while not self.scheduler.running and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.scheduler.running:
            return
        # Removing the jobs first waits for the scheduler loop to release its
        # job store, so shutdown cannot race with a job being submitted.
        self.scheduler.remove_all_jobs()
        self.scheduler.shutdown(wait=False)

    def _wait_for_crawls(self) -> None:
        kill_grace = max((job.kill_grace.total_seconds() for job in self.jobs.values()), default=0)
        while True:
            with self._lock:
                active = self._active
            if not active:
                return
            stop_at = self._stop_at if self._stop_at is not None else time.monotonic()
            if time.monotonic() > stop_at + kill_grace + 10:
                logger.error(
                    "%d crawl(s) still running after the kill grace; exiting anyway", active
                )
                return
            time.sleep(0.1)

    # --- one run ---------------------------------------------------------------

    def _run_job(self, job_id: str, source: str | None = None) -> None:
        """One run of ``job``; of an adaptive job, the run of its due ``source``."""
        key = job_id if source is None else f"{job_id}:{source}"
        with self._lock:
            taken_over = self._running.get(key) if source is None else None
        if taken_over is not None:
            logger.info(
                "job %s: still running (run %d, taken over from an earlier daemon); "
                "this turn is skipped",
                key,
                taken_over,
            )
            return
        self._carry(key, lambda: self._run(self.jobs[job_id], key, [source] if source else None))

    def _carry(self, key: str, work: Callable[[], None]) -> None:
        """Carry out one run under ``key``, counted as active until it ends."""
        try:
            with self._lock:
                if self._stopping.is_set():
                    return
                self._active += 1
            try:
                work()
            except Exception:
                logger.exception("job %s: the run could not be carried out", key)
            finally:
                with self._lock:
                    self._running.pop(key, None)
                self._write_state()
                with self._lock:
                    self._active -= 1
        finally:
            with self._lock:
                self._queued.discard(key)

    def _tick(self, job_id: str) -> None:
        """Queue a crawl of each source of an adaptive job whose feeds are due.

        Each due source gets its own crawl, queued for a free slot of the
        daemon's pool (``max_parallel``), so a slow outlet holds one slot and
        delays no other. A source queued or running is not queued again, nor
        one queued less than its ``min_interval`` ago (a crawl that records no
        poll, because it failed to start, must not be repeated every tick).
        """
        if self._stopping.is_set():
            return
        from crawler.config import ConfigError, load_sources

        job = self.jobs[job_id]
        now = datetime.now(UTC)
        try:
            sources = [
                s
                for s in load_sources(self.sources_file)
                if not job.sources or s.name in job.sources
            ]
            with open_store(self.db_path) as store:
                plans = source_plans(
                    store, sources, job.discovery, self.schedule.adaptive.bounds, now
                )
        except (ConfigError, StoreError) as exc:
            logger.error("job %s: cannot tell which sources are due: %s", job_id, exc)
            return
        for name, (plan, bounds) in plans.items():
            key = f"{job_id}:{name}"
            with self._lock:
                last = self._launched.get(key)
                if (
                    key in self._queued
                    or not plan.due(now)
                    or (last is not None and now - last < bounds.min_interval)
                ):
                    continue
                self._queued.add(key)
                self._launched[key] = now
            logger.info("job %s: %s is due (%s)", job_id, name, plan.next.decision.reason)
            self.scheduler.add_job(
                self._run_job,
                args=[job_id, name],
                id=key,
                name=key,
                next_run_time=now,
                misfire_grace_time=None,
            )

    def _run(self, job: Job, key: str, sources: list[str] | None = None) -> None:
        if self.remote:
            self._run_remote(job, key, sources)
            return
        run_id = self._open_run(job, key, sources)
        process = CrawlProcess(
            self.command(job, run_id, sources),
            log_path=self.crawl_log_path(run_id),
            memory_limit=job.memory,
        )
        try:
            pid = process.start()
        except OSError as exc:
            message = f"cannot start the crawl: {exc.strerror or exc}"
            logger.error("job %s: run %d %s", job.id, run_id, message)
            with open_store(self.db_path) as store:
                store.finish_run(run_id, status="failed", message=message)
            return
        logger.info(
            "job %s: run %d started (pid %d, log %s)", job.id, run_id, pid, process.log_path
        )
        with open_store(self.db_path) as store:
            set_run_process(store, run_id, pid)
        outcome = process.supervise(
            timeout=job.timeout.total_seconds(),
            kill_grace=job.kill_grace.total_seconds(),
            stop_at=lambda: self._stop_at,
        )
        row = self._record(job, run_id, outcome)
        self._prune_crawl_logs()
        # An adaptive job's many small crawls mostly find nothing new: no alerts process for those.
        if not job.adaptive or row["articles_new"]:
            self._run_alerts(job, run_id)

    def _open_run(self, job: Job, key: str, sources: list[str] | None) -> int:
        """Open the row of a run of ``job`` carried under ``key``; its id."""
        with open_store(self.db_path) as store:
            run_id = start_run(
                store,
                trigger="schedule",
                sources=sources or self._source_names(job),
                job_id=job.id,
            )
        with self._lock:
            self._running[key] = run_id
            self._runs_started += 1
        self._write_state()
        return run_id

    def crawl_log_path(self, run_id: int) -> Path:
        """Where one run's output and Scrapy log go."""
        return self.crawl_log_dir / f"run-{run_id}.log"

    def command(self, job: Job, run_id: int, sources: list[str] | None = None) -> list[str]:
        """The ``newsmon crawl`` command line of one run of ``job`` (of ``sources`` if given)."""
        wait = job.lock_wait.total_seconds()
        argv = [
            *self.crawl_command,
            *(sources or job.sources),
            "--db", self.db_path,
            "--discovery", ",".join(job.discovery),
            "--wait", f"{wait:g}s" if wait else "0",
            "--trigger", "schedule",
            "--run-id", str(run_id),
            "--job-id", job.id,
            "--log-file", str(self.crawl_log_path(run_id)),
        ]  # fmt: skip
        if self.sources_file:
            argv += ["--sources", self.sources_file]
        if self.topics_file:
            argv += ["--topics", self.topics_file]
        if job.since:
            argv += ["--since", job.since]
        for name, value in (*self._poll_settings(job), *job.settings):
            argv += ["-s", f"{name}={value}"]
        return argv

    def _poll_settings(self, job: Job) -> list[tuple[str, str]]:
        """An adaptive job's crawl requests only the source's feeds that are due (or will be
        by the next tick), on this machine or on a Scrapyd node alike."""
        if not job.adaptive:
            return []
        adaptive = self.schedule.adaptive
        return [
            ("NEWSMON_POLL_DUE_ONLY", "True"),
            ("NEWSMON_POLL_MIN_INTERVAL", format_duration(adaptive.min_interval)),
            ("NEWSMON_POLL_MAX_INTERVAL", format_duration(adaptive.max_interval)),
            ("NEWSMON_POLL_DEFAULT_INTERVAL", format_duration(adaptive.default_interval)),
            ("NEWSMON_POLL_AHEAD", format_duration(adaptive.tick)),
        ]

    def _source_names(self, job: Job) -> list[str]:
        if job.sources:
            return list(job.sources)
        from crawler.config import ConfigError, load_sources

        try:
            return [s.name for s in load_sources(self.sources_file) if s.enabled]
        except ConfigError:
            return []  # the crawl reports the problem and the run is recorded as failed

    def _record(self, job: Job, run_id: int, outcome: Outcome) -> dict:
        """Make the run's row say how the crawl ended, log one line about it; the row."""
        with open_store(self.db_path) as store:
            row = record_outcome(store, job, run_id, outcome, self.schedule.daemon.shutdown_grace)
        self._log_row(job, run_id, row, outcome.duration)

    def _log_row(self, job: Job, run_id: int, row: dict, duration: float) -> None:
        level = logging.INFO if row["status"] in ("ok", "skipped") else logging.WARNING
        logger.log(
            level,
            "job %s: run %d %s in %.1fs: %d page(s), %d new article(s), %d error(s)%s",
            job.id,
            run_id,
            row["status"],
            duration,
            row["pages_fetched"],
            row["articles_new"],
            row["errors"],
            f" ({row['message']})" if row["status"] != "ok" and row["message"] else "",
        )
        return row

    def _run_alerts(self, job: Job, run_id: int) -> None:
        """Deliver pending alerts after a crawl, in a child process (a hung SMTP server or a
        broken alert then costs a timeout and a log line, never the daemon)."""
        if not self.alerts_file or self._stopping.is_set():
            return  # when stopping, the next start's first crawl sends them
        argv = [*self.alerts_command, "--alerts", self.alerts_file, "--db", self.db_path]
        if self.topics_file:
            argv += ["--topics", self.topics_file]
        with self._alerts_lock:
            try:
                done = subprocess.run(
                    argv, capture_output=True, text=True, timeout=ALERTS_TIMEOUT_S, check=False
                )
            except subprocess.TimeoutExpired:
                logger.warning(
                    "job %s: run %d: alerts stopped after %ds", job.id, run_id, ALERTS_TIMEOUT_S
                )
                return
            except OSError as exc:
                logger.warning(
                    "job %s: run %d: cannot run alerts: %s", job.id, run_id, exc.strerror or exc
                )
                return
        level = logging.INFO if done.returncode == 0 else logging.WARNING
        for line in (done.stdout + done.stderr).splitlines():
            if line.strip():
                logger.log(level, "job %s: run %d: alerts: %s", job.id, run_id, line.strip())

    def _prune_crawl_logs(self) -> None:
        prune_crawl_logs(self.crawl_log_dir, self.schedule.daemon.keep_crawl_logs)

    # --- events and state --------------------------------------------------------

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            with self._lock:
                run_id = self._running.get(event.job_id)
            logger.info(
                "job %s: still running (run %s); this turn is skipped", event.job_id, run_id
            )
        elif event.code == EVENT_JOB_MISSED:
            logger.warning(
                "job %s: run of %s missed (no free crawl slot in time)",
                event.job_id,
                utc(event.scheduled_run_time),
            )
        self._write_state()

    def _write_state(self) -> None:
        """Write ``<db>.schedule.json``: the daemon's pid and each job's next run (read by ``newsmon status``)."""
        if self.scheduler is None:
            return
        with self._lock:
            running = dict(self._running)
            waiting = dict(self._waiting)
        jobs = {}
        for job in self.scheduler.get_jobs():
            if job.id not in self.jobs:
                continue  # an adaptive job's crawl of one source, waiting for a slot
            next_run = getattr(job, "next_run_time", None)
            jobs[job.id] = {
                "next_run_at": next_run.astimezone(UTC).isoformat() if next_run else None
            }
        for job_id in jobs:
            jobs[job_id]["running_run_id"] = running.get(job_id)
            # An adaptive job's crawls, one per source: "job:source" -> run id.
            jobs[job_id]["running_sources"] = {
                key.split(":", 1)[1]: run
                for key, run in running.items()
                if key.startswith(f"{job_id}:")
            }
            # Why its run (or an adaptive job's crawls) wait for a free slot on a node.
            jobs[job_id]["waiting"] = next(
                (why for key, why in waiting.items() if key.split(":", 1)[0] == job_id), None
            )
        state = {
            "pid": os.getpid(),
            "db": self.db_path,
            "schedules": str(self.schedule.path),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "jobs": jobs,
            "runner": self.schedule.daemon.runner,
            "nodes": self.nodes.snapshot(),
        }
        with self._state_lock:
            if self._closed:
                return
            tmp = self.state_path.with_name(self.state_path.name + ".tmp")
            tmp.write_text(json.dumps(state, indent=1))
            os.replace(tmp, self.state_path)

    def _remove_state(self) -> None:
        with self._state_lock:
            self._closed = True
            self.state_path.unlink(missing_ok=True)

    def _write_report(self) -> None:
        path = os.environ.get("NEWSMON_DAEMON_REPORT")
        if not path:
            return
        modules = sorted({name.split(".")[0] for name in list(sys.modules)})
        Path(path).write_text(json.dumps({"runs_started": self._runs_started, "modules": modules}))
