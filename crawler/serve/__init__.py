"""``newsmon serve``: Datasette over a newsmon database, read-only, with the metadata of this package.

:func:`load_metadata` reads ``metadata.yml`` (titles, descriptions, hidden
tables, facets, the canned queries and the coverage dashboard) and fills in
what depends on the installation: the topics of topics.toml (the coverage
page's choices, the feeds' names). :func:`make_datasette` opens the database
for reading only and registers :mod:`crawler.serve.plugin`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
METADATA = HERE / "metadata.yml"
DATABASE = "newsmon"
"""The database's name in every URL (/newsmon/articles), whatever the file is called."""

SETTINGS = {
    # The coverage query returns a row per day and outlet: 90 days of 30
    # outlets and 4 languages stay whole.
    "max_returned_rows": 10000,
    "sql_time_limit_ms": 5000,
    # A facet over a whole large table gives up rather than hold the page.
    "facet_time_limit_ms": 400,
    # Suggestions run a query per column of every table page; the facets are chosen above.
    "suggest_facets": False,
    "allow_download": False,
    "default_cache_ttl": 60,
}
COUNT_TIME_LIMIT_MS = 120
"""How long a table page may count its rows: past it the page shows its rows without a total.

Datasette counts every match of a table page (``select count(*) from
<table> <where>``) before showing it; on 1M articles that is a scan of the
table, or of a common word's 200k matches, for a figure nobody clicks.
"""


def _slot(name: str) -> str:
    return "{{" + name + "}}"


def load_metadata(topics: list[str] | None = None, path: Path = METADATA) -> dict:
    """The Datasette metadata: ``metadata.yml`` with its fragments and ``topics`` filled in."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    fragments = raw.pop("fragments", {})
    queries = raw["databases"][DATABASE]["queries"]
    for query in queries.values():
        for name, text in fragments.items():
            query["sql"] = query["sql"].replace(_slot(name), text.strip())
    dashboards = raw.get("plugins", {}).get("datasette-dashboards", {})
    for dashboard in dashboards.values():
        for chart in dashboard.get("charts", {}).values():
            if "query" in chart:
                for name, query in queries.items():
                    chart["query"] = chart["query"].replace(_slot(name), query["sql"])
    coverage = dashboards.get("coverage")
    if coverage is not None and topics is not None:
        coverage["filters"]["topic"]["options"] = list(topics)
    raw.setdefault("plugins", {})["newsmon"] = {"topics": list(topics or [])}
    return raw


def read_only_mode(path: Path) -> str:
    """``"ro"`` where SQLite can share the file with a running crawl, else ``"immutable"``.

    A WAL database opened ``mode=ro`` needs its ``-shm`` file, which a reader
    creates when missing: in a directory it may not write to (a copy handed
    to an analyst) the file can only be opened as immutable.
    """
    directory = path.parent
    shm = Path(f"{path}-shm")
    if os.access(directory, os.W_OK) or (shm.exists() and os.access(shm, os.W_OK)):
        return "ro"
    return "immutable"


def make_datasette(
    path: str | Path, *, topics: list[str] | None = None, metadata: dict | None = None
):
    """A Datasette serving the database file ``path`` read-only as ``/newsmon``."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from crawler.serve import plugin
    from crawler.store.serving import serving_database_class

    if not pm.is_registered(plugin):
        pm.register(plugin, name="newsmon")
    path = Path(path).resolve()
    ds = Datasette(
        metadata=copy.deepcopy(metadata) if metadata else load_metadata(topics),
        settings=SETTINGS,
    )
    # Datasette opens a mutable file with mode=ro for every read; nothing in
    # this app asks for its write connection (no writable canned query, no
    # write plugin), and immutable needs no lock at all.
    ds.add_database(
        serving_database_class(COUNT_TIME_LIMIT_MS)(
            ds, path=str(path), is_mutable=read_only_mode(path) == "ro"
        ),
        name=DATABASE,
    )
    return ds
