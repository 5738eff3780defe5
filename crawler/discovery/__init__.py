"""Pure parsers for the places where outlets list their articles.

Each takes response bytes and returns plain entries; the spider turns entries
into requests. No Scrapy imports, so they are tested on saved documents.
"""
