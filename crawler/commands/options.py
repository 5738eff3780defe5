"""Options shared by several ``newsmon`` commands (one definition each)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from crawler.store import DEFAULT_STORE


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # An empty path would silently mean the default file (or the current folder).
    if value is not None and not value.strip():
        raise click.BadParameter("is empty: give a file path")
    return value


def _database_file(ctx: click.Context, param: click.Parameter, value: str) -> str:
    _not_empty(ctx, param, value)
    if Path(value).is_dir():
        raise click.BadParameter(f"{value!r} is a directory: give the database file in it")
    return value


db_option = click.option(
    "--db",
    "db_path",
    envvar="NEWSMON_DB",
    default=DEFAULT_STORE,
    show_default=True,
    callback=_database_file,
    help="The store: a SQLite file, sqlite:///path or postgresql://… (env NEWSMON_DB).",
)
sources_option = click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    callback=_not_empty,
    help="Sources file replacing crawler/sources.toml.",
)
topics_option = click.option(
    "--topics",
    "topics_file",
    type=click.Path(dir_okay=False),
    callback=_not_empty,
    help="Topics file replacing crawler/topics.toml.",
)
schedules_option = click.option(
    "--schedules",
    "schedules_file",
    envvar="NEWSMON_SCHEDULES",
    type=click.Path(dir_okay=False),
    callback=_not_empty,
    help="Schedules file replacing schedules/default.toml (env NEWSMON_SCHEDULES).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


def date_bound(text: str | None, *, end: bool = False) -> str | None:
    """``--since`` / ``--until`` as ISO 8601 UTC: a date, a date and time, or a span back from now
    (``7d``). A plain date given to ``--until`` (``end``) includes that whole day."""
    from datetime import date, timedelta

    from crawler.durations import parse_since

    if text is None:
        return None
    try:
        moment = parse_since(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if moment is None:
        return None
    if end:
        try:
            date.fromisoformat(text.strip())
        except ValueError:
            pass
        else:
            moment += timedelta(days=1)
    return moment.isoformat()


since_option = click.option(
    "--since", help="Only what was published at or after: 2023-01-12, 2023-01-12T08:00, or 7d back."
)
until_option = click.option(
    "--until", help="Only what was published before: a time, or a date (that day included)."
)


def _stacked(*decorators: Callable) -> Callable:
    # Applied bottom-up as written above a function, so --help lists them in this order.
    def decorate(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return decorate


crawl_sources = _stacked(
    click.argument("source_names", metavar="[SOURCE]...", nargs=-1),
    db_option,
    sources_option,
    topics_option,
)
"""``[SOURCE]...`` and the store, sources and topics files: what ``crawl`` and ``backfill`` read."""


def crawl_process_options(wait_help: str) -> Callable:
    """``--wait`` (with ``wait_help``), ``-s``, ``-v`` and ``--log-file``: how ``crawl`` and
    ``backfill`` take the source locks, set Scrapy up and log."""
    return _stacked(
        click.option("--wait", "lock_wait", default="30s", show_default=True, help=wait_help),
        click.option(
            "-s",
            "--set",
            "settings",
            multiple=True,
            metavar="NAME=VALUE",
            help="Override a Scrapy or NEWSMON_ setting (checked against its type before the crawl).",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            help="Log to the terminal instead of the log file (-v: INFO, -vv: DEBUG).",
        ),
        click.option(
            "--log-file",
            type=click.Path(dir_okay=False),
            help="Crawl log file, in an existing folder (default: logs/crawl-YYYY-MM-DD.log beside "
            "the database).",
        ),
    )
