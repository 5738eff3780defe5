"""Text fingerprints: exact hash, paragraphs, shingles, figures, MinHash bands."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zlib

from crawler.fingerprint import (
    BAND_ROWS,
    MINHASH_SEED,
    NUM_BANDS,
    body_print,
    changed_figures,
    containment,
    content_hash,
    figures,
    jaccard,
    minhash,
    normalise_text,
    paragraph_hash,
    paragraphs,
    print_of,
    shingles,
    sketch,
    sketch_paragraphs,
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


LISTED = "Lead paragraph of the story, with 12 figures.\n\n- A list item that is not prose\n* Another one\n\n—\n\nLast paragraph ends here."


def _bodies(shared_data) -> list[str]:
    bodies = [WIRE, OTHER, LISTED, "", "one", "ＬＡＣＨＩＮ,\u2028Corridor\u00a0closed"]
    truth = json.loads(
        (shared_data / "articles-dev" / "ground-truth.json").read_text(encoding="utf-8")
    )
    bodies += [page["articleBody"] for page in truth.values()]
    assert len(bodies) > 40
    return bodies


def test_body_print_measures_the_body_as_the_separate_functions_do(shared_data):
    for body in _bodies(shared_data):
        made = body_print(body)
        assert made.content_hash == content_hash(None, body)
        assert [(record.key, record.normal) for record in made.paragraphs] == [
            (key, normalise_text(line)) for line, key in paragraphs(body)
        ]
        assert made.sketch == sketch(body)
        kept = [record for record in made.paragraphs if record.key % 3]
        text = "\n\n".join(line for line, key in paragraphs(body) if key % 3)
        assert sketch_paragraphs(kept, with_bands=False) == sketch(text, with_bands=False)


def test_list_items_are_marked_and_left_out_of_the_prose():
    made = body_print(LISTED)
    assert [record.listed for record in made.paragraphs] == [False, True, True, False]
    listed = shingles("a list item that")
    assert listed <= made.sketch.shingles and not listed & made.sketch.prose
    assert made.sketch.figures == {("story", "with", "12")}


def test_print_of_reuses_a_print_only_for_its_own_text():
    made = body_print(WIRE)
    assert print_of(WIRE, made) is made
    other = print_of(OTHER, made)
    assert other is not made and other == body_print(OTHER)
    assert print_of(WIRE, None) == made


def test_minhash_is_datasketchs_affine32_minhash():
    from datasketch import MinHash

    rng = random.Random(5)
    sets = [frozenset([0]), frozenset([2**32 - 1, 7]), shingles(WIRE), shingles(OTHER)]
    sets += [frozenset(rng.getrandbits(32) for _ in range(rng.randint(1, 3000))) for _ in range(20)]
    for found in sets:
        theirs = MinHash(
            num_perm=NUM_BANDS * BAND_ROWS,
            seed=MINHASH_SEED,
            hashfunc=lambda v: v,
            scheme="affine32",
        )
        theirs.update_batch(found)
        assert minhash(found).tolist() == theirs.hashvalues.tolist()
