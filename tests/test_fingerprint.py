"""Text fingerprints: exact hash, paragraphs, shingles, figures, MinHash bands."""

from __future__ import annotations

import subprocess
import sys
import zlib

from crawler.fingerprint import (
    NUM_BANDS,
    changed_figures,
    containment,
    content_hash,
    figures,
    jaccard,
    normalise_text,
    paragraph_hash,
    paragraphs,
    shingles,
    sketch,
)

WIRE = (
    "The International Committee of the Red Cross on Thursday transferred fifteen patients in need of "
    "urgent medical care from Stepanakert to hospitals in Armenia, the organisation's delegation in "
    "Yerevan said. The patients, among them four children and two people in intensive care, travelled "
    "in ambulances escorted by Russian peacekeepers through the Lachin corridor, which has been blocked "
    "since December 12 by people presenting themselves as environmental activists."
)
OTHER = (
    "The fare on the Yerevan metro will rise from 100 to 200 drams from March 1, the city hall announced "
    "on Wednesday, the first increase since 2008. Monthly passes will cost 5,000 drams, and pensioners "
    "and students will keep travelling free of charge or with discounts."
)


def test_normalise_text_folds_case_punctuation_and_width():
    assert normalise_text("  «Արցախը» — ՄԵՆԱԿ չէ!\n") == "արցախը մենակ չէ"
    assert normalise_text("ＬＡＣＨＩＮ, Corridor") == "lachin corridor"


def test_content_hash_ignores_title_case_and_spacing_but_not_words():
    assert content_hash("Title", "Gas cut again.\n\nSchools closed.") == content_hash(
        "Other", "gas  CUT again schools closed"
    )
    assert content_hash(None, "Gas cut again.") != content_hash(None, "Gas cut again today.")
    assert content_hash(None, None) == content_hash(None, "")


def test_paragraphs_are_lines_holding_words():
    found = paragraphs("First line.\n\n  \n—\nSecond, LINE!")
    assert [text for text, _ in found] == ["First line.", "Second, LINE!"]
    assert found[1][1] == paragraph_hash("second line") == zlib.crc32(b"second line")
    assert paragraph_hash(" *** ") is None


def test_shingles_are_four_word_windows():
    assert shingles("a b c d") == {zlib.crc32(b"a b c d")}
    assert shingles("A, b. C d e") == {zlib.crc32(b"a b c d"), zlib.crc32(b"b c d e")}
    assert shingles("two words") == {zlib.crc32(b"two words")}
    assert shingles("") == frozenset() and shingles(None) == frozenset()


def test_containment_and_jaccard():
    whole = shingles(WIRE)
    half = shingles(WIRE.split(" The patients")[0])
    assert containment(half, whole) == 1.0
    assert 0.3 < jaccard(half, whole) < 0.7
    assert containment(shingles(OTHER), whole) == 0.0
    assert containment(frozenset(), whole) == 0.0 and jaccard(frozenset(), frozenset()) == 0.0


def test_figures_carry_their_context():
    assert figures("escorted 8 vehicles on 27 posts") == {
        ("", "escorted", "8"),
        ("vehicles", "on", "27"),
    }
    bulletin = figures("обеспечен проезд 8 автомобилей на 27 постах")
    next_day = figures("обеспечен проезд 5 автомобилей на 27 постах")
    assert changed_figures(bulletin, next_day) == (1, 1)
    # a figure without a shared context is neither kept nor changed
    assert changed_figures(
        figures("on Sunday 300 people came"), figures("on Sunday several hundred people came")
    ) == (0, 0)


def test_sketch_bands_find_near_duplicates_not_strangers():
    wire, copy, stranger = (
        sketch(WIRE),
        sketch("YEREVAN, January 12 (Caucasus Wire) - " + WIRE),
        sketch(OTHER),
    )
    assert len(wire.bands) == NUM_BANDS
    assert len(set(wire.bands) & set(copy.bands)) >= NUM_BANDS // 2
    assert not set(wire.bands) & set(stranger.bands)
    assert sketch("").bands == () and sketch("", with_bands=False).shingles == frozenset()
    assert sketch(WIRE, with_bands=False).bands == ()
    assert wire.lead < wire.shingles


def test_bands_are_stable_across_processes():
    # The bands are stored: a change of hashing or parameters would silently
    # orphan every stored article, so the values are pinned here.
    text = "Russian peacekeepers escorted eight Red Cross vehicles through the Lachin corridor on Thursday."
    expected = (5031960299596780107, 114832733620643235, 2647314363898786514, -8042303604927311683)
    assert sketch(text).bands[:4] == expected
    code = f"from crawler.fingerprint import sketch; print(sketch({text!r}).bands[:4])"
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert other.stdout.strip() == str(expected)
