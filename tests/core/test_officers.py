"""One officer written in different ways gets the same identifiers, and only within a force."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core import officers
from portal.core.officers import KNOWN_FORCES, identifiers, officer_identifiers
from portal.core.search import UNKNOWN_FORCES
from portal.core.vocabulary import FORCES

KENT = "Kent Police"
ESSEX = "Essex Police"


@pytest.mark.parametrize("number", ["PC 4471", "4471", "pc4471", " 4471 ", "P.C. 4471", "PC-4471"])
def test_one_collar_number_written_differently_gives_one_identifier(number: str) -> None:
    assert identifiers(KENT, "", number) == ["v1|Kent Police|number|4471"]


@pytest.mark.parametrize(
    ("number", "canonical"),
    [
        ("Ch Supt 12", "12"),
        ("DCS 9", "9"),
        ("Officer 4471", "4471"),
        ("Constable 4471", "4471"),
        ("No. 4471", "4471"),
        ("Sgt. No 4471", "4471"),
        ("\uff14\uff14\uff17\uff11", "4471"),  # full-width digits, as some keyboards type them
    ],
)
def test_a_run_of_ranks_or_no_before_the_number_is_dropped(number: str, canonical: str) -> None:
    assert identifiers(KENT, "", number) == [f"v1|Kent Police|number|{canonical}"]


@pytest.mark.parametrize(("number", "canonical"), [("4471AB", "4471ab"), ("PC 4471 ab", "4471ab")])
def test_letters_left_in_a_number_are_kept(number: str, canonical: str) -> None:
    assert identifiers(KENT, "", number) == [f"v1|Kent Police|number|{canonical}"]
    assert identifiers(KENT, "", number) != identifiers(KENT, "", "4471")


@pytest.mark.parametrize("number", ["PC", "unknown", "don't know", "-", "  "])
def test_a_number_without_a_digit_is_no_number(number: str) -> None:
    assert identifiers(KENT, "", number) == []


@pytest.mark.parametrize(
    "name", ["Dan Hart", "HART, Daniel", "Daniel  Hárt", "Sgt Daniel Hart", "D. Hart"]
)
def test_one_name_written_differently_gives_one_identifier(name: str) -> None:
    assert identifiers(KENT, name, "") == ["v1|Kent Police|name|hart|d"]


@pytest.mark.parametrize(
    "name",
    [
        "D.Hart",
        "Mr D Hart",
        "Detective Sergeant Daniel Hart",
        "Hart, PC Daniel",
        "HART D",  # surname first, the way police lists write it
        "\uff24\uff41\uff4e \uff28\uff41\uff52\uff54",  # full-width letters
    ],
)
def test_initials_titles_and_order_do_not_change_a_name(name: str) -> None:
    assert identifiers(KENT, name, "") == ["v1|Kent Police|name|hart|d"]


@pytest.mark.parametrize(
    ("names", "surname", "initial"),
    [
        (["Anna Smith-Jones", "SMITH JONES, Anna", "Smith\u2013Jones, A."], "smithjones", "a"),
        (["Dan O'Brien", "O\u2019BRIEN, D"], "obrien", "d"),
        (["Anna van der Berg", "Van der Berg, Anna", "A. Van Der Berg"], "vanderberg", "a"),
        (["Da Silva", "DA SILVA", "PC Da Silva"], "dasilva", ""),
    ],
)
def test_a_surname_in_several_parts_is_one_word(
    names: list[str], surname: str, initial: str
) -> None:
    for name in names:
        assert identifiers(KENT, name, "") == [f"v1|Kent Police|name|{surname}|{initial}"], name


def test_a_surname_alone_has_an_empty_initial() -> None:
    assert identifiers(KENT, "Hart", "") == ["v1|Kent Police|name|hart|"]
    assert identifiers(KENT, "Sgt Hart", "") == ["v1|Kent Police|name|hart|"]
    assert identifiers(KENT, "Hart,", "") == ["v1|Kent Police|name|hart|"]


def test_a_first_name_does_not_become_the_surname() -> None:
    assert identifiers(KENT, "Daniel Hart", "") != identifiers(KENT, "Hart Daniel", "")
    assert identifiers(KENT, "Dan Hart", "") != identifiers(KENT, "Sam Hart", "")


@pytest.mark.parametrize("name", ["PC", "Detective Sergeant", "Mr", "  ", "4471", "PC D", "..."])
def test_a_name_that_is_only_a_title_or_an_initial_is_no_name(name: str) -> None:
    assert identifiers(KENT, name, "") == []


def test_a_name_and_a_number_give_both_number_first() -> None:
    assert identifiers(KENT, "PC Dan Hart", "PC 4471") == [
        "v1|Kent Police|number|4471",
        "v1|Kent Police|name|hart|d",
    ]


def test_empty_name_and_number_give_nothing() -> None:
    assert identifiers(KENT, "", "") == []


def test_another_force_gives_other_identifiers() -> None:
    kent = identifiers(KENT, "Dan Hart", "4471")
    essex = identifiers(ESSEX, "Dan Hart", "4471")
    assert len(kent) == len(essex) == 2
    assert set(kent).isdisjoint(essex)


@pytest.mark.parametrize(
    "force", [*sorted(UNKNOWN_FORCES), "Kent", "kent police", "Kent Police|number|1", "Atlantis"]
)
def test_an_unknown_force_gives_nothing(force: str) -> None:
    assert identifiers(force, "Dan Hart", "4471") == []


def test_every_force_the_form_offers_is_known_but_the_unknown_answers() -> None:
    offered = {code for code, _ in FORCES}
    assert offered - KNOWN_FORCES == UNKNOWN_FORCES
    assert offered >= KNOWN_FORCES
    assert not any("|" in force for force in KNOWN_FORCES)


def test_an_accounts_officers_give_their_identifiers_in_order_each_once() -> None:
    account: dict[str, Any] = {
        "force": KENT,
        "officers": [
            {"name": "Dan Hart", "number": "PC 4471", "rank": "", "role": ""},
            {"name": "", "number": "", "rank": "Sergeant", "role": "on-duty"},
            {"name": "HART, Daniel", "number": "4471"},
            {"name": "Sam Cole", "number": None},
            {"name": "PC", "number": "4471AB"},
        ],
    }
    assert officer_identifiers(account) == [
        "v1|Kent Police|number|4471",
        "v1|Kent Police|name|hart|d",
        "v1|Kent Police|name|cole|s",
        "v1|Kent Police|number|4471ab",
    ]


@pytest.mark.parametrize(
    "account",
    [
        {},
        {"force": KENT},
        {"force": KENT, "officers": None},
        {"force": KENT, "officers": []},
        {"force": KENT, "officers": ["Dan Hart", 4471, None]},
        {"force": "unknown", "officers": [{"name": "Dan Hart", "number": "4471"}]},
        {"force": None, "officers": [{"name": "Dan Hart", "number": "4471"}]},
    ],
)
def test_an_account_without_officers_in_a_known_force_gives_nothing(
    account: dict[str, Any],
) -> None:
    assert officer_identifiers(account) == []


# The blind index's rules moved here unchanged: reports already indexed keep their tags.
@pytest.mark.parametrize(
    ("number", "normalised"),
    [("PC 4471", "4471"), ("DCS 123", "dcs123"), ("Ch Supt 12", "chsupt12"), ("PC", "pc")],
)
def test_the_index_numbers_are_as_before(number: str, normalised: str) -> None:
    assert officers.normalise_number(number) == normalised


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("Sgt Daniel Hárt", "daniel hart"), ("Smith-Jones", "jones smith"), ("Mr D. Hart", "d hart")],
)
def test_the_index_names_are_as_before(name: str, normalised: str) -> None:
    assert officers.normalise_name(name) == normalised
