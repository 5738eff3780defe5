"""The PostgreSQL backend: a store shared by several machines (``--db postgresql://…``)."""

from __future__ import annotations

from crawler.store.postgres.store import PostgresStore, PostgresTransaction

__all__ = ["PostgresStore", "PostgresTransaction"]
