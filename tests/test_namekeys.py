"""Name keys: one name in four languages and two scripts is one key; two names are two."""

from __future__ import annotations

import pytest

from crawler.namekeys import name_key, names_match, not_a_name


@pytest.mark.parametrize(
    "forms",
    [
        [
            ("Stepanakert", "en"),
            ("Степанакерте", "ru"),
            ("Ստեփանակերտում", "hy"),
            ("Xankəndi", "az"),
        ],
        [("Pashinyan", "en"), ("Пашиняном", "ru"), ("Փաշինյանը", "hy"), ("Paşinyan", "az")],
        [("Hakari", "en"), ("Акари", "ru"), ("Хакари", "ru"), ("Հակարի", "hy"), ("Həkəri", "az")],
        [("Mirzoyan", "en"), ("Мирзояна", "ru"), ("Միրզոյանի", "hy"), ("Mirzoyan", "az")],
        [("Bayramov", "en"), ("Байрамов", "ru"), ("Բայրամովի", "hy"), ("Bayramovun", "az")],
        [("Armenia", "en"), ("Армении", "ru"), ("Հայաստանից", "hy"), ("Ermənistanın", "az")],
        [("Hajizada", "en"), ("Гаджизаде", "ru"), ("Hacızadə", "az")],
    ],
)
def test_a_name_meets_its_transliterations_and_case_forms(forms):
    keys = [name_key(word, language) for word, language in forms]
    assert all(names_match(keys[0], key) for key in keys), keys


def test_different_names_stay_apart():
    pairs = [("Mirzoyan", "Margaryan"), ("Bayramov", "Borrell"), ("Goris", "Kornidzor")]
    for a, b in pairs:
        assert not names_match(name_key(a, "en"), name_key(b, "en")), (a, b)


@pytest.mark.parametrize(
    "word, language",
    [("Ministry", "en"), ("Министерство", "ru"), ("Նախարարությունը", "hy"), ("Nazirliyi", "az")],
)
def test_institutions_words_are_not_names(word, language):
    assert not_a_name(word, language)
    assert not not_a_name("Mirzoyan", language)
