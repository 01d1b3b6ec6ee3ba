"""Reports sealed in the survivor's browser: the server checks them, stores them, and never
has her codename or account; she, the advocates and staff then read them as any other.

The envelopes are made here with `crypto/`, which the browser's module matches byte for
byte (tests/crypto/test_browser_vectors.py), from what the report page will carry: the
groups' current public keys and the form's token. Bindings are written out as the
browser writes them, not taken from `portal/core/bindings.py`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import config
from crypto.envelope import encrypt_field, field_size, new_key, wrap_key
from crypto.format import Binding, Kind
from crypto.keys import PublicKey, seal
from crypto.words import codename_lookup_id, codename_wrap_key, new_codename
from portal.core import grants, submissions
from portal.core.group_keys import current_group_key
from portal.core.reports import STATISTICS_PADDED_SIZE, Consent, open_statistics
from portal.core.sealed_reports import (
    KEYS_CHANGED,
    LONGEST_ACCOUNT_CHARS,
    MAX_CONTENT_SIZE,
    NOT_AS_CHOSEN,
    NOT_WHOLE,
    TOO_LONG,
    SealedReportRefused,
    parse_sealed_report,
    store_sealed_report,
)
from portal.core.submissions import AlreadySent, Submission
from portal.core.vocabulary import FORCES, HARMS
from portal.store import Store
from portal.store.models import (
    ConsentRecord,
    Group,
    Report,
    ReportKeySeal,
    Role,
    SubmissionToken,
)
from portal.survivor import forms, service
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import csrf_token, sign_in, submit
from tests.support.people import Person, create_person, signed_in_as

ACCOUNT = {
    "in_danger": "no",
    "what_happened": "He pushed me into the van and kept my phone.",
    "when": "March",
    "where": "Outside the station",
    "force": "Kent Police",
    "harms": ["physical", "stalking"],
    "harm_other": "",
    "reported_before": "no",
    "reported_outcome": "",
    "contact_method": "inbox",
    "contact_details": "",
    "officers": [{"name": "D Hart", "number": "4471", "rank": "PC", "role": "partner"}],
    "release": "now",
}
READ_ONLY = Consent(advocates_may_read=True)
STATISTICS_ONLY = Consent(advocates_may_read=True, export_statistics=True)
EVERYTHING = Consent(
    advocates_may_read=True, export_legal=True, export_statistics=True, messages_legal=True
)


@dataclass(frozen=True)
class Browser:
    """What the survivor's browser has once it sealed a report: its codename, its form."""

    codename: str
    report_id: str
    fields: dict[str, str]
    submission: Submission
    token: str = ""  # the form's token, as the page carries it
    data_key: bytes = b""


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def _new_form(instance: Instance) -> tuple[str, Submission]:
    """A report form's token as the page carries it, and the submission it names."""
    secret = config.load(instance.path, environ={}).secret_key
    text = submissions.issue(secret, "report")
    return text, submissions.check(secret, "report", text)


def seal_in_browser(
    store: Store,
    instance: Instance,
    consent: Consent,
    account: Mapping[str, Any] = ACCOUNT,
    groups: tuple[Group, ...] | None = None,
    codename: str | None = None,
) -> Browser:
    """Seal a report as the browser will: codename, data key and every envelope made here,
    to the current keys the page carries (to `groups` instead of consent's, if given)."""
    token_text, submission = _new_form(instance)
    token = base64.urlsafe_b64decode(token_text)
    report_id = hashlib.sha256(b"portal/v1/report-id" + token).digest()[:16].hex()
    codename, data_key = codename or new_codename(), new_key()
    with store.session() as session:
        keys = {g: current_group_key(session, g) for g in (*Group,)}
        public = {g: (k.version, PublicKey.from_bytes(k.public_key)) for g, k in keys.items()}
    lookup = hmac.new(b"portal/v1/lookup", codename.encode(), hashlib.sha256).digest()
    lookup = hmac.new(lookup, b"\x01", hashlib.sha256).digest()  # HKDF-SHA256, RFC 5869
    fields = {
        "lookup": _b64(lookup),
        "survivor_key": _b64(
            wrap_key(
                codename_wrap_key(codename, report_id),
                data_key,
                Binding("reports", report_id, "survivor_key"),
            )
        ),
        "content": _b64(
            encrypt_field(
                data_key, json.dumps(account).encode(), Binding("reports", report_id, "content")
            )
        ),
    }
    for group in consent.groups() if groups is None else groups:
        version, key = public[group]
        binding = Binding("report_key_seals", report_id, f"{group.value}/{version}")
        fields[f"seal_{group.value}"] = _b64(seal(key, data_key, binding))
        fields[f"seal_{group.value}_version"] = str(version)
    if consent.export_statistics:
        facts = json.dumps({"force": account["force"], "harms": account["harms"]}).encode()
        version, key = public[Group.EXPORTERS]
        binding = Binding("reports", report_id, f"statistics/exporters/{version}")
        padded = facts.ljust(STATISTICS_PADDED_SIZE, b" ")
        fields["statistics"], fields["statistics_version"] = (
            _b64(seal(key, padded, binding)),
            str(version),
        )
    return Browser(codename, report_id, fields, submission, token_text, data_key)


def send(store: Store, instance: Instance, browser: Browser, consent: Consent) -> str:
    """The server's half: parse the fields, check and store; the reference shown."""
    settings = config.load(instance.path, environ={})
    with store.session() as session:
        sealed = parse_sealed_report(browser.fields)
        return store_sealed_report(
            session,
            settings.lookup_pepper,
            sealed,
            consent,
            browser.submission,
            escrow_seed=settings.escrow_key,
        ).reference


def _decoded(fields: Mapping[str, str]) -> bytes:
    return b"".join(base64.b64decode(v) if not v.isdigit() else v.encode() for v in fields.values())


def count_rows(store: Store) -> dict[str, int]:
    """How many rows a report leaves in each table it writes to."""
    tables = (Report, ReportKeySeal, ConsentRecord, SubmissionToken)
    with store.session() as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in tables
        }


NOTHING = {"reports": 0, "report_key_seals": 0, "consent_records": 0, "submission_tokens": 0}


def assert_refused(
    store: Store, instance: Instance, browser: Browser, consent: Consent, message: str
) -> None:
    """The server refuses what the browser sent, saying why in her words, and stores nothing."""
    with pytest.raises(SealedReportRefused) as refused:
        send(store, instance, browser, consent)
    assert refused.value.message == message
    assert count_rows(store) == NOTHING


# Stored, then read by everyone who may.


def test_a_sealed_report_is_found_by_its_codename_and_shows_her_account(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    # Nothing the server receives holds her codename or her account in clear.
    sent = " ".join(browser.fields.values()).encode() + _decoded(browser.fields)
    for secret in (browser.codename, ACCOUNT["what_happened"], "Kent Police", "D Hart"):
        assert secret.encode() not in sent
    assert send(store, instance, browser, READ_ONLY) == browser.report_id[:8].upper()

    assert sign_in(client, browser.codename).status_code == 303
    page = client.get("/return/report").get_data(as_text=True)
    assert ACCOUNT["what_happened"] in page and browser.report_id[:8].upper() in page
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None and report.indexed is False  # indexed by advocates later
        pepper = config.load(instance.path, environ={}).lookup_pepper
        assert report.lookup_id != codename_lookup_id(pepper, browser.codename)
        assert {s.group_key.group for s in report.seals} == {Group.RECOVERY, Group.ADVOCATES}
        assert [r.advocates_may_read for r in report.consent_history] == [True]
        assert report.statistics_seal is None
    assert browser.submission.report_id() == browser.report_id


def test_an_advocate_opens_a_sealed_report_and_reads_the_account(
    advocate_client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)  # after the advocate took the key
    send(store, instance, browser, READ_ONLY)
    listed = advocate_client.get("/advocate/").get_data(as_text=True)
    assert browser.report_id in listed
    page = advocate_client.get(f"/advocate/case/{browser.report_id}").get_data(as_text=True)
    assert ACCOUNT["what_happened"] in page and "D Hart" in page


def test_a_report_sealed_before_the_first_advocate_joined_is_read_by_them(
    app: Flask, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)  # to the bootstrap version
    send(store, instance, browser, READ_ONLY)
    first = create_person(store, instance, "alice", Role.ADVOCATE)  # its seals move over
    page = signed_in_as(app, first).get(f"/advocate/case/{browser.report_id}")
    assert ACCOUNT["what_happened"] in page.get_data(as_text=True)


def test_staff_see_the_facts_of_a_sealed_report_consented_for_statistics(
    store: Store, instance: Instance, staff: Person
) -> None:
    browser = seal_in_browser(store, instance, EVERYTHING)
    send(store, instance, browser, EVERYTHING)
    principal = principal_of(store, staff)
    with store.session() as session:
        report = session.get(Report, browser.report_id)
        assert report is not None
        facts = open_statistics(report, principal)
        assert {s.group_key.group for s in report.seals} == set(EVERYTHING.groups())
    assert facts == {"force": "Kent Police", "harms": ["physical", "stalking"]}


def test_both_kinds_of_report_are_found_by_their_codenames_and_a_wrong_one_finds_neither(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    server_made = submit(client, what_happened="Sealed by the server.")
    browser = seal_in_browser(store, instance, READ_ONLY)
    send(store, instance, browser, READ_ONLY)
    pepper = config.load(instance.path, environ={}).lookup_pepper
    with store.session() as session:
        by_codename = {
            codename: service.sign_in(session, pepper, codename).report_id
            for codename in (server_made, browser.codename)
        }
        assert by_codename[browser.codename] == browser.report_id
        assert len(set(by_codename.values())) == 2
        with pytest.raises(service.UnknownCodename):
            service.sign_in(session, pepper, new_codename())
    for codename, wanted in (
        (server_made, "Sealed by the server."),
        (browser.codename, ACCOUNT["what_happened"]),
    ):
        returning = client.application.test_client()
        assert sign_in(returning, codename).status_code == 303
        assert wanted in returning.get("/return/report").get_data(as_text=True)
    wrong = sign_in(client.application.test_client(), new_codename())
    assert wrong.status_code == 200 and "/return/report" not in wrong.headers.get("Location", "")


def test_a_sealed_report_filed_under_a_codename_the_server_made_does_not_take_its_place(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    # Someone who saw her codename on her phone files a sealed report of his own
    # under it: the codename still opens hers.
    codename = submit(client, what_happened="Her own words.")
    decoy = {**ACCOUNT, "what_happened": "A decoy of his."}
    send(
        store,
        instance,
        seal_in_browser(store, instance, READ_ONLY, decoy, codename=codename),
        READ_ONLY,
    )
    returning = client.application.test_client()
    assert sign_in(returning, codename).status_code == 303
    page = returning.get("/return/report").get_data(as_text=True)
    assert "Her own words." in page and "A decoy of his." not in page


def test_a_sealed_report_its_codename_does_not_open_is_a_codename_that_did_not_work(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    _replace("survivor_key", lambda blob: wrap_key(new_key(), new_key(), Binding("x", "y", "z")))(
        browser.fields
    )
    send(store, instance, browser, READ_ONLY)
    token = csrf_token(client, "/return")
    sent = {"csrf_token": token, "codename": browser.codename}
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}  # loopback is never throttled
    answers = [client.post("/return", data=sent, environ_base=elsewhere) for _ in range(11)]
    # The answer a wrong codename gets, never a 500, and counted as one: the 11th is held.
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert "We could not find a report with that codename" in answers[0].get_data(as_text=True)


# Refused, storing nothing.


def _replace(field: str, change: Callable[[bytes], bytes]) -> Callable[[dict[str, str]], None]:
    def edit(fields: dict[str, str]) -> None:
        fields[field] = _b64(change(base64.b64decode(fields[field])))

    return edit


def _set_byte(at: int, value: int) -> Callable[[bytes], bytes]:
    return lambda blob: blob[:at] + bytes((value,)) + blob[at + 1 :]


def _survivor_key_of(size: int) -> Callable[[dict[str, str]], None]:
    def edit(fields: dict[str, str]) -> None:
        fields["survivor_key"] = _b64(wrap_key(new_key(), bytes(size), Binding("r", "i", "f")))

    return edit


def _without(group: str) -> Callable[[dict[str, str]], None]:
    def edit(fields: dict[str, str]) -> None:
        del fields[f"seal_{group}"], fields[f"seal_{group}_version"]

    return edit


def _version_without_seal(fields: dict[str, str]) -> None:
    del fields["seal_advocates"]
    fields["seal_advocates_version"] = "1"


def _statistics_not_consented(fields: dict[str, str]) -> None:
    fields["statistics"], fields["statistics_version"] = fields["seal_advocates"], "1"


EDITS: dict[str, tuple[Callable[[dict[str, str]], None], str]] = {
    "no seal to the advocates": (_without("advocates"), NOT_AS_CHOSEN),
    "no seal to recovery": (_without("recovery"), NOT_AS_CHOSEN),
    "a seal's version without it": (_version_without_seal, NOT_WHOLE),
    "a seal to a recovery version not made yet": (
        lambda f: f.update(seal_recovery_version="2"),
        KEYS_CHANGED,
    ),
    "a version that is no number": (lambda f: f.update(seal_advocates_version="v1"), NOT_WHOLE),
    "another format version": (_replace("survivor_key", _set_byte(0, 2)), NOT_WHOLE),
    "a key wrap given as content": (_replace("content", _set_byte(1, Kind.KEY_WRAP)), NOT_WHOLE),
    "a field given as a seal": (_replace("seal_recovery", _set_byte(1, Kind.FIELD)), NOT_WHOLE),
    "content one byte past its bucket": (_replace("content", lambda b: b + b"\0"), NOT_WHOLE),
    "content one byte short of it": (_replace("content", lambda b: b[:-1]), NOT_WHOLE),
    "a seal one byte short": (_replace("seal_advocates", lambda b: b[:-1]), NOT_WHOLE),
    "a survivor key of 31 bytes": (_survivor_key_of(31), NOT_WHOLE),
    "a survivor key of 33 bytes": (_survivor_key_of(33), NOT_WHOLE),
    "a lookup of 31 bytes": (_replace("lookup", lambda b: b[:31]), NOT_WHOLE),
    "no lookup": (lambda f: f.pop("lookup"), NOT_WHOLE),
    "base64 without its padding": (lambda f: f.update(lookup=f["lookup"].rstrip("=")), NOT_WHOLE),
    "URL-safe base64": (lambda f: f.update(content=f["content"].replace("+", "-")), NOT_WHOLE),
    "characters outside base64 in the middle": (
        lambda f: f.update(content=f["content"][:40] + "!*!*" + f["content"][40:]),
        NOT_WHOLE,
    ),
    "not base64 at all": (lambda f: f.update(survivor_key="not base64!"), NOT_WHOLE),
    "statistics she did not consent to": (_statistics_not_consented, NOT_AS_CHOSEN),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_malformed_sealed_report_is_refused_and_nothing_is_stored(
    store: Store, instance: Instance, edit: str
) -> None:
    change, message = EDITS[edit]
    browser = seal_in_browser(store, instance, READ_ONLY)
    change(browser.fields)
    assert_refused(store, instance, browser, READ_ONLY, message)


def test_a_content_past_the_longest_account_is_refused_as_too_long(
    store: Store, instance: Instance
) -> None:
    past = {**ACCOUNT, "what_happened": "x" * (MAX_CONTENT_SIZE + 1)}
    browser = seal_in_browser(store, instance, READ_ONLY, account=past)
    assert_refused(store, instance, browser, READ_ONLY, TOO_LONG)
    # Checked before it is decoded, and again (as a sealed report) after.
    sealed = parse_sealed_report(seal_in_browser(store, instance, READ_ONLY).fields)
    long_content = base64.b64decode(browser.fields["content"])
    pepper = config.load(instance.path, environ={}).lookup_pepper
    with store.session() as session, pytest.raises(SealedReportRefused) as again:
        submission = _new_form(instance)[1]
        store_sealed_report(
            session,
            pepper,
            replace(sealed, content=long_content),
            READ_ONLY,
            submission,
            escrow_seed=config.load(instance.path, environ={}).escrow_key,
        )
    assert again.value.message == TOO_LONG
    assert count_rows(store) == NOTHING


def test_a_field_longer_than_any_content_is_refused_before_it_is_decoded(
    store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    browser.fields["content"] = "!" * (MAX_CONTENT_SIZE * 4 // 3 + 8)  # never decoded
    assert_refused(store, instance, browser, READ_ONLY, TOO_LONG)


def test_statistics_not_padded_to_their_size_are_refused(store: Store, instance: Instance) -> None:
    # Unpadded, the seal's length would tell staff the force and harms without opening it.
    browser = seal_in_browser(store, instance, STATISTICS_ONLY)
    with store.session() as session:
        exporters = current_group_key(session, Group.EXPORTERS)
        key, version = PublicKey.from_bytes(exporters.public_key), exporters.version
    facts = json.dumps({"force": "Kent Police", "harms": ["physical"]}).encode()
    binding = Binding("reports", browser.report_id, f"statistics/exporters/{version}")
    browser.fields["statistics"] = _b64(seal(key, facts, binding))
    assert_refused(store, instance, browser, STATISTICS_ONLY, NOT_WHOLE)


def test_the_longest_account_the_form_takes_fits_in_a_sealed_report() -> None:
    officer = {key: "\x01" * forms.SHORT_MAX_CHARS for key in ("name", "number", "rank")}
    longest = {
        "in_danger": "yes",
        "what_happened": "\x01" * forms.ACCOUNT_MAX_CHARS,  # 6 bytes each as JSON
        "when": "\x01" * forms.SHORT_MAX_CHARS,
        "where": "\x01" * forms.MEDIUM_MAX_CHARS,
        "force": max((value for value, _ in FORCES), key=len),
        "harms": [value for value, _ in HARMS],
        "harm_other": "\x01" * forms.SHORT_MAX_CHARS,
        "reported_before": "unsure",
        "reported_outcome": "\x01" * forms.MEDIUM_MAX_CHARS * 5,
        "contact_method": "inbox",
        "contact_details": "\x01" * forms.MEDIUM_MAX_CHARS,
        "officers": [officer | {"role": "partner"}] * forms.OFFICER_ROWS,
        "release": "now",
    }
    worst = json.dumps(longest, ensure_ascii=False).encode()
    assert len(worst.replace(b"\\u0001", b"a")) <= LONGEST_ACCOUNT_CHARS  # keys included
    assert field_size(len(worst)) <= MAX_CONTENT_SIZE < 2 * field_size(len(worst))


MISMATCHES = {
    "an exporters seal she did not consent to": (
        READ_ONLY,
        (Group.RECOVERY, Group.ADVOCATES, Group.EXPORTERS),
    ),
    "an advocates seal she did not consent to": (
        Consent(advocates_may_read=False),
        (Group.RECOVERY, Group.ADVOCATES),
    ),
    "no exporters seal for her IOPC export": (
        Consent(advocates_may_read=True, export_iopc=True),
        (Group.RECOVERY, Group.ADVOCATES),
    ),
    "only the recovery seal": (READ_ONLY, (Group.RECOVERY,)),
}


@pytest.mark.parametrize("mismatch", MISMATCHES, ids=list(MISMATCHES))
def test_seals_other_than_her_consent_asks_for_are_refused(
    store: Store, instance: Instance, mismatch: str
) -> None:
    consent, groups = MISMATCHES[mismatch]
    browser = seal_in_browser(store, instance, consent, groups=groups)
    assert_refused(store, instance, browser, consent, NOT_AS_CHOSEN)


def test_no_statistics_seal_when_she_consented_to_statistics_is_refused(
    store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, STATISTICS_ONLY)
    del browser.fields["statistics"], browser.fields["statistics_version"]
    assert_refused(store, instance, browser, STATISTICS_ONLY, NOT_AS_CHOSEN)


@pytest.mark.parametrize(
    ("group", "consent"),
    [
        (Group.ADVOCATES, EVERYTHING),
        (Group.EXPORTERS, EVERYTHING),  # its seal and its statistics
        (Group.EXPORTERS, STATISTICS_ONLY),  # its statistics alone
    ],
    ids=["advocates", "exporters", "statistics"],
)
def test_a_seal_to_a_key_version_retired_meanwhile_is_refused(
    store: Store, instance: Instance, group: Group, consent: Consent
) -> None:
    browser = seal_in_browser(store, instance, consent)
    with store.session() as session:
        grants.rotate_group_key(session, group, actor="test")
        session.commit()
    assert_refused(store, instance, browser, consent, KEYS_CHANGED)


def test_a_report_waiting_for_a_match_without_its_escrow_seals_is_refused(
    store: Store, instance: Instance
) -> None:
    waiting = Consent(advocates_may_read=True, wait_for_match=True)
    browser = seal_in_browser(store, instance, waiting)  # sealed to recovery alone
    browser.fields.update({"officer_force": "Kent Police", "officer_0_name": "D Hart"})
    browser.fields["release"] = "2"
    assert_refused(store, instance, browser, waiting, NOT_WHOLE)


def test_a_repeated_submission_stores_one_report(store: Store, instance: Instance) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    send(store, instance, browser, READ_ONLY)
    with pytest.raises(AlreadySent) as repeated:
        send(store, instance, browser, READ_ONLY)
    assert repeated.value.receipt is None  # the server never had a codename to show again
    assert count_rows(store) == {**NOTHING, "reports": 1, "report_key_seals": 2} | {
        "consent_records": 1,
        "submission_tokens": 1,
    }
