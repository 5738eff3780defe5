"""Text folding for matching: one form for the spelling variants of a word.

``fold(text)`` lowercases (casefold), removes diacritics and combining marks,
applies compatibility decomposition (NFKD) and a few letter merges, so that
``Laçın`` = ``LAÇIN`` = ``Lacin``, ``İ``/``I``/``ı``/``i`` are one letter,
``ё`` = ``е``, and the Armenian ligature ``և`` = ``եւ`` = ``եվ``; soft
hyphens, zero-width characters and Armenian in-word marks (``՛ ՜ ՞``) vanish.
Decomposed (NFD) and composed (NFC) input fold alike. Almost every character
folds to exactly one, so offsets in the folded text are offsets in the
original; ``fold_offsets`` maps them back where they are not.
"""

from __future__ import annotations

import re
import unicodedata

# Characters folding drops: combining marks (decomposed accents, the dot of a
# lowercased İ, Russian stress marks), invisible format characters that break
# words apart, and Armenian marks written inside a word (emphasis ՛, exclamation ՜,
# question ՞, abbreviation ՟).
_DROPPED = (
    "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u00ad\u200b-\u200f\u2060-\u2064\ufeff\u055b\u055c\u055e\u055f"
)
# Characters that fold to two: ligatures (Armenian և and ﬓ…ﬗ, Latin ﬀ…ﬆ) and ß.
_EXPANDED = "\u0587\ufb00-\ufb06\ufb13-\ufb17\u00df"
_LENGTH_CHANGING = re.compile(f"[{_DROPPED}{_EXPANDED}]")
_DROPPED_RE = re.compile(f"[{_DROPPED}]")
_EXPANDED_RE = re.compile(f"[{_EXPANDED}]")
# After case folding: Azerbaijani/Turkish dotless ı is i (uppercase I lowercases
# to i, so "LAÇIN" and "Laçın" must meet there); ə is written e in ASCII
# transliteration (Xankendi); Armenian ւ is վ so that the ligature և, its
# spelled-out classical form եւ and the reformed/uppercase եվ (ԵՎ) agree.
_LETTERS = str.maketrans({"ı": "i", "ə": "e", "ւ": "վ"})


def _fold_char(char: str) -> str:
    if _DROPPED_RE.match(char):
        return ""
    if char.isspace():
        return "\n" if char == "\n" else " "
    folded = unicodedata.normalize("NFKD", char).casefold()
    folded = _DROPPED_RE.sub("", unicodedata.normalize("NFKD", folded)).translate(_LETTERS)
    if len(folded) == 1 or (_EXPANDED_RE.match(char) and folded):
        return folded
    # Everything else keeps its length so that offsets in the folded text are
    # offsets in the original one (checked with _LENGTH_CHANGING).
    lower = char.lower()
    return lower if len(lower) == 1 else char


class _FoldTable(dict):
    """``str.translate`` table computed lazily, one entry per character seen."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The matching form of ``text``: case, diacritics and compatibility forms folded."""
    return text.translate(_FOLD_TABLE)


def fold_offsets(text: str) -> list[int] | None:
    """Map from offsets in ``fold(text)`` to offsets in ``text`` (None: identical)."""
    if not _LENGTH_CHANGING.search(text):
        return None
    mapping = []
    for index, char in enumerate(text):
        mapping.extend([index] * len(_FOLD_TABLE[ord(char)]))
    mapping.append(len(text))
    return mapping
