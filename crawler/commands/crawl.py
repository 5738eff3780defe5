"""``newsmon crawl``: a one-off crawl of every configured source, or the named ones."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import click

from crawler.commands.options import crawl_process_options, crawl_sources
from crawler.commands.summary import print_summary
from crawler.config import DISCOVERY_KINDS, ConfigError, load_sources, parse_discovery
from crawler.durations import parse_duration, parse_since
from crawler.firstcrawl import backfill_hints
from crawler.overrides import check_overrides
from crawler.relevance import load_topics
from crawler.runs import (
    EXIT_BUSY,
    EXIT_DATABASE,
    EXIT_UNREACHABLE,
    RunCloser,
    Stopped,
    die_of,
    set_run_process,
    start_run,
    stop_on_signals,
)
from crawler.stats import per_source
from crawler.store import (
    Holder,
    SourceLocks,
    Store,
    StoreError,
    UnsupportedStoreError,
    local_path,
    open_store,
    scheme_of,
)

logger = logging.getLogger(__name__)

EXIT_FAILED = 1
"""The crawl broke off with an unexpected error (its run is closed as ``failed``)."""


class CrawlFailed(RuntimeError):
    """The crawl could not run to its end; the message is one line, the traceback is in the log."""


def _closing_on_signals(command: Callable) -> Callable:
    """SIGTERM/SIGHUP unwind the command like an exception; the process then dies of the signal."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        stop_on_signals()
        try:
            return command(*args, **kwargs)
        except Stopped as exc:
            click.echo(f"newsmon: stopped by {exc}", err=True)
            die_of(exc.signum)

    return wrapper


def _database_error(db_path: str, message: str) -> None:
    click.echo(f"newsmon: error: cannot write to the database {db_path}: {message}", err=True)
    sys.exit(EXIT_DATABASE)


def _settings_pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="-s")
        pairs[name] = setting
    return pairs


@click.command()
@crawl_sources
@click.option(
    "--since",
    default=None,
    help="How far back to go: a duration (2d, 12h) or a date (2023-01-01). Default: 2d "
    "(30d for a source's first crawl: NEWSMON_FIRST_WINDOW).",
)
@click.option(
    "--discovery",
    default=",".join(DISCOVERY_KINDS),
    show_default=True,
    help="Comma-separated discovery kinds to use.",
)
@crawl_process_options(
    "How long to wait for a source that another crawl is crawling before skipping it (0: skip at once)."
)
@click.option("--trigger", type=click.Choice(["manual", "schedule"]), default="manual", hidden=True)
@click.option(
    "--run-id", type=int, default=None, hidden=True, help="crawl_runs row opened by the caller."
)
@click.option("--job-id", default=None, hidden=True)
@_closing_on_signals
def crawl(
    source_names: tuple[str, ...],
    db_path: str,
    sources_file: str | None,
    topics_file: str | None,
    since: str | None,
    discovery: str,
    lock_wait: str,
    settings: tuple[str, ...],
    verbose: int,
    log_file: str | None,
    trigger: str,
    run_id: int | None,
    job_id: str | None,
) -> None:
    """Crawl the configured sources (all, or the SOURCE names given) into the database.

    \b
    Examples:
      newsmon crawl
      newsmon crawl massispost asbarez --since 7d
      newsmon crawl --sources my-sources.toml --db /tmp/test.db
      newsmon crawl news-am --wait 0     # skip news-am at once if it is being crawled
    A source that another crawl (the daemon's or another operator's) is
    crawling right now is waited for up to --wait, then skipped with a message.
    Exit status: 0 when the crawl ran (even if some pages failed), 2 on a
    configuration or option error (checked before anything is locked or
    recorded), 3 when no source could be reached at all, 4 when
    every source was skipped because other crawls held them, 5 when the
    database could not be written (disk full, read-only file): the crawl
    stops, and what was committed before stays intact.
    """
    source_set = load_sources(sources_file)
    selected = source_set.select(list(source_names))
    if not selected:
        raise ConfigError(f"{source_set.path}: no enabled source to crawl")
    load_topics(topics_file)
    # Every option is checked before a lock is taken or a run row written:
    # a usage error leaves no trace in the database.
    _usage_check("--since", parse_since, since)
    discovery = ",".join(_usage_check("--discovery", parse_discovery, discovery))
    overrides, wait_seconds, log_file = checked_process_options(
        settings, lock_wait, log_file, verbose, db_path
    )
    store = _open_store(db_path)

    # Per-source locks first, before any row is written or the crawl starts:
    # the run then records only the sources it really crawls.
    locks, busy = take_source_locks(
        store, [s.name for s in selected], wait_seconds, db_path, run_id
    )
    names = locks.held

    skipped_note = "skipped busy source(s): " + "; ".join(
        f"{n} ({_who(h)})" for n, h in busy.items()
    )
    try:
        if run_id is None:
            run_id = start_run(store, trigger=trigger, sources=names or list(busy), job_id=job_id)
        else:
            set_run_process(store, run_id, os.getpid())
            if busy:
                # Narrow a run opened by the caller (the daemon) to the sources this crawl holds.
                store.set_run_sources(run_id, names or list(busy))
        locks.set_run_id(run_id)
        if not names:
            store.finish_run(run_id, status="skipped", message=skipped_note)
    except StoreError as exc:
        locks.release()
        _database_error(db_path, str(exc).removeprefix(f"{db_path}: "))
    if not names:
        click.echo(
            f"newsmon: nothing crawled: every source was busy (run {run_id} recorded as skipped)",
            err=True,
        )
        sys.exit(EXIT_BUSY)

    log_file = log_file or (None if verbose else str(default_log_file(db_path)))
    closer = RunCloser(db_path, run_id)
    try:
        stats = run_crawl(
            db_path=db_path,
            store=store,
            sources_file=sources_file,
            topics_file=topics_file,
            source_names=names,
            since=since,
            discovery=discovery,
            run_id=run_id,
            trigger=trigger,
            overrides=overrides,
            verbose=verbose,
            log_file=log_file,
        )
    except (Stopped, KeyboardInterrupt) as exc:
        closer.close("interrupted", f"stopped by {str(exc) or 'SIGINT'} before the crawl ended")
        raise
    except CrawlFailed as exc:
        closer.close("failed", str(exc))
        click.echo(
            f"newsmon: error: the crawl failed: {exc} (run {run_id}; details in {log_file or 'the log above'})",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    except Exception as exc:
        closer.close("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        locks.release()
    counts = per_source(stats, names)
    killed_by = stats.get("newsmon/killed_by")
    # The reactor can stop without the spider closing (a second SIGINT or
    # SIGTERM forces it): the run is then closed here, with what was counted.
    closer.close(
        "interrupted",
        f"stopped by {killed_by} twice (forced)"
        if killed_by
        else "the crawl stopped before its end",
        per_source=counts,
    )
    closer.detach()
    if busy and not stats.get("storage/error"):
        store.append_run_message(run_id, skipped_note)
    print_summary(counts, stats, run_id=run_id, db_path=db_path)
    if killed_by:
        die_of(_signal_number(killed_by))
    for line in backfill_hints(stats):
        click.echo(line)
    if stats.get("storage/error"):
        lost = int(stats.get("storage/not_stored", 0))
        _database_error(
            db_path,
            f"{stats['storage/error']}; the crawl was stopped, {lost} article(s) not stored "
            "(those stored before are intact; the next crawl fetches the rest)",
        )
    if stats.get("finish_reason") == "finished" and not any(
        c["pages_fetched"] for c in counts.values()
    ):
        click.echo(
            "newsmon: error: no source could be reached (no page was fetched; "
            "check the network, a proxy in http_proxy/https_proxy, or the URLs in the sources file; "
            f"details in {log_file or default_log_file(db_path)})",
            err=True,
        )
        sys.exit(EXIT_UNREACHABLE)


def take_source_locks(
    store: Store, names: list[str], wait_seconds: float, db_path: str, run_id: int | None = None
) -> tuple[SourceLocks, dict[str, Holder | None]]:
    """The locks of the free sources (waiting up to ``wait_seconds`` for busy ones), and those still busy.

    A crawl and a backfill take the same locks: two of them never run one source at once.
    """
    locks = store.source_locks(names)
    try:
        busy = locks.acquire(wait_seconds, run_id=run_id, on_wait=_announce_wait(wait_seconds))
    except StoreError as exc:
        locks.release()
        _database_error(db_path, str(exc))
    for name, holder in busy.items():
        click.echo(
            f"newsmon: skipped source {name!r}: another crawl is running it ({_who(holder)})",
            err=True,
        )
    return locks, busy


def _usage_check(option: str, check, *args, **kwargs):
    """``check(*args)``, its ValueError turned into a usage error of ``option`` (exit 2)."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def checked_process_options(
    settings: tuple[str, ...], lock_wait: str, log_file: str | None, verbose: int, db_path: str
) -> tuple[dict[str, str], float, str | None]:
    """``-s``, ``--wait`` and ``--log-file`` of :func:`crawler.commands.options.crawl_process_options`
    checked (a usage error, exit 2): the overrides, the wait in seconds, the log file opened."""
    overrides = _settings_pairs(settings)
    if overrides:
        _usage_check("-s", check_overrides, overrides, _project_settings())
    wait_seconds = _wait_seconds(lock_wait)
    if log_file or not verbose:
        log_file = _usable_log_file(log_file, db_path)
    return overrides, wait_seconds, log_file


def _wait_seconds(text: str) -> float:
    return _usage_check("--wait", parse_duration, text, allow_zero=True).total_seconds()


def _usable_log_file(log_file: str | None, db_path: str) -> str:
    """The crawl log file, opened once for appending so that a bad path fails before the crawl.

    A folder given with --log-file must exist (a typo would otherwise create
    a tree of folders without a word): a usage error. The default ``logs/``
    beside the database is created; failing that, the database's folder is
    not writable, which is a database error (exit 5).
    """
    if log_file and not Path(log_file).parent.is_dir():
        raise click.BadParameter(
            f"folder {str(Path(log_file).parent)!r} does not exist (create it first)",
            param_hint="--log-file",
        )
    path = Path(log_file) if log_file else default_log_file(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        if not log_file:
            _database_error(db_path, f"cannot write the log file {path}: {exc.strerror or exc}")
        raise click.BadParameter(
            f"cannot write {str(path)!r}: {exc.strerror or exc}", param_hint="--log-file"
        ) from None
    return str(path)


def _project_settings():
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def _who(holder: Holder | None) -> str:
    return holder.describe() if holder else "holder unknown"


def _announce_wait(wait_seconds: float):
    def announce(name: str, holder: Holder | None) -> None:
        click.echo(
            f"newsmon: source {name!r} is being crawled by another process ({_who(holder)}); "
            f"waiting up to {wait_seconds:g}s (--wait)",
            err=True,
        )

    return announce


def _open_store(db_path: str) -> Store:
    """The command's store, closed when the command ends (whatever way it ends)."""
    try:
        store = open_store(db_path)
    except UnsupportedStoreError:
        raise  # a usage error (exit 2), not a failed write
    except StoreError as exc:
        _database_error(db_path, str(exc).removeprefix(f"{db_path}: "))
    return click.get_current_context().with_resource(closing(store))


def run_crawl(
    *,
    db_path: str,
    store: Store | None = None,
    sources_file: str | None,
    topics_file: str | None,
    source_names: list[str],
    since: str | None,
    discovery: str,
    run_id: int | None,
    trigger: str = "manual",
    overrides: dict[str, str] | None = None,
    verbose: int = 0,
    log_file: str | None = None,
    spider: tuple[type, dict] | None = None,
) -> dict:
    """Run the ``news`` spider in this process and return its final stats.

    ``store`` (the caller's, opened on ``db_path``) becomes the crawl's store;
    without it the crawl opens its own. ``spider``: another spider class and
    its arguments (``newsmon backfill`` runs the ``archive`` spider this way).
    """
    from crawler.spiders.news import NewsSpider

    settings = _project_settings()
    settings.set("NEWSMON_DB", _setting_value(db_path), priority="cmdline")
    if sources_file:
        settings.set("NEWSMON_SOURCES_FILE", sources_file, priority="cmdline")
    if topics_file:
        settings.set("NEWSMON_TOPICS_FILE", topics_file, priority="cmdline")
    settings.set("NEWSMON_RUN_ID", run_id, priority="cmdline")
    settings.set("NEWSMON_TRIGGER", trigger, priority="cmdline")
    # The command has locked the sources before the crawl (and names the busy ones).
    settings.set("NEWSMON_TAKE_SOURCE_LOCKS", False, priority="cmdline")
    # The terminal gets progress and the summary; the full log (with
    # tracebacks of failed downloads) goes to a file unless -v is given.
    if verbose:
        settings.set("LOG_LEVEL", "INFO" if verbose == 1 else "DEBUG", priority="cmdline")
    else:
        if not log_file:
            log_file = str(default_log_file(db_path))
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_LEVEL", "INFO", priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
        settings.set("LOG_FILE_APPEND", True, priority="cmdline")
        # Only beside a log file: on the terminal, progress would garble the log.
        settings.set(
            "EXTENSIONS",
            {**settings.getdict("EXTENSIONS"), "crawler.extensions.progress.Progress": 600},
        )
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")

    process = _process_class()(settings)
    spider_cls, spider_args = spider or (
        NewsSpider,
        {"sources": ",".join(source_names), "since": since, "discovery": discovery},
    )
    crawler = process.create_crawler(spider_cls)
    if store is not None:
        from crawler.extensions.store import CrawlStore

        CrawlStore.provide(crawler, store)
    failures = []
    process.crawl(crawler, **spider_args).addErrback(failures.append)
    process.start()
    # Scrapy's handlers outlive its reactor and would ignore a signal from now on.
    stop_on_signals()
    try:
        stats = dict(crawler.stats.get_stats())
    except RuntimeError:  # the crawler failed before Scrapy gave it its stats
        stats = {}
    if process.killed_by:
        stats["newsmon/killed_by"] = process.killed_by
    if failures:
        failure = failures[0]
        logger.error("the crawl failed:\n%s", failure.getTraceback())
        raise CrawlFailed(f"{failure.type.__name__}: {failure.getErrorMessage()}")
    return stats


def _signal_number(name: str) -> int:
    return signal.Signals[name].value


def _process_class():
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.ossignal import signal_names

    class Process(CrawlerProcess):
        """Scrapy's process, remembering a forced stop (the spider is then never closed)."""

        killed_by: str | None = None

        def _setup_reactor(self, install_signal_handlers: bool) -> None:
            super()._setup_reactor(install_signal_handlers)
            if install_signal_handlers:
                from twisted.internet import reactor

                # A closed terminal (SIGHUP) stops the crawl like SIGTERM does.
                reactor.addSystemEventTrigger(
                    "after", "startup", signal.signal, signal.SIGHUP, self._signal_shutdown
                )

        def _signal_kill(self, signum: int, frame) -> None:
            self.killed_by = signal_names.get(signum, str(signum))
            super()._signal_kill(signum, frame)

    return Process


def _setting_value(db_path: str) -> str:
    path = local_path(db_path)
    return str(path) if path is not None and scheme_of(db_path) == "" else db_path


def default_log_file(db_path: str) -> Path:
    """``logs/crawl-YYYY-MM-DD.log`` in the database's folder (the working folder's for a server)."""
    from datetime import UTC, datetime

    path = local_path(db_path)
    folder = path.resolve().parent if path is not None else Path.cwd()
    return folder / "logs" / f"crawl-{datetime.now(UTC):%Y-%m-%d}.log"
