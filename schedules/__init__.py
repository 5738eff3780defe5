"""The crawl cadence: the schedules file, the daemon and the crawl processes it supervises.

Nothing in this package imports Scrapy: each crawl runs in a child process
(Twisted's reactor cannot be restarted, and a crash or leak must stay in its
own run), so the daemon stays small for weeks.
"""

from pathlib import Path

DEFAULT_SCHEDULES_FILE = Path(__file__).resolve().parent / "default.toml"
