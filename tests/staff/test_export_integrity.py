"""A case whose stored ciphertext was tampered with is named as such, never as "no consent".

The attacker here holds the database: they alter a file's ciphertext, cut it short,
put another file's in its place, or alter the account. Staff must learn that a part
failed an integrity check, the audit log must say so, and nothing else may be lost.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.cli import main
from portal.staff import service
from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, AuditEvent, Report
from tests.staff.bundles import GENERATED, ZIP_PASSPHRASE, open_bundle, seven_zip
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import submit
from tests.support.people import PASSPHRASE, Person

ACCOUNT = "He took my phone and threw it in the canal."
DAMAGED = b"the photo that will be altered " * 400
INTACT = b"the message screenshot that stays whole " * 400
CONSENTED = "The survivor has not consented"


def _flip(data: bytes) -> bytes:
    return data[:-20] + bytes([data[-20] ^ 1]) + data[-19:]


def _segments(session: Session, attachment: Attachment) -> list[AttachmentSegment]:
    return list(
        session.scalars(
            select(AttachmentSegment).where(AttachmentSegment.attachment_id == attachment.id)
        )
    )


def _altered(session: Session, damaged: Attachment, _intact: Attachment) -> None:
    segment = _segments(session, damaged)[0]
    segment.data = _flip(segment.data)


def _cut_short(session: Session, damaged: Attachment, _intact: Attachment) -> None:
    session.execute(delete(AttachmentSegment).where(AttachmentSegment.attachment_id == damaged.id))


def _moved(session: Session, damaged: Attachment, intact: Attachment) -> None:
    """The intact file's ciphertext, put in place of the other's."""
    _segments(session, damaged)[0].data = _segments(session, intact)[0].data


def _details_altered(session: Session, damaged: Attachment, _intact: Attachment) -> None:
    assert damaged.details is not None
    damaged.details = _flip(damaged.details)


TAMPERING: dict[str, Callable[[Session, Attachment, Attachment], None]] = {
    "altered": _altered,
    "cut short": _cut_short,
    "moved": _moved,
    "details altered": _details_altered,
}


def _case(client: FlaskClient, store: Store, tamper: Callable[..., None]) -> str:
    """A consented case with two files, one of them tampered with in the database."""
    submit(
        client,
        what_happened=ACCOUNT,
        consent_legal="y",
        keep_metadata="y",  # kept as sent
        files=[(io.BytesIO(DAMAGED), "damaged.bin"), (io.BytesIO(INTACT), "intact.bin")],
    )
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        # The damaged file is the smaller one: so is its ciphertext.
        damaged, intact = sorted(
            report.attachments, key=lambda a: sum(len(s.data) for s in _segments(session, a))
        )
        tamper(session, damaged, intact)
        session.commit()
        return report.id


def _actions(store: Store, report_id: str) -> list[tuple[str, str]]:
    """What the audit log recorded about the case, in order."""
    with store.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject == report_id))
        return [(e.action, e.detail or "") for e in events]


def _post_export(staff_client: FlaskClient, report_id: str, **fields: str) -> tuple[Any, str]:
    page = staff_client.get(f"/staff/case/{report_id}/export").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    generated = GENERATED.search(page)
    assert token and generated
    data = {"csrf_token": token.group(1), "generated": generated.group(1), "purpose": "legal"}
    return staff_client.post(
        f"/staff/case/{report_id}/export", data=data | fields
    ), generated.group(1)


@pytest.mark.parametrize("how", TAMPERING)
def test_a_tampered_file_is_named_an_integrity_failure_audited_and_the_rest_exported(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path, how: str
) -> None:
    report_id = _case(client, store, TAMPERING[how])
    response, _ = _post_export(staff_client, report_id)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "failed an integrity check" in page
    assert CONSENTED not in page and "no consent" not in page
    assert 'name="leave_out_damaged"' in page
    [(action, detail)] = _actions(store, report_id)
    assert action == "integrity failure" and re.fullmatch(r"export: evidence [12]", detail)
    part = detail.removeprefix("export: ")

    response, generated = _post_export(staff_client, report_id, leave_out_damaged="y")
    assert response.mimetype == "application/octet-stream"
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    files = open_bundle(archive, generated, tmp_path)
    record = json.loads(next(v for k, v in files.items() if k.endswith("case.json")))
    assert record["account"]["what_happened"] == ACCOUNT
    assert record["left_out"] == [{"part": part, "reason": "failed an integrity check"}]
    [kept] = record["files"]
    assert files[f"case-{record['reference']}/{kept['path']}"] == INTACT
    assert DAMAGED[:31] not in b"".join(files.values())
    exported = [d for a, d in _actions(store, report_id) if a == "case exported"]
    assert len(exported) == 1 and f"left out: {part}" in exported[0]


def test_a_tampered_account_is_named_an_integrity_failure_and_nothing_is_sent(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    report_id = _case(client, store, lambda *_: None)
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.content = _flip(report.content)
        session.commit()
    response, _ = _post_export(staff_client, report_id, leave_out_damaged="y")
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "failed an integrity check" in page and "cannot be exported" in page
    assert CONSENTED not in page
    assert _actions(store, report_id) == [("integrity failure", "export: the case")]


def test_the_service_never_calls_an_integrity_failure_missing_consent(
    client: FlaskClient, staff: Person, store: Store
) -> None:
    report_id = _case(client, store, _altered)
    with store.session() as session, pytest.raises(service.NeedsConfirmation) as raised:
        service.prepare_export(
            session, principal_of(store, staff), [report_id], "legal", leave_out_damaged=False
        )
    assert "failed an integrity check" in str(raised.value)


def test_the_command_names_the_integrity_failure_and_exports_everything_else(
    client: FlaskClient,
    staff: Person,
    store: Store,
    instance: Instance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    damaged_case = _case(client, store, _altered)
    submit(client, what_happened="A second, whole case.", consent_legal="y")
    with store.session() as session:
        references = [r.id[:8] for r in session.scalars(select(Report))]
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    out = tmp_path / "cases.zip"
    arguments = ["export", "--user", staff.name, "--passphrase-stdin", "--purpose", "legal"]
    for reference in references:
        arguments += ["--case", reference]
    result = CliRunner().invoke(
        main, [*arguments, "--out", str(out)], input=f"{PASSPHRASE}\n{ZIP_PASSPHRASE}\n"
    )
    assert result.exit_code == 1
    assert f"In case {damaged_case[:8].upper()}, evidence" in result.output
    assert "failed an integrity check" in result.output and "no consent" not in result.output
    assert "Exported 2 case(s)" in result.output
    seven_zip(out, ZIP_PASSPHRASE, tmp_path / "outer")
    with zipfile.ZipFile(tmp_path / "outer" / "bundle.zip") as bundle:
        records = [json.loads(bundle.read(n)) for n in bundle.namelist() if n.endswith(".json")]
    assert sorted(r["account"]["what_happened"] for r in records) == [
        "A second, whole case.",
        ACCOUNT,
    ]
