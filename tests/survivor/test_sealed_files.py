"""Evidence files sealed in the survivor's browser: stored as they stream in, never
encrypted again, claimed with the sealed report, and read back by an advocate byte for
byte; a file cut short, too large, bound elsewhere or one too many refuses the whole
report, and nothing is kept.

Files are sealed here with `crypto/` as the browser seals them (js/seal/src/files.js,
checked against these in test_browser_files.py), bindings written out as the browser
writes them, and sent as the browser's form sends them, to POST /report/sealed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crypto.envelope import encrypt_field, new_key, unwrap_key, wrap_key
from crypto.format import Binding
from crypto.stream import SEGMENT_SIZE, STREAM_HEADER_SIZE, StreamEncryptor, padded_stream_size
from crypto.words import codename_wrap_key
from portal.core import submissions
from portal.core.reports import FileDetails, file_details, read_attachment, reference_of
from portal.core.sealed_files import TOO_MANY_FILES, SealedUpload, too_large
from portal.core.sealed_reports import (
    NOT_WHOLE,
)
from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, Group, Report
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import csrf_token
from tests.survivor.test_sealed_reports import (
    NOTHING,
    READ_ONLY,
    Browser,
    count_rows,
    seal_in_browser,
)


@dataclass(frozen=True)
class SealedFile:
    """What the browser sends of one file: its stream, wrapped key, details, and its id."""

    attachment_id: str
    stream: bytes
    file_key: bytes
    details: bytes


def token_text(browser: Browser) -> str:
    """The form's token as the page carries it."""
    return base64.urlsafe_b64encode(browser.submission.token).decode()


def data_key_of(browser: Browser) -> bytes:
    """The report's data key, as only her browser (which made the codename) has it."""
    wrapped = base64.b64decode(browser.fields["survivor_key"])
    home = Binding("reports", browser.report_id, "survivor_key")
    return unwrap_key(codename_wrap_key(browser.codename, browser.report_id), wrapped, home)


def attachment_id(token: bytes, number: int) -> str:
    """As the browser computes it: SHA-256(label, token, number as 4 bytes), 16 bytes, hex."""
    digest = hashlib.sha256(b"portal/v1/attachment-id" + token + number.to_bytes(4, "big"))
    return digest.digest()[:16].hex()


def details_of(data: bytes, number: int) -> FileDetails:
    """A cleaned file's details, as the browser writes them."""
    return FileDetails(
        name=f"evidence-{number}.jpg",
        media_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        metadata_removed=True,
    )


def seal_file(
    data_key: bytes,
    file_id: str,
    data: bytes,
    details: FileDetails,
    segment_size: int = SEGMENT_SIZE,
) -> SealedFile:
    """Seal one file as the browser does: a padded stream under a new key, the key wrapped
    under the data key, the details' JSON encrypted under it."""
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, Binding("attachments", file_id, "content"), segment_size)
    stream = encryptor.header + b"".join([*encryptor.update(data), *encryptor.finish()])
    return SealedFile(
        file_id,
        stream,
        wrap_key(data_key, file_key, Binding("attachments", file_id, "file_key")),
        encrypt_field(
            data_key,
            json.dumps(asdict(details)).encode(),
            Binding("attachments", file_id, "details"),
        ),
    )


def seal_files(browser: Browser, contents: list[bytes]) -> list[SealedFile]:
    """Each file sealed as the browser's file number 1, 2, … of this report."""
    data_key = data_key_of(browser)
    return [
        seal_file(data_key, attachment_id(browser.submission.token, n), data, details_of(data, n))
        for n, data in enumerate(contents, start=1)
    ]


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def form_of(client: FlaskClient, browser: Browser, files: list[SealedFile]) -> dict[str, Any]:
    """The multipart form the browser sends: the report's fields, then its files in order."""
    return {
        "csrf_token": csrf_token(client),
        "submission": token_text(browser),
        "consent_read": "y",
        "release": "now",
        **browser.fields,
        "sealed_file": [(io.BytesIO(f.stream), f.attachment_id) for f in files],
        "sealed_file_key": [_b64(f.file_key) for f in files],
        "sealed_file_details": [_b64(f.details) for f in files],
    }


def post(client: FlaskClient, form: dict[str, Any]) -> Any:
    return client.post("/report/sealed", data=form, content_type="multipart/form-data")


@pytest.fixture
def sealing_client(app: Flask) -> FlaskClient:
    return app.test_client()


def stored_files(instance: Instance, store: Store, report_id: str) -> list[tuple[str, Any, bytes]]:
    """Each file of the report as an advocate reads it: its id, details and bytes."""
    group_key = advocates_key(instance, store)
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        data_key = report_key_for(group_key, report, Group.ADVOCATES)
        return [
            (
                a.id,
                file_details(a, data_key),
                b"".join(read_attachment(session, a, data_key)),
            )
            for a in sorted(report.attachments, key=lambda a: a.id)
        ]


def count_files(store: Store) -> tuple[int, int]:
    with store.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Attachment)) or 0,
            session.scalar(select(func.count()).select_from(AttachmentSegment)) or 0,
        )


def pattern(length: int, seed: int = 1) -> bytes:
    """Recognisable bytes, never all zeros."""
    return bytes((i * 7 + seed) % 251 for i in range(length))


# Ids from the token.


def test_each_file_s_id_comes_from_the_form_s_token_and_its_number(
    store: Store, instance: Instance
) -> None:
    submission = seal_in_browser(store, instance, READ_ONLY).submission
    ids = [submission.attachment_id(n) for n in range(1, 7)]
    assert ids == [attachment_id(submission.token, n) for n in range(1, 7)]
    assert len(set(ids)) == 6 and submission.report_id() not in ids
    with pytest.raises(ValueError):
        submission.attachment_id(0)


# Stored, claimed, read.


def test_sealed_files_are_kept_with_the_report_and_an_advocate_reads_them_byte_for_byte(
    sealing_client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    contents = [pattern(1), pattern(SEGMENT_SIZE, 2), pattern(200_000, 3)]
    files = seal_files(browser, contents)
    response = post(sealing_client, form_of(sealing_client, browser, files))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"reference": reference_of(browser.report_id)}
    read = stored_files(instance, store, browser.report_id)
    expected = sorted(
        (browser.submission.attachment_id(n), details_of(data, n), data)
        for n, data in enumerate(contents, start=1)
    )
    assert read == expected
    with store.session() as session:  # stored as sent: header and segments, not sealed again
        for sealed in files:
            attachment = session.get(Attachment, sealed.attachment_id)
            assert attachment is not None
            assert attachment.stream_header == sealed.stream[:STREAM_HEADER_SIZE]
            segments = session.scalars(
                select(AttachmentSegment.data)
                .where(AttachmentSegment.attachment_id == sealed.attachment_id)
                .order_by(AttachmentSegment.index)
            ).all()
            assert b"".join(segments) == sealed.stream[STREAM_HEADER_SIZE:]


def test_the_same_form_sent_twice_with_its_files_is_one_report(
    sealing_client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    files = seal_files(browser, [pattern(5000), pattern(7000, 5)])
    answers = [post(sealing_client, form_of(sealing_client, browser, files)) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json == answers[1].json == {"reference": reference_of(browser.report_id)}
    assert count_rows(store)["reports"] == 1
    read = stored_files(instance, store, browser.report_id)
    ids = browser.submission.attachment_id
    assert [(i, d.size) for i, d, _ in read] == sorted([(ids(1), 5000), (ids(2), 7000)])


def test_a_sealed_stream_is_stored_segment_by_segment_as_it_arrives(
    store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    [sealed] = seal_files(browser, [pattern(40 * SEGMENT_SIZE)])
    upload = SealedUpload(store.engine, sealed.attachment_id, 10 * 1024 * 1024)
    try:
        sent = len(sealed.stream) - 5 * SEGMENT_SIZE  # most of it: the request is still arriving
        for start in range(0, sent, 16 * 1024):  # in a parser's chunks
            upload.write(sealed.stream[start : min(start + 16 * 1024, sent)])
        deadline = time.monotonic() + 10
        while count_files(store)[1] < 32 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count_files(store) >= (1, 32), "segments wait for the whole file"
        upload.write(sealed.stream[sent:])
        upload.seek(0)
        assert upload.stored and not upload.problem
        segments = -(-padded_stream_size(40 * SEGMENT_SIZE) // SEGMENT_SIZE)
        assert count_files(store) == (1, segments)
    finally:
        upload.discard()
    assert count_files(store) == (0, 0)


# Refused whole, nothing kept.


def _cut(at: int) -> Callable[[list[SealedFile], Browser], list[SealedFile]]:
    def change(files: list[SealedFile], _: Browser) -> list[SealedFile]:
        first = files[0]
        return [SealedFile(first.attachment_id, first.stream[:at], first.file_key, first.details)]

    return change


def _header(at: int, value: int) -> Callable[[list[SealedFile], Browser], list[SealedFile]]:
    def change(files: list[SealedFile], _: Browser) -> list[SealedFile]:
        first = files[0]
        stream = first.stream[:at] + bytes((value,)) + first.stream[at + 1 :]
        return [SealedFile(first.attachment_id, stream, first.file_key, first.details)]

    return change


def _swapped(files: list[SealedFile], _: Browser) -> list[SealedFile]:
    return files[::-1]  # each sealed for its number, sent as the other's


def _another_form(files: list[SealedFile], browser: Browser) -> list[SealedFile]:
    other = submissions.Submission(token=bytes(36))
    return [
        SealedFile(other.attachment_id(n), f.stream, f.file_key, f.details)
        for n, f in enumerate(files, start=1)
    ]


def _field(name: str, blob: bytes) -> Callable[[list[SealedFile], Browser], list[SealedFile]]:
    def change(files: list[SealedFile], _: Browser) -> list[SealedFile]:
        first = files[0]
        parts = {"file_key": first.file_key, "details": first.details, name: blob}
        return [SealedFile(first.attachment_id, first.stream, **parts), *files[1:]]

    return change


def _small_segments(files: list[SealedFile], browser: Browser) -> list[SealedFile]:
    first = files[0]
    data = pattern(70_000)
    resealed = seal_file(data_key_of(browser), first.attachment_id, data, details_of(data, 1), 1024)
    return [resealed, *files[1:]]


LONG_NAME = FileDetails("x" * 3000, "image/jpeg", 1, "0" * 64, True)
REFUSED: dict[str, Callable[[list[SealedFile], Browser], list[SealedFile]]] = {
    "cut short mid-segment": _cut(STREAM_HEADER_SIZE + SEGMENT_SIZE + 5000),
    "cut inside its header": _cut(STREAM_HEADER_SIZE - 1),
    "cut to a tag's length past a segment": _cut(STREAM_HEADER_SIZE + SEGMENT_SIZE + 16 + 16),
    "not a stream": _header(1, ord("F")),
    "an unpadded (version 1) stream": _header(0, 1),
    "of another segment size": _small_segments,
    "sent as each other's number": _swapped,
    "bound to another form's ids": _another_form,
    "a key wrap of another size": _field(
        "file_key", wrap_key(new_key(), new_key() + b"x", Binding("a", "b", "c"))
    ),
    "a field for its key": _field(
        "file_key", encrypt_field(new_key(), new_key(), Binding("a", "b", "c"))
    ),
    "details larger than any file's": _field(
        "details",
        encrypt_field(new_key(), json.dumps(asdict(LONG_NAME)).encode(), Binding("a", "b", "c")),
    ),
    "details not a field": _field(
        "details", wrap_key(new_key(), new_key(), Binding("a", "b", "c"))
    ),
}


def assert_nothing_kept(store: Store) -> None:
    assert count_rows(store) == NOTHING
    assert count_files(store) == (0, 0)


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED)
def test_a_file_not_sealed_whole_refuses_the_report_and_nothing_is_kept(
    sealing_client: FlaskClient,
    store: Store,
    instance: Instance,
    change: Callable[[list[SealedFile], Browser], list[SealedFile]],
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    files = change(seal_files(browser, [pattern(100_000), pattern(3000, 9)]), browser)
    response = post(sealing_client, form_of(sealing_client, browser, files))
    assert response.status_code == 400 and response.json == {"problem": NOT_WHOLE}
    assert_nothing_kept(store)


@pytest.mark.parametrize(
    "edit",
    [
        lambda form: form.update(sealed_file_details=form["sealed_file_details"][:1]),
        lambda form: form.update(sealed_file_key=[*form["sealed_file_key"], "AAAA"]),
        lambda form: form.update(sealed_file_key=["not base64!", *form["sealed_file_key"][1:]]),
        lambda form: form.update(other_file=[(io.BytesIO(b"x"), "x")]),
        lambda form: form.update(
            sealed_file=[(form["sealed_file"][0][0], "photo.jpg"), form["sealed_file"][1]]
        ),
    ],
    ids=[
        "a file without details",
        "a key without a file",
        "a key not in base64",
        "a file part of another name",
        "a file named by her, not by its id",
    ],
)
def test_a_form_whose_files_do_not_match_is_refused_and_nothing_is_kept(
    sealing_client: FlaskClient,
    store: Store,
    instance: Instance,
    edit: Callable[[dict[str, Any]], None],
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    form = form_of(sealing_client, browser, seal_files(browser, [pattern(3000), pattern(4000)]))
    edit(form)
    response = post(sealing_client, form)
    assert response.status_code == 400 and response.json == {"problem": NOT_WHOLE}
    assert_nothing_kept(store)


def test_more_files_than_a_form_sends_refuse_the_report_and_nothing_is_kept(
    sealing_client: FlaskClient, store: Store, instance: Instance
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    files = seal_files(browser, [pattern(1000, n) for n in range(6)])
    response = post(sealing_client, form_of(sealing_client, browser, files))
    assert response.status_code == 400 and response.json == {"problem": TOO_MANY_FILES}
    assert_nothing_kept(store)


def test_a_file_over_the_upload_limit_refuses_the_report_and_nothing_is_kept(
    small_upload_app: Flask, store: Store, instance: Instance
) -> None:
    client = small_upload_app.test_client()
    browser = seal_in_browser(store, instance, READ_ONLY)
    # Past the padded bucket of the limit (a file a little over it fills the same bucket).
    files = seal_files(browser, [pattern(1000), pattern(1024 * 1024 + 64 * 1024)])
    response = post(client, form_of(client, browser, files))
    assert response.status_code == 400 and response.json == {"problem": too_large(1)}
    assert_nothing_kept(store)


def test_a_file_at_the_upload_limit_is_kept(
    small_upload_app: Flask, store: Store, instance: Instance
) -> None:
    client = small_upload_app.test_client()
    browser = seal_in_browser(store, instance, READ_ONLY)
    files = seal_files(browser, [pattern(1024 * 1024)])
    response = post(client, form_of(client, browser, files))
    assert response.status_code == 200, response.get_data(as_text=True)
    [(_, details, data)] = stored_files(instance, store, browser.report_id)
    assert data == pattern(1024 * 1024) and details.size == len(data)
