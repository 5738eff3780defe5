"""Warm extraction up once in the extraction pool's fork server.

Imported only by the fork server (``crawler.extraction.pool``): every worker
forked from it then starts with the language model loaded and every lazy
import and cache of the extraction path filled, instead of each worker
spending about a third of a second of CPU on it.
"""

from __future__ import annotations

from crawler.extraction.language import _identifier
from crawler.extraction.pool import WARM_UP_HTML, extract_page

_identifier()
extract_page(WARM_UP_HTML, "https://newsmon.invalid/warm-up")
