"""newsmon: a news-monitoring crawler (Scrapy project package).

Importing this package must stay cheap and must not import Scrapy: the
scheduler daemon and the command line import parts of it.
"""

__version__ = "0.1.0"
