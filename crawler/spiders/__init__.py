"""Spiders: they decide what to fetch; extraction decides what a page says."""
