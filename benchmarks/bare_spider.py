"""The spider a user would write by hand: read the feeds, fetch each article, run trafilatura.

The baseline of the crawl benchmark: no dates, no deduplication, no
relevance, nothing stored. Run as a script with the sources file of the
benchmark's news web and the Scrapy settings as JSON; it prints its counters
as one JSON line.
"""

from __future__ import annotations

import json
import sys
import tomllib

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, feeds: list[str], **kwargs):
        super().__init__(**kwargs)
        self.feeds = feeds

    async def start(self):
        for url in self.feeds:
            yield scrapy.Request(url, callback=self.parse_feed)

    def parse_feed(self, response):
        for link in response.xpath("//item/link/text()").getall():
            yield response.follow(link.strip(), callback=self.parse_article)

    def parse_article(self, response):
        text = trafilatura.extract(response.text, url=response.url)
        self.crawler.stats.inc_value("bare/extracted" if text else "bare/empty")


def main() -> None:
    sources_file, settings_json = sys.argv[1], sys.argv[2]
    with open(sources_file, "rb") as fh:
        feeds = [url for source in tomllib.load(fh)["source"] for url in source.get("feeds", [])]
    process = CrawlerProcess(json.loads(settings_json))
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, feeds=feeds)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({k: v for k, v in stats.items() if isinstance(v, int | float)}))


if __name__ == "__main__":
    main()
