"""``newsmon search``: full-text search of the stored articles (SQLite FTS5)."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

import click

from crawler.commands.options import (
    db_option,
)

EXIT_USAGE = 2

# Control characters (C0, DEL, C1) and the bidirectional overrides: a stored
# title comes from the web and must not drive the terminal that prints it.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

SNIPPET_OPEN, SNIPPET_CLOSE = "[", "]"


def plain(text: str | None) -> str:
    """``text`` on one line, without control characters."""
    return " ".join(_UNPRINTABLE.sub(" ", text or "").split())


def open_read_only(path: str) -> sqlite3.Connection:
    """Open an existing database for reading only (a search never writes, nor creates a file)."""
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def search_articles(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    sources: tuple[str, ...] = (),
    relevant: bool = False,
) -> list[dict]:
    """Articles matching an FTS5 ``query``, best match first.

    Raises ``sqlite3.OperationalError`` when the query is not valid FTS5.
    Values are bound as parameters, never formatted into the SQL.
    """
    where = ["articles_fts MATCH ?"]
    params: list[object] = [query]
    if sources:
        where.append(f"a.source IN ({', '.join('?' for _ in sources)})")
        params.extend(sources)
    if relevant:
        where.append("a.relevant = 1")
    params.append(limit)
    rows = conn.execute(
        "SELECT a.id, a.published_at, a.source, a.title, a.url, a.relevant, "
        f"snippet(articles_fts, 1, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 16) AS snippet "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY articles_fts.rank LIMIT ?",
        params,
    ).fetchall()
    return [dict(row) for row in rows]


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
        conn = open_read_only(db_path)
    except FileNotFoundError:
        _fail(f"no database at {db_path} (run newsmon crawl first, or give --db)")
    except sqlite3.Error as exc:
        _fail(f"cannot open the database {db_path}: {exc}")
    try:
        results = search_articles(conn, query, limit=limit, sources=sources, relevant=relevant)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "no such table" in message:
            _fail(f"{db_path} is not a newsmon database ({message})")
        _fail(
            f"invalid search query {plain(query)!r}: {plain(message)} "
            '(use words, "exact phrases", OR, NOT, prefix*)'
        )
    except sqlite3.DatabaseError as exc:  # "file is not a database" surfaces at the first read
        _fail(f"{db_path} is not a newsmon database ({exc})")
    finally:
        conn.close()
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
