"""The first crawl of a newly added source reads further back than a routine one.

A routine crawl only looks at entries of the recent window (``NEWSMON_SINCE``,
2 days), which is right for a source crawled every few minutes but leaves a
newly added outlet almost empty. The first crawl of each discovery kind of a
source (its feeds, its sitemaps, its WordPress searches) takes the first
window (``NEWSMON_FIRST_WINDOW``, or the source's own ``first_window`` in
sources.toml) over whatever they still list; the crawl summary then says how
to go further back. An explicit ``--since`` wins. Per kind, because the
daemon's jobs crawl one kind each: the feeds job reaching a new source first
must not leave its sitemaps to the routine window.

The ``first_crawls`` table records each (source, kind) whose discovery
documents a finished crawl read; the migration that made it counts every
source with a stored article or a fetched page as crawled already.
Never imports Scrapy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from crawler.durations import parse_duration

if TYPE_CHECKING:  # crawler.config imports this module to validate `first_window`
    from crawler.config import Source
    from crawler.store import Store

ALL_TIME = "0001-01-01T00:00:00+00:00"
"""The window start recorded for a read with no limit (earlier than any other)."""

STAT_PREFIX = "first_window/"
"""Stats key prefix: ``first_window/<source>/<kind>`` holds the start of that first window (ISO 8601)."""


def parse_first_window(text: str | None) -> timedelta | None:
    """``"30d"`` -> 30 days; ``None``, ``""``, ``"0"``, ``"none"``, ``"off"`` -> no first window."""
    if text is None or str(text).strip().lower() in ("", "0", "none", "off"):
        return None
    return parse_duration(str(text))


def not_yet_crawled(
    store: Store, names: Iterable[str], kinds: Iterable[str]
) -> set[tuple[str, str]]:
    """The (source, kind) pairs among ``names`` x ``kinds`` that have not had their first crawl."""
    names, kinds = list(names), list(kinds)
    return {(name, kind) for name in names for kind in kinds} - store.first_crawls(names)


def record_first_crawls(store: Store, pairs: Iterable[tuple[str, str]], *, at: str) -> None:
    """Record that the (source, kind) ``pairs`` have had their first crawl (once; later calls keep the first)."""
    store.record_first_crawls(pairs, at=at)


def crawl_window(
    routine: datetime | None, first_window: timedelta | None, *, new: bool, now: datetime
) -> datetime | None:
    """The start of one source's window: the routine one, or for a new source the wider first one.

    ``routine`` is the start of the routine window (``NEWSMON_SINCE``; None:
    no limit). A first window shorter than the routine one changes nothing.
    """
    if not new or first_window is None or routine is None:
        return routine
    return min(routine, now - first_window)


def first_crawl_windows(
    sources: Sequence[Source],
    new: set[tuple[str, str]],
    routine: datetime | None,
    default: timedelta | None,
    *,
    now: datetime,
) -> dict[tuple[str, str], datetime]:
    """The window start of each (source, kind) in ``new`` that the source has, when wider than ``routine``.

    ``new`` comes from :func:`not_yet_crawled`; ``default`` is
    ``NEWSMON_FIRST_WINDOW``; a source's own ``first_window`` wins.
    """
    windows = {}
    for source in sources:
        own = source.first_window
        first_window = parse_first_window(own) if own is not None else default
        # Only kinds the source has: with nothing to read, there is no first crawl of it.
        for kind in _kinds_of(source):
            if (source.name, kind) in new:
                since = crawl_window(routine, first_window, new=True, now=now)
                if since != routine:
                    windows[source.name, kind] = since
    return windows


def _kinds_of(source: Source) -> list[str]:
    """The discovery kinds a source has something for."""
    lists = {"feeds": source.feeds, "sitemaps": source.sitemaps, "wordpress": source.wordpress_api}
    return [kind for kind, where in lists.items() if where]


def backfill_hints(stats: Mapping[str, object], *, today: datetime | None = None) -> list[str]:
    """One line per source that had a first crawl: of which kinds, how far back, how to go further."""
    firsts: dict[str, dict[str, str]] = {}
    for key, value in sorted(stats.items()):
        if key.startswith(STAT_PREFIX):
            name, _, kind = key.removeprefix(STAT_PREFIX).rpartition("/")
            firsts.setdefault(name, {})[kind] = str(value)
    example = ((today or datetime.now(UTC)) - timedelta(days=365)).strftime("%Y-%m-%d")
    lines = []
    for name, kinds in firsts.items():
        since = min(datetime.fromisoformat(v) for v in kinds.values()).strftime("%Y-%m-%d")
        lines.append(
            f"first crawl of {name} ({', '.join(kinds)}): read what they list since {since}; "
            f"to go further back: newsmon crawl {name} --since DATE (e.g. {example})"
        )
    return lines


def window_key(since: datetime | None) -> str:
    """How a window start is recorded with a document's validators (no limit: ``ALL_TIME``)."""
    return ALL_TIME if since is None else since.astimezone(UTC).isoformat()


def reaches_further_back(since: str, last: str | None) -> bool:
    """Whether a window starting at ``since`` wants entries older than the read of ``last`` took.

    Both are :func:`window_key` values; a document never recorded (``None``)
    counts as read with the narrowest window, so it is read in full. Such a
    read must skip the document's validators: a 304 would hide the older
    entries (a first crawl is the commonest case).
    """
    if last is None:
        return True
    return datetime.fromisoformat(since) < datetime.fromisoformat(last)
