"""A second review of waiting reports sealed in the browser, from each position of
/work/shared/ATTACKS.md: the public, an escrow member (the database and a member's key,
no instance/secrets/), a member who also writes to the database, and the running server.

It found two holes, closed since:

- `test_a_member_cannot_name_a_waiting_reports_officer_by_filing_a_report_of_guesses`:
  a member filed, as anyone can, a report naming guessed officers; the server made its
  entry with their tags, which the member's key opened: equal tags named the officer of
  every unmatched report waiting under them. Entries now carry the instance's layer
  inside their seal (`escrow.seal_entry`).
- Seals to nobody's key, filed in numbers (1,366 from loopback, as through Tor), spent
  a run's whole budget, so a good report taken after them was not released. Each slot
  is now tried once, ever (`tests/attacks/test_waiting_in_browser.py`).

The other tests show attacks that fail, each with a control where one can be had.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from crypto import matching
from crypto.keys import open_sealed
from portal.core import bindings, escrow, escrow_run
from portal.core.group_keys import current_group_key
from portal.core.reports import Consent
from portal.core.sealed_reports import NOT_AS_CHOSEN
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from portal.survivor.sealed import RELEASE_NOT_CHOSEN
from tests.support.escrow import escrow_seed, opened_entries, readable
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import button_tokens, form_tokens, sign_in, submit
from tests.support.people import Person, signed_in_as
from tests.survivor.test_sealed_reports import ACCOUNT, Browser, seal_in_browser
from tests.survivor.test_sealed_waiting import (
    ELSEWHERE,
    HART,
    WAITING,
    ask_keys,
    post_sealed,
    release_keys,
    seal_escrow,
)

# A member's guesses at the officers of one force: three officers, each by name and number,
# so six identifiers, as many as one report's entry holds. The middle one is PC D Hart.
GUESSES = {
    "officer_force": "Kent Police",
    "officer_0_name": "D Vale",
    "officer_0_number": "4400",
    "officer_1_name": "D Hart",
    "officer_1_number": "4471",
    "officer_2_name": "D Cole",
    "officer_2_number": "4402",
}
WRONG_GUESSES = {
    **GUESSES,
    "officer_1_name": "D Moss",
    "officer_1_number": "4403",
}
WHAT_HAPPENED = str(ACCOUNT["what_happened"])
# Three officers nobody else names, for reports sealed to nobody: six slots each.
NOBODYS = {
    "officer_force": "Kent Police",
    **{f"officer_{n}_name": f"D {name}" for n, name in enumerate(("Ash", "Birch", "Cedar"))},
    **{f"officer_{n}_number": f"55{n}1" for n in range(3)},
}


def _waiting(
    client: FlaskClient,
    store: Store,
    instance: Instance,
    officers: dict[str, str],
    release: str,
) -> Browser:
    """A waiting report her browser sealed to the keys the server answered, and sent."""
    browser = seal_in_browser(store, instance, WAITING)
    browser.fields.update(officers)
    seal_escrow(browser, release_keys(client, officers, release))
    answer = post_sealed(client, browser, release)
    assert answer.status_code == 200, answer.get_json()
    return browser


def _opened_by_member(store: Store, member: Person) -> dict[str, bytes]:
    """Every entry as a member's key opens it, by report id."""
    keys = principal_of(store, member)
    opened = {}
    with store.session() as session:
        for row in session.scalars(select(EscrowEntry)):
            private = keys.group_key(Group.ESCROW, row.group_key.version)
            assert private is not None
            opened[row.report_id] = open_sealed(
                private, row.sealed, bindings.escrow_entry(row.report_id, row.group_key)
            )
    return opened


def _entry(store: Store, instance: Instance, member: Person, report_id: str) -> matching.Entry:
    """A report's entry as a run reads it: with a member's key and the instance's secret."""
    return opened_entries(store, instance, member)[report_id].entry


def _pieces(blob: bytes, size: int = 16) -> set[bytes]:
    """Every run of `size` bytes in what a member opened, at every offset."""
    return {blob[i : i + size] for i in range(len(blob) - size + 1)}


def _groups(store: Store, report_id: str) -> set[Group]:
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        return {seal.group_key.group for seal in report.seals}


def _naming_hart_now(app: Flask, what: str = "He shouted at me outside the station.") -> None:
    submit(
        app.test_client(),
        what_happened=what,
        force="Kent Police",
        **{"officers-0-name": "Dave Hart", "officers-0-number": "PC 4471"},
    )


def _signed_in(app: Flask, codename: str) -> FlaskClient:
    survivor = app.test_client()
    assert sign_in(survivor, codename).status_code == 303
    return survivor


# 1. An escrow member: the database and a member's key, no instance/secrets/.


def test_a_member_cannot_name_a_waiting_reports_officer_by_filing_a_report_of_guesses(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """A survivor waits for three under PC D Hart, alone: nobody may learn whom she names.

    The member files a waiting report of six guesses through the public page (one request
    for keys, one for the report; a report sent now or by the no-JavaScript form does as
    well), opens its entry and hers with the member's key, and compares: the tag of the
    guess "D Hart, 4471" is in her entry. Then the member leaves the escrow on /return,
    which deletes the probe's entry. Six guesses a report, at 20 reports in ten minutes a
    client (and no limit behind Tor): a force's collar numbers in hours. The release key
    fix does nothing here: the oracle is the server's own tagging at submission."""
    client = app.test_client()
    victim = _waiting(client, store, instance, HART, "3")
    probe = _waiting(client, store, instance, GUESSES, "5")  # nothing of hers is released
    control = _waiting(client, store, instance, WRONG_GUESSES, "5")
    opened = _opened_by_member(store, advocate)

    # The probe leaves no trace of its entry: she "stops waiting" on /return.
    prober = _signed_in(app, probe.codename)
    left = prober.post("/return/leave", data=button_tokens(prober, "/return/leave"))
    assert left.status_code == 303
    with store.session() as session:
        assert session.get(EscrowEntry, probe.report_id) is None
        assert session.get(Report, victim.report_id) is not None
        assert escrow.waiting_count(session) == 2  # hers and the control, still waiting
    assert victim.report_id not in readable(store)

    # Control: wrong guesses share nothing with her entry, so the check below is not vacuous.
    assert not _pieces(opened[control.report_id]) & _pieces(opened[victim.report_id])
    shared = _pieces(opened[probe.report_id]) & _pieces(opened[victim.report_id])
    if shared:
        named = [
            number
            for number, slot in enumerate(matching.decode_entry(opened[probe.report_id]).slots)
            if slot.tag[:16] in shared
        ]
        pytest.fail(
            f"the member names her officer: the probe's slots {named} (D Hart by name and "
            f"number) share their tags with waiting report {victim.report_id}"
        )


# 2. An escrow member who also writes to the database.


def _reseal(
    store: Store, instance: Instance, report_id: str, threshold: int, member: Person
) -> None:
    """Open her entry with the member's key and the instance's secret, set its threshold,
    and seal it again, as a member who writes to the database and holds instance/ can."""
    entry = _entry(store, instance, member, report_id)
    changed = matching.Entry(entry.report_id, threshold, entry.slots, entry.version)
    with store.session() as session:
        group_key = current_group_key(session, Group.ESCROW)
        row = session.get(EscrowEntry, report_id)
        assert row is not None
        row.group_key_id = group_key.id
        report = session.get(Report, report_id)
        assert report is not None
        consent = escrow.consent_at_release(report)
        row.sealed = escrow.seal_entry(group_key, changed, escrow_seed(instance), consent)
        session.commit()


def test_a_member_who_lowers_a_waiting_entrys_threshold_releases_nothing_early(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """Two reports wait for three under PC Hart. The member rewrites one's entry to wait
    for two, which the two shares there reach, and runs matching: its seal is to the
    key of P_3 at t=3, so P_2's secret opens nothing. Control: the other, re-sealed
    unchanged by the same hand, is released once a third report names him."""
    client = app.test_client()
    lowered = _waiting(client, store, instance, HART, "3")
    untouched = _waiting(client, store, instance, HART, "3")
    _reseal(store, instance, lowered.report_id, 2, advocate)
    _reseal(store, instance, untouched.report_id, 3, advocate)
    signed_in_as(app, advocate)  # a member's sign-in runs matching
    assert readable(store) == set()
    _naming_hart_now(app)
    signed_in_as(app, advocate)
    assert untouched.report_id in readable(store)
    assert lowered.report_id not in readable(store)


# 3. The public: seals of one report sent with another, and what the form could not send.


def test_a_reports_seals_sent_with_another_release_nothing_for_it(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """Report B is sent with report A's seals (bound to A's id): stored, since the server
    cannot tell, but a match releases A and never B."""
    client = app.test_client()
    keys = release_keys(client, HART, "2")
    a = seal_in_browser(store, instance, WAITING)
    a.fields.update(HART)
    seal_escrow(a, keys)
    b = seal_in_browser(store, instance, WAITING)
    b.fields.update(HART)
    b.fields.update({name: value for name, value in a.fields.items() if name.startswith("escrow_")})
    assert post_sealed(client, a, "2").status_code == 200
    assert post_sealed(client, b, "2").status_code == 200
    signed_in_as(app, advocate)  # A and B under one tag: a match of two
    assert a.report_id in readable(store)
    assert b.report_id not in readable(store)


@pytest.mark.parametrize("release", ["1", "6", "0", "02", " 2", "2 ", "+2", "\uff12"])
def test_thresholds_the_form_does_not_offer_get_no_key(app: Flask, release: str) -> None:
    answer = ask_keys(app.test_client(), {**HART, "release": release})
    assert answer.status_code == 400
    assert answer.get_json() == {"problem": RELEASE_NOT_CHOSEN}
    assert ask_keys(app.test_client(), {**HART, "release": "2"}).status_code == 200  # control


def test_a_waiting_report_sealed_to_the_advocates_too_is_refused(
    app: Flask, store: Store, instance: Instance
) -> None:
    """A browser that seals a waiting report to the advocates as well would let them read
    it before any match: refused, and nothing is stored."""
    client = app.test_client()
    browser = seal_in_browser(store, instance, WAITING, groups=(Group.RECOVERY, Group.ADVOCATES))
    browser.fields.update(HART)
    seal_escrow(browser, release_keys(client, HART, "2"))
    answer = post_sealed(client, browser, "2")
    assert answer.status_code == 400 and answer.get_json()["problem"] == NOT_AS_CHOSEN
    with store.session() as session:
        assert session.get(Report, browser.report_id) is None
    del browser.fields["seal_advocates"], browser.fields["seal_advocates_version"]
    assert post_sealed(client, browser, "2").status_code == 200  # control: as the page sends


def test_the_same_report_sent_twice_has_one_entry(
    app: Flask, store: Store, instance: Instance
) -> None:
    client = app.test_client()
    browser = _waiting(client, store, instance, HART, "2")
    again = post_sealed(client, browser, "2")
    assert again.status_code == 200 and "reference" in again.get_json()
    with store.session() as session:
        assert len(session.scalars(select(EscrowEntry)).all()) == 1


# 4. Timing and size: the same answer and the same work whether others named him.


def test_asking_for_keys_answers_and_works_the_same_whether_others_named_him(
    app: Flask, store: Store
) -> None:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    def asked() -> tuple[Any, ...]:
        client = app.test_client()
        tokens = form_tokens(client)
        body = {**tokens, **HART, "release": "2"}
        headers = {"X-CSRFToken": tokens["csrf_token"]}
        statements.clear()
        event.listen(store.engine, "before_cursor_execute", record)
        try:
            answer = client.post(
                "/report/release-keys", json=body, headers=headers, environ_base=ELSEWHERE
            )
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        sent = sorted((k, v) for k, v in answer.headers.items() if k != "Set-Cookie")
        return answer.status_code, answer.get_data(), sent, list(statements)

    asked()  # the client's first request of the window writes its count; later ones update it
    before = asked()
    _naming_hart_now(app)
    _naming_hart_now(app, "He took my phone.")
    assert before[0] == 200
    assert asked() == before


# 5. The running server: the data key of a report sealed in her browser.


def test_the_server_opens_no_seal_and_no_account_until_a_match(
    app: Flask,
    store: Store,
    instance: Instance,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asking for keys and sending the report never derives a release private key, opens
    a seal or decrypts the account: the data key is not in the server's memory. Control:
    a match does all three, in the member's session."""
    calls: list[str] = []
    for module, name in (
        (matching, "release_private_key"),
        (matching, "open_release_seal"),
        (escrow_run, "decrypt_account"),
    ):
        real = getattr(module, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls.append(_name)
            return _real(*args)

        monkeypatch.setattr(module, name, counted)
    client = app.test_client()
    browser = _waiting(client, store, instance, HART, "2")
    private_keys_for_public = calls.count("release_private_key")
    assert set(calls) <= {"release_private_key"}  # derived for the public key, only
    assert private_keys_for_public == 2  # once per identifier, when asked, and kept nowhere
    calls.clear()
    secret = base64.b64encode(browser.data_key).decode()
    assert all(secret not in value for value in browser.fields.values())
    _naming_hart_now(app)
    signed_in_as(app, advocate)
    assert {"open_release_seal", "decrypt_account"} <= set(calls)
    assert browser.report_id in readable(store)


# 6. Her own report, sealed in her browser, on /return: matched, changed, left, deleted.


def test_a_matched_browser_report_is_hers_to_read_change_and_delete(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    client = app.test_client()
    browser = _waiting(client, store, instance, HART, "2")
    survivor = _signed_in(app, browser.codename)
    assert "Sealed, waiting for a match" in survivor.get("/return/report").get_data(as_text=True)
    _naming_hart_now(app)
    reader = signed_in_as(app, advocate)
    case = reader.get(f"/advocate/case/{browser.report_id}").get_data(as_text=True)
    assert WHAT_HAPPENED in case

    survivor = _signed_in(app, browser.codename)
    page = survivor.get("/return/report").get_data(as_text=True)
    assert "Matched and released on" in page and WHAT_HAPPENED in page
    nothing_ticked = form_tokens(survivor, "/return/consent")
    assert survivor.post("/return/consent", data=nothing_ticked).status_code == 303
    assert _groups(store, browser.report_id) == {Group.RECOVERY}
    survivor = _signed_in(app, browser.codename)  # her codename opens the new data key
    assert WHAT_HAPPENED in survivor.get("/return/report").get_data(as_text=True)
    token = form_tokens(survivor, "/return/delete")
    assert survivor.post("/return/delete", data={**token, "confirm": "y"}).status_code == 303
    with store.session() as session:
        assert session.get(Report, browser.report_id) is None
        assert session.get(EscrowEntry, browser.report_id) is None


@pytest.mark.parametrize("action", ["/return/release", "/return/leave"])
def test_a_waiting_browser_report_can_be_sent_now_or_taken_out(
    app: Flask, store: Store, instance: Instance, advocate: Person, action: str
) -> None:
    client = app.test_client()
    browser = _waiting(client, store, instance, HART, "3")
    survivor = _signed_in(app, browser.codename)
    assert survivor.post(action, data=button_tokens(survivor, action)).status_code == 303
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and not report.wait_for_match
        consent = Consent.of(report)
        entry = session.get(EscrowEntry, browser.report_id)
    if action == "/return/release":
        assert _groups(store, browser.report_id) == {Group.RECOVERY, Group.ADVOCATES}
        assert entry is not None  # counts-only now: it still counts toward others
        entry_now = _entry(store, instance, advocate, browser.report_id)
        assert entry_now.threshold == matching.COUNTS_ONLY
    else:
        assert _groups(store, browser.report_id) == {Group.RECOVERY}
        assert entry is None
        assert not consent.advocates_may_read
    survivor = _signed_in(app, browser.codename)
    assert WHAT_HAPPENED in survivor.get("/return/report").get_data(as_text=True)


def test_her_other_choices_changed_on_return_keep_a_browser_report_waiting_and_matchable(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """Her account as the page makes it (`accountOf`: her officers and `release` in it).
    Ticking statistics on /return while she waits re-makes her entry on the server's path:
    it still waits for two, a match releases it, and the statistics go with it then."""
    client = app.test_client()
    account = {**ACCOUNT, "release": "2"}
    browser = seal_in_browser(store, instance, WAITING, account=account)
    browser.fields.update(HART)
    seal_escrow(browser, release_keys(client, HART, "2"))
    assert post_sealed(client, browser, "2").status_code == 200
    survivor = _signed_in(app, browser.codename)
    boxes = form_tokens(survivor, "/return/consent") | {
        "consent_read": "y",
        "consent_statistics": "y",
    }
    assert survivor.post("/return/consent", data=boxes).status_code == 303
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and report.wait_for_match and report.export_statistics
        assert report.statistics_seal is None
    assert _entry(store, instance, advocate, browser.report_id).threshold == 2
    _naming_hart_now(app)
    signed_in_as(app, advocate)
    assert browser.report_id in readable(store)
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and report.statistics_seal is not None
