"""When a text says it is: its own date near the start, the years it names, topic periods."""

from __future__ import annotations

import pytest

from crawler.textfold import fold
from crawler.texttime import (
    ceasefire_time,
    checkpoint_time,
    gas_cut_time,
    out_of_period,
    text_time,
    withdrawal_time,
    years_back,
)

BLOCKADE = ((2022, 12), (2023, 9))


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("\ndate 2022-08 Laçın yolu", (2022, 8)),
        ("\n23.01.2023\nЭкоактивисты продолжают акцию.", (2023, 1)),
        ("\nTarix: 21-02-2023, 09:26", (2023, 2)),
        ("Ереван, 29 декабря, 2020, 19:52 — ИА Регнум\nТекст.", (2020, 12)),
        ("\n17 мая 2024, 11:44\nТекст.", (2024, 5)),
        ("\nNov 09, 2020\nText.", (2020, 11)),
        ("\n2020 թվականի նոյեմբերի 9\nՏեքստ։", (2020, 11)),
        ("\n12 sentyabr 2021-ci il\nMətn.", (2021, 9)),
        # Inside a sentence, a month-name date is another event, not the text's.
        (
            "\nAzerbaijan installed a checkpoint, a breach of the statement of November 9, 2020.",
            None,
        ),
        ("\nNo date here at all.", None),
    ],
)
def test_the_texts_own_date(text, own):
    assert text_time(text)[0] == own


@pytest.mark.parametrize(
    "title",
    [
        "Putin recalled the presence of peacekeepers in Karabakh until November 2025",
        "Путин: миротворцы останутся в Карабахе до ноября 2025 года",
        "Խաղաղապահները Ղարաբաղում կմնան մինչև 2025 թվականի նոյեմբեր",
        "Sülhməramlılar Qarabağda 2025-ci ilin noyabrına qədər qalacaq",
    ],
)
def test_a_deadline_in_the_title_is_not_the_texts_own_date(title):
    # The date a span ends at is in the future of the text, not when it speaks from.
    assert text_time(title + "\nText.", len(title))[0] is None
    undated = title.replace("until ", "in ").replace("до ", "в ").replace("մինչև ", "")
    undated = undated.replace("noyabrına qədər", "noyabrında")
    assert text_time(undated + "\nText.", len(undated))[0] == (2025, 11)


def test_the_own_date_is_looked_for_near_the_start_only():
    text = "\n" + "Words without a date. " * 30 + "\n2019-05-01"
    assert text_time(text)[0] is None


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("\nIn 1992 and again in 1994 the corridor opened.", [1992, 1994]),
        ("\nНа пункте находятся 2000 гражданских лиц.", []),  # a count, not a year
        ("\nВ 2000 году всё было иначе.", [2000]),
        ("\nPrice: 1,995 drams; call 2023.", [2023]),
        # A round number with a case ending is a count too; with a year ending, a year.
        ("\nPostdan 2000-dən çox maşın keçib, 2000-ci ildə isə yox.", [2000]),
        ("\nԱնցակետով անցել է 2000-ից ավելի մեքենա։", []),
    ],
)
def test_the_years_a_text_names(text, years):
    assert text_time(text)[1] == years


@pytest.mark.parametrize(
    ("own", "years", "outside"),
    [
        ((2022, 8), [2022], True),  # dated before the period
        ((2023, 4), [2020], False),  # dated inside, background year before
        ((2024, 2), [], True),  # dated after
        (None, [1992, 1994], True),  # only years well before
        (None, [2020], False),  # the year of the war that set the scene
        (None, [], False),  # nothing said: the rules decide
    ],
)
def test_out_of_period(own, years, outside):
    assert out_of_period(BLOCKADE, own, years) is outside


@pytest.mark.parametrize(
    ("own", "years", "published", "outside"),
    [
        (None, [], (2022, 8), True),  # published before the period
        (None, [2020], (2023, 2), False),  # published inside, background year
        # Published inside, but every year named is long before: an anniversary piece.
        (None, [1992], (2023, 2), True),
        ((2023, 2), [1992], (2025, 2), False),  # the text's own date decides
    ],
)
def test_out_of_period_with_the_publication_date(own, years, published, outside):
    assert out_of_period(BLOCKADE, own, years, published) is outside


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("23 years ago today Berdzor was liberated", [23]),
        ("the 30th anniversary of the liberation of Shushi", [30]),
        ("25 лет назад был открыт Лачинский коридор", [25]),
        ("30-летие освобождения Шуши", [30]),
        ("23 տարի առաջ այս օրն ազատագրվեց Բերձորը", [23]),
        ("Շուշիի ազատագրման 30-ամյակը", [30]),
        ("Laçının işğalından 22 il əvvəl", [22]),
        ("Xocalı faciəsinin 31-ci ildönümü", [31]),
        # Counts and years are not looking back.
        ("в 2020 году 5 человек погибли", []),
        ("2000 civilians left", []),
    ],
)
def test_how_many_years_a_text_looks_back(text, back):
    assert [n for _, n in years_back(fold(text))] == back


@pytest.mark.parametrize(
    ("text", "when"),
    [
        (
            "Recall that on November 9 the leaders signed a statement on a full ceasefire.",
            (2020, 11),
        ),
        ("Под заявлением от 10 ноября стоят подписи трех лидеров.", (2020, 11)),
        (
            "Հիշեցնենք, որ նոյեմբերի 9-ին երեք երկրների ղեկավարները պայմանավորվածություն են "
            "ձեռք բերել։",
            (2020, 11),
        ),
        ("Rusiya sülhməramlıları noyabrın 10-da imzalanmış bəyanatdan sonra gəlib.", (2020, 11)),
        # With its year the statement dates nothing: any later text names it so.
        ("The statement of 9 November 2020 set up the corridor.", None),
        ("2020 թվականի նոյեմբերի 10-ի հայտարարությունը", None),
        ("10 noyabr 2020-ci il tarixli üçtərəfli bəyanat", None),
        # Another day of November, or the day with no statement near, is no cue.
        ("The statement was signed on November 12.", None),
        ("On November 9 the school reopened after repairs.", None),
    ],
)
def test_the_ceasefire_named_by_its_day_alone(text, when):
    assert ceasefire_time(text) == when


# The contingent's withdrawal (April 2024) and the gas cut of 8 March 2022 named
# without a year date a text to their months, as the ceasefire's day does.
@pytest.mark.parametrize(
    ("cue", "text", "when"),
    [
        (
            withdrawal_time,
            "The withdrawal of the Russian peacekeepers from Karabakh has begun.",
            (2024, 4),
        ),
        (withdrawal_time, "Russian peacekeepers left Karabakh for Goris on Monday.", (2024, 4)),
        (withdrawal_time, "Начался вывод российских миротворцев из Карабаха.", (2024, 4)),
        (withdrawal_time, "Ռուս խաղաղապահների դուրսբերումը Ղարաբաղից սկսվել է։", (2024, 4)),
        (
            withdrawal_time,
            "Rusiya sülhməramlılarının Qarabağdan çıxarılması başa çatıb.",
            (2024, 4),
        ),
        # Peacekeepers doing anything else, or a withdrawal of someone else, is no cue;
        # nor is a fear that they will leave.
        (withdrawal_time, "Residents fear the Russian peacekeepers will leave Karabakh.", None),
        (withdrawal_time, "Komandan sülhməramlıların qarşısına çıxıb danışıb.", None),
        (withdrawal_time, "Russian peacekeepers escorted the buses to Stepanakert.", None),
        (withdrawal_time, "Armenian units withdrew from Kelbajar; the buses left at noon.", None),
        (
            withdrawal_time,
            "Миротворцы сопроводили колонну. Армянские войска начали вывод техники.",
            None,
        ),
        (
            gas_cut_time,
            "В ночь на 8 марта в результате повреждения газопровода прекращена подача газа.",
            (2022, 3),
        ),
        (
            gas_cut_time,
            "Ադրբեջանը մարտի 8-ին վթարված գազատարի հատվածում թույլ չէր տալիս աշխատանքներ։",
            (2022, 3),
        ),
        (gas_cut_time, "Gas supply was cut on March 8 after the pipeline was damaged.", (2022, 3)),
        (gas_cut_time, "Martın 8-də qaz kəməri zədələnib.", (2022, 3)),
        # Armenian names the night by the day it dawns on: "the night of (7 to) 8 March".
        (gas_cut_time, "Մարտի լույս 8-ի գիշերը գազատարը վնասվել է։", (2022, 3)),
        (gas_cut_time, "Մարտի 7-ի լույս 8-ի գիշերը գազատարը վնասվել է։", (2022, 3)),
        (gas_cut_time, "Մարտի 7-ի լույս 9-ի գիշերը գազատարը վնասվել է։", None),
        (
            ceasefire_time,
            "Նոյեմբերի 9-ի լույս 10-ի գիշերը ստորագրված հայտարարությունը։",
            (2020, 11),
        ),
        # With its year the day dates nothing; 8 March without gas is Women's Day.
        (gas_cut_time, "On 8 March 2022 the gas pipeline was damaged.", None),
        (gas_cut_time, "8 марта газета поздравила читательниц.", None),
        (gas_cut_time, "On March 8 the school celebrated the holiday.", None),
        # The Lachin border checkpoint dates a text from April 2023; a checkpoint of the
        # contingent in the corridor, or "the Lachin checkpoint" alone, dates nothing.
        (checkpoint_time, "Колонна стоит напротив ПП «Лачин».", (2023, 4)),
        (checkpoint_time, "Laçın sərhəd-buraxılış məntəqəsindən keçib.", (2023, 4)),
        (checkpoint_time, "Trucks wait before the Lachin border checkpoint.", (2023, 4)),
        (checkpoint_time, "Բեռնատարները կանգնած են Լաչինի սահմանային անցակետի մոտ։", (2023, 4)),
        (checkpoint_time, "An incident near the Lachin checkpoint of the peacekeepers.", None),
        (checkpoint_time, "Լաչինի անցակետի մոտ տեղի ունեցած միջադեպ։", None),
    ],
)
def test_an_event_named_without_its_year_dates_a_text(cue, text, when):
    assert cue(text) == when
