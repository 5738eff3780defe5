"""Alerts: new relevant stories delivered to webhooks, e-mail and commands (``newsmon alerts``).

``config`` reads and validates the alerts file, ``channels`` sends one
message through one channel, ``delivery`` decides what is pending and keeps
the store's ledger. Nothing here imports Scrapy: the scheduler daemon runs
alerts after every crawl.
"""
