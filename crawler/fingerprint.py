"""Content fingerprints of article text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Case-folded words of ``text`` joined by single spaces (NFKC)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_hash(title: str | None, body: str | None) -> str:
    """SHA-256 of the normalised body (the title is left out: outlets rewrite headlines)."""
    return hashlib.sha256(normalise_text(body or "").encode("utf-8")).hexdigest()
