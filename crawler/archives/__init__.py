"""Backfill from web archives: what an archive's index lists, and which captures are articles.

Pure functions, no Scrapy and no I/O: the ``archive`` spider issues the
requests and feeds the answers here.
"""
