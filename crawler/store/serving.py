"""The database of ``newsmon serve``: Datasette's, with the table page's count bounded in time,
read through a memory map, and the articles' topics counted and filtered through ``article_topics``."""

from __future__ import annotations

MMAP_BYTES = 2**31
"""How much of the database file a serving connection reads through a memory map (SQLite's cap)."""


def map_database(conn) -> None:
    """Read the database through a memory map rather than a ``read()`` per page.

    A table page's count and facets look articles up by rowid, one random page
    after another: mapped, a lookup reads the page where the system keeps it
    (54 -> 22 ms for a topic's 11,700 articles at 200k). Pages are shared with
    the system's cache, not copied into the process; writers (a crawl beside
    the server) are unaffected: SQLite remaps as the file grows.
    """
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def is_table_count(sql: str) -> bool:
    """Whether ``sql`` is the count a Datasette table page runs before showing its rows."""
    # The exact text of the table view's count (datasette/views/table.py:
    # "select count(*) from <table> <where>", a trailing space without a
    # where clause): a query a reader writes is left to sql_time_limit_ms.
    return sql.startswith("select count(*) from ") and (sql.endswith(" ") or " where " in sql)


def is_whole_table(sql: str) -> bool:
    """Whether ``sql``, the ``select <columns> from <table> <where>`` a Datasette table page
    hands its facets, selects every row (no filter, search or page position)."""
    return " where " not in sql


def serving_database_class(count_time_limit_ms: int):
    """A ``datasette.database.Database`` whose table-page counts give up after ``count_time_limit_ms``.

    Interrupted, the count is dropped by the table view (it catches
    ``QueryInterrupted``) and the page shows its rows without a total.
    """
    from datasette.database import Database

    class ServingDatabase(Database):
        async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, **kw):
            if custom_time_limit is None and is_table_count(sql):
                custom_time_limit = count_time_limit_ms
            return await super().execute(
                sql, params, truncate=truncate, custom_time_limit=custom_time_limit, **kw
            )

    return ServingDatabase


TOPICS_TABLE = "article_topics"
"""One row per article and topic (:mod:`crawler.store.sqlite.topics`, migration m071)."""


def topics_contain_clause(param: str) -> str:
    """A condition on ``articles`` rows: the article has the topic bound to ``:param``.

    An index range of ``article_topics`` hands SQLite the matching rowids, where
    Datasette's own ``topics__arraycontains`` unnests every row's JSON list.
    """
    return f"[id] in (select article_id from {TOPICS_TABLE} where topic = :{param})"


async def has_topics_table(db) -> bool:
    """Whether the Datasette database ``db`` has ``article_topics`` (a copy made before m071 has not)."""
    return await db.table_exists(TOPICS_TABLE)


async def topic_counts(
    db,
    sql: str,
    params,
    *,
    limit: int,
    row_count: int | None,
    time_limit_ms: int,
    having: list[str] | None = None,
) -> list[tuple[str, int]]:
    """``(topic, articles)`` over the articles that ``sql`` (Datasette's ``select … from articles
    where …``) selects, most first, at most ``limit``; read through ``article_topics``.

    ``having``: the set is exactly the articles with all these topics (a topic's
    page, no other filter), counted within ``article_topics`` alone. Otherwise
    each side drives the join where it is the smaller: a set smaller than the
    table of topics is read first and each article's topics looked up; else
    every topic row is checked against the set (a rowid lookup and the filters).
    ``CROSS JOIN`` fixes that order (the database has no statistics to choose by).
    """
    if having:
        joined = f"{TOPICS_TABLE} t " + " ".join(
            f"join {TOPICS_TABLE} h{n} on h{n}.article_id = t.article_id and h{n}.topic = :having_{n}"
            for n in range(len(having))
        )
        params = {f"having_{n}": topic for n, topic in enumerate(having)}
    elif is_whole_table(sql):
        # Every article: the topics' own index holds the answer (the triggers
        # leave no row of an article that is gone).
        joined = f"{TOPICS_TABLE} t"
    else:
        (topic_rows,) = (await db.execute(f"select count(*) from {TOPICS_TABLE}")).first()
        if row_count is not None and row_count < topic_rows:
            joined = f"({sql}) f cross join {TOPICS_TABLE} t on t.article_id = f.id"
        else:
            joined = f"{TOPICS_TABLE} t cross join ({sql}) f on f.id = t.article_id"
    results = await db.execute(
        f"select t.topic, count(*) as n from {joined} group by t.topic "
        f"order by n desc, t.topic limit {int(limit)}",
        params,
        custom_time_limit=time_limit_ms,
    )
    return [(topic, count) for topic, count in results.rows]
