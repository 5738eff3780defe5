"""The crawl-run history in PostgreSQL: the shared statements, with ``jsonb`` for the sources list."""

from __future__ import annotations

from crawler.store.sql import runs as shared


class RunStore(shared.RunStore):
    """Run bookkeeping over ``self.conn``; writes go through ``self.write()``."""

    _NAMES_SOURCE = "r.sources::jsonb @> jsonb_build_array(?::text)"
    _RUN_SOURCE_NAMES = "jsonb_array_elements_text(r.sources::jsonb) AS n(value)"
