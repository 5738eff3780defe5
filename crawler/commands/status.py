"""``newsmon status`` (jobs, sources' last runs and health, database) and ``newsmon runs`` (the history).

Both only read the database (and the daemon's state file beside it); neither
imports Scrapy. Times are shown in the local zone, stored in UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
import psutil
from rich.console import Console
from rich.table import Table

from crawler.commands.options import (
    db_option,
    json_option,
    schedules_option,
    sources_option,
)
from crawler.config import ConfigError, load_sources
from crawler.store import Store, StoreError, open_store, store_exists
from crawler.store.filelocks import daemon_state_path
from schedules.config import Schedule, format_duration, load_schedules
from schedules.history import Run, judge_health, last_run_by_job
from schedules.history import runs as query_runs
from schedules.triggers import first_run


def _open(db_path: str) -> Store:
    if not store_exists(db_path):
        raise StoreError(
            f"{db_path}: no such database (create it with `newsmon crawl` or `newsmon schedule`)"
        )
    # Reading only: a copy handed over in a read-only folder must do.
    return open_store(db_path, read_only=True)


def _console() -> Console:
    return Console(width=max(120, Console().width))


def _local(dt: datetime | None, now: datetime | None = None) -> str:
    if dt is None:
        return "-"
    text = dt.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if now is not None:
        seconds = int((now - dt).total_seconds())
        text += (
            " (now)"
            if seconds == 0
            else f" ({_span(abs(seconds))} {'ago' if seconds > 0 else 'from now'})"
        )
    return text


def _span(seconds: float) -> str:
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _zone_note() -> str:
    offset = datetime.now().astimezone().strftime("%z")
    return f"times are local (UTC{offset[:3]}:{offset[3:]})"


# ---------------------------------------------------------------------------
# newsmon status
# ---------------------------------------------------------------------------


def daemon_state(db_path: str) -> dict | None:
    """The running daemon's state file for this database, or None when no daemon runs."""
    try:
        state = json.loads(daemon_state_path(db_path).read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    if not isinstance(pid, int) or not psutil.pid_exists(pid):
        return None
    return state


def _jobs(db, plan: Schedule, state: dict | None, now: datetime) -> list[dict]:
    last_runs = last_run_by_job(db)
    rows = []
    for job in plan.jobs:
        last = query_runs(db, job_id=job.id, limit=1)
        row = {
            "job": job.id,
            "cadence": job.cadence,
            "enabled": job.enabled,
            "last_run": last[0].to_json() if last else None,
            "next_run_at": None,
            "next_run_note": "",
        }
        if job.enabled and state is not None:
            entry = state.get("jobs", {}).get(job.id, {})
            row["next_run_at"] = entry.get("next_run_at")
            if entry.get("running_run_id"):
                row["next_run_note"] = f"running now (run {entry['running_run_id']})"
        elif job.enabled:
            at = first_run(job, last_runs.get(job.id), now, plan.daemon.startup_delay).at
            row["next_run_at"] = at.isoformat()
            row["next_run_note"] = "if the daemon starts now"
        rows.append(row)
    return rows


def _sources(db, names: list[str], window: int) -> list[dict]:
    rows = []
    for name in names:
        # The last finished runs, newest first: the first is the source's last run.
        history = query_runs(db, source=name, limit=window, finished_only=True)
        health = judge_health(history, window)
        rows.append(
            {
                "source": name,
                "last_run": history[0].to_json() if history else None,
                "judged_runs": health.runs,
                "unhealthy": list(health.reasons),
            }
        )
    return rows


@click.command()
@db_option
@schedules_option
@sources_option
@click.option(
    "--window",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Judge each source's health on its last N finished runs.",
)
@json_option
def status(
    db_path: str, schedules_file: str | None, sources_file: str | None, window: int, as_json: bool
) -> None:
    """Each job's next run, each source's last run and health, the database's size and counts.

    A source is flagged unhealthy when none of its last N finished runs found
    a new article, or when more than half of them had errors (failed runs,
    timeouts, crashes, or pages that could not be fetched or stored). A
    source with fewer than N finished runs is not judged yet.

    \b
    Examples:
      newsmon status
      newsmon status --window 20 --json
    """
    db = _open(db_path)
    now = datetime.now(UTC)
    warnings = []
    try:
        plan = load_schedules(schedules_file)
    except ConfigError as exc:
        plan, warnings = None, [f"schedules not shown: {exc}"]
    try:
        configured = [s.name for s in load_sources(sources_file) if s.enabled]
    except ConfigError as exc:
        configured, warnings = [], [*warnings, f"sources file not read: {exc}"]
    names = list(dict.fromkeys([*configured, *db.source_names_in_history()]))
    state = daemon_state(db_path)
    report = {
        "daemon": {"running": state is not None, "pid": state.get("pid") if state else None},
        "jobs": _jobs(db, plan, state, now) if plan else [],
        "sources": _sources(db, names, window),
        "database": db.describe(),
        "window": window,
        "warnings": warnings,
    }
    db.close()
    if as_json:
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
        return
    _print_status(report, now)


def _print_status(report: dict, now: datetime) -> None:
    console = _console()
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    daemon = report["daemon"]
    console.print(
        f"daemon: running (pid {daemon['pid']})" if daemon["running"] else "daemon: not running",
        highlight=False,
    )
    if report["jobs"]:
        table = Table(title="jobs", title_justify="left")
        for column in ("job", "cadence", "last run", "result", "next run"):
            table.add_column(column)
        for job in report["jobs"]:
            last = job["last_run"]
            if not job["enabled"]:
                next_run = "disabled"
            else:
                at = datetime.fromisoformat(job["next_run_at"]) if job["next_run_at"] else None
                next_run = _local(at, now) + (
                    f" [dim]{job['next_run_note']}[/]" if job["next_run_note"] else ""
                )
            table.add_row(
                job["job"],
                job["cadence"],
                _local(datetime.fromisoformat(last["started_at"]), now) if last else "never",
                last["status"] if last else "",
                next_run,
            )
        console.print(table)
    table = Table(
        title=f"sources (health over the last {report['window']} finished runs)",
        title_justify="left",
    )
    for column, justify in (("source", "left"), ("last run", "left"), ("trigger", "left"), ("result", "left"),
                            ("pages", "right"), ("new", "right"), ("errors", "right"), ("health", "left")):  # fmt: skip
        table.add_column(column, justify=justify)
    for source in report["sources"]:
        last = source["last_run"]
        if source["unhealthy"]:
            health = "[red]unhealthy:[/] " + "; ".join(source["unhealthy"])
        elif source["judged_runs"] < report["window"]:
            health = f"[dim]{source['judged_runs']} run(s) so far[/]"
        else:
            health = "ok"
        cells = ["never", "", "", "", "", ""]
        if last:
            cells = [
                _local(datetime.fromisoformat(last["started_at"]), now),
                last["trigger"] + (f" ({last['job_id']})" if last["job_id"] else ""),
                last["status"],
                *(str(last.get(c, "-")) for c in ("pages_fetched", "articles_new", "errors")),
            ]
        table.add_row(source["source"], *cells, health)
    console.print(table)
    database = report["database"]
    console.print(
        f"database {database['path']}: {database['size_bytes'] / (1 << 20):.1f} MB, "
        f"{database['articles']} article(s) ({database['relevant_articles']} relevant, "
        f"{database['articles_last_24h']} new in 24h) from {database['sources_with_articles']} source(s), "
        f"{database['runs']} run(s); {_zone_note()}",
        highlight=False,
    )


# ---------------------------------------------------------------------------
# newsmon runs
# ---------------------------------------------------------------------------


@click.command()
@db_option
@click.option("--source", help="Only runs that crawled this source (counters are that source's).")
@click.option("--job", "job_id", help="Only runs of this schedule job.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help="How many runs, newest first.",
)
@json_option
def runs(db_path: str, source: str | None, job_id: str | None, limit: int, as_json: bool) -> None:
    """The crawl history, newest first: scheduled and manual runs with their outcome and counts.

    \b
    Examples:
      newsmon runs
      newsmon runs --source news-am --limit 50
      newsmon runs --job feeds --json
    """
    db = _open(db_path)
    history = query_runs(db, source=source, job_id=job_id, limit=limit)
    db.close()
    if as_json:
        click.echo(json.dumps([run.to_json() for run in history], indent=1, ensure_ascii=False))
        return
    _print_runs(history, source)


def _print_runs(history: list[Run], source: str | None) -> None:
    console = _console()
    title = "crawl runs" + (f" of {source}" if source else "")
    table = Table(title=f"{title} ({_zone_note()})", title_justify="left")
    columns = (
        "run",
        "started",
        "took",
        "trigger",
        "status",
        "sources",
        "pages",
        "new",
        "upd",
        "dup",
        "errors",
        "message",
    )
    for column in columns:
        numeric = column in ("run", "pages", "new", "upd", "dup", "errors")
        table.add_column(
            column,
            justify="right" if numeric else "left",
            no_wrap=column != "message",
            overflow="fold",
        )
    for run in history:
        took = format_duration(run.finished_at - run.started_at) if run.finished_at else "running"
        sources = ", ".join(run.sources) if len(run.sources) <= 3 else f"{len(run.sources)} sources"
        counts = [str(run.counts[c]) if c in run.counts else "-"
                  for c in ("pages_fetched", "articles_new", "articles_updated", "duplicates", "errors")]  # fmt: skip
        table.add_row(
            str(run.id),
            _local(run.started_at),
            took,
            run.trigger + (f" ({run.job_id})" if run.job_id else ""),
            run.status,
            sources,
            *counts,
            (run.message or "")[:120],
        )
    if not history:
        console.print("no runs recorded yet")
        return
    console.print(table)
