"""``newsmon schedule``: the crawl daemon in the foreground (never imports Scrapy)."""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime

import click

from crawler.commands.options import (
    db_option,
    schedules_option,
    sources_option,
    topics_option,
)
from crawler.config import load_sources
from crawler.relevance import load_topics
from crawler.store import open_store, store_exists


@click.command()
@db_option
@schedules_option
@sources_option
@topics_option
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    help="Log folder (default: logs/ beside the database).",
)
@click.option(
    "--crawl-command",
    envvar="NEWSMON_CRAWL_COMMAND",
    help="Command run for each crawl, split like a shell line; the daemon appends the crawl's "
    "options. Default: this Python's `-m crawler.cli crawl`.",
)
@click.option(
    "--alerts",
    "alerts_file",
    envvar="NEWSMON_ALERTS",
    type=click.Path(dir_okay=False),
    help="Alerts file run after every crawl (env NEWSMON_ALERTS; default: alerts.toml if present).",
)
@click.option(
    "--check", is_flag=True, help="Validate the files, show each job and its first run, and exit."
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log more: -v adds APScheduler's own lines, -vv debug lines.",
)
def schedule(
    db_path: str,
    schedules_file: str | None,
    sources_file: str | None,
    topics_file: str | None,
    log_dir: str | None,
    crawl_command: str | None,
    alerts_file: str | None,
    check: bool,
    verbose: int,
) -> None:
    """Run the crawl daemon in the foreground until SIGTERM or Ctrl-C.

    Each job of the schedules file runs on its cadence as a separate
    `newsmon crawl` process with a timeout and a memory limit; the runs are
    recorded in the database (see `newsmon runs`). Logs go to stderr and to
    logs/schedule.log beside the database; each crawl's own output to
    logs/crawls/run-<id>.log. On SIGTERM/SIGINT no new crawl starts, running
    ones get the [daemon] shutdown_grace to finish, then are stopped; exit 0.
    With an alerts file, `newsmon alerts run` follows every crawl.

    \b
    Examples:
      newsmon schedule
      newsmon schedule --schedules my-schedules.toml --db /srv/newsmon/newsmon.db
      newsmon schedule --check          # validate and show when each job runs first
      NEWSMON_CRAWL_COMMAND="nice -n 10 .venv/bin/newsmon crawl" newsmon schedule
    """
    from schedules.config import load_schedules
    from schedules.daemon import DEFAULT_CRAWL_COMMAND, Daemon, DaemonError
    from schedules.logs import configure_logging

    sources = load_sources(sources_file)
    # Every crawl the daemon starts reads the topics file: a broken one is
    # refused here, not once per run in the crawl logs.
    load_topics(topics_file)
    plan = load_schedules(schedules_file, sources=sources)
    command = shlex.split(crawl_command) if crawl_command else list(DEFAULT_CRAWL_COMMAND)
    if not command:
        raise click.BadParameter("empty command", param_hint="--crawl-command")
    alerts_file = _alerts_file(alerts_file, topics_file)
    if check:
        _print_plan(plan, db_path)
        return
    daemon = Daemon(
        plan,
        db_path=db_path,
        sources_file=sources_file,
        topics_file=topics_file,
        crawl_command=command,
        log_dir=log_dir,
        alerts_file=alerts_file,
    )
    try:
        log_path = configure_logging(daemon.log_dir, verbose)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the log folder {daemon.log_dir}: {exc.strerror or exc}"
        ) from None
    click.echo(f"newsmon schedule: logging to stderr and {log_path}", err=True)
    try:
        sys.exit(daemon.run())
    except DaemonError as exc:
        raise click.ClickException(str(exc)) from None


def _alerts_file(given: str | None, topics_file: str | None) -> str | None:
    """The alerts file the daemon runs after each crawl, validated now (None: no alerts)."""
    from pathlib import Path

    from crawler.alerts.config import DEFAULT_ALERTS_FILE
    from crawler.commands.alerts import load

    path = given or DEFAULT_ALERTS_FILE
    if given is None and not Path(path).exists():
        return None
    load(path, topics_file)
    return path


def _print_plan(plan, db_path: str) -> None:
    """The jobs as the daemon would start them now."""
    from rich.console import Console
    from rich.table import Table

    from schedules.config import format_duration
    from schedules.history import last_run_by_job
    from schedules.triggers import first_run

    last_runs = {}
    if store_exists(db_path):
        with open_store(db_path) as store:
            last_runs = last_run_by_job(store)
    now = datetime.now(UTC)
    table = Table(
        title=f"{plan.path}: {len(plan.enabled_jobs)} enabled job(s)", title_justify="left"
    )
    for column in (
        "job",
        "cadence",
        "discovery",
        "sources",
        "timeout",
        "memory",
        "first run (UTC)",
    ):
        table.add_column(column)
    for job in plan.jobs:
        if not job.enabled:
            table.add_row(job.id, job.cadence, "", "", "", "", "disabled")
            continue
        first = first_run(job, last_runs.get(job.id), now, plan.daemon.startup_delay)
        table.add_row(
            job.id,
            job.cadence + (f" + up to {format_duration(job.jitter)}" if job.jitter else ""),
            ",".join(job.discovery),
            ", ".join(job.sources) or "all",
            format_duration(job.timeout),
            f"{job.memory >> 20} MB" if job.memory else "none",
            f"{first.at:%Y-%m-%d %H:%M:%S} ({first.reason})",
        )
    Console(width=max(120, Console().width)).print(table)
