"""Options shared by several ``newsmon`` commands (one definition each)."""

from __future__ import annotations

import click

from crawler.store import DEFAULT_STORE

db_option = click.option(
    "--db",
    "db_path",
    envvar="NEWSMON_DB",
    default=DEFAULT_STORE,
    show_default=True,
    help="The store: a SQLite file or sqlite:///path (env NEWSMON_DB).",
)
sources_option = click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file replacing crawler/sources.toml.",
)
topics_option = click.option(
    "--topics",
    "topics_file",
    type=click.Path(dir_okay=False),
    help="Topics file replacing crawler/topics.toml.",
)
schedules_option = click.option(
    "--schedules",
    "schedules_file",
    envvar="NEWSMON_SCHEDULES",
    type=click.Path(dir_okay=False),
    help="Schedules file replacing schedules/default.toml (env NEWSMON_SCHEDULES).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
