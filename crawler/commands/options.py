"""Options shared by several ``newsmon`` commands (one definition each)."""

from __future__ import annotations

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
