"""Headlines without the site name."""

from __future__ import annotations

import pytest

from crawler.extraction.titles import (
    best_title,
    host_names,
    strip_site_name,
    untruncated,
    visible_headline,
    without_kicker,
)


@pytest.mark.parametrize(
    ("title", "site_names", "url", "expected"),
    [
        (
            "Blockade enters day 50 | Asbarez",
            [],
            "https://asbarez.com/x/",
            "Blockade enters day 50",
        ),
        (
            "Blockade enters day 50 | Asbarez.com",
            [],
            "https://asbarez.com/x/",
            "Blockade enters day 50",
        ),
        (
            "Pashinyan meets Aliyev in Brussels - Armenpress",
            [],
            "https://armenpress.am/eng/news/1.html",
            "Pashinyan meets Aliyev in Brussels",
        ),
        (
            "Миротворцы доставили груз — ТАСС",
            ["ТАСС"],
            "https://tass.ru/x",
            "Миротворцы доставили груз",
        ),
        (
            "Peacekeepers escort convoy — TASS",
            [],
            "https://tass.com/world/1",
            "Peacekeepers escort convoy",
        ),
        (
            "NEWS.am :: Жители вышли на акцию",
            [],
            "https://news.am/rus/news/1.html",
            "Жители вышли на акцию",
        ),
        (
            "Headline here | Section | The Armenian Weekly",
            ["The Armenian Weekly"],
            None,
            "Headline here | Section",
        ),
        ("Laçın yolu | Report.az", ["Report.az"], "https://report.az/x", "Laçın yolu"),
        (
            "Story title – Armenian News Agency",
            ["Armenpress News Agency"],
            "https://armenpress.am/x",
            "Story title – Armenian News Agency",
        ),
    ],
)
def test_site_name_is_stripped(title, site_names, url, expected):
    assert strip_site_name(title, site_names, url) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Armenia - Azerbaijan talks resume in Washington",
        "Nagorno-Karabakh: what the blockade means",
        "Take C.A.R.E. - comwrap auf der DMEXCO 2018",
        "Armenian - Turkish border to open for aid trucks",
    ],
)
def test_separators_inside_headlines_stay(title):
    # The host names the site only when the segment *is* the site name.
    assert strip_site_name(title, [], "https://armenianweekly.com/a") == title
    assert strip_site_name(title, [], "https://blog.comwrap.com/a") == title


def test_separator_in_headline_and_site_suffix():
    title = "Armenia - Azerbaijan talks resume - Armenpress"
    assert (
        strip_site_name(title, ["Armenpress"], "https://armenpress.am/x")
        == "Armenia - Azerbaijan talks resume"
    )


def test_the_page_heading_decides():
    # Nothing names the site, but the <h1> is the title without the segment.
    assert (
        strip_site_name("Ceasefire holds | Daily Brief", [], None, headings=["Ceasefire holds"])
        == "Ceasefire holds"
    )
    # The <h1> is the whole title, separator included: nothing is cut.
    assert (
        strip_site_name(
            "Yerevan - Stepanakert", ["Yerevan"], None, headings=["Yerevan - Stepanakert"]
        )
        == "Yerevan - Stepanakert"
    )


def test_visible_headline_is_the_heading_the_title_tag_repeats():
    headings = ["MassisPost", "Peacekeepers decline to escort convoy"]
    assert (
        visible_headline(
            "Peacekeepers decline to escort convoy | MassisPost", headings, ["MassisPost"], None
        )
        == headings[1]
    )
    assert visible_headline("Something else | MassisPost", headings, ["MassisPost"], None) is None
    assert visible_headline(None, headings, [], None) is None


def test_best_title_takes_the_first_usable_candidate():
    assert best_title([None, "  ", "Headline - SlashGear"], ["SlashGear"]) == "Headline"
    assert best_title([None], [], headings=["  From the h1  "]) == "From the h1"
    assert best_title([], []) is None


def test_host_names():
    assert host_names("https://www.armenpress.am/eng/") == ["armenpress", "armenpressam"]
    assert host_names("https://news.am/rus/") == ["news", "newsam"]
    assert host_names(None) == []


def test_a_kicker_the_social_title_leaves_out_is_dropped():
    og = "Trump spricht nach Tanker-Stürmung über Bodeneinsätze"
    assert without_kicker(f'"Es wird bald beginnen": {og}', [og]) == og
    assert without_kicker(f"Südkaukasus – {og}", [og]) == og
    # No separator: the shorter title is a different headline, not the same one without a kicker.
    assert without_kicker(f"Heute {og}", [og]) == f"Heute {og}"
    assert without_kicker(og, ["Bodeneinsätze"]) == og


def test_the_publishers_headline_comes_before_the_visible_one():
    # <title> and <h1> agree on a wording the publisher's declared headline does not use.
    assert (
        best_title(
            ["Declared headline of the story", "Declared headline of the story", None],
            [],
            headings=["Another wording of the story"],
        )
        == "Declared headline of the story"
    )


def test_a_headline_cut_short_gives_way_to_the_whole_one():
    whole = "Sweden tells five million households how to prepare for war"
    assert untruncated("Sweden tells five million households how…", [whole]) == whole
    assert untruncated("Sweden tells five million households how ...", [whole]) == whole
    assert untruncated("Sweden tells households", [whole]) == "Sweden tells households"
    assert best_title(["Sweden tells five million households how…", whole], []) == whole


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Convoy reaches the city | The Courier | by Jane Doe", "Convoy reaches the city"),
        ("Konvoi erreicht die Stadt – von Lars Meier", "Konvoi erreicht die Stadt"),
        ("Le convoi arrive en ville - par Jean Dupont | Courier", "Le convoi arrive en ville"),
        # A headline that itself says "by" keeps it.
        ("Stand by me - a film about the road", "Stand by me - a film about the road"),
    ],
)
def test_a_byline_appended_to_the_title_goes(title, expected):
    assert strip_site_name(title, ["The Courier", "Courier"], "https://courier.example/a") == (
        expected
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # The host's name with an article before it or a word after it, no name declared.
        ("The Daily Courier: Convoy reaches the city", "Convoy reaches the city"),
        ("Convoy reaches the city — The Daily Courier", "Convoy reaches the city"),
        ("Convoy reaches the city – Daily Courier Online", "Convoy reaches the city"),
        # More separators, and a trailing segment that names only the kind of page.
        ("Convoy reaches the city : The Daily Courier", "Convoy reaches the city"),
        ("Convoy reaches the city ‹ Daily Courier", "Convoy reaches the city"),
        ("Convoy reaches the city // Daily Courier", "Convoy reaches the city"),
        ("Konvoi erreicht die Stadt » Nachrichten » Daily Courier", "Konvoi erreicht die Stadt"),
        ("Конвой достиг города | Новости", "Конвой достиг города"),
        # A kicker or a colon in the headline itself stays.
        ("Ukraine : la ville résiste", "Ukraine : la ville résiste"),
        ("Ukraine: the city holds", "Ukraine: the city holds"),
        ("Courier wins award", "Courier wins award"),
    ],
)
def test_site_names_found_by_the_host_alone(title, expected):
    assert strip_site_name(title, [], "https://www.dailycourier.com/news/x") == expected
