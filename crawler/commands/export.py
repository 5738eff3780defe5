"""``newsmon export``: the stored articles as JSON lines, CSV, an Atom feed or a SQLite subset.

Every format streams: rows are written as the store hands them over, so the
memory used does not grow with the archive (docs/performance.md measures it).
The fields are documented in docs/reading.md.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.sax.saxutils import XMLGenerator

import click

from crawler.commands.options import db_option
from crawler.commands.reading import article_filter, fail, filter_options, open_reader
from crawler.store import EXPORT_FIELDS, ArticleFilter, Store, StoreError

FORMATS = ("jsonl", "csv", "atom", "sqlite")
ATOM = "http://www.w3.org/2005/Atom"


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="What to write.")
@db_option
@filter_options
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    help="Write here instead of stdout (required for sqlite).",
)
def export(
    fmt: str,
    db_path: str,
    out: str | None,
    **filter_args,
) -> None:
    """Export the stored articles: jsonl and csv one row per article, atom one
    entry per story (newest first, a link to every outlet's copy), sqlite a
    new database holding only the selected articles (same tables, full-text
    search working) to hand to someone or open in Datasette.

    CSV is UTF-8 with a byte-order mark (spreadsheets then read Armenian and
    Cyrillic right), quoted as RFC 4180 says, lists joined with " | ".

    \b
    Examples:
      newsmon export --format csv --relevant --since 2023-01-01 --out relevant.csv
      newsmon export --format jsonl --source news-am | jq .title
      newsmon export --format atom --topic karabakh-blockade --out blockade.xml
      newsmon export --format sqlite --topic karabakh-blockade --out blockade.db
    """
    store = open_reader(db_path)
    try:
        filters = article_filter(store, **filter_args)
        if fmt == "sqlite":
            if not out:
                fail("--format sqlite needs --out FILE (a new database file)")
            count = store.export_subset(out, filters)
            click.echo(f"{count} article(s) written to {out}", err=True)
            return
        with _output(out, fmt) as stream:
            count = WRITERS[fmt](store, filters, stream)
        if out:
            click.echo(
                f"{count} {'stories' if fmt == 'atom' else 'article(s)'} written to {out}", err=True
            )
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()


@contextmanager
def _output(out: str | None, fmt: str):
    newline = "" if fmt == "csv" else None  # the csv module writes its own CRLF line ends
    if out is None:
        # Whatever the terminal's locale: the formats are UTF-8.
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8", newline=newline)
        yield sys.stdout
        return
    try:
        stream = Path(out).open("w", encoding="utf-8", newline=newline)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    with stream:
        yield stream


def write_jsonl(store: Store, filters: ArticleFilter, stream: IO[str]) -> int:
    count = 0
    for row in store.export_articles(filters):
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


LIST_SEPARATOR = " | "


def write_csv(store: Store, filters: ArticleFilter, stream: IO[str]) -> int:
    stream.write("\ufeff")  # spreadsheets read the file as UTF-8 only with the mark
    writer = csv.writer(stream, dialect="excel")  # RFC 4180: CRLF, quotes doubled
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for row in store.export_articles(filters):
        writer.writerow(
            LIST_SEPARATOR.join(map(str, value))
            if isinstance(value, list)
            else ("" if value is None else value)
            for value in row.values()
        )
        count += 1
    return count


def write_atom(store: Store, filters: ArticleFilter, stream: IO[str]) -> int:
    xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startElement("feed", {"xmlns": ATOM})
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    _text(xml, "title", "newsmon stories" + (f": {filters.topic}" if filters.topic else ""))
    _text(xml, "id", f"urn:newsmon:stories:{filters.topic or 'all'}")
    _text(xml, "updated", now)
    xml.startElement("author", {})
    _text(xml, "name", "newsmon")
    xml.endElement("author")
    count = 0
    for story in store.stories(filters):
        xml.startElement("entry", {})
        _text(xml, "title", story.title)
        _text(xml, "id", f"urn:newsmon:story:{story.story_id}")
        _text(xml, "updated", story.first_seen or now)
        if story.first_seen:
            _text(xml, "published", story.first_seen)
        for index, article in enumerate(story.articles):
            attrs = {"href": article["url"], "title": article["source"]}
            attrs["rel"] = "alternate" if index == 0 else "related"
            xml.startElement("link", attrs)
            xml.endElement("link")
        for topic in story.topics:
            xml.startElement("category", {"term": topic})
            xml.endElement("category")
        lines = [
            f"{a['source']} ({(a['published_at'] or 'undated')[:10]}): {a['url']}"
            for a in story.articles
        ]
        _text(xml, "summary", f"Carried by {', '.join(story.outlets)}.\n" + "\n".join(lines))
        xml.endElement("entry")
        stream.write("\n")
        count += 1
    xml.endElement("feed")
    xml.endDocument()
    stream.write("\n")
    return count


def _text(xml: XMLGenerator, name: str, text: str) -> None:
    xml.startElement(name, {})
    xml.characters(text)
    xml.endElement(name)


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "atom": write_atom}
