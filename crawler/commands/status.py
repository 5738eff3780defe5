"""``newsmon status``: jobs, runs in progress, sources' last runs and health, database.

It only reads the database (and the daemon's state file beside it) and never
imports Scrapy. Times are shown in the local zone, stored in UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
import psutil
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.commands.options import (
    db_option,
    json_option,
    schedules_option,
    sources_option,
)
from crawler.config import ConfigError, Source, load_sources
from crawler.durations import parse_duration
from crawler.polling import iso, source_plans
from crawler.store import Store, StoreError, open_store, store_exists
from crawler.store.filelocks import daemon_state_path
from schedules.config import AdaptiveSettings, Schedule, format_duration, load_schedules
from schedules.health import HealthRule, judge_health, span
from schedules.history import last_run_by_job, source_activity
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
    return span(timedelta(seconds=seconds))


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
            if entry.get("waiting"):
                row["next_run_note"] = f"waiting for a free node slot: {entry['waiting']}"
            elif entry.get("running_run_id"):
                row["next_run_note"] = f"running now (run {entry['running_run_id']})"
            elif running := entry.get("running_sources"):
                crawls = ", ".join(f"{name} (run {run})" for name, run in sorted(running.items()))
                row["next_run_note"] = f"crawling now: {crawls}"
        elif job.enabled:
            at = first_run(job, last_runs.get(job.id), now, plan.daemon.startup_delay).at
            row["next_run_at"] = at.isoformat()
            row["next_run_note"] = "if the daemon starts now"
        rows.append(row)
    return rows


LAG_PERIOD = timedelta(days=1)
"""The recent past over which each source's median lag is shown."""

# Runs read per source: enough to see a failing streak of days at a 15-minute cadence.
_HEALTH_RUNS = 500


def _polling(db, plan: Schedule | None, sources: list[Source], now: datetime) -> dict[str, dict]:
    """Per source: its feeds' current interval and why, when it was last and is next polled."""
    adaptive = AdaptiveSettings() if plan is None else plan.adaptive
    job = next((j for j in plan.enabled_jobs if j.adaptive), None) if plan else None
    plans = source_plans(db, sources, job.discovery if job else ("feeds",), adaptive.bounds, now)
    out = {}
    for name, (source_plan, _) in plans.items():
        feed = source_plan.next
        last = max((f.last_poll for f in source_plan.feeds if f.last_poll), default=None)
        out[name] = {
            "interval_seconds": int(feed.decision.interval.total_seconds()),
            "kind": feed.decision.kind,
            "reason": feed.decision.reason,
            "last_poll_at": last.isoformat() if last else None,
            "next_poll_at": None if feed.last_poll is None else feed.due_at.isoformat(),
        }
    return out


def _freshness(db, now: datetime) -> dict[str, dict]:
    """Per source: median lags of the articles stored over the last day."""
    return {
        name: {
            "articles": row.articles,
            "median_lag_publication_seconds": row.median_lag_publication_s,
            "median_lag_feed_seconds": row.median_lag_feed_s,
            "last_new_article_at": row.last_stored_at,
        }
        for name, row in db.freshness(iso(now - LAG_PERIOD)).items()
    }


def _sources(
    db,
    names: list[str],
    rule: HealthRule,
    now: datetime,
    polling: dict[str, dict],
    freshness: dict[str, dict],
) -> list[dict]:
    rows = []
    for name in names:
        # Runs that ended, newest first: the first is the source's last run. A
        # row still "running" whose process is gone is shown as abandoned: it counts.
        history = [
            run
            for run in query_runs(db, source=name, limit=_HEALTH_RUNS)
            if run.status != "running"
        ]
        activity = source_activity(db, name, now - rule.window)
        health = judge_health(
            activity.article_times,
            history,
            now,
            last_article=activity.last_article,
            first_crawl=activity.first_crawl,
            rule=rule,
        )
        rows.append(
            {
                "source": name,
                "last_run": history[0].to_json() if history else None,
                "health": health.to_json(),
                "unhealthy": list(health.reasons),
                "polling": polling.get(name),
                "freshness": freshness.get(name),
            }
        )
    return rows


def _polling_text(polling: dict | None) -> str:
    """The polling cell: the current interval of the source's next feed, and why."""
    if polling is None:
        return "[dim]no feed[/]"
    return f"every {_span(polling['interval_seconds'])} [dim]({polling['reason']})[/]"


def _lag_text(freshness: dict | None) -> str:
    """The lag cell: median from first listing in a feed, and from publication, to the row."""
    if not freshness:
        return "[dim]no new article[/]"
    parts = []
    for key, label in (
        ("median_lag_feed_seconds", "feed"),
        ("median_lag_publication_seconds", "published"),
    ):
        if freshness[key] is not None:
            parts.append(f"{_span(freshness[key])} from {label}")
    return ", ".join(parts) + f" [dim]({freshness['articles']} new)[/]"


def _health_text(health: dict, now: datetime) -> str:
    """The health cell: why a source is unhealthy, or when it last published and how often."""
    if health["reasons"]:
        return "[red]unhealthy:[/] " + "; ".join(health["reasons"])
    if health["state"] == "unknown":
        return "[dim]not crawled yet[/]"
    facts = []
    if health["last_article_at"]:
        last = datetime.fromisoformat(health["last_article_at"])
        facts.append(f"last article {_span((now - last).total_seconds())} ago")
    if health["usual_gap_seconds"]:
        facts.append(f"usually every {_span(health['usual_gap_seconds'])}")
    return "ok" + (f" [dim]({', '.join(facts)})[/]" if facts else "")


@click.command()
@db_option
@schedules_option
@sources_option
@click.option(
    "--window",
    default="30d",
    show_default=True,
    help="Measure each source's usual gap between articles over this recent past.",
)
@json_option
def status(
    db_path: str, schedules_file: str | None, sources_file: str | None, window: str, as_json: bool
) -> None:
    """Each job's next run, each source's last run and health, the database's size and counts.

    A source is judged against its own publishing rate, over time: it is
    unhealthy when it has had no new article for 4 times its usual gap
    between articles (measured over --window; at least 12 h; 1 day assumed
    while it has fewer than 5 articles), or when every run of it has failed
    (the run failed, or most of its requests did; a 304 is no error) for 6 h
    or more. The health column says why, e.g. "no new article for 3d,
    usually every 4h" or "errors for 6h: no page could be fetched".

    \b
    Examples:
      newsmon status
      newsmon status --window 90d --json
    """
    try:
        rule = HealthRule(window=parse_duration(window))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--window") from None
    db = _open(db_path)
    now = datetime.now(UTC)
    warnings = []
    # A broken default file is a warning (status must still show the runs);
    # a file the user named is an error, as in every other command.
    try:
        plan = load_schedules(schedules_file)
    except ConfigError as exc:
        if schedules_file:
            raise
        plan, warnings = None, [f"schedules not shown: {exc}"]
    try:
        loaded = list(load_sources(sources_file))
    except ConfigError as exc:
        if sources_file:
            raise
        loaded, warnings = [], [*warnings, f"sources file not read: {exc}"]
    configured = [s.name for s in loaded if s.enabled]
    names = list(dict.fromkeys([*configured, *db.source_names_in_history()]))
    state = daemon_state(db_path)
    try:
        polling, freshness = _polling(db, plan, loaded, now), _freshness(db, now)
    except StoreError as exc:  # a database no crawl of this version has opened yet
        polling, freshness = {}, {}
        warnings = [*warnings, f"polling and lags not shown: {exc}"]
    report = {
        "daemon": {"running": state is not None, "pid": state.get("pid") if state else None},
        # Scrapyd nodes as the daemon last saw them (runner = "scrapyd").
        "nodes": state.get("nodes", {}) if state else {},
        "jobs": _jobs(db, plan, state, now) if plan else [],
        # Rows still marked running: crawls in progress, or abandoned when their process is gone.
        "unfinished_runs": [run.to_json() for run in query_runs(db, status="running", limit=100)],
        "sources": _sources(db, names, rule, now, polling, freshness),
        "database": db.describe(),
        "window": format_duration(rule.window),
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
    if report["nodes"]:
        table = Table(title="Scrapyd nodes", title_justify="left")
        for column in ("node", "state", "running", "pending", "slots", "checked"):
            table.add_column(column)
        for name, node in report["nodes"].items():
            state = {
                True: "up",
                False: f"[red]down[/]: {escape(str(node['error']))}",
                None: "not used yet",
            }
            checked = node.get("checked_at")
            note = f" [dim]({escape(node['note'])})[/]" if node.get("note") else ""
            table.add_row(
                name,
                state[node["up"]] + note,
                str(node.get("running", "")),
                str(node.get("pending", "")),
                str(node.get("slots", "")),
                _local(datetime.fromisoformat(checked), now) if checked else "",
            )
        console.print(table)
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
    for run in report["unfinished_runs"]:
        started = _local(datetime.fromisoformat(run["started_at"]), now)
        where = f"pid {run['pid']}" + (f" on {run['host']}" if run["host"] else "")
        if run.get("node"):
            where += f", Scrapyd job {run['node_job']} on {run['node']}"
        line = f"run {run['id']} ({run['trigger']}, started {started}, {where}): "
        if run["status"] == "abandoned":
            console.print(f"{line}[red]abandoned[/]: {run['message']}", highlight=False)
        else:
            console.print(f"{line}running", highlight=False)
    table = Table(
        title=f"sources (health: publishing rate over the last {report['window']})",
        title_justify="left",
    )
    for column, justify in (("source", "left"), ("last run", "left"), ("trigger", "left"), ("result", "left"),
                            ("pages", "right"), ("new", "right"), ("errors", "right"), ("health", "left"),
                            ("polling", "left"), ("median lag (1d)", "left")):  # fmt: skip
        table.add_column(column, justify=justify)
    for source in report["sources"]:
        last = source["last_run"]
        health = _health_text(source["health"], now)
        cells = ["never", "", "", "", "", ""]
        if last:
            cells = [
                _local(datetime.fromisoformat(last["started_at"]), now),
                last["trigger"] + (f" ({last['job_id']})" if last["job_id"] else ""),
                last["status"],
                *(str(last.get(c, "-")) for c in ("pages_fetched", "articles_new", "errors")),
            ]
        table.add_row(
            source["source"],
            *cells,
            health,
            _polling_text(source["polling"]),
            _lag_text(source["freshness"]),
        )
    console.print(table)
    database = report["database"]
    console.print(
        f"database {database['path']}: {database['size_bytes'] / (1 << 20):.1f} MB, "
        f"{database['articles']} article(s) ({database['relevant_articles']} relevant, "
        f"{database['articles_last_24h']} new in 24h) from {database['sources_with_articles']} source(s), "
        f"{database['runs']} run(s); {_zone_note()}",
        highlight=False,
    )
