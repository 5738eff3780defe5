"""One store interface for every component, one backend per ``--db`` scheme.

``open_store(url)`` picks the backend by the URL's scheme, as Scrapy's files
pipeline picks a files store (``STORE_SCHEMES``): a plain path or
``sqlite:///path`` opens the SQLite backend, ``postgresql://…`` (or
``postgres://…``) the PostgreSQL one. A backend is a class with
``open(url, *, migrate, read_only)``, ``exists(url)`` and ``local_path(url)``
class methods, derived from :class:`crawler.store.base.Store`;
it is registered here by import path so that no backend's driver is imported
until a store of that kind is opened.

This package never imports Scrapy; SQL is written nowhere else.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from crawler.store.base import (
    EXPORT_FIELDS,
    ArticleFilter,
    ArticleRef,
    Holder,
    Lock,
    RunRow,
    ScoredArticle,
    SearchQueryError,
    SourceLocks,
    Store,
    StoreError,
    Story,
    StoryHit,
    UnsupportedStoreError,
    WriteTransaction,
)

__all__ = [
    "DEFAULT_STORE",
    "STORE_SCHEMES",
    "ArticleRef",
    "Holder",
    "Lock",
    "RunRow",
    "ScoredArticle",
    "SearchQueryError",
    "SourceLocks",
    "Store",
    "StoreError",
    "UnsupportedStoreError",
    "WriteTransaction",
    "EXPORT_FIELDS",
    "ArticleFilter",
    "Story",
    "StoryHit",
    "local_path",
    "open_store",
    "store_exists",
]

DEFAULT_STORE = "data/newsmon.db"

STORE_SCHEMES: dict[str, str] = {
    "": "crawler.store.sqlite:SqliteStore",
    "sqlite": "crawler.store.sqlite:SqliteStore",
    "postgresql": "crawler.store.postgres:PostgresStore",
    "postgres": "crawler.store.postgres:PostgresStore",
}
"""URL scheme -> ``module:class`` of its backend ("" is a plain file path)."""


def scheme_of(url: str) -> str:
    """The scheme of a ``--db`` value: ``""`` for a plain path."""
    scheme, sep, _ = str(url).partition("://")
    return scheme.lower() if sep else ""


def _backend(url: str):
    scheme = scheme_of(url)
    target = STORE_SCHEMES.get(scheme)
    if target is None:
        supported = ", ".join(f"{name}://" for name in sorted(STORE_SCHEMES) if name)
        raise UnsupportedStoreError(
            f"{url}: unsupported store scheme {scheme!r} (supported: a file path, {supported})"
        )
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def open_store(url: str | Path, *, migrate: bool = True, read_only: bool = False) -> Store:
    """Open the store ``url`` names (a file path, ``sqlite:///path``, ``postgresql://…``).

    ``migrate`` brings the schema up to date (creating the store if needed);
    ``read_only`` opens an existing store for reading only and never creates
    one. Raises :class:`StoreError` with a one-line message.
    """
    url = str(url)
    return _backend(url).open(url, migrate=migrate, read_only=read_only)


def store_exists(url: str | Path) -> bool:
    """Whether a store is at ``url`` (commands that only read refuse to create one)."""
    url = str(url)
    return _backend(url).exists(url)


def local_path(url: str | Path) -> Path | None:
    """The file of a file-backed store (logs and the daemon's state are kept beside it), else None."""
    url = str(url)
    return _backend(url).local_path(url)
