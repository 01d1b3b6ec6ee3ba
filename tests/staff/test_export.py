"""Staff export only what survivors consented to, as encrypted bundles others can open."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pyrage
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from portal.cli import main
from portal.staff import service
from portal.store import Store
from portal.store.models import AuditEvent, Group, Report, Role
from tests.advocate.conftest import PASSPHRASE, Person, create_person, log_in
from tests.advocate.seed import seed_reports
from tests.conftest import Instance
from tests.staff.conftest import principal_of
from tests.survivor.conftest import csrf_token, sign_in, submit

ACCOUNT = "The sergeant pinned me down in the custody suite."
ZIP_PASSPHRASE = "a long and separate zip passphrase"
EVIDENCE = b"photo of the bruises, as bytes" * 500


def _submit(client: FlaskClient, **consent: str) -> str:
    return submit(
        client,
        what_happened=ACCOUNT,
        force="Kent Police",
        contact_details="call 07700 900123 after 6pm",
        keep_metadata="y",  # kept byte for byte, as sent
        files=[(io.BytesIO(EVIDENCE), "bruises.jpg.bin")],
        **{"officers-0-name": "Sgt Mark Hale", "officers-0-number": "4471"},
        **consent,
    )


def _report_ids(store: Store) -> dict[bool, str]:
    with store.session() as session:
        return {r.export_legal: r.id for r in session.scalars(select(Report))}


def _seven_zip(archive: Path, passphrase: str, target: Path) -> None:
    """Open the archive with 7-Zip, independently of the library that wrote it."""
    subprocess.run(
        ["7z", "x", f"-p{passphrase}", f"-o{target}", str(archive), "-y"],
        check=True,
        capture_output=True,
    )


def test_staff_see_only_consented_cases(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y")
    _submit(client)
    ids = _report_ids(store)
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert ids[True][:8].upper() in page
    assert ids[False][:8].upper() not in page
    assert ACCOUNT not in page
    assert staff_client.get(f"/staff/case/{ids[False]}/export").status_code == 404


def test_staff_cannot_decrypt_an_unconsented_case_even_through_the_service(
    client: FlaskClient, staff: Person, store: Store
) -> None:
    _submit(client)
    [report_id] = _report_ids(store).values()
    principal = principal_of(store, staff)
    with store.session() as session, pytest.raises(service.ConsentMissing):
        service.export_cases(
            session, principal, [report_id], "legal", io.BytesIO(), zip_passphrase=ZIP_PASSPHRASE
        )
    assert not principal.holds(Group.ADVOCATES)


def test_the_web_export_opens_in_7zip_with_the_pdf_json_and_evidence(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    token = csrf_token(staff_client, f"/staff/case/{report_id}/export")
    response = staff_client.post(
        f"/staff/case/{report_id}/export",
        data={"csrf_token": token, "purpose": "legal", "zip_passphrase": ZIP_PASSPHRASE},
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    with pytest.raises(subprocess.CalledProcessError):
        _seven_zip(archive, "the wrong passphrase", tmp_path / "wrong")
    _seven_zip(archive, ZIP_PASSPHRASE, tmp_path / "out")
    folder = tmp_path / "out" / report_id[:8].upper()
    record = json.loads((folder / "case.json").read_text())
    assert record["schema"] == "portal-case-export/1"
    assert record["account"]["what_happened"] == ACCOUNT
    assert record["account"]["contact_details"] == "call 07700 900123 after 6pm"
    assert record["officers"][0]["number"] == "4471"
    [evidence] = record["files"]
    assert (folder / evidence["path"]).read_bytes() == EVIDENCE
    import hashlib

    assert evidence["sha256"] == hashlib.sha256(EVIDENCE).hexdigest()
    text = "".join(page.extract_text() for page in PdfReader(folder / "summary.pdf").pages)
    assert "pinned me down in the custody suite" in text
    assert evidence["sha256"] in text.replace("\n", "")
    with store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case exported")
        ).one()
    assert event.subject == report_id and "purpose=legal" in (event.detail or "")
    assert evidence["sha256"][:16] in (event.detail or "")


def test_an_iopc_bundle_follows_a_complaint_and_leaves_out_contact_details(
    client: FlaskClient, staff: Person, store: Store
) -> None:
    _submit(client, consent_iopc="y")
    [report_id] = _report_ids(store).values()
    out = io.BytesIO()
    identity = pyrage.x25519.Identity.generate()
    with store.session() as session:
        service.export_cases(
            session,
            principal_of(store, staff),
            [report_id],
            "iopc",
            out,
            age_recipient=str(identity.to_public()),
        )
    plain = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(out.getvalue()), plain, [identity])
    with zipfile.ZipFile(plain) as archive:  # the standard library: not the writer
        names = archive.namelist()
        record = json.loads(archive.read(next(n for n in names if n.endswith("case.json"))))
        pdf = archive.read(next(n for n in names if n.endswith(".pdf")))
    assert "contact_details" not in record["account"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Police complaint summary" in text
    for field in ("Who was involved", "What happened", "When", "Where", "Witnesses", "Injury"):
        assert field in text
    assert "07700 900123" not in text


def test_withdrawing_consent_stops_export_at_once(
    client: FlaskClient, staff_client: FlaskClient, staff: Person, store: Store
) -> None:
    codename = _submit(client, consent_legal="y", consent_read="y")
    report_id = _report_ids(store)[True]
    assert report_id[:8].upper() in staff_client.get("/staff/").get_data(as_text=True)
    principal = principal_of(store, staff)
    sign_in(client, codename)
    token = csrf_token(client, "/return/consent")
    client.post("/return/consent", data={"csrf_token": token, "consent_read": "y"})
    assert report_id[:8].upper() not in staff_client.get("/staff/").get_data(as_text=True)
    assert staff_client.get(f"/staff/case/{report_id}/export").status_code == 404
    with store.session() as session, pytest.raises(service.ConsentMissing):
        service.export_cases(
            session, principal, [report_id], "legal", io.BytesIO(), zip_passphrase=ZIP_PASSPHRASE
        )


def test_a_purpose_not_consented_to_is_refused(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    token = csrf_token(staff_client, f"/staff/case/{report_id}/export")
    response = staff_client.post(
        f"/staff/case/{report_id}/export",
        data={"csrf_token": token, "purpose": "iopc", "zip_passphrase": ZIP_PASSPHRASE},
    )
    assert "has not consented to this purpose" in response.get_data(as_text=True)


def test_advocates_and_admins_get_not_found_in_the_staff_area(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    for name, role in (("alice", Role.ADVOCATE), ("root", Role.ADMIN)):
        other = app.test_client()
        assert log_in(other, create_person(store, instance, name, role)).status_code == 303  # type: ignore[attr-defined]
        assert other.get("/staff/").status_code == 404
        assert other.get(f"/staff/case/{report_id}/export").status_code == 404


def test_the_command_exports_every_consented_case_with_a_progress_bar(
    staff: Person,
    store: Store,
    instance: Instance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_reports(store, 1000, export_legal=True)
    seed_reports(store, 20)  # not consented: never exported
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    out = tmp_path / "all.zip"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--all-consented",
            "--purpose",
            "legal",
            "--out",
            str(out),
            "--user",
            staff.name,
            "--passphrase-stdin",
        ],
        input=f"{PASSPHRASE}\n{ZIP_PASSPHRASE}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Exported 1000 case(s)" in result.output
    assert "Exporting cases" in result.output
    listing = subprocess.run(
        ["7z", "l", "-slt", f"-p{ZIP_PASSPHRASE}", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(re.findall(r"^Path = [0-9A-F]{8}/case\.json$", listing, re.M)) == 1000
    assert "Encrypted = +" in listing


def test_the_command_refuses_a_wrong_passphrase_and_an_existing_file(
    staff: Person, instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    arguments = [
        "export",
        "--all-consented",
        "--purpose",
        "legal",
        "--user",
        staff.name,
        "--passphrase-stdin",
        "--out",
    ]
    wrong = CliRunner().invoke(
        main,
        [*arguments, str(tmp_path / "a.zip")],
        input=f"not the passphrase at all\n{ZIP_PASSPHRASE}\n",
    )
    assert wrong.exit_code == 1 and "did not work" in wrong.output
    existing = tmp_path / "exists.zip"
    existing.write_bytes(b"keep me")
    again = CliRunner().invoke(
        main, [*arguments, str(existing)], input=f"{PASSPHRASE}\n{ZIP_PASSPHRASE}\n"
    )
    assert again.exit_code == 1 and "already exists" in again.output
    assert existing.read_bytes() == b"keep me"
