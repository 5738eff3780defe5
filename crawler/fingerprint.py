"""Content fingerprints of article text: exact hash, word shingles, MinHash bands.

- :func:`content_hash` tells an unchanged re-fetch from an edited one.
- :func:`shingles` are the overlapping word n-grams of the normalised text,
  hashed to 32-bit integers; two texts are compared by the share of shingles
  they have in common (:func:`containment`, :func:`jaccard`).
- :func:`sketch` adds a MinHash signature cut into LSH bands: texts that share
  many shingles share at least one band with high probability, so the bands
  find the candidates among stored articles without comparing against all of
  them. Everything here is deterministic (the bands are stored and compared
  across runs and processes): never change the parameters without a migration
  that rebuilds the index.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash

_WORD = re.compile(r"\w+", re.UNICODE)

SHINGLE_WORDS = 4
"""Words per shingle. Four keeps one edited word from breaking more than four
shingles while a shared stock phrase of a few words rarely makes one."""
NUM_BANDS = 20
"""LSH bands per text (one stored row each)."""
BAND_ROWS = 1
"""MinHash values per band. One row per band favours recall at low Jaccard:
a two-paragraph brief of a ten-paragraph story (Jaccard ~0.2) still shares a
band with probability 1 - 0.8**20 = 0.99; the candidates are then verified
exactly, so a loose band costs a lookup, not a wrong merge."""
MINHASH_SEED = 20230112


def normalise_text(text: str) -> str:
    """Case-folded words of ``text`` joined by single spaces (NFKC)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_hash(title: str | None, body: str | None) -> str:
    """SHA-256 of the normalised body (the title is left out: outlets rewrite headlines)."""
    return hashlib.sha256(normalise_text(body or "").encode("utf-8")).hexdigest()


def shingles(text: str | None, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """CRC-32 hashes of the ``size``-word shingles of the normalised text.

    A text shorter than ``size`` words gives one shingle of all its words; an
    empty text gives none.
    """
    words = normalise_text(text or "").split(" ")
    if words == [""]:
        return frozenset()
    if len(words) <= size:
        return frozenset([zlib.crc32(" ".join(words).encode("utf-8"))])
    return frozenset(
        zlib.crc32(" ".join(words[i : i + size]).encode("utf-8")) for i in range(len(words) - size + 1)
    )


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger one (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Shared shingles over all shingles of the two sets (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass(frozen=True)
class Sketch:
    """What the story index keeps of one text."""

    shingles: frozenset[int]
    """Shingle hashes of the text (kept in memory only, for verification)."""
    bands: tuple[int, ...]
    """LSH band hashes, signed 64-bit (SQLite INTEGER); empty for an empty text."""


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    # Generating the permutations costs more than hashing a short text: do it once.
    return MinHash(num_perm=NUM_BANDS * BAND_ROWS, seed=MINHASH_SEED, scheme="affine32").permutations


def _identity(value: int) -> int:
    return value


def sketch(text: str | None) -> Sketch:
    """Shingles and LSH band hashes of ``text``."""
    found = shingles(text)
    if not found:
        return Sketch(found, ())
    minhash = MinHash(
        num_perm=NUM_BANDS * BAND_ROWS,
        seed=MINHASH_SEED,
        hashfunc=_identity,
        permutations=_permutations(),
        scheme="affine32",
    )
    minhash.update_batch(found)
    values = minhash.hashvalues
    bands = []
    for band in range(NUM_BANDS):
        chunk = values[band * BAND_ROWS : (band + 1) * BAND_ROWS]
        digest = hashlib.blake2b(band.to_bytes(2, "big") + chunk.astype("<u4").tobytes(), digest_size=8).digest()
        bands.append(int.from_bytes(digest, "big", signed=True))
    return Sketch(found, tuple(bands))
