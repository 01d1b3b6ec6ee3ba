"""Staff export only what survivors consented to, as encrypted bundles others can open."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from bench.seed import seed_reports
from crypto.words import word_list
from portal.cli import main
from portal.core import audit
from portal.staff import service
from portal.store import Store
from portal.store.models import AuditEvent, Group, Report, Role
from tests.staff.bundles import GENERATED, ZIP_PASSPHRASE, open_bundle, seven_zip
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import add_note, form_tokens, send_reply, sign_in, submit
from tests.support.people import PASSPHRASE, Person, create_person, signed_in_as

ACCOUNT = "The sergeant pinned me down in the custody suite."
EVIDENCE = b"photo of the bruises, as bytes" * 500
# The name a survivor's phone gave her file: it says where she stays.
FILE_NAME = "at-my-sister-Jo-in-Harrogate.bin"


def _submit(client: FlaskClient, **consent: str) -> str:
    return submit(
        client,
        what_happened=ACCOUNT,
        force="Kent Police",
        contact_details="call 07700 900123 after 6pm",
        keep_metadata="y",  # kept byte for byte, as sent
        files=[(io.BytesIO(EVIDENCE), FILE_NAME)],
        **{"officers-0-name": "Sgt Mark Hale", "officers-0-number": "4471"},
        **consent,
    )


def _report_ids(store: Store) -> dict[bool, str]:
    with store.session() as session:
        return {r.export_legal: r.id for r in session.scalars(select(Report))}


def _listing(archive: Path) -> list[str]:
    """The entries `7z l` shows of an archive, without any passphrase."""
    listed = subprocess.run(
        ["7z", "l", "-slt", str(archive)],
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    return re.findall(r"^Path = (.*)$", listed.split("----------", 1)[1], re.M)


def _age_bundle(encrypted: bytes, identity: pyrage.x25519.Identity) -> dict[str, bytes]:
    plain = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(encrypted), plain, [identity])
    with zipfile.ZipFile(plain) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


def _everything_readable(files: dict[str, bytes]) -> str:
    """A bundle's file names, JSON and PDF text, and files, as one string to search."""
    parts = list(files)
    for name, content in files.items():
        if name.endswith(".pdf"):
            parts += [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
        else:
            parts.append(content.decode("utf-8", "replace"))
    return "\n".join(parts)


def _record(files: dict[str, bytes]) -> dict[str, Any]:
    [name] = [n for n in files if n.endswith("/case.json")]
    record: dict[str, Any] = json.loads(files[name])
    return record


def _export_page(staff_client: FlaskClient, report_id: str) -> tuple[str, str]:
    """The export page's CSRF token and the passphrase it generated."""
    page = staff_client.get(f"/staff/case/{report_id}/export").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    generated = GENERATED.search(page)
    assert token and generated, page
    return token.group(1), generated.group(1)


def _web_export(staff_client: FlaskClient, report_id: str, **fields: str) -> tuple[Any, str]:
    """Post the export form as a browser would; return the response and the passphrase shown."""
    token, generated = _export_page(staff_client, report_id)
    data = {"csrf_token": token, "generated": generated, **fields}
    return staff_client.post(f"/staff/case/{report_id}/export", data=data), generated


def _audit(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_staff_see_only_consented_cases_and_whether_messages_go(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y", consent_messages_legal="y", consent_iopc="y")
    _submit(client)
    ids = _report_ids(store)
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert ids[True][:8].upper() in page
    assert ids[False][:8].upper() not in page
    assert ACCOUNT not in page
    assert "yes, with messages" in page and "yes, without messages" in page
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


def test_the_web_export_opens_in_7zip_with_the_generated_passphrase_and_is_audited_first(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    page = staff_client.get(f"/staff/case/{report_id}/export").get_data(as_text=True)
    assert "Send it by another channel than the file" in page
    response, generated = _web_export(staff_client, report_id, purpose="legal")
    words = generated.split("-")
    assert len(words) == 7 and set(words) <= set(word_list())
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    with pytest.raises(subprocess.CalledProcessError):
        seven_zip(archive, "the wrong passphrase", tmp_path / "wrong")
    files = open_bundle(archive, generated, tmp_path)
    folder = f"case-{report_id[:8].upper()}"
    assert sorted(files) == [
        f"{folder}/case.json",
        f"{folder}/evidence-1.bin",
        f"{folder}/summary.pdf",
    ]
    record = _record(files)
    assert record["schema"] == "portal-case-export/2"
    assert record["account"]["what_happened"] == ACCOUNT
    assert record["account"]["contact_details"] == "call 07700 900123 after 6pm"
    assert record["officers"][0]["number"] == "4471"
    [evidence] = record["files"]
    assert files[f"{folder}/{evidence['path']}"] == EVIDENCE
    sha256 = hashlib.sha256(EVIDENCE).hexdigest()
    assert evidence["sha256"] == sha256
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(files[f"{folder}/summary.pdf"])).pages
    )
    assert "pinned me down in the custody suite" in text
    assert sha256 in text.replace("\n", "")
    [event] = _audit(store, "case exported")
    assert event.subject == report_id and "purpose=legal" in (event.detail or "")
    with store.session() as session:
        assert audit.keyed_digest(session, sha256) in (event.detail or "")
    # The audit entry names the file only by a keyed digest, never by its hash.
    assert sha256[:12] not in (event.detail or "")


def test_without_the_passphrase_a_bundle_shows_one_neutral_entry_and_no_file_name(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    response, generated = _web_export(staff_client, report_id, purpose="legal")
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    assert _listing(archive) == ["bundle.zip"]
    listed = subprocess.run(
        ["7z", "l", str(archive)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    ).stdout
    assert "1980-01-01 00:00:00" in listed  # not the moment of the export
    assert b"Harrogate" not in response.data and b"evidence" not in response.data
    files = open_bundle(archive, generated, tmp_path)
    with zipfile.ZipFile(tmp_path / "outer" / "bundle.zip") as inner:
        assert all(re.fullmatch(r"case-[0-9A-F]{8}/[a-z0-9.-]+", n) for n in inner.namelist())
    assert "Harrogate" not in _everything_readable(files)


def test_an_age_bundle_holds_the_inner_zip_with_neutral_names(
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
    files = _age_bundle(out.getvalue(), identity)
    folder = f"case-{report_id[:8].upper()}"
    assert sorted(files) == [
        f"{folder}/case.json",
        f"{folder}/evidence-1.bin",
        f"{folder}/summary.pdf",
    ]
    assert "Harrogate" not in _everything_readable(files)
    record = _record(files)
    assert "contact_details" not in record["account"]
    pdf = files[f"{folder}/summary.pdf"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Police complaint summary" in text
    for field in ("Who was involved", "What happened", "When", "Where", "Witnesses", "Injury"):
        assert field in text
    assert "07700 900123" not in text


# --- Messages go only with consent for that purpose -------------------------------------------

MESSAGE = "I am staying at my sister's on Elm Road, call after 8pm when he is out."
ADDITION = "More: he came back the next night with two other officers."
REPLY = "Thank you. We can call you on Tuesday evening."
NOTE = "Internal: check the custody record before we call her."


def _case_with_a_conversation(
    app: Flask, client: FlaskClient, store: Store, instance: Instance, **consent: str
) -> str:
    """A consented case with her message, her addition, a reply and an internal note."""
    codename = _submit(client, **consent)
    sign_in(client, codename)
    for kind, text in (("message", MESSAGE), ("addition", ADDITION)):
        token = form_tokens(client, "/return/report")
        sent = client.post("/return/add", data={**token, "kind": kind, "text": text})
        assert sent.status_code == 303
    [report_id] = _report_ids(store).values()
    advocate = signed_in_as(app, create_person(store, instance, "alice", Role.ADVOCATE))
    assert send_reply(advocate, report_id, REPLY).status_code == 303
    assert add_note(advocate, report_id, NOTE).status_code == 303
    return report_id


def _export_readable(
    store: Store, staff: Person, report_id: str, purpose: str
) -> tuple[str, dict[str, Any]]:
    identity = pyrage.x25519.Identity.generate()
    out = io.BytesIO()
    with store.session() as session:
        service.export_cases(
            session,
            principal_of(store, staff),
            [report_id],
            purpose,
            out,
            age_recipient=str(identity.to_public()),
        )
    files = _age_bundle(out.getvalue(), identity)
    return _everything_readable(files), _record(files)


@pytest.mark.parametrize("purpose", ["legal", "iopc"])
def test_a_bundle_without_consent_for_messages_holds_none_of_them_but_her_additions(
    app: Flask, client: FlaskClient, staff: Person, store: Store, instance: Instance, purpose: str
) -> None:
    report_id = _case_with_a_conversation(
        app, client, store, instance, consent_read="y", **{f"consent_{purpose}": "y"}
    )
    readable, record = _export_readable(store, staff, report_id, purpose)
    for text in (MESSAGE, REPLY, NOTE, "Elm Road", "Tuesday evening", "custody record"):
        assert text not in readable.replace("\n", " ")
    assert record["messages_included"] is False and record["messages"] == []
    assert [a["text"] for a in record["account"]["additions"]] == [ADDITION]
    assert "did not agree to share their messages" in readable
    [event] = _audit(store, "case exported")
    assert "messages=no" in (event.detail or "")


@pytest.mark.parametrize("purpose", ["legal", "iopc"])
def test_a_bundle_with_consent_for_messages_holds_them_and_the_replies_but_never_a_note(
    app: Flask, client: FlaskClient, staff: Person, store: Store, instance: Instance, purpose: str
) -> None:
    other = "iopc" if purpose == "legal" else "legal"
    report_id = _case_with_a_conversation(
        app,
        client,
        store,
        instance,
        consent_read="y",
        **{f"consent_{purpose}": "y", f"consent_messages_{purpose}": "y", f"consent_{other}": "y"},
    )
    readable, record = _export_readable(store, staff, report_id, purpose)
    assert record["messages_included"] is True
    assert [(m["author"], m["text"]) for m in record["messages"]] == [
        ("survivor", MESSAGE),
        ("advocate", REPLY),
    ]
    assert NOTE not in readable.replace("\n", " ") and "custody record" not in readable
    assert [a["text"] for a in record["account"]["additions"]] == [ADDITION]
    # The same case for the other purpose, whose messages she did not agree to send.
    readable, record = _export_readable(store, staff, report_id, other)
    assert record["messages"] == [] and "Elm Road" not in readable


# --- Passphrases ----------------------------------------------------------------------------

WEAK = [
    "password123456",
    "zipfile zipfile",
    "copper anchor lantern velvet",
    "Summer2024!",
    "correct horse battery staple",
    "the quick brown fox jumps over the lazy dog",
]


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_chosen_passphrase_is_refused_on_the_page_and_nothing_is_exported(
    client: FlaskClient, staff_client: FlaskClient, store: Store, weak: str
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    response, _ = _web_export(staff_client, report_id, purpose="legal", zip_passphrase=weak)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "too easy to guess" in page and weak not in page
    assert _audit(store, "case exported") == []


def test_a_strong_chosen_passphrase_opens_the_web_bundle(
    client: FlaskClient, staff_client: FlaskClient, store: Store, tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    response, generated = _web_export(
        staff_client, report_id, purpose="legal", zip_passphrase=ZIP_PASSPHRASE
    )
    archive = tmp_path / "case.zip"
    archive.write_bytes(response.data)
    with pytest.raises(subprocess.CalledProcessError):
        seven_zip(archive, generated, tmp_path / "generated")
    assert _record(open_bundle(archive, ZIP_PASSPHRASE, tmp_path))["reference"]


def test_a_generated_passphrase_sent_back_altered_is_replaced_not_used(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    token, _ = _export_page(staff_client, report_id)
    response = staff_client.post(
        f"/staff/case/{report_id}/export",
        data={"csrf_token": token, "purpose": "legal", "generated": "short"},
    )
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "The generated passphrase has changed" in page
    assert GENERATED.search(page)
    assert _audit(store, "case exported") == []


# --- Consent checked before any byte; a hang-up still leaves its audit entry ------------------


class _HangsUp(io.RawIOBase):
    """A client that takes the first bytes and then is gone."""

    def __init__(self) -> None:
        self.received = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.received:
            raise BrokenPipeError("the client hung up")
        self.received += len(data)
        return len(data)


def test_an_export_is_audited_before_its_first_byte_even_if_the_reader_hangs_up(
    client: FlaskClient, staff: Person, store: Store
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    reader = _HangsUp()
    with store.session() as session, pytest.raises(BrokenPipeError):
        service.export_cases(
            session, principal_of(store, staff), [report_id], "legal", reader, ZIP_PASSPHRASE
        )
    assert reader.received
    [event] = _audit(store, "case exported")
    assert event.subject == report_id


def test_one_case_without_consent_stops_the_export_before_any_byte_or_entry(
    client: FlaskClient, staff: Person, store: Store
) -> None:
    _submit(client, consent_legal="y")
    _submit(client, consent_iopc="y")
    with store.session() as session:
        ids = [r.id for r in session.scalars(select(Report).order_by(Report.export_legal.desc()))]
    out = io.BytesIO()
    with store.session() as session, pytest.raises(service.ConsentMissing):
        service.export_cases(
            session, principal_of(store, staff), ids, "legal", out, zip_passphrase=ZIP_PASSPHRASE
        )
    assert out.getvalue() == b""
    assert _audit(store, "case exported") == []


def test_withdrawing_consent_stops_export_at_once(
    client: FlaskClient, staff_client: FlaskClient, staff: Person, store: Store
) -> None:
    codename = _submit(client, consent_legal="y", consent_read="y")
    report_id = _report_ids(store)[True]
    assert report_id[:8].upper() in staff_client.get("/staff/").get_data(as_text=True)
    principal = principal_of(store, staff)
    sign_in(client, codename)
    token = form_tokens(client, "/return/consent")
    client.post("/return/consent", data={**token, "consent_read": "y"})
    assert report_id[:8].upper() not in staff_client.get("/staff/").get_data(as_text=True)
    assert staff_client.get(f"/staff/case/{report_id}/export").status_code == 404
    with store.session() as session, pytest.raises(service.ConsentMissing):
        service.export_cases(
            session, principal, [report_id], "legal", io.BytesIO(), zip_passphrase=ZIP_PASSPHRASE
        )


def test_a_survivor_who_withdraws_while_earlier_cases_are_written_is_not_exported(
    app: Flask, staff: Person, store: Store
) -> None:
    clients = [app.test_client() for _ in range(2)]
    for survivor in clients:
        sign_in(survivor, _submit(survivor, consent_legal="y", consent_read="y"))
    principal = principal_of(store, staff)
    with store.session() as session:
        plan = service.prepare_export(
            session, principal, list(session.scalars(select(Report.id))), "legal"
        )
    second = plan.exported[1].reference
    last = next(c for c in clients if second in c.get("/return/report").get_data(as_text=True))

    def withdraw_after_the_first(done: int) -> None:
        if done == 1:
            token = form_tokens(last, "/return/consent")
            last.post("/return/consent", data={**token, "consent_read": "y"})

    with store.session() as session, pytest.raises(service.ConsentMissing):
        service.write_bundle(
            session,
            principal,
            plan,
            io.BytesIO(),
            zip_passphrase=ZIP_PASSPHRASE,
            progress=withdraw_after_the_first,
        )


def test_a_purpose_not_consented_to_is_refused(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    response, _ = _web_export(staff_client, report_id, purpose="iopc")
    assert "has not consented to this purpose" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert _audit(store, "case exported") == []


def test_advocates_and_admins_get_not_found_in_the_staff_area(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    _submit(client, consent_legal="y")
    report_id = _report_ids(store)[True]
    for name, role in (("alice", Role.ADVOCATE), ("root", Role.ADMIN)):
        other = signed_in_as(app, create_person(store, instance, name, role))
        assert other.get("/staff/").status_code == 404
        assert other.get(f"/staff/case/{report_id}/export").status_code == 404


# --- The command ----------------------------------------------------------------------------


@pytest.fixture
def command(
    instance: Instance, staff: Person, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """`portal export` as the staff member, with the passphrase on standard input."""
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    yield ["export", "--user", staff.name, "--passphrase-stdin"]


def test_the_command_exports_every_consented_case_with_a_progress_bar(
    store: Store, command: list[str], tmp_path: Path
) -> None:
    seed_reports(store, 1000, export_legal=True)
    seed_reports(store, 20)  # not consented: never exported
    out = tmp_path / "all.zip"
    result = CliRunner().invoke(
        main,
        [*command, "--all-consented", "--purpose", "legal", "--out", str(out)],
        input=f"{PASSPHRASE}\n{ZIP_PASSPHRASE}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Exported 1000 case(s)" in result.output
    assert "Exporting cases" in result.output
    assert _listing(out) == ["bundle.zip"]
    inner = subprocess.run(
        ["7z", "e", "-so", f"-p{ZIP_PASSPHRASE}", str(out), "bundle.zip"],
        capture_output=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    with zipfile.ZipFile(io.BytesIO(inner)) as bundle:
        names = bundle.namelist()
    assert len([n for n in names if re.fullmatch(r"case-[0-9A-F]{8}/case\.json", n)]) == 1000
    assert len(_audit(store, "case exported")) == 1000


@pytest.mark.parametrize("weak", WEAK[:2])
def test_the_command_refuses_a_weak_zip_passphrase_and_writes_nothing(
    client: FlaskClient, store: Store, command: list[str], tmp_path: Path, weak: str
) -> None:
    _submit(client, consent_legal="y")
    out = tmp_path / "weak.zip"
    arguments = [*command, "--all-consented", "--purpose", "legal", "--out", str(out)]
    for flags, typed in (
        ([], f"{PASSPHRASE}\n{weak}\n"),
        (["--zip-passphrase-stdin"], f"{PASSPHRASE}\n{weak}\n"),
    ):
        result = CliRunner().invoke(main, [*arguments, *flags], input=typed)
        assert result.exit_code == 1 and "too easy to guess" in result.output
        assert not out.exists()
    assert _audit(store, "case exported") == []


def test_the_command_will_not_print_a_generated_passphrase_where_no_one_reads_it(
    client: FlaskClient, store: Store, command: list[str], tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    out = tmp_path / "no-terminal.zip"
    result = CliRunner().invoke(
        main,
        [*command, "--all-consented", "--purpose", "legal", "--out", str(out)],
        input=f"{PASSPHRASE}\n",
    )
    assert result.exit_code == 1 and "no terminal" in result.output
    assert not out.exists() and _audit(store, "case exported") == []


def test_the_command_refuses_a_case_without_consent_and_leaves_no_file(
    client: FlaskClient, store: Store, command: list[str], tmp_path: Path
) -> None:
    _submit(client, consent_legal="y")
    _submit(client, consent_iopc="y")
    with store.session() as session:
        references = [r.id[:8] for r in session.scalars(select(Report))]
    out = tmp_path / "refused.zip"
    arguments = [*command, "--purpose", "legal", "--out", str(out)]
    for reference in references:
        arguments += ["--case", reference]
    result = CliRunner().invoke(main, arguments, input=f"{PASSPHRASE}\n{ZIP_PASSPHRASE}\n")
    assert result.exit_code == 1 and "has no consent for legal" in result.output
    assert not out.exists() and _audit(store, "case exported") == []


def test_the_command_refuses_a_wrong_passphrase_and_an_existing_file(
    command: list[str], tmp_path: Path
) -> None:
    arguments = [*command, "--all-consented", "--purpose", "legal", "--out"]
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
