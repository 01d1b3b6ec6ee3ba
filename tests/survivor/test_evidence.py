"""A survivor sends evidence: photos lose where they were taken unless the survivor keeps it,
every other file arrives byte for byte, and a problem file gives a plain message without
losing what was typed or leaving anything behind."""

from __future__ import annotations

import hashlib
import io
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from crypto.stream import SEGMENT_SIZE, padded_stream_size
from portal.core.encrypted_uploads import EncryptedUpload
from portal.core.reports import FileDetails
from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, Report
from tests.support import evidence_files
from tests.support.database import count_rows
from tests.support.instance import Instance
from tests.support.pages import CODENAME, form_tokens, post_report, sign_in, submit
from tests.survivor.uploads import only_file, stored_files

ACCOUNT = "He took my phone and photographed me outside the station."
PHONE = "AcmePhone"


def _photo(
    kind: str = "JPEG", size: tuple[int, int] = (48, 32), seed: int = 3, **options: Any
) -> bytes:
    """A photo of random pixels whose EXIF names the phone and a GPS position."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    exif = Image.Exif()
    exif[0x010F] = PHONE
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, kind, exif=exif.tobytes(), **options)
    data = buffer.getvalue()
    assert PHONE.encode() in data
    return data


def _pixels(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    return image.tobytes()


def _upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def _assert_nothing_stored(store: Store) -> None:
    """No report, and no upload left over, not even an unreadable one."""
    assert count_rows(store, Report) == 0
    assert count_rows(store, Attachment) == 0
    assert count_rows(store, AttachmentSegment) == 0


def _accepted(response: Any) -> bool:
    return response.status_code == 200 and CODENAME.search(response.text) is not None


# --- Photos lose their hidden details --------------------------------------------------


def test_a_photo_is_stored_without_its_location_and_with_every_pixel(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = _photo()
    response = post_report(
        client, {"what_happened": ACCOUNT, "files": [_upload(photo, "photo.jpg")]}
    )
    assert _accepted(response)

    details, stored = only_file(instance, store)

    assert PHONE.encode() not in stored and b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert len(image.getexif()) == 0
    assert len(image.getexif().get_ifd(0x8825)) == 0
    assert _pixels(stored) == _pixels(photo)
    assert details == FileDetails(
        name="evidence-1.jpg",
        media_type="image/jpeg",
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        metadata_removed=True,
    )


def test_a_large_photo_spanning_many_segments_is_cleaned_whole(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = _photo(size=(400, 300), quality=98, subsampling=0)
    assert len(photo) > 3 * SEGMENT_SIZE
    assert _accepted(post_report(client, {"files": [_upload(photo, "big.jpg")]}))
    details, stored = only_file(instance, store)
    assert PHONE.encode() not in stored
    assert _pixels(stored) == _pixels(photo)
    assert details.metadata_removed and details.size == len(stored)


@pytest.mark.parametrize(
    ("kind", "name", "media_type"),
    [("PNG", "screenshot.png", "image/png"), ("WEBP", "chat.webp", "image/webp")],
)
def test_png_and_webp_pictures_lose_their_exif_too(
    client: FlaskClient,
    instance: Instance,
    store: Store,
    kind: str,
    name: str,
    media_type: str,
) -> None:
    picture = _photo(kind, lossless=True) if kind == "WEBP" else _photo(kind)
    assert _accepted(post_report(client, {"files": [_upload(picture, name)]}))
    details, stored = only_file(instance, store)
    assert PHONE.encode() not in stored
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0
    assert _pixels(stored) == _pixels(picture)
    assert details.media_type == media_type and details.metadata_removed


def test_the_type_comes_from_the_content_not_the_name(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = _photo()
    assert _accepted(post_report(client, {"files": [_upload(photo, "notes.txt")]}))
    details, stored = only_file(instance, store)
    assert details.media_type == "image/jpeg"
    assert PHONE.encode() not in stored


def test_keeping_hidden_details_stores_the_photo_byte_for_byte(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = _photo()
    response = post_report(
        client,
        {"what_happened": ACCOUNT, "keep_metadata": "y", "files": [_upload(photo, "photo.jpg")]},
    )
    assert _accepted(response)
    details, stored = only_file(instance, store)
    assert stored == photo
    assert details.metadata_removed is False
    assert details.sha256 == hashlib.sha256(photo).hexdigest() and details.size == len(photo)
    assert Image.open(io.BytesIO(stored)).getexif()[0x010F] == PHONE


def test_the_survivor_is_told_which_files_had_hidden_details_removed(
    client: FlaskClient,
) -> None:
    codename = submit(client, what_happened=ACCOUNT, files=[_upload(_photo(), "photo.jpg")])
    sign_in(client, codename)
    token = form_tokens(client, "/return/report")
    client.post(
        "/return/add",
        data={
            **token,
            "kind": "addition",
            "keep_metadata": "y",
            "files": [_upload(b"plain words", "notes.txt")],
        },
        content_type="multipart/form-data",
    )
    page = client.get("/return/report").text
    assert "evidence-1.jpg (" in page and "notes.txt (" in page
    assert "photo.jpg" not in page
    photo_line = page.split("evidence-1.jpg (", 1)[1].split("</li>", 1)[0]
    notes_line = page.split("notes.txt (", 1)[1].split("</li>", 1)[0]
    assert "hidden details removed" in photo_line
    assert "hidden details removed" not in notes_line


# --- Problem files: a plain message, the account kept, nothing left behind -------------


def _assert_refused(response: Any, message: str, typed: str = ACCOUNT) -> None:
    assert response.status_code == 200
    assert not CODENAME.search(response.text), "a report was accepted"
    assert message in response.text
    assert "There is a problem" in response.text
    textarea = response.text.split('name="what_happened"', 1)[1].split("</textarea>", 1)[0]
    assert typed in textarea, "what the survivor typed was lost"


def test_an_empty_file_is_refused_with_a_clear_message_and_the_account_kept(
    client: FlaskClient, store: Store
) -> None:
    response = post_report(
        client, {"what_happened": ACCOUNT, "files": [_upload(b"", "recording.m4a")]}
    )
    _assert_refused(response, "“recording.m4a” is empty.")
    _assert_nothing_stored(store)


@pytest.fixture
def small_client(small_upload_app: Flask) -> FlaskClient:
    """A client of the app whose upload limit is 1 MB."""
    return small_upload_app.test_client()


@pytest.fixture
def small_store(small_upload_app: Flask) -> Any:
    """The store of the app whose upload limit is 1 MB."""
    store: Store = small_upload_app.extensions["store"]
    yield store
    store.engine.dispose()


MB = 1024 * 1024


def test_a_file_over_the_limit_is_refused_and_nothing_is_left_behind(
    small_client: FlaskClient, small_store: Store
) -> None:
    video = random.Random(5).randbytes(MB + MB // 2)
    response = post_report(
        small_client, {"what_happened": ACCOUNT, "files": [_upload(video, "video.mp4")]}
    )
    _assert_refused(response, "“video.mp4” is larger than the 1 MB limit.")
    _assert_nothing_stored(small_store)


def test_good_files_sent_with_one_over_the_limit_are_not_kept_either(
    small_client: FlaskClient, small_store: Store
) -> None:
    files = [
        _upload(random.Random(6).randbytes(200 * 1024), "first.bin"),
        _upload(random.Random(7).randbytes(MB + 1), "too-big.bin"),
        _upload(_photo(), "photo.jpg"),
    ]
    response = post_report(small_client, {"what_happened": ACCOUNT, "files": files})
    _assert_refused(response, "“too-big.bin” is larger than the 1 MB limit.")
    assert "Please choose your files again" in response.text
    _assert_nothing_stored(small_store)


def test_a_file_of_exactly_the_limit_is_accepted(
    small_client: FlaskClient, small_store: Store
) -> None:
    data = random.Random(8).randbytes(MB)
    fields = {"keep_metadata": "y", "files": [_upload(data, "exact.bin")]}
    assert _accepted(post_report(small_client, fields))
    assert count_rows(small_store, Report) == 1
    assert count_rows(small_store, Attachment) == 1


# The test client sends each name as a raw browser would: in the quoted filename parameter,
# backslashes unescaped (the HTML standard escapes only quotes and newlines). Old browsers
# sent the whole Windows path, which names the survivor's user account.
@pytest.mark.parametrize(
    ("sent_name", "stored_name"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.txt", "evil.txt"),
        ("C:\\Users\\JaneDoe\\Pictures\\bruise.jpg", "bruise.jpg"),
        ("/var/lib/portal/instance/portal.toml", "portal.toml"),
        ("..\\..\\..\\boot.ini", "boot.ini"),
        ("photos/../..", "file"),
        ("statement\u202etxt.exe", "statementtxt.exe"),
        ("n" * 500 + ".txt", "n" * 200),
    ],
    ids=[
        "dot-dot-slash",
        "windows-path",
        "windows-path-with-user-name",
        "absolute",
        "dot-dot-backslash",
        "only-dots",
        "right-to-left-override",
        "very-long",
    ],
)
def test_a_file_name_that_is_a_path_keeps_only_its_last_part(
    client: FlaskClient, instance: Instance, store: Store, sent_name: str, stored_name: str
) -> None:
    data = b"the letter he sent me"
    fields = {"what_happened": ACCOUNT, "keep_metadata": "y", "files": [_upload(data, sent_name)]}
    assert _accepted(post_report(client, fields))
    details, stored = only_file(instance, store)
    assert details.name == stored_name
    assert stored == data


CORRUPT_JPEGS = {
    "garbage-after-header": lambda: b"\xff\xd8\xff\xe0" + random.Random(9).randbytes(5000),
    "truncated": lambda: _photo()[: len(_photo()) // 2],
    "header-only": lambda: b"\xff\xd8\xff",
}


@pytest.mark.parametrize("name", CORRUPT_JPEGS)
def test_a_picture_that_cannot_be_read_is_refused_and_not_kept(
    client: FlaskClient, store: Store, name: str
) -> None:
    response = post_report(
        client,
        {"what_happened": ACCOUNT, "files": [_upload(CORRUPT_JPEGS[name](), "broken.jpg")]},
    )
    _assert_refused(response, "We could not read the picture “broken.jpg”")
    assert "Keep hidden details in my files" in response.text
    _assert_nothing_stored(store)


@pytest.mark.parametrize("name", CORRUPT_JPEGS)
def test_a_picture_that_cannot_be_read_is_stored_as_it_is_when_the_survivor_keeps_details(
    client: FlaskClient, instance: Instance, store: Store, name: str
) -> None:
    data = CORRUPT_JPEGS[name]()
    response = post_report(
        client,
        {"what_happened": ACCOUNT, "keep_metadata": "y", "files": [_upload(data, "broken.jpg")]},
    )
    assert _accepted(response)
    details, stored = only_file(instance, store)
    assert stored == data
    assert details.metadata_removed is False


HEIC = b"\x00\x00\x00\x18ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 2000


def test_a_heic_photo_is_refused_unless_the_survivor_keeps_details(
    client: FlaskClient, store: Store
) -> None:
    response = post_report(
        client, {"what_happened": ACCOUNT, "files": [_upload(HEIC, "IMG_0001.HEIC")]}
    )
    _assert_refused(response, "We cannot remove hidden details, such as where it was taken")
    assert "IMG_0001.HEIC" in response.text
    _assert_nothing_stored(store)


def test_a_heic_photo_is_stored_as_it_is_when_the_survivor_keeps_details(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    response = post_report(
        client,
        {"what_happened": ACCOUNT, "keep_metadata": "y", "files": [_upload(HEIC, "IMG.HEIC")]},
    )
    assert _accepted(response)
    details, stored = only_file(instance, store)
    assert stored == HEIC
    assert details.media_type == "image/heic" and details.metadata_removed is False


# --- Other files arrive exactly ---------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2 * SEGMENT_SIZE, 300 * 1024],
    ids=["1-byte", "segment-less-1", "one-segment", "segment-plus-1", "two-segments", "300KiB"],
)
def test_a_file_round_trips_exactly_whatever_its_size(
    client: FlaskClient, instance: Instance, store: Store, size: int
) -> None:
    data = random.Random(size).randbytes(size)
    fields = {"keep_metadata": "y", "files": [_upload(data, "recording.bin")]}
    assert _accepted(post_report(client, fields))
    details, stored = only_file(instance, store)
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    assert stored == data
    assert details.size == size
    assert details.sha256 == hashlib.sha256(data).hexdigest()
    assert details.media_type == "application/octet-stream"
    assert details.metadata_removed is False
    if size > SEGMENT_SIZE:
        assert count_rows(store, AttachmentSegment) > 1


def test_stored_files_are_encrypted_not_kept_in_clear(client: FlaskClient, store: Store) -> None:
    marker = b"FILEMARKER-c0ffee-" * 5000
    fields = {"keep_metadata": "y", "files": [_upload(marker, "notes.txt")]}
    assert _accepted(post_report(client, fields))
    with store.session() as session:
        segments = session.scalars(select(AttachmentSegment.data)).all()
    assert segments and all(b"FILEMARKER" not in segment for segment in segments)


def test_several_files_in_one_report_are_all_attached(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = _photo()
    files = [
        _upload(photo, "photo.jpg"),
        _upload(evidence_files.pdf(), "letter.pdf"),
        _upload(evidence_files.docx(), "statement.docx"),
    ]
    assert _accepted(post_report(client, {"what_happened": ACCOUNT, "files": files}))

    stored = stored_files(instance, store)

    assert set(stored) == {"evidence-1.jpg", "evidence-2.pdf", "evidence-3.docx"}
    assert _pixels(stored["evidence-1.jpg"][1]) == _pixels(photo)
    assert PHONE.encode() not in stored["evidence-1.jpg"][1]
    assert stored["evidence-2.pdf"][0].media_type == "application/pdf"
    assert all(details.metadata_removed for details, _ in stored.values())


def test_a_report_of_only_a_file_is_accepted(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    assert _accepted(post_report(client, {"files": [_upload(_photo(), "shot.jpg")]}))
    assert only_file(instance, store)[0].name == "evidence-1.jpg"


def test_a_report_with_neither_text_nor_file_is_refused(client: FlaskClient, store: Store) -> None:
    response = post_report(client, {"what_happened": "   "})
    assert response.status_code == 200
    assert "Please write something about what happened, or attach a file." in response.text
    assert not CODENAME.search(response.text)
    _assert_nothing_stored(store)


def test_an_empty_file_input_counts_as_no_file(client: FlaskClient, store: Store) -> None:
    # A browser sends an empty part with no name when no file was chosen.
    response = post_report(client, {"what_happened": "", "files": [_upload(b"", "")]})
    assert response.status_code == 200
    assert "Please write something about what happened, or attach a file." in response.text
    _assert_nothing_stored(store)
    assert _accepted(post_report(client, {"what_happened": ACCOUNT, "files": [_upload(b"", "")]}))
    assert count_rows(store, Report) == 1
    assert count_rows(store, Attachment) == 0


# --- Adding files later -------------------------------------------------------------------


def _add(client: FlaskClient, **fields: Any) -> Any:
    token = form_tokens(client, "/return/report")
    return client.post(
        "/return/add",
        data={**token, **fields},
        content_type="multipart/form-data",
    )


def test_a_file_added_later_from_the_return_page_is_attached_and_cleaned(
    client: FlaskClient, instance: Instance, store: Store, only_report: Callable[[], Report]
) -> None:
    first = random.Random(11).randbytes(1000)
    codename = submit(
        client, what_happened=ACCOUNT, keep_metadata="y", files=[_upload(first, "first.bin")]
    )
    assert sign_in(client, codename).status_code == 303
    photo = _photo(seed=12)

    response = _add(
        client,
        kind="addition",
        text="Another photo he took.",
        files=[_upload(photo, "later.jpg")],
    )

    assert response.status_code == 303
    assert len(only_report().attachments) == 2
    stored = stored_files(instance, store)
    assert stored["first.bin"][1] == first
    # Numbered in the order the report received its files.
    assert stored["evidence-2.jpg"][0].metadata_removed
    assert PHONE.encode() not in stored["evidence-2.jpg"][1]
    assert _pixels(stored["evidence-2.jpg"][1]) == _pixels(photo)
    assert "evidence-2.jpg" in client.get("/return/report").text


def test_a_problem_file_added_later_is_refused_and_the_message_kept(
    client: FlaskClient, store: Store, only_report: Callable[[], Report]
) -> None:
    sign_in(client, submit(client, what_happened=ACCOUNT))
    response = _add(
        client, kind="message", text="Here is the recording.", files=[_upload(b"", "call.m4a")]
    )
    assert response.status_code == 200
    assert "“call.m4a” is empty." in response.text
    textarea = response.text.split('name="text"', 1)[1].split("</textarea>", 1)[0]
    assert "Here is the recording." in textarea
    report = only_report()
    assert report.attachments == [] and report.messages == []
    assert count_rows(store, Attachment) == 0


# The upload's writer thread


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "upload-writer" and t.is_alive()]


def _write_in_pieces(upload: EncryptedUpload, data: bytes) -> None:
    for start in range(0, len(data), 8192):  # as gunicorn hands the body over
        upload.write(data[start : start + 8192])


def _segments_of(store: Store, upload: EncryptedUpload) -> int:
    with store.session() as session:
        return int(
            session.scalar(select(func.count()).where(AttachmentSegment.attachment_id == upload.id))
            or 0
        )


def test_every_segment_is_stored_by_the_time_the_upload_is_finished(store: Store) -> None:
    data = random.Random(9).randbytes(5 * MB + 123)
    upload = EncryptedUpload(store.engine, "video.mp4", 10 * MB)
    _write_in_pieces(upload, data)
    upload.finish()
    assert _writers() == []
    assert _segments_of(store, upload) == -(-padded_stream_size(len(data)) // SEGMENT_SIZE)
    assert b"".join(upload.plaintext()) == data
    upload.discard()


def test_a_batch_that_cannot_be_stored_fails_the_upload_and_its_writer_stops(
    store: Store,
) -> None:
    upload = EncryptedUpload(store.engine, "video.mp4", 10 * MB)
    _write_in_pieces(upload, random.Random(10).randbytes(2 * MB))
    with store.session() as session:  # the upload vanishes: its next segments have no file
        session.execute(delete(Attachment).where(Attachment.id == upload.id))
        session.commit()
    with pytest.raises(IntegrityError):
        _write_in_pieces(upload, random.Random(11).randbytes(3 * MB))
        upload.finish()
    assert _writers() == []
    upload.discard()
    assert count_rows(store, AttachmentSegment) == 0


def test_an_upload_discarded_halfway_stops_its_writer_and_leaves_nothing(store: Store) -> None:
    upload = EncryptedUpload(store.engine, "video.mp4", 10 * MB)
    _write_in_pieces(upload, random.Random(12).randbytes(3 * MB))
    assert _writers() != [] or _segments_of(store, upload) > 0
    upload.discard()
    assert _writers() == []
    assert count_rows(store, Attachment) == 0
    assert count_rows(store, AttachmentSegment) == 0


def test_an_upload_that_cannot_be_deleted_does_not_stop_the_others_being_deleted(
    small_client: FlaskClient,
    small_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    portal_log: pytest.LogCaptureFixture,
) -> None:
    discard = EncryptedUpload.discard
    failed: list[str] = []

    def discard_failing_once(upload: EncryptedUpload) -> None:
        if not failed and upload.filename == "first.bin":
            failed.append(upload.id)
            raise RuntimeError("the database is unavailable")  # before deleting anything
        discard(upload)

    monkeypatch.setattr(EncryptedUpload, "discard", discard_failing_once)
    files = [
        _upload(random.Random(13).randbytes(200 * 1024), "first.bin"),
        _upload(random.Random(14).randbytes(300 * 1024), "second.bin"),
        _upload(random.Random(15).randbytes(MB + 1), "too-big.bin"),
    ]
    response = post_report(small_client, {"what_happened": ACCOUNT, "files": files})
    _assert_refused(response, "“too-big.bin” is larger than the 1 MB limit.")
    with small_store.session() as session:
        left = set(session.scalars(select(Attachment.id)))
    assert left == set(failed)  # only the one that failed, for the sweep to remove
    assert "unclaimed upload not deleted: RuntimeError" in portal_log.text
    assert "unavailable" not in portal_log.text and "first.bin" not in portal_log.text
