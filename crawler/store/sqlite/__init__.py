"""The SQLite backend: the embedded default (``--db data/newsmon.db`` or ``sqlite:///…``)."""

from __future__ import annotations

from crawler.store.sqlite.store import SqliteStore, SqliteTransaction, sqlite_path

__all__ = ["SqliteStore", "SqliteTransaction", "sqlite_path"]
