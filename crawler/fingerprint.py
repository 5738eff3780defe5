"""Content fingerprints of article text: exact hash, paragraphs, word shingles, MinHash bands.

- :func:`content_hash` tells an unchanged re-fetch from an edited one.
- :func:`paragraph_hash` names a paragraph (a line of the body) whatever its
  case, spacing and punctuation, so that boilerplate lines can be counted.
- :func:`shingles` are the overlapping word n-grams of the normalised text,
  hashed to 32-bit integers; two texts are compared by the share of shingles
  they have in common (:func:`containment`, :func:`jaccard`).
- :func:`sketch` adds a MinHash signature cut into LSH bands: texts that share
  many shingles share at least one band with high probability, so the bands
  find the candidates among stored articles without comparing against all of
  them.

Everything here is deterministic (hashes and bands are stored and compared
across runs and processes): changing a parameter needs a migration that
rebuilds the story index.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")

LEAD_WORDS = 50
"""Words at the start of a text that make its lead (see :class:`Sketch`)."""
_LIST_ITEM = re.compile(r"^\s*[-•*]\s")
SHINGLE_WORDS = 4
"""Words per shingle. Four keeps one edited word from breaking more than four
shingles while a shared stock phrase of a few words rarely makes one."""
NUM_BANDS = 20
"""LSH bands per text (one stored row each)."""
BAND_ROWS = 1
"""MinHash values per band. One row per band favours recall at low Jaccard:
a two-paragraph brief of a ten-paragraph story (Jaccard ~0.2) still shares a
band with probability 1 - 0.8**20 = 0.99; candidates are then verified
exactly, so a loose band costs a lookup, not a wrong merge."""
MINHASH_SEED = 20230112


def normalise_text(text: str) -> str:
    """Case-folded words of ``text`` joined by single spaces (NFKC)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_hash(title: str | None, body: str | None) -> str:
    """SHA-256 of the normalised body (the title is left out: outlets rewrite headlines)."""
    return _content_digest(normalise_text(body or ""))


def _content_digest(normal: str) -> str:
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def paragraph_hash(paragraph: str) -> int | None:
    """CRC-32 of the normalised paragraph, None when it holds no word."""
    normal = normalise_text(paragraph)
    return _paragraph_key(normal) if normal else None


def _paragraph_key(normal: str) -> int:
    return zlib.crc32(normal.encode("utf-8"))


def paragraphs(text: str | None) -> list[tuple[str, int]]:
    """``(paragraph, paragraph_hash)`` for each line of ``text`` holding a word, in order."""
    found = []
    for line in (text or "").splitlines():
        key = paragraph_hash(line)
        if key is not None:
            found.append((line, key))
    return found


@dataclass(frozen=True)
class Paragraph:
    """One line of a body holding a word, normalised once for every use."""

    key: int
    """:func:`paragraph_hash` of the line."""
    normal: str
    """:func:`normalise_text` of the line."""
    listed: bool
    """True for a list item (``- item``): left out of the prose."""


def paragraph_records(text: str | None) -> tuple[Paragraph, ...]:
    """:class:`Paragraph` of each line of ``text`` holding a word, in order.

    The normalised text of the whole body is the lines' normal forms joined by
    single spaces (no word spans a line break), so everything measured on the
    body can be measured on these records without normalising it again.
    """
    found = []
    for line in (text or "").splitlines():
        normal = normalise_text(line)
        if normal:
            found.append(Paragraph(_paragraph_key(normal), normal, bool(_LIST_ITEM.match(line))))
    return tuple(found)


def shingles(text: str | None, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """CRC-32 hashes of the ``size``-word shingles of the normalised text.

    A shingle is hashed as its words joined by single spaces (UTF-8). A text
    shorter than ``size`` words gives one shingle of all its words; an empty
    text gives none.
    """
    return _shingles(normalise_text(text or ""), size)


def _shingles(normal: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    data = normal.encode("utf-8")
    if not data:
        return frozenset()
    # Byte offsets of the words: each shingle is a slice of the normalised text.
    starts = [0]
    ends = []
    position = data.find(b" ")
    while position >= 0:
        ends.append(position)
        starts.append(position + 1)
        position = data.find(b" ", position + 1)
    ends.append(len(data))
    if len(starts) <= size:
        return frozenset([zlib.crc32(data)])
    crc32 = zlib.crc32
    return frozenset(
        crc32(data[starts[i] : ends[i + size - 1]]) for i in range(len(starts) - size + 1)
    )


def figures(text: str | None) -> frozenset[tuple[str, str, str]]:
    """Each figure of ``text`` (a word holding a digit) with the two words before it.

    ``"escorted 8 vehicles"`` gives ``("", "escorted", "8")``: triples
    ``(word-2, word-1, figure)`` of normalised words.
    """
    return _figures(normalise_text(text or "").split(" "))


def _figures(words: list[str]) -> frozenset[tuple[str, str, str]]:
    return frozenset(
        (words[i - 2] if i >= 2 else "", words[i - 1] if i >= 1 else "", word)
        for i, word in enumerate(words)
        if _DIGIT.search(word)
    )


def changed_figures(
    a: frozenset[tuple[str, str, str]], b: frozenset[tuple[str, str, str]]
) -> tuple[int, int]:
    """``(kept, changed)``: figures of ``a`` whose two-word context also leads to a figure in ``b``,
    the same one (kept) or another (changed)."""
    after: dict[tuple[str, str], set[str]] = {}
    for first, second, figure in b:
        after.setdefault((first, second), set()).add(figure)
    kept = changed = 0
    for first, second, figure in a:
        found = after.get((first, second))
        if found is None:
            continue
        if figure in found:
            kept += 1
        else:
            changed += 1
    return kept, changed


def containment(a: frozenset, b: frozenset) -> float:
    """Share of the smaller set found in the larger one (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset, b: frozenset) -> float:
    """Shared members over all members of the two sets (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass(frozen=True)
class Sketch:
    """What the story index compares of one text."""

    shingles: frozenset[int]
    """Shingle hashes of the text."""
    lead: frozenset[int]
    """Shingles of the first ``LEAD_WORDS`` words of the prose: where a copy and its original meet."""
    prose: frozenset[int]
    """Shingles of the text without its list items (``- item`` lines): lists of
    headlines with teasers are where leaked furniture repeats other stories' leads."""
    figures: frozenset[tuple[str, str, str]]
    """Figures of the prose with the two words before each (see :func:`figures`)."""
    bands: tuple[int, ...]
    """LSH band hashes, signed 64-bit (SQLite INTEGER); empty for an empty text."""


# MinHash as datasketch 2's "affine32" scheme computes it (tests/test_fingerprint.py
# checks the values against datasketch.MinHash): each 32-bit shingle hash is
# pre-mixed by the MurmurHash3 finalizer, then permutation k maps it to
# a_k * h + b_k modulo 2**32, and the signature keeps each permutation's
# minimum. Done here in a few numpy operations because importing datasketch
# imports its LSH module and, with it, scipy (0.4 s of CPU in every crawl and
# extraction process) for three lines of arithmetic.
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of the ``NUM_BANDS * BAND_ROWS`` permutations, as datasketch draws them for the seed."""
    gen = np.random.RandomState(MINHASH_SEED)
    count = NUM_BANDS * BAND_ROWS
    a = gen.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


def minhash(found: frozenset[int]) -> np.ndarray:
    """MinHash signature (``NUM_BANDS * BAND_ROWS`` uint32 values) of a non-empty set of 32-bit hashes."""
    s1, m1, s2, m2, s3 = _FMIX
    hv = np.fromiter(found, dtype=np.uint32, count=len(found))
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s3)
    a, b = _permutations()
    return (hv[:, None] * a + b).min(axis=0)


def bands(found: frozenset[int]) -> tuple[int, ...]:
    """LSH band hashes of a shingle set (empty for an empty set)."""
    if not found:
        return ()
    values = minhash(found).astype("<u4")
    out = []
    for band in range(NUM_BANDS):
        chunk = values[band * BAND_ROWS : (band + 1) * BAND_ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "big") + chunk, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return tuple(out)


def sketch(text: str | None, *, with_bands: bool = True) -> Sketch:
    """Shingles, prose shingles, lead, figures and (``with_bands``) LSH bands of ``text``."""
    normal = normalise_text(text or "")
    lines = (text or "").splitlines()
    prose_lines = [line for line in lines if not _LIST_ITEM.match(line)]
    if len(prose_lines) == len(lines):
        prose_normal = normal
    else:
        prose_normal = normalise_text("\n".join(prose_lines))
    return _sketch(normal, prose_normal, with_bands)


def sketch_paragraphs(records: Sequence[Paragraph], *, with_bands: bool = True) -> Sketch:
    """:func:`sketch` of the text made of ``records`` (equal to the sketch of their lines)."""
    return _sketch(*_normals(records), with_bands)


def _normals(records: Sequence[Paragraph]) -> tuple[str, str]:
    """The normalised text of ``records`` and of their prose (the same object when no record is listed)."""
    normal = " ".join(record.normal for record in records)
    if any(record.listed for record in records):
        return normal, " ".join(record.normal for record in records if not record.listed)
    return normal, normal


def _sketch(normal: str, prose_normal: str, with_bands: bool) -> Sketch:
    found = _shingles(normal)
    prose = found if prose_normal is normal else _shingles(prose_normal)
    prose_words = prose_normal.split(" ")
    lead = _shingles(" ".join(prose_words[:LEAD_WORDS]))
    return Sketch(
        found,
        lead,
        prose,
        _figures(prose_words) if prose_normal else frozenset(),
        bands(found) if with_bands else (),
    )


@dataclass(frozen=True)
class BodyPrint:
    """What dedup and the story index measure of one body, computed once.

    Made where the page is extracted (an extraction worker, off the crawl
    process), carried on the item, and used only while ``text`` is still the
    item's body (:func:`print_of`).
    """

    text: str | None
    """The body described."""
    content_hash: str
    """:func:`content_hash` of the body."""
    paragraphs: tuple[Paragraph, ...]
    """:func:`paragraph_records` of the body."""
    sketch: Sketch
    """:func:`sketch` of the whole body, bands included."""


def body_print(text: str | None) -> BodyPrint:
    """:class:`BodyPrint` of ``text``."""
    records = paragraph_records(text)
    normal, prose_normal = _normals(records)
    return BodyPrint(text, _content_digest(normal), records, _sketch(normal, prose_normal, True))


def print_of(text: str | None, made: BodyPrint | None) -> BodyPrint:
    """``made`` when it describes ``text``, else a new :class:`BodyPrint` of ``text``."""
    if made is not None and made.text == text:
        return made
    return body_print(text)
