"""What the reading commands (search, stories, export) share: opening the store, filters, errors."""

from __future__ import annotations

import sys

import click

from crawler.commands.options import date_bound, since_option, until_option
from crawler.store import ArticleFilter, Store, StoreError, open_store, store_exists

EXIT_USAGE = 2


def fail(message: str) -> None:
    """One line on stderr, exit status 2."""
    click.echo(f"newsmon: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def open_reader(db_path: str) -> Store:
    """The store at ``db_path`` opened read-only (never created, never migrated)."""
    try:
        if not store_exists(db_path):
            fail(f"no database at {db_path} (run newsmon crawl first, or give --db)")
        return open_store(db_path, read_only=True)
    except StoreError as exc:
        detail = str(exc).removeprefix(f"{db_path}: ")
        if "not a database" in detail:
            fail(f"{db_path} is not a newsmon database ({detail})")
        fail(f"cannot open the database {db_path}: {detail}")


def article_filter(
    store: Store,
    *,
    topic: str | None = None,
    relevant: bool = False,
    sources: tuple[str, ...] = (),
    since: str | None = None,
    until: str | None = None,
) -> ArticleFilter:
    """The filter the options name; an unknown topic or source is a one-line error."""
    try:
        start, end = date_bound(since), date_bound(until, end=True)
    except click.BadParameter as exc:
        fail(str(exc))
    if start and end and start >= end:
        fail(f"--since {since} is not before --until {until}")
    for field, values, option in (("topics", [topic] if topic else [], "--topic"),
                                  ("source", sources, "--source")):  # fmt: skip
        for value in values:
            if not store.has_value(field, value):
                known = store.known_values(field)
                shown = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
                fail(f"{option} {value!r}: no stored article has it (known: {shown or 'none'})")
    return ArticleFilter(
        topic=topic, relevant=relevant, sources=tuple(sources), since=start, until=end
    )


def filter_options(command):
    """The options that select articles (--topic, --relevant, --source, --since, --until),
    passed to the command as keyword arguments for :func:`article_filter`."""
    for option in reversed(
        [
            click.option(
                "--topic",
                metavar="NAME",
                help="Only articles about this topic (a name in topics.toml).",
            ),
            click.option("--relevant", is_flag=True, help="Only articles that matched a topic."),
            click.option(
                "--source",
                "sources",
                multiple=True,
                metavar="NAME",
                help="Only this source (repeatable).",
            ),
            since_option,
            until_option,
        ]
    ):
        command = option(command)
    return command
