"""``newsmon backfill``: articles of a past window from web archives (the ``archive`` spider)."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click

from crawler.archives.cdx import window_end
from crawler.commands.crawl import (
    EXIT_FAILED,
    CrawlFailed,
    _closing_on_signals,
    _database_error,
    _open_store,
    _usage_check,
    checked_process_options,
    default_log_file,
    run_crawl,
    take_source_locks,
)
from crawler.commands.options import crawl_process_options, crawl_sources
from crawler.config import ConfigError, load_sources
from crawler.durations import parse_since
from crawler.relevance import load_topics
from crawler.runs import EXIT_BUSY
from crawler.stats import per_source

COUNTERS = ("listed", "not_articles", "skipped", "fetched", "failed")
"""The backfill's own counters per source (``archive/<source>/<counter>``), before the pipelines'."""


@click.command()
@crawl_sources
@click.option(
    "--since",
    default=None,
    help="Start of the window: a date (2023-01-01) or a duration (400d); required but with --warc.",
)
@click.option("--until", default=None, help="End of the window: a date (default: now).")
@click.option(
    "--archive",
    type=click.Choice(["wayback", "commoncrawl", "all"]),
    default="wayback",
    show_default=True,
    help="Which archive to read.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Fetch at most N captures.")
@click.option(
    "--warc",
    "warc_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, readable=True),
    help="Read a local WARC / WARC.gz file instead of an archive (repeatable).",
)
@click.option(
    "--source",
    "warc_source",
    default=None,
    help="With --warc: every record belongs to this source (default: records of configured sources' sites).",
)
@crawl_process_options(
    "How long to wait for a source that a crawl or another backfill is running before skipping it "
    "(0: skip at once)."
)
@_closing_on_signals
def backfill(
    source_names: tuple[str, ...],
    db_path: str,
    sources_file: str | None,
    topics_file: str | None,
    since: str,
    until: str | None,
    archive: str,
    limit: int | None,
    warc_files: tuple[str, ...],
    warc_source: str | None,
    lock_wait: str,
    settings: tuple[str, ...],
    verbose: int,
    log_file: str | None,
) -> None:
    """Read the sources' articles of a past window from web archives into the database.

    \b
    Examples:
      newsmon backfill --since 2022-12-01 --until 2023-09-30
      newsmon backfill artsakhpress --since 2020-11-01 --limit 500
      newsmon backfill --warc CC-NEWS-20230115.warc.gz --warc crawl.warc
      newsmon backfill --warc export.warc.gz --source artsakhpress
      newsmon backfill --archive all --since 2023-01-01 --until 2023-03-31
    Captures are listed through the archive's CDX index (the Wayback
    Machine's NEWSMON_WAYBACK_CDX; each Common Crawl crawl's index, from
    NEWSMON_COMMONCRAWL_INDEX), fetched one at a time with a delay
    (NEWSMON_WAYBACK_ROOT; WARC records by byte range from
    NEWSMON_COMMONCRAWL_DATA), and go through the same extraction and
    pipelines as a crawl. With --archive all, each URL is fetched once, from
    the archive with its earliest capture. A ledger in the database records
    how far each listing got and what was fetched: run the same command again
    after an interruption and it lists and fetches only the rest.
    A source that a crawl or another backfill is running is waited for up to
    --wait, then skipped.
    With --warc, only the response records of the configured sources' sites
    are read (all of them with --source); a damaged or truncated file keeps
    the pages before the damage.
    Exit status: 0 when the backfill ran, 1 when the archive answered
    something that is not a CDX listing or a WARC record, or a WARC file is
    damaged, 2 on a usage or configuration error, 4 when every source was
    busy, 5 when the database could not be written.
    """
    source_set = load_sources(sources_file)
    if warc_source and source_names:
        raise click.BadParameter("give either SOURCE names or --source", param_hint="--source")
    if warc_source and not warc_files:
        raise click.BadParameter("only with --warc", param_hint="--source")
    if not since and not warc_files:
        raise click.BadParameter(
            "a backfill from an archive needs a window start", param_hint="--since"
        )
    selected = source_set.select(
        [warc_source] if warc_source else list(source_names), archives=True
    )
    if not selected:
        raise ConfigError(f"{source_set.path}: no enabled source to backfill")
    load_topics(topics_file)
    start = _usage_check("--since", parse_since, since) if since else None
    end = _usage_check("--until", window_end, until) if until else None
    if end is not None and start is not None and end < start:
        raise click.BadParameter(f"{until!r} is before --since {since!r}", param_hint="--until")
    overrides, wait_seconds, log_file = checked_process_options(
        settings, lock_wait, log_file, verbose, db_path
    )
    store = _open_store(db_path)
    locks, busy = take_source_locks(store, [s.name for s in selected], wait_seconds, db_path)
    click.get_current_context().call_on_close(locks.release)
    names = locks.held
    if not names:
        click.echo("newsmon: nothing backfilled: every source was busy", err=True)
        sys.exit(EXIT_BUSY)
    from crawler.spiders.archive import ArchiveSpider

    try:
        stats = run_crawl(
            db_path=db_path,
            store=store,
            sources_file=sources_file,
            topics_file=topics_file,
            source_names=names,
            since=since,
            discovery="",
            run_id=None,
            overrides=overrides,
            verbose=verbose,
            log_file=log_file or (None if verbose else str(default_log_file(db_path))),
            spider=(
                ArchiveSpider,
                {
                    "sources": ",".join(names),
                    "since": since,
                    "until": until,
                    "archive": archive,
                    "limit": limit,
                    "warc": list(warc_files),
                    "source": warc_source,
                },
            ),
        )
    except CrawlFailed as exc:
        click.echo(f"newsmon: error: the backfill failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    print_backfill_summary(names, stats)
    if stats.get("storage/error"):
        _database_error(db_path, str(stats["storage/error"]))
    if stats.get("warc/damage"):
        click.echo(
            f"newsmon: error: {stats['warc/damage']} (the pages before it were read)", err=True
        )
        sys.exit(EXIT_FAILED)
    if stats.get("archive/garbage") or stats.get("archive/bad_records"):
        click.echo(f"newsmon: error: {garbage_message(stats)}", err=True)
        sys.exit(EXIT_FAILED)


def garbage_message(stats: Mapping[str, object]) -> str:
    """One line on what an archive answered that newsmon could not read."""
    parts = []
    if garbage := int(stats.get("archive/garbage", 0)):
        parts.append(
            "the archive answered something that is not a CDX listing "
            f"({garbage} time(s), first: {stats.get('archive/garbage_first', 'see the log')})"
        )
    if bad := int(stats.get("archive/bad_records", 0)):
        parts.append(f"{bad} capture(s) from the archive's data host were not WARC records")
    return "; ".join(parts) + " (the rest was read; details in the log)"


def backfill_counts(names: list[str], stats: Mapping[str, object]) -> dict[str, dict[str, int]]:
    """Per source: the backfill's counters and what the pipelines made of the pages."""
    stored = per_source(stats, names)
    return {
        name: {
            **{c: int(stats.get(f"archive/{name}/{c}", 0)) for c in COUNTERS},
            "stored": stored[name]["articles_new"],
            "duplicates": stored[name]["duplicates"],
            "dropped": stored[name]["dropped"],
            "relevant": stored[name]["relevant"],
        }
        for name in names
    }


def print_backfill_summary(names: list[str], stats: Mapping[str, object]) -> None:
    counts = backfill_counts(names, stats)
    columns = [
        "listed",
        "not_articles",
        "skipped",
        "fetched",
        "failed",
        "stored",
        "duplicates",
        "dropped",
        "relevant",
    ]
    width = max([6, *map(len, names)])
    click.echo("source".ljust(width) + "".join(c.rjust(13) for c in columns))
    for name in names:
        click.echo(name.ljust(width) + "".join(str(counts[name][c]).rjust(13) for c in columns))
    click.echo(f"backfill {stats.get('finish_reason', 'ended')}")
