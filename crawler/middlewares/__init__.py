"""Downloader middlewares of newsmon."""
