"""Choosing a passphrase: one weak passphrase must not open everything offline.

Against a seized database the passphrase is the only barrier before the
personal key, the TOTP secret and every group key sealed to the account. So a
passphrase is accepted only when it is five or more words of the EFF list or
zxcvbn scores it 4, wherever it is chosen: `portal user add`, an invitation,
the first admin's setup link and "change passphrase". An older, weaker
passphrase still signs in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from crypto.words import listed_word_count, word_list
from portal.core import authentication, invitations
from portal.store import Store
from portal.store.models import Account, Role
from tests.support.command import portal
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import csrf_token
from tests.support.people import PASSPHRASE, Person, create_person, join, log_in

SCORE_3 = "Chelsea2010!!"
WEAK = [
    pytest.param("Jessica12345!", id="Jessica12345!"),
    pytest.param("Summer2024!!", id="Summer2024!!"),
    pytest.param(SCORE_3, id="score-3"),
]
# zxcvbn scores each of these 4, judging every word as random letters; an
# attacker tries them among the first (famous, in order, or all common words).
GUESSED_FIRST = [
    "correct horse battery staple",
    "the quick brown fox jumps over the lazy dog",
    "mary had a little lamb its fleece was white",
    "twinkle twinkle little star how I wonder",
    "monday tuesday wednesday thursday friday",
    "one two three four five six",
    "alpha bravo charlie delta echo",
    "abacus abdomen abdominal abide abiding",  # the first five words of the list
    "ilovemydog2019",
]
FIVE_WORDS = "abacus zoom velvet mango ladder"
SCORE_4 = "Granite-Pelican-Umbrella-Softly-7"
STRONG = [
    pytest.param(FIVE_WORDS, id="five-listed-words"),
    pytest.param(SCORE_4, id="score-4"),
]
SUGGESTED = re.compile(r'<p class="suggested-words">(.*?)</p>', re.S)
# Words a refusal must not lean on: the person choosing is not a cryptographer.
JARGON = ("zxcvbn", "score", "entropy", "bits", "EFF")


def test_the_examples_are_what_they_claim_to_be() -> None:
    assert [zxcvbn(p)["score"] for p in ("Jessica12345!", "Summer2024!!", SCORE_3)] == [3, 3, 3]
    assert zxcvbn(SCORE_4)["score"] == 4
    assert listed_word_count(SCORE_4) < 5
    assert listed_word_count(FIVE_WORDS) == 5


def _assert_plain_refusal(message: str) -> None:
    assert "too easy to guess" in message
    assert "five or more unrelated words" in message
    # Offered words and a key's fingerprint are random list words ("scorecard"): not prose.
    prose = re.sub(r'<p class="(?:fingerprint|suggested-words)">.*?</p>', "", message, flags=re.S)
    # Nor are the random TOTP key, tokens and the QR code's data ("EFF" is in some of them).
    prose = re.sub(r'<p class="totp-key".*?</p>|="[^"]*"|<svg.*?</svg>', "", prose, flags=re.S)
    assert not any(word in prose for word in JARGON), message


def _suggestion(page: str) -> str:
    shown = SUGGESTED.search(page)
    assert shown, "no passphrase offered on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", shown.group(1)).split())


def _count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


# The rule itself


@pytest.mark.parametrize("passphrase", WEAK)
def test_a_weak_passphrase_is_refused_in_plain_words(passphrase: str) -> None:
    with pytest.raises(authentication.AccountError) as refused:
        authentication.check_passphrase(passphrase, "dana")
    _assert_plain_refusal(str(refused.value))


@pytest.mark.parametrize("passphrase", GUESSED_FIRST)
def test_what_an_attacker_would_guess_first_is_refused_though_zxcvbn_scores_it_4(
    passphrase: str,
) -> None:
    assert zxcvbn(passphrase)["score"] == 4
    with pytest.raises(authentication.AccountError) as refused:
        authentication.check_passphrase(passphrase, "dana")
    _assert_plain_refusal(str(refused.value))


@pytest.mark.parametrize("passphrase", STRONG)
def test_five_listed_words_or_a_score_of_4_is_accepted(passphrase: str) -> None:
    authentication.check_passphrase(passphrase, "dana")


def test_five_listed_words_count_only_when_they_are_different() -> None:
    with pytest.raises(authentication.AccountError, match="too easy to guess"):
        authentication.check_passphrase("velvet velvet velvet velvet velvet", "dana")


def test_the_name_as_a_word_is_refused_but_not_inside_another_word() -> None:
    with pytest.raises(authentication.AccountError, match="contains the account name"):
        authentication.check_passphrase("Ann1990 abacus zoom velvet mango ladder", "ann")
    authentication.check_passphrase("annex abacus zoom velvet mango", "ann")


# Every place a passphrase is chosen


@pytest.mark.parametrize("passphrase", WEAK)
def test_portal_user_add_refuses_a_weak_passphrase(
    store: Store, cli_instance: Instance, passphrase: str
) -> None:
    result = portal(
        "user", "add", "dana", "--role", "advocate", "--passphrase-stdin", stdin=passphrase + "\n"
    )
    assert result.exit_code == 1
    _assert_plain_refusal(result.output)
    assert "otpauth://" not in result.output
    assert _count(store) == 0


@pytest.mark.parametrize("passphrase", STRONG)
def test_portal_user_add_accepts_a_strong_passphrase(
    store: Store, cli_instance: Instance, passphrase: str
) -> None:
    result = portal(
        "user", "add", "dana", "--role", "advocate", "--passphrase-stdin", stdin=passphrase + "\n"
    )
    assert result.exit_code == 0, result.output
    assert _count(store) == 1


def _invitation(store: Store, role: Role = Role.ADVOCATE) -> str:
    with store.session() as session:
        token = invitations.create(session, role, actor="test")
    return f"/admin/join/{token}"


def _first_admin_link(store: Store) -> str:
    with store.session() as session:
        token = invitations.first_admin_link(session)
        session.commit()
    return f"/admin/join/{token}"


JOIN_PAGES: dict[str, Callable[[Store], str]] = {
    "invitation": _invitation,
    "first-admin-setup": _first_admin_link,
}


def _join(client: FlaskClient, path: str, passphrase: str, suggestion: str = "") -> str:
    response, _ = join(client, path, "dana", passphrase, suggestion=suggestion)
    return str(response.get_data(as_text=True))


@pytest.mark.parametrize("page", JOIN_PAGES)
@pytest.mark.parametrize("passphrase", WEAK)
def test_the_join_pages_refuse_a_weak_passphrase_and_keep_the_name(
    client: FlaskClient, store: Store, page: str, passphrase: str
) -> None:
    answer = _join(client, JOIN_PAGES[page](store), passphrase)
    _assert_plain_refusal(answer)
    assert 'value="dana"' in answer  # what was typed in the name box comes back
    assert passphrase not in answer  # the passphrase is never shown back
    assert "Your account is ready" not in answer
    assert _count(store) == 0


@pytest.mark.parametrize("page", JOIN_PAGES)
@pytest.mark.parametrize("passphrase", STRONG)
def test_the_join_pages_accept_a_strong_passphrase(
    client: FlaskClient, store: Store, page: str, passphrase: str
) -> None:
    assert "Your account is ready" in _join(client, JOIN_PAGES[page](store), passphrase)
    assert _count(store) == 1


def _change(client: FlaskClient, person: Person, new: str, suggestion: str = "") -> str:
    token = csrf_token(client, "/advocate/passphrase")
    data = {"csrf_token": token, "current": person.passphrase, "new": new, "confirm": new}
    response = client.post("/advocate/passphrase", data={**data, "suggestion": suggestion})
    return response.get_data(as_text=True)


@pytest.mark.parametrize("passphrase", WEAK)
def test_changing_to_a_weak_passphrase_is_refused_and_the_old_one_still_works(
    app: Flask, advocate: Person, advocate_client: FlaskClient, passphrase: str
) -> None:
    answer = _change(advocate_client, advocate, passphrase)
    _assert_plain_refusal(answer)
    assert "has been changed" not in answer
    assert log_in(app.test_client(), advocate).status_code == 303


@pytest.mark.parametrize("passphrase", STRONG)
def test_changing_to_a_strong_passphrase_is_accepted(
    app: Flask, advocate: Person, advocate_client: FlaskClient, passphrase: str
) -> None:
    assert "has been changed" in _change(advocate_client, advocate, passphrase)
    advocate.passphrase = passphrase
    assert log_in(app.test_client(), advocate).status_code == 303


# The passphrase offered on the page


def test_the_join_page_offers_six_listed_words_different_each_time(
    client: FlaskClient, store: Store
) -> None:
    path = _invitation(store)
    offered = [_suggestion(client.get(path).get_data(as_text=True)) for _ in range(5)]
    assert len(set(offered)) == 5
    for words in offered:
        assert len(words.split(" ")) == 6
        assert set(words.split(" ")) <= set(word_list())
        assert listed_word_count(words) >= 5


def test_the_offered_passphrase_creates_an_account_that_signs_in(
    app: Flask, client: FlaskClient, store: Store
) -> None:
    path = _invitation(store)
    offered = _suggestion(client.get(path).get_data(as_text=True))
    response, set_up = join(client, path, "dana", offered, suggestion=offered)
    assert "Your account is ready" in response.get_data(as_text=True)
    with store.session() as session:
        account_id = session.scalars(select(Account.id)).one()
    dana = Person("dana", Role.ADVOCATE, offered, set_up.totp, account_id, _offset=1)
    assert log_in(app.test_client(), dana).status_code == 303


def test_the_change_page_offers_new_words_each_time_and_they_are_accepted(
    app: Flask, advocate: Person, advocate_client: FlaskClient
) -> None:
    pages = [advocate_client.get("/advocate/passphrase").get_data(as_text=True) for _ in range(3)]
    offered = [_suggestion(page) for page in pages]
    assert len(set(offered)) == 3
    assert "has been changed" in _change(advocate_client, advocate, offered[0], offered[0])
    advocate.passphrase = offered[0]
    assert log_in(app.test_client(), advocate).status_code == 303


def test_a_refused_form_offers_the_same_words_again(client: FlaskClient, store: Store) -> None:
    # Someone who copied the words down and mistyped them must not be given new ones.
    path = _invitation(store)
    offered = _suggestion(client.get(path).get_data(as_text=True))
    answer = _join(client, path, "Jessica12345!", suggestion=offered)
    assert _suggestion(answer) == offered


@pytest.mark.parametrize(
    "sent_back",
    ["Jessica12345!", "abacus zoom velvet mango ladder", "<b>abacus</b> zoom velvet mango ladder"],
)
def test_a_form_sent_back_with_other_words_offers_new_ones(
    client: FlaskClient, store: Store, sent_back: str
) -> None:
    answer = _join(client, _invitation(store), "Jessica12345!", suggestion=sent_back)
    assert _suggestion(answer) != sent_back
    assert "Jessica12345!" not in answer


# Older passphrases


def test_an_older_weaker_passphrase_still_signs_in(
    app: Flask, store: Store, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = create_person(store, instance, "olive", Role.ADVOCATE)
    # Chosen before this rule: a passphrase zxcvbn scores 3.
    with monkeypatch.context() as before_the_rule, store.session() as session:
        before_the_rule.setattr(authentication, "check_passphrase", lambda passphrase, name: None)
        authentication.change_passphrase(
            session, person.account_id, PASSPHRASE, "Jessica12345!", CHEAP_ARGON2
        )
    person.passphrase = "Jessica12345!"
    assert log_in(app.test_client(), person).status_code == 303
