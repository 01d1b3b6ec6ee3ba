"""A report that waits for a match, sealed in the survivor's browser: the page asks for the
release public key of each identifier her officers give, seals the data key to each, and
the server builds the escrow entry with those seals. It never has the data key, and a
match releases the report as any other.

The seals are made here with `crypto/` as the browser makes them (js/seal/src/release.js,
checked against Python in tests/crypto/test_browser_vectors.py), their bindings written
out as the browser writes them.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import matching
from crypto.format import Binding
from portal.core.escrow import RELEASE_NEEDS_ADVOCATES, RELEASE_NEEDS_OFFICER
from portal.core.reports import Consent
from portal.core.sealed_reports import NOT_AS_CHOSEN, NOT_WHOLE
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from portal.survivor.forms import FORM_TOO_OLD
from portal.survivor.sealed import ASKED_TOO_OFTEN, EXPIRED, RELEASE_NOT_CHOSEN
from tests.support.escrow import readable
from tests.support.instance import Instance
from tests.support.pages import form_tokens, submit
from tests.support.people import Person, signed_in_as
from tests.support.throttles import hold_still
from tests.survivor.test_sealed_reports import (
    ACCOUNT,
    STATISTICS_ONLY,
    Browser,
    seal_in_browser,
)

WAITING = Consent(advocates_may_read=True, wait_for_match=True)
HER_CONSENT = "consent=1000000"  # what a match applies: the advocates may read, nothing else
# PC D Hart, 4471, as the sealed form sends him: two identifiers, his number and his name.
HART = {"officer_force": "Kent Police", "officer_0_name": "D Hart", "officer_0_number": "4471"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}  # loopback is never throttled


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def ask_keys(
    client: FlaskClient, fields: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    """POST /report/release-keys as the page does: JSON, the CSRF token in a header too."""
    tokens = form_tokens(client)
    body = {**tokens, **fields}
    headers = {"X-CSRFToken": tokens["csrf_token"]} if headers is None else headers
    return client.post("/report/release-keys", json=body, headers=headers, environ_base=ELSEWHERE)


def release_keys(client: FlaskClient, officers: dict[str, str], release: str) -> list[bytes]:
    answer = ask_keys(client, {**officers, "release": release})
    assert answer.status_code == 200, answer.get_json()
    return [base64.b64decode(key) for key in answer.get_json()["keys"]]


def _slot(browser: Browser, number: int, consent: str = HER_CONSENT) -> Binding:
    return Binding("escrow_entries", browser.report_id, f"release/{number}/{consent}")


def seal_escrow(browser: Browser, keys: list[bytes], consent: str = HER_CONSENT) -> None:
    """The data key sealed to each slot's key, as `escrow_<n>` fields."""
    for number, key in enumerate(keys):
        sealed = matching.seal_to_release(key, browser.data_key, _slot(browser, number, consent))
        browser.fields[f"escrow_{number}"] = _b64(sealed)


def post_sealed(client: FlaskClient, browser: Browser, release: str, **consent: str) -> Any:
    """POST /report/sealed as the page does, with her consent boxes and release choice."""
    boxes = consent or {"consent_read": "y"}
    data = {**form_tokens(client), **boxes, **browser.fields}
    data |= {"submission": browser.token, "release": release}
    return client.post("/report/sealed", data=data, environ_base=ELSEWHERE)


def _waiting_browser(
    client: FlaskClient, store: Store, instance: Instance, release: str = "2"
) -> Browser:
    browser = seal_in_browser(store, instance, WAITING)
    browser.fields.update(HART)
    seal_escrow(browser, release_keys(client, HART, release))
    return browser


def _second_report_naming_hart(app: Flask) -> None:
    submit(
        app.test_client(),
        what_happened="He shouted at me outside the station.",
        force="Kent Police",
        **{"officers-0-name": "Dave Hart", "officers-0-number": "PC 4471"},
    )


def test_a_waiting_report_sealed_in_the_browser_is_released_by_a_match_and_read(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    client = app.test_client()
    browser = _waiting_browser(client, store, instance)
    answer = post_sealed(client, browser, "2")
    assert answer.status_code == 200, answer.get_json()
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and report.wait_for_match
        assert {s.group_key.group for s in report.seals} == {Group.RECOVERY}
        assert report.statistics_seal is None
        assert session.get(EscrowEntry, browser.report_id) is not None
    reader = signed_in_as(app, advocate)
    assert readable(store) == set()  # alone, it waits

    _second_report_naming_hart(app)
    reader = signed_in_as(app, advocate)  # a member's sign-in runs matching
    assert browser.report_id in readable(store)
    case = reader.get(f"/advocate/case/{browser.report_id}").get_data(as_text=True)
    assert ACCOUNT["what_happened"] in case
    assert "Released by a match of 2 reports" in case


def _to_other_keys(browser: Browser, keys: list[bytes]) -> None:
    other = matching.release_public_key(int.from_bytes(b"not hers", "big"), 2, bytes(32))
    seal_escrow(browser, [other] * len(keys))


def _to_swapped_slots(browser: Browser, keys: list[bytes]) -> None:
    seal_escrow(browser, keys[::-1])  # his number's seal in his name's slot, and back


def _to_another_consent(browser: Browser, keys: list[bytes]) -> None:
    seal_escrow(browser, keys, "consent=1100000")  # as if she had let the legal team have it


@pytest.mark.parametrize(
    "mislaid",
    [_to_other_keys, _to_swapped_slots, _to_another_consent],
    ids=["another-key", "another-slot", "another-consent"],
)
def test_seals_to_another_key_slot_or_consent_release_nothing(
    app: Flask, store: Store, instance: Instance, advocate: Person, mislaid: Any
) -> None:
    client = app.test_client()
    browser = seal_in_browser(store, instance, WAITING)
    browser.fields.update(HART)
    mislaid(browser, release_keys(client, HART, "2"))
    assert post_sealed(client, browser, "2").status_code == 200  # the server cannot tell
    _second_report_naming_hart(app)
    signed_in_as(app, advocate)
    assert browser.report_id not in readable(store)
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and report.wait_for_match


def test_a_seal_to_another_thresholds_key_releases_nothing(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """Keys asked at 3 and sent with a choice of 2: the entry is for 2, the seals for 3."""
    client = app.test_client()
    browser = _waiting_browser(client, store, instance, release="3")
    assert post_sealed(client, browser, "2").status_code == 200
    _second_report_naming_hart(app)
    signed_in_as(app, advocate)
    assert browser.report_id not in readable(store)


# The keys: one per identifier, in order, and nothing else.


def test_the_keys_answered_are_one_per_identifier_and_the_same_for_every_spelling(
    app: Flask,
) -> None:
    client = app.test_client()
    keys = release_keys(client, HART, "2")
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(len(key) == matching.RELEASE_KEY_SIZE for key in keys)
    respelled = {**HART, "officer_0_name": "HART, Daniel", "officer_0_number": "PC4471"}
    assert release_keys(client, respelled, "2") == keys
    assert set(release_keys(client, HART, "3")).isdisjoint(keys)  # another threshold
    two = {**HART, "officer_1_name": "Sam Reed", "officer_1_number": ""}
    assert release_keys(client, two, "2")[:2] == keys and len(release_keys(client, two, "2")) == 3


def test_asking_for_keys_logs_no_officer(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    release_keys(app.test_client(), {**HART, "officer_0_name": "Obadiah Quillfeather"}, "2")
    assert "Quillfeather" not in caplog.text and "4471" not in caplog.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**HART, "release": "now"}, RELEASE_NOT_CHOSEN),
        ({**HART, "release": "7"}, RELEASE_NOT_CHOSEN),
        (HART, RELEASE_NOT_CHOSEN),
        ({**HART, "officer_3_name": "a fourth", "release": "2"}, NOT_WHOLE),
        ({**HART, "officer_0_name": "H" * 201, "release": "2"}, NOT_WHOLE),
        ({"officer_force": "Kent Police", "release": "2"}, RELEASE_NEEDS_OFFICER),
        ({**HART, "officer_force": "Atlantis Police", "release": "2"}, RELEASE_NEEDS_OFFICER),
        ({**HART, "release": 2}, NOT_WHOLE),
        ({**HART, "release": "2", "submission": "made up"}, FORM_TOO_OLD),
    ],
    ids=[
        "now",
        "seven",
        "no-choice",
        "fourth-officer",
        "long-name",
        "no-officer",
        "unknown-force",
        "not-a-string",
        "old-token",
    ],
)
def test_asking_for_what_the_form_could_not_send_is_refused_in_plain_words(
    app: Flask, fields: dict[str, Any], message: str
) -> None:
    answer = ask_keys(app.test_client(), fields)
    assert answer.status_code == 400
    assert answer.get_json()["problem"] == message


def test_asking_without_the_csrf_header_or_json_is_refused(app: Flask) -> None:
    client = app.test_client()
    answer = ask_keys(client, {**HART, "release": "2"}, headers={})
    assert answer.status_code == 400 and answer.get_json()["problem"] == EXPIRED
    tokens = form_tokens(client)
    headers = {"X-CSRFToken": tokens["csrf_token"]}
    # The last nested deeper than Python's parser goes, which get_json(silent=True) lets through.
    for body in (b"[1, 2]", b"{not json", b"{}" + b" " * 20_000, b"[" * 3000):
        answer = client.post(
            "/report/release-keys", data=body, headers=headers, content_type="application/json"
        )
        assert answer.status_code == 400 and answer.get_json()["problem"] == NOT_WHOLE


def test_asking_for_keys_is_throttled_like_the_report_form(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)
    client = app.test_client()
    for _ in range(20):
        assert ask_keys(client, {**HART, "release": "2"}).status_code == 200
    answer = ask_keys(client, {**HART, "release": "2"})
    assert answer.status_code == 429 and answer.get_json()["problem"] == ASKED_TOO_OFTEN


# What the server checks of a waiting report's seals without a key.


def _fewer(browser: Browser) -> None:
    del browser.fields["escrow_1"]


def _more(browser: Browser) -> None:
    browser.fields["escrow_2"] = browser.fields["escrow_0"]


def _gap(browser: Browser) -> None:
    browser.fields["escrow_3"] = browser.fields.pop("escrow_1")


def _short(browser: Browser) -> None:
    browser.fields["escrow_0"] = _b64(base64.b64decode(browser.fields["escrow_0"])[:-1])


def _of_another_kind(browser: Browser) -> None:
    blob = bytearray(base64.b64decode(browser.fields["escrow_0"]))
    blob[1] = 0x53  # a seal to a group key's kind
    browser.fields["escrow_0"] = _b64(bytes(blob))


@pytest.mark.parametrize(
    "spoil",
    [_fewer, _more, _gap, _short, _of_another_kind],
    ids=["one-fewer", "one-more", "a-gap", "short", "another-kind"],
)
def test_seals_of_the_wrong_count_size_or_kind_are_refused(
    app: Flask, store: Store, instance: Instance, spoil: Any
) -> None:
    client = app.test_client()
    browser = _waiting_browser(client, store, instance)
    spoil(browser)
    answer = post_sealed(client, browser, "2")
    assert answer.status_code == 400 and answer.get_json()["problem"] == NOT_WHOLE
    with store.session() as session:
        assert session.get(Report, browser.report_id) is None


def test_a_waiting_report_needs_the_advocates_and_an_officer_and_no_statistics_yet(
    app: Flask, store: Store, instance: Instance
) -> None:
    client = app.test_client()
    browser = _waiting_browser(client, store, instance)
    unread = post_sealed(client, browser, "2", consent_legal="y")
    assert unread.get_json()["problem"] == RELEASE_NEEDS_ADVOCATES
    nameless = _waiting_browser(client, store, instance)
    nameless.fields.update(officer_0_name="", officer_0_number="")
    assert post_sealed(client, nameless, "2").get_json()["problem"] == RELEASE_NEEDS_OFFICER
    counted = seal_in_browser(store, instance, STATISTICS_ONLY, groups=(Group.RECOVERY,))
    counted.fields.update(HART)
    seal_escrow(counted, release_keys(client, HART, "2"))
    boxes = {"consent_read": "y", "consent_statistics": "y"}
    assert post_sealed(client, counted, "2", **boxes).get_json()["problem"] == NOT_AS_CHOSEN


def test_seals_sent_with_a_report_sent_now_are_refused(
    app: Flask, store: Store, instance: Instance
) -> None:
    client = app.test_client()
    browser = seal_in_browser(store, instance, Consent(advocates_may_read=True))
    browser.fields.update(HART)
    seal_escrow(browser, release_keys(client, HART, "2"))
    assert post_sealed(client, browser, "now").get_json()["problem"] == NOT_WHOLE
