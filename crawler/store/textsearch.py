"""The search syntax users type (SQLite FTS5's), for backends without FTS5: parsing, folding, snippets.

``newsmon search`` accepts words (every one must match), ``"phrases"``
(words in that order), ``OR``, ``NOT``, ``AND``, parentheses, ``prefix*`` and
``NEAR(a b, N)``.
SQLite evaluates that with FTS5 (``unicode61 remove_diacritics 2``); another
backend translates it here. Text and query are folded alike, as unicode61
folds them (:func:`search_words`: :func:`fts5_fold`, then every run of
non-letters and non-digits is one word break, as unicode61 splits), so that
both backends find the same articles whatever the server's locale
(``benchmarks/search_agreement.py`` measures it). Precedence follows
FTS5: ``NOT`` binds tightest, then ``AND`` (or juxtaposition), then ``OR``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crawler.store.base import SearchQueryError
from crawler.store.ftsquery import Near, Phrase, fold_for_index
from crawler.store.ftsquery import parse as parse_typed

_BREAKS = re.compile(r"[\W_]+")
_TOKENS = re.compile(r'\s*(?:(")|(\()|(\))|([^\s"()]+))')
_OPERATORS = {"OR": "|", "AND": "&", "NOT": "& !"}


@functools.lru_cache(maxsize=4096)
def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def fts5_fold(text: str) -> str:
    """``text`` folded as FTS5's ``unicode61 remove_diacritics 2`` folds it.

    Lower case in every script (``ß`` stays ``ß``), and the diacritics of Latin
    letters dropped (``Şuşa`` → ``susa``, ``İ`` → ``i``); other scripts keep
    theirs (``ё``, ``й``, ``ά``), and letters that are not a base plus a mark
    stay (``ə``, ``ı``, ``ł``, ``ø``): the same words then match on both backends.
    """
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", _MARKED_LETTER.sub(_unmark_latin, decomposed))


# A letter followed by combining marks (the ranges of Unicode's combining blocks).
_MARKED_LETTER = re.compile(
    "([^\\W\\d_])([\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+)"
)


def _unmark_latin(match: re.Match) -> str:
    base = match.group(1)
    return base if _is_latin(base) else match.group()


def search_words(text: str) -> list[str]:
    """The words of ``text`` as the index holds them: folded, split at every non-word character."""
    return _BREAKS.sub(" ", fts5_fold(text or "")).split()


def index_words(text: str) -> list[str]:
    """The words of ``text`` as the PostgreSQL index holds them: the letters FTS5's tokenizer
    leaves alone folded first (:data:`crawler.store.ftsquery.INDEX_FOLDS`, as SQLite's index
    triggers fold them), then :func:`search_words`."""
    return search_words(fold_for_index(text or ""))


def search_document(text: str) -> str:
    """``text`` reduced to its searchable words, space-separated (what the index is built from)."""
    return " ".join(search_words(text))


COLUMN_GAP = 100
"""Positions left empty between the title's words and the body's: a phrase or a
NEAR never spans the two, as FTS5 matches within one column."""
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 255
"""PostgreSQL's limits of a ``tsvector`` (positions past them are clamped or dropped)."""


def tsvector_text(title: str, body: str) -> str:
    """The ``tsvector`` of an article, in PostgreSQL's text form: title words weighted A, body B.

    Built here rather than by ``to_tsvector`` so that the words are exactly
    :func:`search_words`'s and the body's positions start after a gap.
    """
    positions: dict[str, list[str]] = {}
    title_words = index_words(title)
    for weight, first, words in (
        ("A", 1, title_words),
        ("B", len(title_words) + 1 + COLUMN_GAP, index_words(body)),
    ):
        for offset, word in enumerate(words):
            found = positions.setdefault(word, [])
            if len(found) < MAX_POSITIONS_PER_WORD:
                found.append(f"{min(first + offset, MAX_POSITION)}{weight}")
    return " ".join(f"{_lexeme(word)}:{','.join(at)}" for word, at in positions.items())


@dataclass(frozen=True)
class ParsedQuery:
    """A query translated for PostgreSQL: the ``tsquery`` text and the words a snippet marks."""

    tsquery: str
    words: frozenset[str]
    """Folded words and phrases' words that a match may show (negated ones left out)."""
    prefixes: frozenset[str]
    """Folded prefixes of ``prefix*`` terms."""


def _lexeme(word: str, prefix: bool = False, weight: str = "") -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":" + "*" * prefix + weight if prefix or weight else "")


def parse_query(query: str) -> ParsedQuery:
    """Translate FTS5 query syntax into a PostgreSQL ``tsquery`` text (lexemes quoted, not re-parsed).

    Raises :class:`SearchQueryError` for what FTS5 refuses too: an unterminated
    phrase, unbalanced parentheses, an operator without an operand, an empty query.
    """
    out: list[str] = []
    words: set[str] = set()
    prefixes: set[str] = set()
    negated = False
    expect_operand = True
    depth = 0
    position = 0
    text = query.strip()

    def operand(term: str) -> None:
        nonlocal expect_operand, negated
        if not expect_operand:
            out.append("&")  # juxtaposition is AND
        out.append(term)
        expect_operand = False
        negated = False

    while position < len(text):
        match = _TOKENS.match(text, position)
        if match is None:  # only trailing blanks are left
            break
        position = match.end()
        quote, opening, closing, bare = match.groups()
        if quote:
            end = text.find('"', position)
            if end < 0:
                raise SearchQueryError(f"unterminated string: {text[position - 1 :]}")
            phrase = text[position:end]
            position = end + 1
            star = position < len(text) and text[position] == "*"
            position += star
            terms = search_words(phrase)
            if not terms:
                raise SearchQueryError(f'empty phrase in the query: "{phrase}"')
            if not negated:
                words.update(terms[:-1] if star else terms)
                if star:
                    prefixes.add(terms[-1])
            query_text = _phrase_query(terms, star)
            operand(query_text if query_text.startswith("(") else f"({query_text})")
        elif opening:
            if not expect_operand:
                out.append("&")
            out.append("(")
            depth += 1
            expect_operand = True
        elif closing:
            if expect_operand or depth == 0:
                raise SearchQueryError(f"syntax error near ')' in: {text}")
            out.append(")")
            depth -= 1
        elif bare == "NEAR" and text.startswith("(", position):
            end = text.find(")", position)
            if end < 0:
                raise SearchQueryError(f"syntax error: unclosed NEAR( in: {text}")
            group, near_words, near_prefixes = _near(text[position + 1 : end], text)
            position = end + 1
            if not negated:
                words.update(near_words)
                prefixes.update(near_prefixes)
            operand(group)
        elif bare in _OPERATORS:
            if expect_operand:
                raise SearchQueryError(f"syntax error near {bare!r} in: {text}")
            out.append(_OPERATORS[bare])
            expect_operand = True
            negated = bare == "NOT"
        else:
            star = bare.endswith("*")
            terms = search_words(bare.rstrip("*"))
            if not terms:
                raise SearchQueryError(f"syntax error near {bare!r} in: {text}")
            if not negated:
                words.update(terms[:-1] if star else terms)
                if star:
                    prefixes.add(terms[-1])
            # A word the folding splits ("Nagorno-Karabakh") is a phrase.
            operand(_phrase_query(terms, star))
    if expect_operand or depth:
        raise SearchQueryError(f"incomplete query: {text or '(empty)'}")
    return ParsedQuery(" ".join(out), frozenset(words), frozenset(prefixes))


_NEAR_TERMS = re.compile(r'"[^"]*"\*?|[^\s"]+')
NEAR_DEFAULT = 10


def _phrase(term: str) -> tuple[list[str], bool]:
    """The folded words of one term (bare word or quoted phrase) and whether it ends in ``*``."""
    star = term.endswith("*")
    return search_words(term.rstrip("*").strip('"')), star


def _phrase_query(terms: list[str], star: bool, weight: str = "") -> str:
    lexemes = [_lexeme(t, weight=weight) for t in terms[:-1]] + [_lexeme(terms[-1], star, weight)]
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _near(inside: str, text: str) -> tuple[str, set[str], set[str]]:
    """``NEAR(a b "c d", N)``: every two of the phrases at most N words apart, in either order.

    tsquery has exact distances only (``a <3> b``), so each pair becomes the OR
    of every allowed distance. With three phrases or more each pair is checked
    on its own, which may accept a little more than FTS5's one common window.
    """
    body, comma, limit = inside.rpartition(",")
    if not comma:
        body, limit = inside, str(NEAR_DEFAULT)
    if not limit.strip().isdigit():
        raise SearchQueryError(f"syntax error: NEAR distance {limit.strip()!r} in: {text}")
    distance = int(limit)
    phrases = [_phrase(term) for term in _NEAR_TERMS.findall(body)]
    if len(phrases) < 2 or any(not terms for terms, _ in phrases):
        raise SearchQueryError(f"syntax error: NEAR needs two phrases or more in: {text}")
    return _near_query(phrases, distance)


def _near_query(
    phrases: list[tuple[list[str], bool]], distance: int
) -> tuple[str, set[str], set[str]]:
    """The tsquery of NEAR over ``(folded words, prefix)`` phrases, and the words it marks."""
    words = {w for terms, star in phrases for w in (terms[:-1] if star else terms)}
    prefixes = {terms[-1] for terms, star in phrases if star}
    pairs = []
    for i, first in enumerate(phrases):
        for second in phrases[i + 1 :]:
            left, right = _phrase_query(*first), _phrase_query(*second)
            pairs.append(
                "("
                + " | ".join(
                    f"{a} <{d}> {b}"
                    for d in range(1, distance + 2)
                    for a, b in ((left, right), (right, left))
                )
                + ")"
            )
    return "(" + " & ".join(pairs) + ")", words, prefixes


_WEIGHTS = {"title": "A", "body": "B"}
"""The ``tsvector`` weight of each column a ``column:word`` filter names (see :func:`tsvector_text`)."""


def typed_query(query: str) -> ParsedQuery:
    """A query as people type it (:mod:`crawler.store.ftsquery`: words quoted, hyphens and
    apostrophes kept inside a word, letters folded as the index folds them, ``title:``/``body:``
    filters, FTS5's operators) as a ``tsquery``: what SQLite's FTS5 finds, PostgreSQL finds.

    Raises :class:`SearchQueryError` with ftsquery's message naming what is wrong.
    """
    words: set[str] = set()
    prefixes: set[str] = set()

    def phrase_terms(phrase: Phrase) -> list[str]:
        terms = index_words(phrase.text)
        if not terms:
            raise SearchQueryError(f"{phrase.text!r} has no word to search for")
        return terms

    def node_query(node, marked: bool) -> str:
        if isinstance(node, Phrase):
            terms = phrase_terms(node)
            if marked:
                words.update(terms[:-1] if node.prefix else terms)
                if node.prefix:
                    prefixes.add(terms[-1])
            query_text = _phrase_query(terms, node.prefix, _WEIGHTS.get(node.column or "", ""))
            return query_text if query_text.startswith("(") else f"({query_text})"
        if isinstance(node, Near):
            group, near_words, near_prefixes = _near_query(
                [(phrase_terms(p), p.prefix) for p in node.phrases],
                NEAR_DEFAULT if node.distance is None else node.distance,
            )
            if marked:
                words.update(near_words)
                prefixes.update(near_prefixes)
            return group
        if node.operator == "NOT":
            left, right = node.operands
            return f"({node_query(left, marked)} & !{node_query(right, False)})"
        joiner = " & " if node.operator == "AND" else " | "
        return "(" + joiner.join(node_query(o, marked) for o in node.operands) + ")"

    tsquery = node_query(parse_typed(query), True)
    return ParsedQuery(tsquery, frozenset(words), frozenset(prefixes))


_WORD = re.compile(r"[^\W_]+")


def _marked(token: str, parsed: ParsedQuery) -> bool:
    """Whether a word of the text is one the query matched."""
    prefixes = tuple(parsed.prefixes)
    return any(w in parsed.words or w.startswith(prefixes) for w in index_words(token))


def snippet(
    text: str, parsed: ParsedQuery, *, tokens: int = 16, marks: tuple[str, str] = ("[", "]")
) -> str:
    """Up to ``tokens`` words of ``text`` around the first stretch with the most matched words,
    matched words between ``marks``, ``…`` where text was cut (as FTS5's ``snippet()``)."""
    found = list(_WORD.finditer(text))
    if not found:
        return ""

    prefixes = tuple(parsed.prefixes)
    folded = index_words(text)
    if len(folded) == len(found):
        # One pass over the whole text; folding kept the words apart as they were.
        hits = [w in parsed.words or w.startswith(prefixes) for w in folded]
    else:  # a mark or a letter that folds to a break: word by word
        hits = [_marked(m.group(), parsed) for m in found]
    # The first window of ``tokens`` words with the most hits (a running count).
    count = best_count = sum(hits[:tokens])
    best = 0
    for start in range(1, max(1, len(found) - tokens + 1)):
        count += hits[start + tokens - 1] - hits[start - 1]
        if count > best_count:
            best, best_count = start, count
    window = range(best, min(len(found), best + tokens))
    pieces = []
    cursor = found[window[0]].start()
    for i in window:
        match = found[i]
        pieces.append(text[cursor : match.start()])
        word = match.group()
        pieces.append(f"{marks[0]}{word}{marks[1]}" if hits[i] else word)
        cursor = match.end()
    last = found[window[-1]].end()
    trailing = text[last:] if window[-1] == len(found) - 1 else ""
    lead = "…" if window[0] > 0 else ""
    tail = "…" if window[-1] < len(found) - 1 else ""
    return lead + "".join(pieces).lstrip() + trailing.rstrip() + tail
