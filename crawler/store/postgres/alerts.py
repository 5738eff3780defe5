"""Alerts on PostgreSQL: their stories and the delivery ledger: the hooks of the shared statements.

The ledger's tables are SQLite's (migration ``m003_alerts_reading``); what
differs is written here: the join of the delivered outlets and the full-text
condition, a ``tsquery`` (:mod:`crawler.store.textsearch`) over the search
vector. The topic condition is shared (:mod:`crawler.store.sql.topics`).
"""

from __future__ import annotations

from crawler.store.postgres.connection import QmarkConnection
from crawler.store.sql import alerts as shared
from crawler.store.textsearch import parse_query


class AlertStore(shared.AlertStore):
    """The alert methods of :class:`crawler.store.base.Store` over ``self.conn``."""

    conn: QmarkConnection

    _DELIVERED = (
        "COALESCE((SELECT MAX(d.outlets) FROM articles a2 JOIN alert_deliveries d "
        "ON d.alert = ? AND d.channel = ? AND d.story_id = a2.id WHERE a2.story_id = s.sid), 0)"
    )

    def _match_clause(self, search: str) -> tuple[str, object]:
        # FTS5's own syntax, as SQLite hands the saved search to MATCH as written; parsed
        # here, so a query FTS5 would refuse is a SearchQueryError before any SQL runs.
        return "a.search_vector @@ ?::tsquery", parse_query(search).tsquery

    def _story_ids(self, sql: str, params: list[object], *, searching: bool) -> list[int]:
        return [sid for (sid,) in self.conn.execute(sql, params)]
