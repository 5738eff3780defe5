"""``newsmon stories``: the stories newest first, with the outlets and languages that carried them."""

from __future__ import annotations

import json

import click

from crawler.commands.options import db_option
from crawler.commands.reading import article_filter, filter_options, open_reader
from crawler.commands.search import plain


@click.command()
@db_option
@filter_options
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1), help="Most stories to show."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story and line.")
def stories(
    db_path: str,
    limit: int,
    as_json: bool,
    **filter_args,
) -> None:
    """The stories, newest first: each with its title, when it was first seen,
    the outlets and languages that carried it and its copies.

    A story is one text and its copies across outlets (syndication, agency
    copy, reposts), as newsmon groups them while crawling. It is dated by
    its first copy's publication (its first crawl, when no copy has a date);
    --since/--until select copies by that date, and a story is made of the
    copies the options select.

    \b
    Examples:
      newsmon stories --topic karabakh-blockade --since 7d
      newsmon stories --relevant --limit 50 --json
    """
    store = open_reader(db_path)
    try:
        filters = article_filter(store, **filter_args)
        shown = 0
        for story in store.stories(filters, limit=limit):
            shown += 1
            if as_json:
                record = {
                    "story_id": story.story_id,
                    "title": story.title,
                    "first_seen": story.first_seen,
                    "outlets": story.outlets,
                    "languages": story.languages,
                    "articles": story.articles,
                }
                click.echo(json.dumps(record, ensure_ascii=False))
                continue
            date = (story.first_seen or "")[:16].replace("T", " ")
            languages = ", ".join(story.languages) or "language unknown"
            click.echo(f"{date}  {plain(story.title)}")
            click.echo(
                f"    {len(story.articles)} cop{'y' if len(story.articles) == 1 else 'ies'} in "
                f"{len(story.outlets)} outlet(s) ({languages}): {', '.join(plain(o) for o in story.outlets)}"
            )
            for article in story.articles:
                when = (article["published_at"] or "undated")[:16].replace("T", " ")
                click.echo(f"      {when}  {plain(article['source'])}  {plain(article['url'])}")
    finally:
        store.close()
    if not as_json:
        click.echo(
            f"{shown} stor{'y' if shown == 1 else 'ies'}"
            + (" (--limit reached)" if shown == limit else "")
            + "; times are UTC",
            err=True,
        )
