"""``newsmon serve``: browse the database in Datasette, read-only (:mod:`crawler.serve`)."""

from __future__ import annotations

import asyncio
import socket
import sys

import click

from crawler.commands.options import db_option, topics_option
from crawler.store import StoreError, local_path, store_exists
from crawler.store.values import redacted

EXIT_USAGE = 2
SQLITE_MAGIC = b"SQLite format 3\x00"


def _fail(message: str) -> None:
    click.echo(f"newsmon: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def check_address(host: str, port: int) -> None:
    """Fail in one line when ``host:port`` cannot be listened on (unknown host, port taken)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        _fail(f"--host {host}: cannot listen there ({getattr(exc, 'strerror', None) or exc})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # The same option uvicorn sets: a port in TIME_WAIT is free, one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            _fail(f"{host}:{port}: cannot listen there ({exc.strerror or exc})")


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port."
)
@topics_option
def serve(db_path: str, host: str, port: int, topics_file: str | None) -> None:
    """Browse the database in Datasette: stories, coverage, search, feeds.

    The database is opened read-only. Pages: / (tables and saved queries),
    /newsmon/relevant_stories, /-/dashboards/coverage, /-/feeds/TOPIC.atom;
    every page has a .json form (/newsmon/stories.json?_shape=array).

    \b
    Examples:
      newsmon serve
      newsmon serve --db /srv/newsmon.db --host 0.0.0.0 --port 8080
    """
    from crawler.relevance import load_topics

    try:
        path = local_path(db_path)
        if path is None:
            _fail(
                f"{redacted(db_path)}: newsmon serve reads a SQLite file; copy the collection into "
                f"one with newsmon export --format sqlite --db {redacted(db_path)} --out newsmon.db, "
                "then newsmon serve --db newsmon.db"
            )
        exists = store_exists(db_path)
    except StoreError as exc:
        _fail(str(exc))
    if not exists:
        _fail(f"{db_path}: no such database (run newsmon crawl first, or give --db)")
    with open(path, "rb") as head:
        magic = head.read(len(SQLITE_MAGIC))
    if magic and magic != SQLITE_MAGIC:
        _fail(f"{db_path}: not a SQLite database")
    topics = load_topics(topics_file).names
    check_address(host, port)

    import uvicorn
    from datasette.cli import check_databases

    from crawler.serve import make_datasette

    ds = make_datasette(path, topics=topics)

    async def start() -> None:
        await ds.invoke_startup()
        await check_databases(ds)

    try:
        asyncio.run(start())
    except (click.UsageError, Exception) as exc:  # Datasette's checks: not a SQLite file…
        message = exc.format_message() if isinstance(exc, click.ClickException) else exc
        _fail(f"{db_path}: cannot serve it ({message})")
    click.echo(f"newsmon: serving {db_path} read-only at http://{host}:{port}/", err=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
