"""The export form as staff use it: only the purposes consented to now, plain refusals,
a file name and a summary that say whom the bundle is for."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pyrage
import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from portal.staff.summary import summary_pdf
from portal.store import Store
from portal.store.models import AuditEvent
from tests.staff.bundles import open_bundle
from tests.staff.test_export import _export_page, _submit, _web_export
from tests.support.database import only_report_id


def _exports(store: Store) -> int:
    with store.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "case exported"))
        return len(list(events))


def _offered(page: str) -> list[str]:
    return re.findall(r'name="purpose"[^>]*value="([a-z]+)"', page)


def _reference(report_id: str) -> str:
    return report_id[:8].upper()


@pytest.mark.parametrize(
    ("consent", "offered"),
    [
        ({"consent_legal": "y"}, ["legal"]),
        ({"consent_iopc": "y"}, ["iopc"]),
        ({"consent_legal": "y", "consent_iopc": "y"}, ["legal", "iopc"]),
    ],
)
def test_the_form_offers_only_the_purposes_the_survivor_consents_to_now(
    client: FlaskClient,
    staff_client: FlaskClient,
    store: Store,
    consent: dict[str, str],
    offered: list[str],
) -> None:
    _submit(client, **consent)
    page = staff_client.get(f"/staff/case/{only_report_id(store)}/export").get_data(as_text=True)
    assert _offered(page) == offered
    assert "did not agree</label>" not in page  # no purpose offered only to be refused
    if len(offered) == 1:  # the one there is comes chosen
        assert re.search(r'name="purpose"[^>]*checked|checked[^>]*name="purpose"', page)


def test_no_purpose_chosen_asks_for_one(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y", consent_iopc="y")
    response, _ = _web_export(staff_client, only_report_id(store))
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "Choose who the export is for." in page
    assert "Not a valid choice" not in page
    assert _exports(store) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"generated": ""},
        {"generated": "", "zip_passphrase": "", "age_recipient": ""},
        {"generated": "", "zip_passphrase": "   ", "age_recipient": " \n"},
    ],
    ids=["nothing-sent", "generated-emptied", "every-box-empty", "only-spaces"],
)
def test_neither_a_passphrase_nor_an_age_key_is_refused_with_that_reason(
    client: FlaskClient, staff_client: FlaskClient, store: Store, fields: dict[str, str]
) -> None:
    _submit(client, consent_legal="y")
    report_id = only_report_id(store)
    token, _ = _export_page(staff_client, report_id)
    response = staff_client.post(
        f"/staff/case/{report_id}/export",
        data={"csrf_token": token, "purpose": "legal", **fields},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Nothing would protect the bundle" in page
    assert "has changed" not in page
    assert _exports(store) == 0


def test_a_chosen_passphrase_of_spaces_is_not_used_the_generated_one_is(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path
) -> None:
    """A bundle under "   " would open for anyone, and not with the words the page showed."""
    _submit(client, consent_legal="y")
    response, generated = _web_export(
        staff_client, only_report_id(store), purpose="legal", zip_passphrase="   "
    )
    assert response.mimetype == "application/octet-stream"
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    assert any(name.endswith("summary.pdf") for name in open_bundle(archive, generated, tmp_path))


def test_an_age_key_pasted_with_spaces_around_it_is_used(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_iopc="y")
    identity = pyrage.x25519.Identity.generate()
    response, _ = _web_export(
        staff_client,
        only_report_id(store),
        purpose="iopc",
        age_recipient=f"  {identity.to_public()}\n",
    )
    assert response.mimetype == "application/octet-stream"
    plain = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(response.data), plain, [identity])
    assert plain.getvalue().startswith(b"PK")


@pytest.mark.parametrize(
    ("purpose", "age", "ending"),
    [
        ("legal", False, "-legal-team.zip"),
        ("iopc", False, "-iopc.zip"),
        ("iopc", True, "-iopc.zip.age"),
    ],
)
def test_the_file_name_says_whom_the_bundle_is_for(
    client: FlaskClient,
    staff_client: FlaskClient,
    store: Store,
    purpose: str,
    age: bool,
    ending: str,
) -> None:
    _submit(client, consent_legal="y", consent_iopc="y")
    report_id = only_report_id(store)
    key = {"age_recipient": str(pyrage.x25519.Identity.generate().to_public())} if age else {}
    response, _ = _web_export(staff_client, report_id, purpose=purpose, **key)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="case-{_reference(report_id)}{ending}"'


@pytest.mark.parametrize(
    ("purpose", "said"),
    [
        ("legal", "Prepared for the charity's legal team"),
        ("iopc", "Prepared for the IOPC or a police force's professional standards department"),
    ],
)
def test_the_summary_says_whom_it_is_prepared_for_in_plain_words(
    client: FlaskClient,
    staff_client: FlaskClient,
    store: Store,
    tmp_path: Path,
    purpose: str,
    said: str,
) -> None:
    _submit(client, consent_legal="y", consent_iopc="y")
    response, generated = _web_export(staff_client, only_report_id(store), purpose=purpose)
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    files = open_bundle(archive, generated, tmp_path)
    [pdf] = [content for name, content in files.items() if name.endswith(".pdf")]
    first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert said in " ".join(first_page.split())


def _record(files: int, account: str) -> dict[str, Any]:
    """A case record (docs/export-schema.md) with many evidence files."""
    return {
        "reference": "DACD6D7C",
        "purpose": "legal",
        "exported_on": "2025-01-02",
        "received_on": "2025-01-01",
        "status": "new",
        "account": {
            "force": "Kent Police",
            "harms": [],
            "harm_other": "",
            "what_happened": account,
            "additions": [],
            "when": "",
            "where": "",
            "reported_before": "",
            "reported_outcome": "",
            "contact_method": "",
            "contact_details": "",
        },
        "officers": [],
        "messages_included": False,
        "messages": [],
        "consent": {"history": []},
        "files": [
            {
                "path": f"evidence-{n}.jpg",
                "media_type": "image/jpeg",
                "size": 1000 + n,
                "sha256": hashlib.sha256(str(n).encode()).hexdigest(),
            }
            for n in range(1, files + 1)
        ],
        "left_out": [],
    }


@pytest.mark.parametrize("lines", range(0, 12))
def test_each_files_hash_stays_on_one_page_with_its_name(lines: int) -> None:
    """Wherever the page breaks fall, a recipient finds a file's name and hash together."""
    record = _record(40, "\n".join(["What happened, a line at a time."] * (lines + 1)))
    pages = [
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(summary_pdf(record))).pages
    ]
    assert len(pages) > 1
    for file in record["files"]:
        together = [page for page in pages if f"{file['path']}" in page and file["sha256"] in page]
        assert len(together) == 1, f"{file['path']} and its hash are not on one page"
