"""The statements both backends run, written once, and the store methods around them.

Written with SQLite's ``?`` placeholders and in SQL that SQLite and
PostgreSQL both accept (PostgreSQL runs it through
:class:`~crawler.store.postgres.connection.QmarkConnection`). Where the
dialects differ (JSON functions, how a new row's id comes back, date
arithmetic), a class names a hook that the backend overrides; SQLite's
spelling is the default. :class:`crawler.store.base.Store` and
:class:`~crawler.store.base.WriteTransaction` are made of these classes.
"""
