"""Author names from byline strings: splitting, cleaning, agencies, the site itself."""

from __future__ import annotations

import pytest

from crawler.extraction.authors import (
    agency,
    clean_authors,
    clean_name,
    desk_credit,
    looks_like_name,
    split_byline,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["By Ani Hakobyan and Levon Sargsyan"], ["Ani Hakobyan", "Levon Sargsyan"]),
        (["by ROBERT BURNS, AP National Security Writer"], ["Robert Burns"]),
        (["Автор: Армен Петросян"], ["Армен Петросян"]),
        (["Müəllif: Elnur Məmmədov"], ["Elnur Məmmədov"]),
        (["Հեղինակ՝ Արմինե Մարտիրոսյան"], ["Արմինե Մարտիրոսյան"]),
        (["Ани Акопян и Левон Саргсян"], ["Ани Акопян", "Левон Саргсян"]),
        (["https://example.org/author/x", "@handle", "Jane Doe", "jane doe"], ["Jane Doe"]),
        (["Staff Reports"], []),
        (["x" * 200], []),
    ],
)
def test_clean_authors(values, expected):
    assert clean_authors(values) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # German, English, French, Spanish, Catalan, Italian, Portuguese, Norwegian, Dutch, Czech
        ("Birgit Baumann und Jan Marchart", ["Birgit Baumann", "Jan Marchart"]),
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Anna Weber, Paul Kern & Lea Roth", ["Anna Weber", "Paul Kern", "Lea Roth"]),
        ("Claire Dubois et Marc Lefèvre", ["Claire Dubois", "Marc Lefèvre"]),
        ("Carlota Guindal y Pedro Ruiz", ["Carlota Guindal", "Pedro Ruiz"]),
        ("Marta Puig i Joan Vila", ["Marta Puig", "Joan Vila"]),
        ("Giulia Bianchi e Marco Neri", ["Giulia Bianchi", "Marco Neri"]),
        ("Kari Nordmann og Ola Hansen", ["Kari Nordmann", "Ola Hansen"]),
        ("Pieter de Vries en Anouk Bakker", ["Pieter de Vries", "Anouk Bakker"]),
        ("Jan Novák a Petr Svoboda", ["Jan Novák", "Petr Svoboda"]),
        ("Ярослав Кузишин, Антон Зелинский", ["Ярослав Кузишин", "Антон Зелинский"]),
    ],
)
def test_several_names_in_one_string(value, expected):
    assert clean_authors([value]) == expected


def test_a_short_joiner_inside_one_name_does_not_split_it():
    # "y" joins the two surnames of one person here, not two people.
    assert split_byline("José Ortega y Gasset") == ["José Ortega y Gasset"]
    assert clean_authors(["José Ortega y Gasset"]) == ["José Ortega y Gasset"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Elena Oberholzer (obe)", ["Elena Oberholzer"]),
        ("Von Lars Meier", ["Lars Meier"]),
        ("Par Claire Dubois", ["Claire Dubois"]),
        ("Por Daniel Aragón", ["Daniel Aragón"]),
        ("Door Anouk Bakker", ["Anouk Bakker"]),
        ("Av Kari Nordmann", ["Kari Nordmann"]),
        ("Text: Jana Roth", ["Jana Roth"]),
        ("Reporter Jane Doe", ["Jane Doe"]),
        ("Jane Doe Senior Reporter", ["Jane Doe"]),
        ("Jane Doe jane.doe@example.org", ["Jane Doe"]),
        ("d.kuckelkorn@boersen-zeitung.de", []),
        ("Sophie Foster 11:58, 23 APR 2024", ["Sophie Foster"]),
        ("Lars Meier 03.05.2024, 14:05 Uhr", ["Lars Meier"]),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
    ],
)
def test_leads_codes_roles_emails_and_dates_are_removed(value, expected):
    assert clean_authors([value]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("dpa", ["dpa"]),
        ("DPA", ["dpa"]),
        ("AP", ["AP"]),
        ("afp", ["AFP"]),
        ("Reuters", ["Reuters"]),
        ("ТАСС", ["ТАСС"]),
        ("dpa/AFP", ["dpa", "AFP"]),
        ("Lars Meier (dpa)", ["Lars Meier", "dpa"]),
        ("Jane Doe, AP", ["Jane Doe", "AP"]),
        ("Associated Press", ["Associated Press"]),
    ],
)
def test_agency_credits_are_kept(value, expected):
    assert clean_authors([value]) == expected


def test_agency_is_written_as_the_agency_writes_itself():
    assert agency("efe") == "EFE"
    assert agency("Europa Press") == "Europa Press"
    assert agency("Jane Doe") is None


def test_the_site_itself_is_not_an_author():
    assert clean_authors(["Massis Post"], ["MassisPost"]) == []
    assert clean_authors(
        ["Tanza Loudenback", "Business Insider"], [], "https://www.businessinsider.com/a"
    ) == ["Tanza Loudenback"]


def test_the_outlet_and_its_address_is_no_byline():
    site = ["hessenschau.de"]
    assert clean_authors(["hessenschau.de, Frankfurt, Germany"], site) == []
    assert clean_authors(["Jana Roth, hessenschau.de"], site) == ["Jana Roth"]


def test_name_shapes():
    assert looks_like_name("Lê Phương")
    assert looks_like_name("IN-Redaktion")
    assert looks_like_name("Pedro de la Cruz")
    assert not looks_like_name("Mehr dazu lesen")
    assert not looks_like_name("Seite 2")
    assert clean_name("Guardian staff reporter") == (None, [])


def test_desk_credit_keeps_a_desk_as_written():
    assert desk_credit("Guardian staff reporter") == "Guardian staff reporter"
    assert desk_credit("Redaktion  hessenschau.de") == "Redaktion hessenschau.de"
    assert desk_credit("desk@example.org") is None
    # A "Person" the publisher declares must say it is a desk; an account name is not one.
    assert desk_credit("Science X staff", named=True) == "Science X staff"
    assert desk_credit("admin", named=True) is None
    assert desk_credit("mbl.is") == "mbl.is"
    assert desk_credit("A credit far too long to be a desk name at all, really") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Shaun Walker in Kyiv", ["Shaun Walker"]),
        ("Birgit Baumann aus Berlin, Anna Giulia Fink", ["Birgit Baumann", "Anna Giulia Fink"]),
        ("Associated Press in Valencia", ["Associated Press"]),
        ("Martin Gramnæs Martin Gramnæs", ["Martin Gramnæs"]),
    ],
)
def test_filing_places_and_doubled_names(value, expected):
    assert clean_authors([value]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane Doe mit dpa", ["Jane Doe", "dpa"]),
        ("Jane Doe with Reuters", ["Jane Doe", "Reuters"]),
        ("Ahmed al-Masri", ["Ahmed al-Masri"]),
        ("Con Coughlin", ["Con Coughlin"]),
    ],
)
def test_a_writer_with_an_agency_and_names_after_particles(value, expected):
    assert clean_authors([value]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Text und Fotos: Jana Roth", ["Jana Roth"]),
        ("Redaktion: Roman Warschauer und Marcel Sommer", ["Roman Warschauer", "Marcel Sommer"]),
        ("Da Silva Costa", ["Da Silva Costa"]),
        ("Von der Leyen Ursula", ["Von der Leyen Ursula"]),
        ("Text", []),
    ],
)
def test_labels_go_and_names_that_begin_like_a_lead_stay(value, expected):
    assert clean_authors([value]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Leads in more languages.
        ("Przez Jan Kowalski", ["Jan Kowalski"]),
        ("Автор Иван Петров", ["Иван Петров"]),
        ("Yazan Ayşe Yılmaz", ["Ayşe Yılmaz"]),
        ("Scritto da Marco Rossi", ["Marco Rossi"]),
        ("Geschrieben von Lars Meier", ["Lars Meier"]),
        ("Escrito por Ana García", ["Ana García"]),
        # One capitalised word after "Di" / "Von" is the rest of a surname.
        ("Di Maio", ["Di Maio"]),
        ("Von Trotha", ["Von Trotha"]),
        ("By Reuters", ["Reuters"]),
        ("By Madonna", ["Madonna"]),
        # Date labels, share links and author labels are no names.
        ("Veröffentlicht am 27.04.24 um 07:39 Uhr", []),
        ("Herr Rein Veröffentlicht am", ["Herr Rein"]),
        ("Jane Doe Published", ["Jane Doe"]),
        ("Güncelleme", []),
        ("Twitter Facebook", []),
        ("E-Mail", []),
        ("Über den Autor", []),
        # An agency's share in a byline is credited.
        ("Par Jean Dupont (avec AFP)", ["Jean Dupont", "AFP"]),
        ("Jane Doe mit Material von dpa", ["Jane Doe", "dpa"]),
        ("Ana García, con información de EFE", ["Ana García", "EFE"]),
        ("Jane Doe with additional reporting from Reuters", ["Jane Doe", "Reuters"]),
        ("avec AFP", ["AFP"]),
        ("Maria Costa / Lusa", ["Maria Costa", "Lusa"]),
        # Beside a full name, a filing place after a dash or a comma is no name.
        ("Jane Doe, Kyiv", ["Jane Doe"]),
        ("Mehmet Yılmaz - İstanbul", ["Mehmet Yılmaz"]),
        ("حسام أبو العلا - القاهرة", ["حسام أبو العلا"]),
        ("Jane Doe – Staff Writer", ["Jane Doe"]),
        ("Jane Doe | Jan 5 2024", ["Jane Doe"]),
        # A one-word credit alone is kept: the page names no one else.
        ("Tobi", ["Tobi"]),
        ("Jean-Pierre Dupont", ["Jean-Pierre Dupont"]),
    ],
)
def test_bylines_in_many_languages_and_shapes(value, expected):
    assert clean_authors([value]) == expected


def test_the_outlets_name_glued_to_a_writers_goes():
    assert clean_authors(["Adam Aaronson PhillyVoice"], ["PhillyVoice"]) == ["Adam Aaronson"]
    assert clean_authors(["Lena Vogt Courier"], url="https://www.courier.example/2024/story") == [
        "Lena Vogt"
    ]
    # A two-word name stays whole even where its second word is the site's name.
    assert clean_authors(["Jan Courier"], ["Courier"]) == ["Jan Courier"]
