"""``newsmon search``: full-text search of the stored articles (``store.search``)."""

from __future__ import annotations

import json
import re
import sys

import click

from crawler.commands.options import (
    db_option,
)
from crawler.store import SearchQueryError, StoreError, open_store, store_exists

EXIT_USAGE = 2

# Control characters (C0, DEL, C1) and the bidirectional overrides: a stored
# title comes from the web and must not drive the terminal that prints it.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str | None) -> str:
    """``text`` on one line, without control characters."""
    return " ".join(_UNPRINTABLE.sub(" ", text or "").split())


def _fail(message: str) -> None:
    click.echo(f"newsmon: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.command()
@click.argument("query")
@db_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="Most results to show.",
)
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable)."
)
@click.option("--relevant", is_flag=True, help="Only articles that matched a topic.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
def search(
    query: str, db_path: str, limit: int, sources: tuple[str, ...], relevant: bool, as_json: bool
) -> None:
    """Search the stored articles' titles and text, best match first.

    QUERY uses SQLite's full-text syntax: words (all must match), "an exact
    phrase", OR, NOT, prefix* and NEAR(a b, 5).

    \b
    Examples:
      newsmon search 'Lachin corridor'
      newsmon search '"Hakari bridge" OR Stepanakert' --relevant --limit 5
      newsmon search 'миротвор*' --source rusnews --json
    """
    try:
        if not store_exists(db_path):
            _fail(f"no database at {db_path} (run newsmon crawl first, or give --db)")
        store = open_store(db_path, read_only=True)
    except StoreError as exc:
        _fail(f"cannot open the database {db_path}: {str(exc).removeprefix(f'{db_path}: ')}")
    try:
        results = store.search(query, limit=limit, sources=sources, relevant=relevant)
    except SearchQueryError as exc:
        _fail(
            f"invalid search query {plain(query)!r}: {plain(str(exc))} "
            '(use words, "exact phrases", OR, NOT, prefix*)'
        )
    except StoreError as exc:
        _fail(f"{db_path} is not a newsmon database ({exc})")
    finally:
        store.close()
    for row in results:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        date = (row["published_at"] or "")[:10] or "----------"
        mark = " *" if row["relevant"] else ""
        click.echo(f"{date}  {plain(row['source'])}  {plain(row['title'])}{mark}")
        click.echo(f"    {plain(row['url'])}")
        if row["snippet"]:
            click.echo(f"    {plain(row['snippet'])}")
    if not as_json:
        click.echo(
            f"{len(results)} result(s)" + (" (--limit reached)" if len(results) == limit else ""),
            err=True,
        )
