"""``newsmon search``: full-text search of the stored articles, one hit per story (``store.search_stories``)."""

from __future__ import annotations

import dataclasses
import json
import re

import click

from crawler.commands.options import db_option
from crawler.commands.reading import article_filter, fail, filter_options, open_reader
from crawler.store import SearchQueryError, StoreError

# Control characters (C0, DEL, C1) and the bidirectional overrides: a stored
# title comes from the web and must not drive the terminal that prints it.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str | None) -> str:
    """``text`` on one line, without control characters."""
    return " ".join(_UNPRINTABLE.sub(" ", text or "").split())


LEGEND = (
    "* relevant: the article matched a topic of topics.toml (newsmon rescore re-applies them); "
    "[words] matched your query; also in: other outlets' copies of the same story"
)


@click.command()
@click.argument("query")
@db_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="Most stories to show.",
)
@filter_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
def search(query: str, db_path: str, limit: int, as_json: bool, **filter_args) -> None:
    """Search the stored articles' titles and text: one hit per story, newest first.

    QUERY is words as you would type them: every word must match, in any
    case and with or without diacritics (Lacin finds Laçın, Stepanakert
    finds STEPANAKERT), and hyphens or apostrophes inside a word keep its
    parts together (Nagorno-Karabakh, it's). Full-text syntax works too:
    "an exact phrase", OR, AND, NOT, prefix*, (groups), NEAR(a b, 5) and
    title:word. Copies of one story in several outlets show as one hit,
    its newest matching copy, with the other copies under "also in".

    \b
    Examples:
      newsmon search 'Nagorno-Karabakh' --since 7d
      newsmon search '"Hakari bridge" OR Stepanakert' --relevant --limit 5
      newsmon search 'Lacin*' --source azpress --json
      newsmon search Stepanakert --topic karabakh-blockade --since 30d
    """
    store = open_reader(db_path)
    try:
        filters = article_filter(store, **filter_args)
        hits = store.search_stories(query, filters, limit=limit)
    except SearchQueryError as exc:
        fail(f"invalid search query {plain(query)!r}: {plain(str(exc))}")
    except StoreError as exc:
        fail(f"{db_path} is not a newsmon database ({exc})")
    finally:
        store.close()
    for hit in hits:
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(hit), ensure_ascii=False))
            continue
        date = (hit.published_at or "")[:10] or "----------"
        mark = " *" if hit.relevant else ""
        click.echo(f"{date}  {plain(hit.source)}  {plain(hit.title)}{mark}")
        click.echo(f"    {plain(hit.url)}")
        if hit.snippet:
            click.echo(f"    {plain(hit.snippet)}")
        if hit.also_in:
            copies = ", ".join(
                f"{plain(c['source'])} ({(c['published_at'] or '')[:10] or 'undated'})"
                for c in hit.also_in
            )
            click.echo(f"    also in: {copies}")
    if not as_json:
        click.echo(
            f"{len(hits)} stor{'y' if len(hits) == 1 else 'ies'}"
            + (" (--limit reached)" if len(hits) == limit else ""),
            err=True,
        )
        if hits:
            click.echo(LEGEND, err=True)
