"""``newsmon rescore``: re-apply the topics file to every stored article, without crawling.

Articles are read in batches by id; the rows whose topics, terms, score or
relevant flag change are written in one short store transaction per batch, so a crawl running at the same time waits at most one batch. A row
whose title or body a crawl changed between the read and the write is left
alone: the crawl scored the new text itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import click

from crawler.commands.options import (
    db_option,
    topics_option,
)
from crawler.relevance import TopicSet, load_topics
from crawler.store import Store, StoreError, open_store, store_exists


@dataclass
class RescoreReport:
    """What a rescore changed; counts of articles."""

    scanned: int = 0
    """Articles read."""
    changed: int = 0
    """Rows written (any of relevant, topics, terms, score changed)."""
    became_relevant: int = 0
    """Not relevant before, relevant now."""
    no_longer_relevant: int = 0
    """Relevant before, not relevant now."""
    topics_changed: int = 0
    """Rows whose set of topics changed (relevant flips included)."""
    skipped_concurrent: int = 0
    """Rows a crawl rewrote between our read and our write (left as the crawl stored them)."""
    unreadable: int = 0
    """Rows whose stored topics were not valid JSON (rewritten)."""
    relevant_before: int = 0
    relevant_after: int = 0
    topics_before: Counter = field(default_factory=Counter)
    """Articles per topic before."""
    topics_after: Counter = field(default_factory=Counter)
    """Articles per topic after."""


def _stored_topics(raw: str | None) -> list[str] | None:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def rescore_articles(
    store: Store,
    topics: TopicSet,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    progress=None,
) -> RescoreReport:
    """Re-apply ``topics`` to every article of ``store``; returns the counts.

    ``progress`` is called with the number of articles done after each batch.
    """
    report = RescoreReport()
    last_id = 0
    while True:
        rows = store.scoring_batch(last_id, batch_size)
        if not rows:
            break
        last_id = rows[-1].id
        updates = []
        for row in rows:
            relevant, raw_terms, score = row.relevant, row.topic_terms, row.relevance_score
            report.scanned += 1
            old_topics = _stored_topics(row.topics)
            if old_topics is None:
                report.unreadable += 1
                old_topics = []
            result = topics.match(row.title, row.body, row.published_at)
            new_terms = json.dumps(result.terms, ensure_ascii=False)
            report.relevant_before += bool(relevant)
            report.relevant_after += result.relevant
            report.topics_before.update(old_topics)
            report.topics_after.update(result.topics)
            same = (
                bool(relevant) == result.relevant
                and old_topics == result.topics
                and raw_terms == new_terms
                and abs((score or 0.0) - result.score) < 1e-9
            )
            if same:
                continue
            report.changed += 1
            report.became_relevant += result.relevant and not relevant
            report.no_longer_relevant += bool(relevant) and not result.relevant
            report.topics_changed += set(old_topics) != set(result.topics)
            updates.append(
                {
                    "article_id": row.id,
                    "content_hash": row.content_hash,
                    "title": row.title,
                    "relevant": result.relevant,
                    "topics": json.dumps(result.topics, ensure_ascii=False),
                    "topic_terms": new_terms,
                    "score": result.score,
                }
            )
        if updates and not dry_run:
            with store.write() as tx:
                for update in updates:
                    if not tx.set_relevance(**update):
                        report.skipped_concurrent += 1
        if progress is not None:
            progress(len(rows))
    return report


def _print_report(report: RescoreReport, topics: TopicSet, seconds: float, dry_run: bool) -> None:
    verb = "would change" if dry_run else "changed"
    click.echo(f"Rescored {report.scanned} articles with {topics.path} in {seconds:.1f}s.")
    click.echo(
        f"  {verb}: {report.changed}  (became relevant {report.became_relevant}, "
        f"no longer relevant {report.no_longer_relevant}, topics changed {report.topics_changed})"
    )
    click.echo(f"  relevant: {report.relevant_before} -> {report.relevant_after}")
    names = list(dict.fromkeys([*topics.names, *report.topics_before]))
    for name in names:
        click.echo(f"  {name}: {report.topics_before[name]} -> {report.topics_after[name]}")
    if report.skipped_concurrent:
        click.echo(f"  left alone (rewritten by a crawl meanwhile): {report.skipped_concurrent}")
    if report.unreadable:
        click.echo(f"  stored topics unreadable, rewritten: {report.unreadable}")
    if dry_run:
        click.echo("  dry run: nothing written")


@click.command()
@db_option
@topics_option
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000_000),
    default=500,
    show_default=True,
    help="Articles per write transaction.",
)
@click.option("--dry-run", is_flag=True, help="Count what would change, write nothing.")
def rescore(db_path: str, topics_file: str | None, batch_size: int, dry_run: bool) -> None:
    """Re-apply the topics file to every stored article (no crawling).

    Use it after editing crawler/topics.toml: topics, matched terms, score and
    the relevant flag of each article are recomputed from its stored title and
    body; the summary tells how many articles changed.

    \b
    Examples:
      newsmon rescore
      newsmon rescore --db data/newsmon.db --topics my-topics.toml --dry-run
    """
    topics = load_topics(topics_file)
    if not store_exists(db_path):
        raise StoreError(f"{db_path}: no such database file")
    store = open_store(db_path)
    started = time.monotonic()
    try:
        total = store.count_articles()
        if sys.stderr.isatty() and total:
            with click.progressbar(length=total, label="Rescoring", file=sys.stderr) as bar:
                report = rescore_articles(
                    store, topics, batch_size=batch_size, dry_run=dry_run, progress=bar.update
                )
        else:
            report = rescore_articles(store, topics, batch_size=batch_size, dry_run=dry_run)
    except StoreError as exc:
        raise StoreError(f"{db_path}: {exc}") from None
    finally:
        store.close()
    _print_report(report, topics, time.monotonic() - started, dry_run)
