"""Attacks on the export form: a purpose the survivor no longer consents to, sent from a
page shown before she withdrew, a tampered purpose, and boxes that look filled but
protect nothing.

The positions: a member of staff (or a replayed or stale form) and a survivor
who changes her mind while the form is open.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyrage
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.store import Store
from tests.staff.bundles import open_bundle
from tests.staff.test_export import _export_page, _submit
from tests.staff.test_export_form import _exports
from tests.support.database import only_report_id
from tests.support.pages import csrf_token, form_tokens, sign_in

HER_MESSAGE = "I remembered the van's registration: it ended in 7QX"


def _survivor(app: Flask, **consent: str) -> FlaskClient:
    """A survivor who reported with these choices and is back with her codename."""
    survivor = app.test_client()
    sign_in(survivor, _submit(survivor, consent_read="y", **consent))
    return survivor


def _choose(survivor: FlaskClient, **choices: str) -> None:
    """She changes her consent choices (every box left out is unticked)."""
    tokens = form_tokens(survivor, "/return/consent")
    response = survivor.post("/return/consent", data=tokens | choices)
    assert response.status_code == 303


def _post(staff_client: FlaskClient, report_id: str, token: str, **fields: str) -> TestResponse:
    return staff_client.post(
        f"/staff/case/{report_id}/export", data={"csrf_token": token, **fields}
    )


def _opened(encrypted: bytes, identity: pyrage.x25519.Identity) -> str:
    plain = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(encrypted), plain, [identity])
    with zipfile.ZipFile(plain) as bundle:
        return "\n".join(bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist())


def test_a_purpose_withdrawn_while_the_form_was_open_is_refused(
    app: Flask, staff_client: FlaskClient, store: Store
) -> None:
    """The page offered the IOPC; she withdrew that (keeping her legal team) before staff
    pressed Export."""
    survivor = _survivor(app, consent_legal="y", consent_iopc="y")
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    _choose(survivor, consent_read="y", consent_legal="y")
    response = _post(staff_client, report_id, token, generated=generated, purpose="iopc")
    assert response.mimetype == "text/html"
    assert "has not consented to this purpose" in response.get_data(as_text=True)
    assert _exports(store) == 0


def test_messages_withdrawn_while_the_form_was_open_do_not_go(
    app: Flask, staff_client: FlaskClient, store: Store
) -> None:
    """The page said her messages would go; she withdrew that part before Export."""
    survivor = _survivor(app, consent_legal="y", consent_messages_legal="y")
    token = csrf_token(survivor, "/return/report")
    survivor.post(
        "/return/add",
        data={"csrf_token": token, "kind": "message", "text": HER_MESSAGE},
        content_type="multipart/form-data",
    )
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    _choose(survivor, consent_read="y", consent_legal="y")
    identity = pyrage.x25519.Identity.generate()
    response = _post(
        staff_client,
        report_id,
        token,
        generated=generated,
        purpose="legal",
        age_recipient=str(identity.to_public()),
    )
    assert response.mimetype == "application/octet-stream"
    assert HER_MESSAGE not in _opened(response.data, identity)


@pytest.mark.parametrize(
    "purpose",
    ["statistics", "LEGAL", "legal ", "iopc\x00", "legal,iopc", "", "x" * 5000],
    ids=["statistics", "upper", "space", "nul", "two", "empty", "long"],
)
def test_a_tampered_purpose_exports_nothing_and_says_why(
    app: Flask, staff_client: FlaskClient, store: Store, purpose: str
) -> None:
    _survivor(app, consent_legal="y", consent_iopc="y", consent_statistics="y")
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    response = _post(staff_client, report_id, token, generated=generated, purpose=purpose)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Choose who the export is for" in page or "has not consented" in page
    assert _exports(store) == 0


def test_a_purpose_sent_twice_goes_nowhere_she_refused(
    app: Flask, staff_client: FlaskClient, store: Store
) -> None:
    """The purpose field sent twice, a refused purpose first: nothing is exported."""
    _survivor(app, consent_legal="y")
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    response = staff_client.post(
        f"/staff/case/{report_id}/export",
        data={"csrf_token": token, "generated": generated, "purpose": ["iopc", "legal"]},
    )
    assert response.mimetype == "text/html"
    assert "has not consented to this purpose" in response.get_data(as_text=True)
    assert _exports(store) == 0


@pytest.mark.parametrize(
    "blank",
    ["\u00a0\u00a0\u00a0", "\u2003\u3000\u2009", "\t\r\n\x0b\x0c", "\u2028\u2029\u0085"],
    ids=["no-break", "wide-and-thin", "controls", "line-separators"],
)
def test_a_passphrase_box_of_any_kind_of_space_does_not_protect_the_bundle(
    app: Flask, staff_client: FlaskClient, store: Store, tmp_path: Path, blank: str
) -> None:
    _survivor(app, consent_legal="y")
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    response = _post(
        staff_client, report_id, token, generated=generated, purpose="legal", zip_passphrase=blank
    )
    assert response.mimetype == "application/octet-stream"
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    # It opens with the words the page showed, not with the spaces.
    assert any(name.endswith("summary.pdf") for name in open_bundle(archive, generated, tmp_path))


@pytest.mark.parametrize("blank", ["\u00a0\u00a0", "\u2003\n\u3000", "\t\r\n"])
def test_an_age_key_box_of_spaces_is_not_a_key_and_not_both(
    app: Flask, staff_client: FlaskClient, store: Store, blank: str
) -> None:
    """Spaces in the age box beside a chosen passphrase: not "both given", and no key."""
    _survivor(app, consent_legal="y")
    report_id = only_report_id(store)
    token, _ = _export_page(staff_client, report_id)
    response = _post(
        staff_client, report_id, token, generated="", purpose="legal", age_recipient=blank
    )
    assert response.mimetype == "text/html"
    assert "Nothing would protect the bundle" in response.get_data(as_text=True)
    assert _exports(store) == 0


def test_an_invisible_age_key_is_refused_plainly(
    app: Flask, staff_client: FlaskClient, store: Store
) -> None:
    _survivor(app, consent_legal="y")
    report_id = only_report_id(store)
    token, generated = _export_page(staff_client, report_id)
    response = _post(
        staff_client,
        report_id,
        token,
        generated=generated,
        purpose="legal",
        age_recipient="\u200b\u200c\u200d\u2060\ufeff" * 4,
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert _exports(store) == 0
