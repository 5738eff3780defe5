"""The language of the text wins over what the page declares."""

from __future__ import annotations

import pytest

from crawler.extraction.language import detect_language, normalise_code

TEXTS = {
    "en": "The Russian peacekeepers declined to escort the protest convoy to the Hakari bridge checkpoint on the Lachin corridor.",
    "hy": "Ադրբեջանը շարունակում է փակ պահել Լաչինի միջանցքը, և Արցախի բնակիչները ապրում են շրջափակման պայմաններում։",
    "ru": "Российские миротворцы отказались сопровождать колонну участников акции протеста к Хакаринскому мосту.",
    "az": "Laçın yolunda ekoloqların aksiyası davam edir, aksiya iştirakçıları təbii sərvətlərin istismarına son qoyulmasını tələb edirlər.",
}


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_the_four_languages(language):
    assert detect_language(TEXTS[language]) == language


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_the_text_overrules_a_wrong_declaration(language):
    wrong = "de" if language != "de" else "en"
    assert detect_language(TEXTS[language], [wrong]) == language


def test_azerbaijani_is_not_taken_for_turkish():
    short = "Rusiya sülhməramlıları Laçın yolunda nəzarət məntəqəsi qurub."
    assert detect_language(short) == "az"
    assert (
        detect_language(
            "Azerbaycan Cumhurbaşkanı bugün yeni bir açıklama yaptı ve sınırı ziyaret etti."
        )
        == "tr"
    )


def test_a_plausible_declaration_wins_when_the_classifier_hesitates():
    # A short headline: the classifier leans to Russian (p≈0.64) but finds Ukrainian plausible.
    text = "Новости дня: миротворцы на мосту"
    assert detect_language(text) == "ru"
    assert detect_language(text, ["uk"]) == "uk"
    # An implausible declaration does not stand even then.
    assert detect_language(text, ["en"]) == "ru"
    # A clear text overrules a plausible neighbour.
    assert detect_language("Сьогодні миротворці на мосту", ["ru"]) == "uk"


def test_too_little_text_gives_the_first_declared_language():
    assert detect_language("12:30", [None, "hy-AM", "en"]) == "hy"
    assert detect_language("", []) is None
    assert detect_language(None, ["ru_RU"]) == "ru"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hy-AM", "hy"),
        ("ru_RU", "ru"),
        ("az-Latn-AZ", "az"),
        ("EN", "en"),
        ("english", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_code(value, expected):
    assert normalise_code(value) == expected


@pytest.mark.parametrize("language", ["hy", "ru", "az"])
def test_a_declared_english_is_checked_against_the_text(language):
    assert detect_language(TEXTS[language] * 3, ["en"]) == language


def test_english_words_in_another_language_do_not_make_it_english():
    german = (
        "Am Dienstag sagte der Minister, dass die Straße nicht geöffnet wird. "
        'Er zitierte die Erklärung: "The road that they said would open has been closed." '
        "Die Regierung will auf die Antwort warten, und sie ist nicht zufrieden. "
    )
    assert detect_language(german * 3, ["en"]) == "de"


def test_plain_english_declared_english():
    english = TEXTS["en"] + " They said that the road had been closed for weeks."
    assert detect_language(english * 3, ["en", "ru"]) == "en"
