"""Store methods the PostgreSQL backend does not have yet: each refuses in one line.

Alerts (their ledger and a story search over FTS5 and ``json_each``) and the
reading commands (stories, search by story, export) were written for SQLite
after this backend; their SQL is SQLite's own, so that calling them on
PostgreSQL says so plainly instead of failing on a missing table or function.
"""

from __future__ import annotations

from collections.abc import Callable

from crawler.store.base import StoreError


def not_yet(name: str) -> Callable[..., object]:
    def refuse(self, *args, **kwargs):
        raise StoreError(f"{name} is not available on PostgreSQL yet")

    refuse.__name__ = refuse.__qualname__ = name
    return refuse


class Unported:
    """The alerts' and reading commands' methods, each a :class:`StoreError` on call."""

    alert_start = not_yet("alert_start")
    alert_stories = not_yet("alert_stories")
    claim_alert_channel = not_yet("claim_alert_channel")
    record_alert_delivery = not_yet("record_alert_delivery")
    record_alert_failure = not_yet("record_alert_failure")
    release_alert_channel = not_yet("release_alert_channel")
    stories = not_yet("stories")
    search_stories = not_yet("search_stories")
    export_articles = not_yet("export_articles")
    export_subset = not_yet("export_subset")
    known_values = not_yet("known_values")
    has_value = not_yet("has_value")


UNPORTED = tuple(name for name in vars(Unported) if not name.startswith("_"))
"""The names, for the tests that skip them on PostgreSQL."""
