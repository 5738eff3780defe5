"""``newsmon alerts run|test``: deliver new relevant stories through the alerts file's channels."""

from __future__ import annotations

import logging
import sys

import click

from crawler.alerts.config import DEFAULT_ALERTS_FILE
from crawler.commands.options import db_option, topics_option
from crawler.config import ConfigError
from crawler.store import open_store, store_exists

EXIT_CHANNEL_FAILED = 1

# The commands print one line per channel themselves; without a handler,
# logging's last resort would print each failure a second time.
logging.getLogger("newsmon.alerts").addHandler(logging.NullHandler())

alerts_option = click.option(
    "--alerts",
    "alerts_file",
    envvar="NEWSMON_ALERTS",
    default=DEFAULT_ALERTS_FILE,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The alerts file (env NEWSMON_ALERTS); example: crawler/alerts.example.toml.",
)


def load(alerts_file: str, topics_file: str | None):
    """The validated alerts file, its topic names checked against the topics file."""
    from pathlib import Path

    from crawler.alerts.config import load_alerts
    from crawler.relevance import load_topics

    if not Path(alerts_file).exists():
        raise ConfigError(
            f"{alerts_file}: file not found (give --alerts FILE or NEWSMON_ALERTS; "
            "example: crawler/alerts.example.toml)"
        )
    return load_alerts(alerts_file, topic_names=set(load_topics(topics_file).names))


def _open(db_path: str):
    if not store_exists(db_path):
        raise ConfigError(f"no database at {db_path} (run newsmon crawl first, or give --db)")
    return open_store(db_path)


@click.group()
def alerts() -> None:
    """Deliver new relevant stories to webhooks, e-mail and commands.

    \b
    Examples:
      newsmon alerts run --alerts alerts.toml
      newsmon alerts test blockade-desk
    """


@alerts.command("run")
@alerts_option
@db_option
@topics_option
@click.option(
    "--alert", "names", multiple=True, metavar="NAME", help="Only this alert (repeatable)."
)
def run(alerts_file: str, db_path: str, topics_file: str | None, names: tuple[str, ...]) -> None:
    """Send what is pending for every alert once, then exit.

    Each story goes once to each channel of an alert; a channel that fails
    is retried by a later run after a growing wait. Exit status 1 when a
    channel failed (it will be retried), 2 for a configuration error.

    \b
    Examples:
      newsmon alerts run
      newsmon alerts run --alerts /etc/newsmon/alerts.toml --db /srv/newsmon/newsmon.db
    """
    from crawler.alerts.delivery import run_alerts

    plan = load(alerts_file, topics_file)
    for name in names:
        plan.get(name)
    with _open(db_path) as store:
        results = run_alerts(store, plan, names=names)
    for result in results:
        click.echo(result.describe())
    failed = [r for r in results if r.error]
    sent = sum(r.stories for r in results)
    click.echo(
        f"{sent} stor{'y' if sent == 1 else 'ies'} sent over {len(results)} channel(s)"
        + (f"; {len(failed)} failed" if failed else ""),
        err=True,
    )
    if failed:
        sys.exit(EXIT_CHANNEL_FAILED)


@alerts.command("test")
@click.argument("name")
@alerts_option
@db_option
@topics_option
def test(name: str, alerts_file: str, db_path: str, topics_file: str | None) -> None:
    """Send a sample message through each channel of alert NAME.

    The sample holds the alert's newest matching stories, or a made-up story
    when the database has none; nothing is recorded as sent.

    \b
    Example:
      newsmon alerts test blockade-desk
    """
    from crawler.alerts.delivery import send_sample

    plan = load(alerts_file, topics_file)
    alert = plan.get(name)
    if store_exists(db_path):
        with open_store(db_path, read_only=True) as store:
            results = send_sample(store, plan, alert)
    else:
        results = send_sample(None, plan, alert)
    for result in results:
        click.echo(
            f"{result.alert} {result.channel}: "
            + (f"failed: {result.error}" if result.error else f"sent {result.stories} story(ies)")
        )
    if any(r.error for r in results):
        sys.exit(EXIT_CHANNEL_FAILED)
