"""Attacks on reports sealed in the survivor's browser, made as real requests.

A hostile client reads the report page as any browser does (its tokens and the
charity's public keys), seals whatever it likes, and posts it to /report/sealed.
The server cannot look inside what it stores, so whatever it lets through must
not break the advocates' and staff's pages when they open it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crypto.envelope import encrypt_field, new_key, wrap_key
from crypto.format import Binding
from crypto.keys import PrivateKey, PublicKey, seal
from crypto.stream import StreamEncryptor
from crypto.words import codename_lookup_secret, codename_wrap_key, new_codename
from portal.core.reports import STATISTICS_PADDED_SIZE
from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, Report, SubmissionToken
from tests.support.pages import sign_in

SEALING_DATA = re.compile(
    r'<script type="application/json" id="sealing-data">(.*?)</script>', re.DOTALL
)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')
ACCOUNT = {
    "in_danger": "no",
    "what_happened": "He took my phone at the custody desk.",
    "when": "",
    "where": "",
    "force": "Kent Police",
    "harms": ["physical"],
    "harm_other": "",
    "reported_before": "no",
    "reported_outcome": "",
    "contact_method": "inbox",
    "contact_details": "",
    "officers": [{"name": "D Hart", "number": "4471", "rank": "PC", "role": "partner"}],
    "release": "now",
}


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


@dataclass
class Page:
    """What a client reads from the report page: its tokens and the keys to seal to."""

    csrf: str
    submission: str
    keys: dict[str, tuple[int, PublicKey]]

    @property
    def token(self) -> bytes:
        return base64.urlsafe_b64decode(self.submission)

    @property
    def report_id(self) -> str:
        return hashlib.sha256(b"portal/v1/report-id" + self.token).digest()[:16].hex()

    def attachment_id(self, number: int) -> str:
        label = b"portal/v1/attachment-id" + self.token + number.to_bytes(4, "big")
        return hashlib.sha256(label).digest()[:16].hex()


def read_page(client: FlaskClient) -> Page:
    """The report page as a browser with JavaScript gets it."""
    html = client.get("/report").get_data(as_text=True)
    data = SEALING_DATA.search(html)
    csrf, submission = TOKEN.search(html), SUBMISSION.search(html)
    assert data and csrf and submission
    keys = {
        group: (key["version"], PublicKey.from_bytes(base64.b64decode(key["public_key"])))
        for group, key in json.loads(data.group(1))["keys"].items()
    }
    return Page(csrf.group(1), submission.group(1), keys)


@dataclass
class Sealed:
    """A report a client sealed: its codename, data key and the form it posts."""

    codename: str
    data_key: bytes
    fields: dict[str, Any] = field(default_factory=dict)


def seal_report(
    page: Page,
    content: bytes | None = None,
    groups: tuple[str, ...] = ("recovery", "advocates"),
    statistics: bytes | None = None,
    codename: str | None = None,
) -> Sealed:
    """Seal a report to the page's keys as the browser does, with any content at all."""
    codename = codename or new_codename()
    data_key, report_id = new_key(), page.report_id
    content = json.dumps(ACCOUNT).encode() if content is None else content
    fields: dict[str, Any] = {
        "csrf_token": page.csrf,
        "submission": page.submission,
        "release": "now",
        "lookup": _b64(codename_lookup_secret(codename)),
        "survivor_key": _b64(
            wrap_key(
                codename_wrap_key(codename, report_id),
                data_key,
                Binding("reports", report_id, "survivor_key"),
            )
        ),
        "content": _b64(encrypt_field(data_key, content, Binding("reports", report_id, "content"))),
    }
    if "advocates" in groups:
        fields["consent_read"] = "y"
    if "exporters" in groups:
        fields["consent_legal"] = "y"
    for group in groups:
        version, key = page.keys[group]
        binding = Binding("report_key_seals", report_id, f"{group}/{version}")
        fields[f"seal_{group}"] = _b64(seal(key, data_key, binding))
        fields[f"seal_{group}_version"] = str(version)
    if statistics is not None:
        fields["consent_statistics"] = "y"
        version, key = page.keys["exporters"]
        binding = Binding("reports", report_id, f"statistics/exporters/{version}")
        padded = statistics.ljust(STATISTICS_PADDED_SIZE, b" ")
        fields["statistics"] = _b64(seal(key, padded, binding))
        fields["statistics_version"] = str(version)
    return Sealed(codename, data_key, fields)


def add_file(page: Page, sealed: Sealed, data: bytes, details: bytes) -> None:
    """Seal one file to the report as the browser does, with any details at all."""
    number = len(sealed.fields.get("sealed_file", [])) + 1
    file_id, file_key = page.attachment_id(number), new_key()
    encryptor = StreamEncryptor(file_key, Binding("attachments", file_id, "content"))
    stream = encryptor.header + b"".join([*encryptor.update(data), *encryptor.finish()])
    sealed.fields.setdefault("sealed_file", []).append((io.BytesIO(stream), file_id))
    sealed.fields.setdefault("sealed_file_key", []).append(
        _b64(wrap_key(sealed.data_key, file_key, Binding("attachments", file_id, "file_key")))
    )
    sealed.fields.setdefault("sealed_file_details", []).append(
        _b64(encrypt_field(sealed.data_key, details, Binding("attachments", file_id, "details")))
    )


def post(client: FlaskClient, sealed: Sealed) -> Any:
    """Post a sealed report as the page's script does."""
    return client.post(
        "/report/sealed",
        data=sealed.fields,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


def send(client: FlaskClient, **how: Any) -> tuple[Page, Sealed]:
    """Read the page, seal a report and post it; it must be taken."""
    page = read_page(client)
    sealed = seal_report(page, **how)
    answer = post(client, sealed)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return page, sealed


def count(store: Store, table: Any) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


# A hostile client seals, to the charity's real keys, an account the server
# cannot read: anything but what the form makes.
POISONED_ACCOUNTS = {
    "not JSON": b"\x00not json",
    "not UTF-8": b'{"force": "\xff"}',
    "harms a number": json.dumps({**ACCOUNT, "harms": 5}).encode(),
    "an officer a string": json.dumps({**ACCOUNT, "officers": ["D Hart"]}).encode(),
    "officers a number": json.dumps({**ACCOUNT, "officers": 5}).encode(),
    "a list, not a record": b"[]",
    "nested past Python's recursion limit": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("poison", POISONED_ACCOUNTS, ids=list(POISONED_ACCOUNTS))
def test_an_account_the_server_cannot_read_does_not_break_the_advocates_case_list(
    client: FlaskClient, advocate_client: FlaskClient, poison: str
) -> None:
    honest_page, _ = send(client)
    poisoned_page, _ = send(client, content=POISONED_ACCOUNTS[poison])
    listed = advocate_client.get("/advocate/")
    assert listed.status_code == 200
    assert honest_page.report_id in listed.get_data(as_text=True)
    case = advocate_client.get(f"/advocate/case/{poisoned_page.report_id}")
    assert case.status_code in (200, 409, 422), case.status_code


@pytest.mark.parametrize("poison", POISONED_ACCOUNTS, ids=list(POISONED_ACCOUNTS))
def test_an_account_the_server_cannot_read_is_shown_to_its_sender_as_a_plain_page(
    client: FlaskClient, poison: str
) -> None:
    _, sealed = send(client, content=POISONED_ACCOUNTS[poison])
    returning = client.application.test_client()
    sign_in(returning, sealed.codename)
    assert returning.get("/return/report").status_code < 500


def test_a_seal_to_a_key_the_client_made_does_not_break_the_advocates_case_list(
    client: FlaskClient, advocate_client: FlaskClient
) -> None:
    honest_page, _ = send(client)
    page = read_page(client)
    own = PrivateKey.generate().public_key
    page.keys["advocates"] = (page.keys["advocates"][0], own)  # right size, wrong key
    assert post(client, seal_report(page)).status_code == 200  # cannot be told without a key
    listed = advocate_client.get("/advocate/")
    assert listed.status_code == 200 and honest_page.report_id in listed.get_data(as_text=True)
    case = advocate_client.get(f"/advocate/case/{page.report_id}").get_data(as_text=True)
    assert "failed an integrity check" in case


POISONED_FACTS = {
    "not JSON": b"\x00not json",
    "not UTF-8": b'{"force": "\xff"}',
    "a list": b"[]",
}


@pytest.mark.parametrize("poison", POISONED_FACTS, ids=list(POISONED_FACTS))
def test_statistics_the_server_cannot_read_do_not_break_the_statistics(
    client: FlaskClient, staff_client: FlaskClient, poison: str
) -> None:
    facts = json.dumps({"force": "Kent Police", "harms": ["physical"]}).encode()
    for _ in range(5):  # enough reports that a count is shown
        send(client, statistics=facts)
    send(client, statistics=POISONED_FACTS[poison])
    shown = staff_client.get("/staff/statistics")
    assert shown.status_code == 200


def _details(**changes: Any) -> bytes:
    details = {
        "name": "evidence-1.jpg",
        "media_type": "image/jpeg",
        "size": 5,
        "sha256": hashlib.sha256(b"hello").hexdigest(),
        "metadata_removed": True,
    }
    return json.dumps({**details, **changes}).encode()


POISONED_DETAILS = {
    "not JSON": b"\x00not json",
    "a list": b"[]",
    "a key too many": _details(path="C:/Users/Jane/photo.jpg"),
    "a name that is a number": _details(name=5),
    "a size that is text": _details(size="5\r\nSet-Cookie: x=y"),
}


@pytest.mark.parametrize("poison", POISONED_DETAILS, ids=list(POISONED_DETAILS))
def test_file_details_the_server_cannot_read_are_an_integrity_failure_not_a_crash(
    client: FlaskClient, advocate_client: FlaskClient, poison: str
) -> None:
    page = read_page(client)
    sealed = seal_report(page)
    add_file(page, sealed, b"hello", POISONED_DETAILS[poison])
    assert post(client, sealed).status_code == 200
    assert advocate_client.get("/advocate/").status_code == 200
    case = advocate_client.get(f"/advocate/case/{page.report_id}")
    assert case.status_code == 200 and "failed an integrity check" in case.get_data(as_text=True)
    file_id = page.attachment_id(1)
    assert advocate_client.get(f"/advocate/case/{page.report_id}/file/{file_id}").status_code == 404
    returning = client.application.test_client()
    sign_in(returning, sealed.codename)
    assert returning.get("/return/report").status_code < 500


def test_a_size_the_sender_claims_does_not_cut_short_or_stall_the_download(
    client: FlaskClient, advocate_client: FlaskClient
) -> None:
    """The details' size is the sender's word: the download's length is what decrypts."""
    page = read_page(client)
    sealed = seal_report(page)
    add_file(page, sealed, b"hello", _details(size=5_000_000))
    assert post(client, sealed).status_code == 200
    file_id = page.attachment_id(1)
    held = advocate_client.get(f"/advocate/case/{page.report_id}/file/{file_id}")
    assert held.status_code == 200 and held.get_data() == b"hello"
    assert held.headers.get("Content-Length") in (None, "5")


def test_words_no_form_offers_never_reach_the_published_statistics(
    client: FlaskClient, staff_client: FlaskClient
) -> None:
    # The server path takes a force and harms only from the form's lists; sealed facts
    # can say anything, and a label is shown even when its count is hidden.
    facts = {"force": "Kent Police", "harms": ["physical"]}
    for _ in range(5):
        send(client, statistics=json.dumps(facts).encode())
    planted = {
        "force": 'Call 0800 000 000 =HYPERLINK("x")',
        "harms": ["\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"],
    }
    for changed in ({**facts, "force": planted["force"]}, {**facts, "harms": planted["harms"]}):
        send(client, statistics=json.dumps(changed).encode())
    page = staff_client.get("/staff/statistics").get_data(as_text=True)
    table = staff_client.get("/staff/statistics.csv").get_data(as_text=True)
    for text in ("0800", "evil.example"):
        assert text not in page and text not in table
    assert "Kent Police" in page and "could not be" in page


HOSTILE_POSTS: dict[str, Any] = {
    "no CSRF token": lambda page, sealed, client: sealed.fields.pop("csrf_token"),
    "a forged form token": lambda page, sealed, client: sealed.fields.update(
        submission=base64.urlsafe_b64encode(b"\0" * 36).decode()
    ),
    "waiting for a match": lambda page, sealed, client: sealed.fields.update(release="3"),
    "a release the form does not offer": lambda page, sealed, client: sealed.fields.update(
        release="7"
    ),
    "a seal to a key version not made": lambda page, sealed, client: sealed.fields.update(
        seal_advocates_version="99"
    ),
    "a seal to a group she did not choose": lambda page, sealed, client: sealed.fields.update(
        seal_exporters=sealed.fields["seal_advocates"],
        seal_exporters_version=sealed.fields["seal_advocates_version"],
    ),
    "statistics she did not consent to": lambda page, sealed, client: sealed.fields.update(
        statistics=sealed.fields["seal_advocates"], statistics_version="1"
    ),
    "content past the longest account": lambda page, sealed, client: sealed.fields.update(
        content=_b64(bytes(1_000_000))
    ),
    "a file part under another name": lambda page, sealed, client: sealed.fields.update(
        files=[(io.BytesIO(b"\x02" * 100), "photo.jpg")]
    ),
}


@pytest.mark.parametrize("attack", HOSTILE_POSTS, ids=list(HOSTILE_POSTS))
def test_a_hostile_post_is_refused_in_plain_words_and_nothing_is_kept(
    client: FlaskClient, store: Store, attack: str
) -> None:
    page = read_page(client)
    sealed = seal_report(page)
    HOSTILE_POSTS[attack](page, sealed, client)
    answer = post(client, sealed)
    assert 400 <= answer.status_code < 500
    problem = answer.get_json()["problem"]
    assert problem and "Traceback" not in problem
    for table in (Report, SubmissionToken, Attachment, AttachmentSegment):
        assert count(store, table) == 0


def test_a_lookup_another_report_has_is_refused_and_leaves_that_report_hers(
    client: FlaskClient, store: Store
) -> None:
    _, first = send(client)
    page = read_page(client)
    again = post(client, seal_report(page, codename=first.codename))
    assert again.status_code == 400 and again.get_json()["problem"]
    assert count(store, Report) == 1
    returning = client.application.test_client()
    assert sign_in(returning, first.codename).status_code == 303
    assert "custody desk" in returning.get("/return/report").get_data(as_text=True)


def test_the_same_form_sent_twice_answers_alike_and_keeps_the_first(
    client: FlaskClient, store: Store
) -> None:
    page = read_page(client)
    first = seal_report(page)
    assert post(client, first).get_json() == {"reference": page.report_id[:8].upper()}
    # Someone replaying her form with his own words gets her answer and stores nothing.
    replay = seal_report(page, content=json.dumps({**ACCOUNT, "what_happened": "his"}).encode())
    assert post(client, replay).get_json() == {"reference": page.report_id[:8].upper()}
    assert count(store, Report) == 1
    returning = client.application.test_client()
    sign_in(returning, first.codename)
    assert "custody desk" in returning.get("/return/report").get_data(as_text=True)
