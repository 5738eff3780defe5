"""The crawl-run history in PostgreSQL: SQLite's statements, with ``ON CONFLICT`` and ``jsonb``."""

from __future__ import annotations

import json
import os

from crawler.stats import SOURCE_COUNTERS as COUNTERS
from crawler.store.base import utcnow_iso
from crawler.store.sqlite.runs import RunStore as SqliteRunStore


class RunStore(SqliteRunStore):
    """Run bookkeeping over ``self.conn``; writes go through ``self.write()``."""

    _UPSERT_RUN_SOURCE = "INSERT INTO crawl_run_sources"
    _UPSERT_RUN_SOURCE_END = " ON CONFLICT (run_id, source) DO UPDATE SET " + ", ".join(
        f"{column} = excluded.{column}" for column in ("status", *COUNTERS)
    )
    _ADD_FIRST_CRAWL = "INSERT INTO first_crawls"
    _ADD_FIRST_CRAWL_END = " ON CONFLICT DO NOTHING"
    _NAMES_SOURCE = "r.sources::jsonb @> jsonb_build_array(?::text)"
    _RUN_SOURCE_NAMES = "jsonb_array_elements_text(r.sources::jsonb) AS n(value)"

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
        with self.write() as tx:
            return tx.conn.execute(
                "INSERT INTO crawl_runs (started_at, trigger, job_id, sources, status, pid, host, "
                "pid_started) VALUES (?, ?, ?, ?, 'running', ?, ?, ?) RETURNING id",
                [utcnow_iso(), trigger, job_id, json.dumps(sources), pid or os.getpid(), host,
                 pid_started],
            ).fetchone()[0]  # fmt: skip
