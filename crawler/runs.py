"""Crawl-run bookkeeping in the ``crawl_runs`` and ``crawl_run_sources`` tables.

Shared by the crawl command (which records its own run) and the scheduler
daemon (which opens the row before starting a child crawl and closes it if
the child dies). Never imports Scrapy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime

import sqlite_utils

from crawler.db import write_transaction
from crawler.stats import SOURCE_COUNTERS as COUNTERS

EXIT_UNREACHABLE = 3
"""``newsmon crawl``'s exit status when no source could be reached (the run is closed)."""
EXIT_BUSY = 4
"""... when every source asked for was being crawled by another process (the run is closed)."""
EXIT_DATABASE = 5
"""... when a database write failed: the crawl's own record of the run may be missing."""


def utcnow_iso() -> str:
    """Now, ISO 8601 UTC with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def start_run(
    db: sqlite_utils.Database,
    *,
    trigger: str,
    sources: list[str],
    job_id: str | None = None,
    pid: int | None = None,
) -> int:
    """Insert a ``running`` row and return its id."""
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO crawl_runs (started_at, trigger, job_id, sources, status, pid) "
            "VALUES (?, ?, ?, ?, 'running', ?)",
            [utcnow_iso(), trigger, job_id, json.dumps(sources), pid or os.getpid()],
        )
        return int(cursor.lastrowid)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    per_source: Mapping[str, Mapping[str, int]] | None = None,
    message: str | None = None,
    only_if_running: bool = False,
) -> bool:
    """Close a run with its status and per-source counters; totals are summed.

    With ``only_if_running`` the row is left alone when the crawl already
    closed it (the daemon uses this after a child exits). Returns True when
    the row was updated.
    """
    per_source = per_source or {}
    totals = {c: sum(int(v.get(c, 0)) for v in per_source.values()) for c in COUNTERS}
    with write_transaction(db):
        where = "id = ?" + (" AND status = 'running'" if only_if_running else "")
        cursor = db.execute(
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
            db.execute(
                f"INSERT OR REPLACE INTO crawl_run_sources (run_id, source, status, "
                f"{', '.join(COUNTERS)}) VALUES (?, ?, ?, {', '.join('?' for _ in COUNTERS)})",
                [run_id, source, source_status, *(int(counts.get(c, 0)) for c in COUNTERS)],
            )
    return True
