"""The database of ``newsmon serve``: Datasette's, with the table page's count bounded in time."""

from __future__ import annotations


def is_table_count(sql: str) -> bool:
    """Whether ``sql`` is the count a Datasette table page runs before showing its rows."""
    # The exact text of the table view's count (datasette/views/table.py:
    # "select count(*) from <table> <where>", a trailing space without a
    # where clause): a query a reader writes is left to sql_time_limit_ms.
    return sql.startswith("select count(*) from ") and (sql.endswith(" ") or " where " in sql)


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
