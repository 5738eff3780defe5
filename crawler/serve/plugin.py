"""The Datasette plugin of ``newsmon serve``: search as people type, internal tables hidden, topic feeds.

- Datasette's table search calls the SQL function ``escape_fts(:search)``
  (its default, escaped mode); this plugin registers that name last, as
  :func:`crawler.store.ftsquery.fold_fts_query`, so the search box of
  ``/newsmon/articles`` takes ``Nagorno-Karabakh``, ``it's`` and ``Lacin*``
  as they are typed, operators and phrases included.
- Every table the metadata does not describe is hidden: the internal tables
  of other parts (ledgers, indexes) stay out of the way without a list to
  keep in step.
- The metadata's ``counted`` and ``list`` facets are Datasette's column and
  array facets attempted only where they can finish: not over a set too big
  to count in time (``COUNT_TIME_LIMIT_MS``), and a JSON list not over more
  than :data:`LIST_FACET_MAX_ROWS` rows. They are reported as timed out
  without being run, and leave the time to the page.
- The articles' topics are counted, and ``topics__arraycontains`` filtered,
  through ``article_topics`` (one row per article and topic, migration
  m071): over the whole 1M-article table too. A copy made before m071 gets
  Datasette's array facet and filter, bounded as above.
- ``/-/feeds/<topic>.atom``: an Atom feed of the topic's newest relevant
  stories, one entry per story with a link to every outlet's copy, built from
  the ``relevant_stories`` canned query through Datasette's own JSON API.
"""

from __future__ import annotations

import html
import json
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet, ColumnFacet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Response

from crawler.store.ftsquery import fold_fts_query
from crawler.store.serving import (
    has_topics_table,
    map_database,
    topic_counts,
    topics_contain_clause,
)

DATABASE = "newsmon"
TOPICS = "topics"
TOPICS_FILTER = f"{TOPICS}__arraycontains"
FEED_ENTRIES = 50
LIST_FACET_MAX_ROWS = 100_000


class _BoundedFacet:
    """A facet not attempted where it cannot finish in time, reported as timed out.

    A facet counts the set grouped by a column, more work than counting the
    set: where the count gave up (``row_count`` is None) so would the facet,
    after holding the page for ``facet_time_limit_ms``.
    """

    type: str
    max_rows: int | None = None
    shown_as: str

    async def facet_results(self):
        too_many = self.row_count is None or (
            self.max_rows is not None and self.row_count > self.max_rows
        )
        if too_many:
            return [], [_column(c) for c in self.get_configs()]
        results, timed_out = await super().facet_results()
        for result in results:
            result["type"] = self.shown_as  # the page labels it as Datasette's own
        return results, timed_out


class CountedFacet(_BoundedFacet, ColumnFacet):
    """Datasette's column facet, where the set could be counted in time."""

    type = "counted"
    shown_as = ColumnFacet.type


class ListFacet(_BoundedFacet, ArrayFacet):
    """Datasette's array facet, over at most :data:`LIST_FACET_MAX_ROWS` rows; the articles'
    topics through ``article_topics``, over any set.

    Unnesting a JSON list reads every row of the set: ≈ 0.7 s per million
    rows even from a covering index. ``article_topics`` holds the relevant
    articles' topics only (8% of a collection), indexed.
    """

    type = "list"
    shown_as = ArrayFacet.type
    _through_table = False
    """Set per page: the topics are counted through ``article_topics``, not by Datasette."""

    @property
    def max_rows(self) -> int:
        return LIST_FACET_MAX_ROWS

    def _is_topics(self, source_and_config: dict) -> bool:
        return self.table == "articles" and _column(source_and_config) == TOPICS

    def get_configs(self):
        configs = super().get_configs()
        if self._through_table:
            return [c for c in configs if not self._is_topics(c)]
        return configs

    async def facet_results(self):
        topics = [c for c in super().get_configs() if self._is_topics(c)]
        db = self.ds.get_database(self.database)
        self._through_table = bool(topics) and await has_topics_table(db)
        # Any other list column requested (?_facet_list=tags): Datasette's, bounded.
        results, timed_out = await super().facet_results()
        if not self._through_table:
            return results, timed_out
        size = self.get_facet_size()
        try:
            counts = await topic_counts(
                db,
                self.sql,
                self.params,
                limit=size + 1,
                row_count=self.row_count,
                time_limit_ms=self.ds.setting("facet_time_limit_ms"),
                having=self._topic_page(),
            )
        except QueryInterrupted:
            return results, [*timed_out, TOPICS]
        return [self._topics_result(topics[0], counts, size), *results], timed_out

    def _topic_page(self) -> list[str] | None:
        """The topics a page is filtered by, where nothing else narrows it (the facet's own
        links): its articles are then known from ``article_topics`` alone."""
        args = self.request.args
        # Datasette's filters are the arguments not starting with "_", or with "__" in them.
        narrowing = {k for k in args if not k.startswith("_") or "__" in k}
        narrowing |= {k for k in args if k.startswith(("_search", "_where", "_next"))}
        if narrowing != {TOPICS_FILTER}:
            return None
        return args.getlist(TOPICS_FILTER)

    def _topics_result(self, source_and_config: dict, counts: list, size: int) -> dict:
        """The facet as Datasette's array facet shows it (values toggle ``topics__arraycontains``)."""
        pairs = self.get_querystring_pairs()
        values = []
        for topic, count in counts[:size]:
            selected = (TOPICS_FILTER, topic) in pairs
            toggle = path_with_removed_args if selected else path_with_added_args
            path = toggle(self.request, {TOPICS_FILTER: topic})
            values.append(
                {
                    "value": topic,
                    "label": topic,
                    "count": count,
                    "toggle_url": self.ds.absolute_url(self.request, path),
                    "selected": selected,
                }
            )
        return {
            "name": TOPICS,
            "type": self.shown_as,
            "results": values,
            "hideable": source_and_config["source"] != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {f"_facet_{self.type}": TOPICS})
            ),
            "truncated": len(counts) > size,
        }


def _column(source_and_config: dict) -> str:
    config = source_and_config["config"]
    return config.get("column") or config["simple"]


@hookimpl
def register_facet_classes():
    return [CountedFacet, ListFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    """``topics__arraycontains=T`` (the topics facet's links) also as an ``article_topics``
    range: SQLite then reads the topic's articles by rowid instead of unnesting every row."""
    wanted = request.args.getlist(TOPICS_FILTER)
    if table != "articles" or not wanted:
        return None

    async def through_table():
        if not await has_topics_table(datasette.get_database(database)):
            return None
        params = {f"newsmon_topic_{n}": topic for n, topic in enumerate(wanted)}
        return FilterArguments([topics_contain_clause(name) for name in params], params)

    return through_table


@hookimpl(trylast=True)
def prepare_connection(conn):
    # Registered after Datasette's own escape_fts, which it replaces.
    conn.create_function("escape_fts", 1, fold_fts_query, deterministic=True)
    map_database(conn)


@hookimpl
def startup(datasette):
    async def hide_undescribed_tables():
        db = datasette.get_database(DATABASE)
        described = datasette.metadata("tables", database=DATABASE) or {}
        datasette._newsmon_hidden = {
            name for name in await db.table_names() if name not in described
        }

    return hide_undescribed_tables


@hookimpl
def get_metadata(datasette, key, database, table):
    hidden = getattr(datasette, "_newsmon_hidden", None)
    if not hidden:
        return {}
    return {"databases": {DATABASE: {"tables": {name: {"hidden": True} for name in hidden}}}}


@hookimpl
def register_routes():
    return [(r"^/-/feeds/(?P<topic>[^/]+)\.atom$", topic_feed)]


@hookimpl
def menu_links(datasette):
    topics = (datasette.plugin_config("newsmon") or {}).get("topics", [])
    return [
        {
            "href": datasette.urls.path(f"/-/feeds/{urllib.parse.quote(t)}.atom"),
            "label": f"Feed: {t}",
        }
        for t in topics
    ]


def _when(value: str | None) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(value: str) -> str:
    return _when(value).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    element.text = text
    return element


def atom_feed(stories: list[dict], *, topic: str, feed_url: str, page_url: str, entry_id) -> str:
    """Atom 1.0 (RFC 4287) of ``stories`` (rows of relevant_stories, JSON columns decoded).

    One entry per story: its first outlet's copy is the ``alternate`` link,
    every other outlet's copy a ``related`` link; the outlets are its authors.
    """
    feed = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    _add(feed, "id", feed_url)
    _add(feed, "title", f"newsmon: {topic}")
    _add(feed, "subtitle", f"Newest relevant stories of the topic {topic}, one entry per story.")
    newest = max((_when(s["last_seen"]) for s in stories), default=datetime.now(UTC))
    _add(feed, "updated", newest.isoformat().replace("+00:00", "Z"))
    _add(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    _add(feed, "link", href=page_url, rel="alternate", type="text/html")
    _add(feed, "generator", "newsmon")
    if not stories:
        _add(_add(feed, "author"), "name", "newsmon")
    for story in stories:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(story))
        _add(entry, "title", story["title"] or "(untitled)")
        _add(entry, "published", _iso(story["first_seen"]))
        _add(entry, "updated", _iso(story["last_seen"]))
        for name in story["outlets"]:
            _add(_add(entry, "author"), "name", name)
        for n, article in enumerate(story["articles"]):
            _add(
                entry,
                "link",
                href=article["url"],
                rel="alternate" if n == 0 else "related",
                type="text/html",
                hreflang=article.get("language") or "",
                title=article["source"],
            )
        for name in story["topics"]:
            _add(entry, "category", term=name)
        _add(entry, "content", entry_html(story), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def entry_html(story: dict) -> str:
    """The entry's content: where and when each outlet carried the story."""
    items = "".join(
        f'<li><a href="{html.escape(a["url"])}">{html.escape(a["source"])}</a>'
        f"{' (' + html.escape(a['language']) + ')' if a.get('language') else ''}"
        f"{', ' + html.escape(a['published_at']) if a.get('published_at') else ''}"
        f"{': ' + html.escape(a['title']) if a.get('title') else ''}</li>"
        for a in story["articles"]
    )
    topics = ", ".join(story["topics"])
    return (
        f"<p>Carried by {story['outlet_count']} outlet(s) in {story['language_count']} "
        f"language(s); topics: {html.escape(topics)}.</p><ul>{items}</ul>"
    )


async def topic_feed(request, datasette):
    topic = urllib.parse.unquote(request.url_vars["topic"])
    topics = (datasette.plugin_config("newsmon") or {}).get("topics", [])
    if topic not in topics:
        return Response.text(
            f"No topic {topic!r}; topics: {', '.join(topics) or 'none'}\n", status=404
        )
    query = urllib.parse.urlencode(
        {"topic": topic, "since": "", "until": "", "limit": FEED_ENTRIES, "_shape": "array"}
    )
    response = await datasette.client.get(f"/{DATABASE}/relevant_stories.json?{query}")
    if response.status_code != 200:
        return Response.text(f"The stories could not be read: {response.text}\n", status=500)
    stories = response.json()
    for story in stories:
        for key in ("outlets", "languages", "articles", "topics"):
            story[key] = json.loads(story[key] or "[]")

    base = datasette.absolute_url(request, datasette.urls.instance()).rstrip("/")
    feed = atom_feed(
        stories,
        topic=topic,
        feed_url=f"{base}{request.path}",
        page_url=f"{base}/{DATABASE}/relevant_stories?{urllib.parse.urlencode({'topic': topic})}",
        # The story's first stored article names it for good: its row is the entry's id.
        entry_id=lambda story: f"{base}/{DATABASE}/articles/{story['story_id']}",
    )
    return Response(feed, content_type="application/atom+xml; charset=utf-8")
