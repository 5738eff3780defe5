"""The body scorer: the article-extraction benchmark's shingle method."""

from __future__ import annotations

import pytest

from crawler.extraction.scoring import evaluate, page_score, score, shingles


def test_shingles_are_four_word_tokens_with_multiplicity():
    got = shingles("a b c d a b c d")
    assert got[("a", "b", "c", "d")] == 2
    assert sum(got.values()) == 5
    assert shingles("too short") == {}


def test_perfect_and_empty_predictions():
    true = "one two three four five six"
    assert page_score(true, true) == (1.0, 1.0)
    assert page_score(true, "") == (0.0, 0.0)
    assert page_score("", "") == (1.0, 1.0)


def test_extra_text_costs_precision_missing_text_costs_recall():
    true = "w1 w2 w3 w4 w5 w6 w7 w8"  # 5 shingles
    precision, recall = page_score(true, true + " x1 x2 x3 x4 x5")
    assert recall == 1.0 and precision == pytest.approx(5 / 10)
    precision, recall = page_score(true, "w1 w2 w3 w4 w5")  # 2 shingles, all right
    assert precision == 1.0 and recall == pytest.approx(2 / 5)


def test_f1_is_of_the_means():
    result = score([("a b c d e", "a b c d e"), ("a b c d e", "")])
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(0.5)
    assert result.f1 == pytest.approx(0.5)
    assert score([]).f1 == 0.0


def test_evaluate_calls_the_extractor_per_page():
    from crawler.extraction.scoring import Page

    pages = [Page("1", "https://e.org/1", b"<p>x</p>", "a b c d e f")]
    seen = []
    result = evaluate(lambda html, url: seen.append(url) or "a b c d e f", pages)
    assert seen == ["https://e.org/1"]
    assert result.f1 == 1.0
