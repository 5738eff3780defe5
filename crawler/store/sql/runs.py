"""The crawl-run history in ``crawl_runs`` and ``crawl_run_sources``: the statements both backends run.

Each method is its own short write transaction: the crawl command, the crawl
itself and the scheduler daemon all record runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from crawler.stats import SOURCE_COUNTERS as COUNTERS
from crawler.store.common import insert_new, upsert
from crawler.store.values import RunRow, utcnow_iso

_RUN_COLUMNS = (
    "r.id, r.started_at, r.finished_at, r.trigger, r.job_id, r.sources, r.status, r.pid, r.message, "
    "r.host, r.pid_started, r.node, r.node_job"
)
_FIXED = 13
"""Columns of ``_RUN_COLUMNS``; the run's counters follow, then one source's."""
_UPSERT_RUN_SOURCE = upsert(
    "crawl_run_sources", ("run_id", "source", "status", *COUNTERS), key=("run_id", "source")
)


class RunStore:
    """Run bookkeeping over ``self.conn``; writes go through ``self.write()``, new rows'
    ids come from ``self._inserted_id`` (:class:`~crawler.store.common.BackendStore`)."""

    conn: sqlite3.Connection

    # The JSON functions differ between backends (the PostgreSQL store overrides them).
    _NAMES_SOURCE = "EXISTS (SELECT 1 FROM json_each(r.sources) WHERE json_each.value = ?)"
    _RUN_SOURCE_NAMES = "json_each(r.sources) AS n"

    def start_run(
        self,
        *,
        trigger: str,
        sources: list[str],
        job_id: str | None = None,
        pid: int | None = None,
        host: str | None = None,
        pid_started: float | None = None,
    ) -> int:
        """Open a ``running`` row held by process ``pid`` on ``host`` (started at ``pid_started``)."""
        with self.write() as tx:
            return self._inserted_id(
                tx.conn,
                "INSERT INTO crawl_runs (started_at, trigger, job_id, sources, status, pid, host, "
                "pid_started) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
                [utcnow_iso(), trigger, job_id, json.dumps(sources), pid or os.getpid(), host,
                 pid_started],
            )  # fmt: skip

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        per_source: Mapping[str, Mapping[str, int]] | None = None,
        message: str | None = None,
        only_if_running: bool = False,
    ) -> bool:
        per_source = per_source or {}
        totals = {c: sum(int(v.get(c, 0)) for v in per_source.values()) for c in COUNTERS}
        with self.write() as tx:
            where = "id = ?" + (" AND status = 'running'" if only_if_running else "")
            cursor = tx.conn.execute(
                f"UPDATE crawl_runs SET finished_at = ?, status = ?, message = ?, "
                f"{', '.join(f'{c} = ?' for c in COUNTERS)} WHERE {where}",
                [utcnow_iso(), status, message, *(totals[c] for c in COUNTERS), run_id],
            )
            if cursor.rowcount == 0:
                return False
            for source, counts in per_source.items():
                source_status = (
                    "error" if counts.get("errors") and not counts.get("pages_fetched") else "ok"
                )
                tx.conn.execute(
                    _UPSERT_RUN_SOURCE,
                    [run_id, source, source_status, *(int(counts.get(c, 0)) for c in COUNTERS)],
                )
        return True

    def set_run_sources(self, run_id: int, sources: list[str]) -> None:
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE crawl_runs SET sources = ? WHERE id = ?", [json.dumps(sources), run_id]
            )

    def append_run_message(self, run_id: int, note: str) -> None:
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE crawl_runs SET message = CASE WHEN message IS NULL OR message = '' THEN ? "
                "ELSE message || '; ' || ? END WHERE id = ?",
                [note, note, run_id],
            )

    def set_run_process(
        self, run_id: int, *, pid: int, host: str | None, pid_started: float | None
    ) -> None:
        """Record the process that now carries a run."""
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE crawl_runs SET pid = ?, host = ?, pid_started = ? WHERE id = ?",
                [pid, host, pid_started, run_id],
            )

    def set_run_node(self, run_id: int, *, node: str, node_job: str) -> None:
        """Record the Scrapyd node (its URL) and job that carry a run, so that a daemon started
        later can follow it."""
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE crawl_runs SET node = ?, node_job = ? WHERE id = ?",
                [node, node_job, run_id],
            )

    def mark_run(self, run_id: int, *, status: str, message: str) -> None:
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE crawl_runs SET status = ?, message = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                [status, message, utcnow_iso(), run_id],
            )

    def running_runs(self) -> list[tuple[int, int | None, str | None, float | None]]:
        """``(run id, pid, host, pid_started)`` of every run still marked running."""
        return self.conn.execute(
            "SELECT id, pid, host, pid_started FROM crawl_runs WHERE status = 'running'"
        ).fetchall()

    def run_summary(self, run_id: int) -> dict:
        """``status, pages_fetched, articles_new, errors, message`` of one run."""
        cursor = self.conn.execute(
            "SELECT status, pages_fetched, articles_new, errors, message FROM crawl_runs WHERE id = ?",
            [run_id],
        )
        return dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))

    def last_run_by_job(self) -> dict[str, str]:
        """Start (ISO 8601) of each job's latest scheduled run."""
        return dict(
            self.conn.execute(
                "SELECT job_id, MAX(started_at) AS started_at FROM crawl_runs "
                "WHERE trigger = 'schedule' AND job_id IS NOT NULL GROUP BY job_id"
            ).fetchall()
        )

    def runs(
        self,
        *,
        source: str | None = None,
        job_id: str | None = None,
        limit: int = 20,
        exclude_statuses: Sequence[str] = (),
        status: str | None = None,
    ) -> list[RunRow]:
        """The latest runs, newest first, optionally of one source, one job or one stored status."""
        where: list[str] = []
        params: list[object] = []
        if status is not None:
            where.append("r.status = ?")
            params.append(status)
        if source is not None:
            where.append(self._NAMES_SOURCE)
            params.append(source)
        if job_id is not None:
            where.append("r.job_id = ?")
            params.append(job_id)
        if exclude_statuses:
            where.append(f"r.status NOT IN ({', '.join('?' for _ in exclude_statuses)})")
            params.extend(exclude_statuses)
        totals = ", ".join("r." + c for c in COUNTERS)
        if source is not None:
            own = ", ".join(f"s.{c}" for c in COUNTERS)
            sql = (
                f"SELECT {_RUN_COLUMNS}, {totals}, s.status, {own} FROM crawl_runs r "
                "LEFT JOIN crawl_run_sources s ON s.run_id = r.id AND s.source = ?"
            )
            params.insert(0, source)
        else:
            sql = f"SELECT {_RUN_COLUMNS}, {totals} FROM crawl_runs r"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.id DESC LIMIT ?"
        params.append(limit)
        return [_run_row(row) for row in self.conn.execute(sql, params)]

    def first_crawls(self, sources: Sequence[str]) -> set[tuple[str, str]]:
        """The ``(source, discovery kind)`` pairs of ``sources`` that have had their first crawl."""
        marks = ", ".join("?" for _ in sources)
        return set(
            self.conn.execute(
                f"SELECT source, kind FROM first_crawls WHERE source IN ({marks})", list(sources)
            )
        )

    def record_first_crawls(self, pairs: Iterable[tuple[str, str]], *, at: str) -> None:
        """Record first crawls (a pair recorded before keeps its first time)."""
        with self.write() as tx:
            tx.conn.executemany(
                insert_new("first_crawls", ("source", "kind", "crawled_at")),
                [(source, kind, at) for source, kind in pairs],
            )

    def first_run_time(self, source: str) -> str | None:
        """Start of the first run that named ``source``."""
        return self.conn.execute(
            f"SELECT MIN(r.started_at) FROM crawl_runs r, {self._RUN_SOURCE_NAMES} WHERE n.value = ?",
            [source],
        ).fetchone()[0]

    def source_names_in_history(self) -> list[str]:
        rows = self.conn.execute(
            f"SELECT DISTINCT n.value FROM crawl_runs r, {self._RUN_SOURCE_NAMES}"
        )
        return sorted(name for (name,) in rows)


def _run_row(row: tuple) -> RunRow:
    (run_id, started, finished, trigger, job_id, sources, status, pid, message, host, pid_started,
     node, node_job) = row[:_FIXED]  # fmt: skip
    n = len(COUNTERS)
    counts = dict(zip(COUNTERS, (int(v) for v in row[_FIXED : _FIXED + n]), strict=True))
    source_status = source_counts = None
    if len(row) > _FIXED + n and row[_FIXED + n] is not None:
        source_status = row[_FIXED + n]
        source_counts = dict(zip(COUNTERS, (int(v) for v in row[_FIXED + n + 1 :]), strict=True))
    return RunRow(
        id=run_id,
        started_at=started,
        finished_at=finished,
        trigger=trigger,
        job_id=job_id,
        sources=json.loads(sources or "[]"),
        status=status,
        pid=pid,
        message=message,
        counts=counts,
        source_status=source_status,
        source_counts=source_counts,
        host=host,
        pid_started=pid_started,
        node=node,
        node_job=node_job,
    )
