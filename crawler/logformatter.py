"""Log dropped items at INFO: a duplicate is routine, not a warning (they are counted in stats)."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


class NewsmonLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["level"] = logging.INFO
        entry["msg"] = "Dropped: %(exception)s"
        return entry
