"""Every kind of file a phone or an office program makes loses its hidden details through the
real form, keeps what it shows byte for byte, and is stored under a neutral name in a padded
size; a file we cannot clean is refused with a plain message unless the survivor keeps it."""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile

import pikepdf
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from crypto.envelope import new_key
from crypto.format import Kind
from crypto.stream import SEGMENT_SIZE, padded_stream_size
from portal.core import bindings
from portal.core.reports import FileDetails, claim_attachment, read_attachment
from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, Group, Report
from tests.support import evidence_files as files
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import CODENAME
from tests.survivor.uploads import (
    ACCOUNT,
    accepted_and_stored,
    assert_no_secrets,
    only_file,
    send_file,
)

# --- Videos and recordings ---------------------------------------------------------------


MOVIES = {
    "mp4-movie-at-the-end": (lambda: files.movie(), "VID_20240312_142233.mp4", "video/mp4"),
    "mp4-movie-first": (lambda: files.movie(moov_first=True), "clip.mp4", "video/mp4"),
    "mov-from-a-phone": (lambda: files.movie(quicktime=True), "IMG_0412.MOV", "video/quicktime"),
}


@pytest.mark.parametrize("name", MOVIES)
def test_a_phone_video_loses_where_when_and_which_phone_but_not_one_media_byte(
    client: FlaskClient, instance: Instance, store: Store, name: str
) -> None:
    make, sent_name, media_type = MOVIES[name]
    original = make()
    assert b"\xa9xyz" in original and files.GPS_TEXT.encode() in original

    details, stored = accepted_and_stored(client, instance, store, original, sent_name)

    assert details.media_type == media_type
    assert details.name == "evidence-1" + (".mov" if media_type == "video/quicktime" else ".mp4")
    assert_no_secrets(stored)
    assert b"\xa9xyz" not in stored and b"\xa9day" not in stored
    # Same size, same atoms in the same places: every offset in the sample tables holds.
    assert len(stored) == len(original)
    before, after = files.atoms_of(original), files.atoms_of(stored)
    assert [(a[1], a[2]) for a in after] == [(a[1], a[2]) for a in before]
    assert {a[0] for a in after} <= {b"ftyp", b"wide", b"mdat", b"moov", b"free"}
    # The pictures and sound are untouched; the GPS telemetry track's samples are zeroed.
    media = files.mdat_of(stored)
    video = b"".join(files.VIDEO_SAMPLES)
    assert media[: len(video)] == video
    assert media[len(video) :] == bytes(len(files.TELEMETRY))
    # No creation time is left in the movie, track or media headers.
    assert struct.pack(">I", files.CREATED) not in stored


def test_a_video_whose_atoms_do_not_fill_the_file_is_refused(
    client: FlaskClient, store: Store
) -> None:
    broken = files.movie()[:-10]
    response = send_file(client, broken, "clip.mp4")
    assert "We cannot remove hidden details from “clip.mp4”" in response.text
    assert not CODENAME.search(response.text)


# --- PDF ------------------------------------------------------------------------------------


def test_a_pdf_loses_its_author_in_the_info_dictionary_and_the_xmp_and_keeps_its_page(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.pdf()
    with pikepdf.open(io.BytesIO(original)) as before:
        assert before.docinfo[pikepdf.Name.Author] == files.AUTHOR
        assert files.AUTHOR in str(before.open_metadata())
        content = before.pages[0].Contents.read_raw_bytes()
        photo = before.pages[0].Resources.XObject.Im0.read_raw_bytes()

    details, stored = accepted_and_stored(client, instance, store, original, "letter.pdf")

    assert details.media_type == "application/pdf" and details.name == "evidence-1.pdf"
    assert_no_secrets(stored)
    with pikepdf.open(io.BytesIO(stored)) as after:
        assert len(after.docinfo) == 0
        assert pikepdf.Name.Metadata not in after.Root
        page = after.pages[0]
        assert pikepdf.Name.Metadata not in page.obj and pikepdf.Name.PieceInfo not in page.obj
        assert page.Contents.read_raw_bytes() == content
        cleaned_photo = page.Resources.XObject.Im0.read_raw_bytes()
    assert b"Exif" in photo and b"Exif" not in cleaned_photo
    assert (
        Image.open(io.BytesIO(cleaned_photo)).tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    )


def test_something_that_only_starts_like_a_pdf_is_refused(
    client: FlaskClient, store: Store
) -> None:
    fake = b"%PDF-1.7\n" + random.Random(10).randbytes(80 * 1024)
    response = send_file(client, fake, "letter.pdf")
    assert "We could not read the PDF “letter.pdf”" in response.text
    assert "Keep hidden details in my files" in response.text
    assert not CODENAME.search(response.text)


# --- Office documents ---------------------------------------------------------------------------


DOCUMENTS = {
    "docx": (files.docx, "Statement by Jane.docx", "word/document.xml", files.DOCUMENT_XML),
    "xlsx": (files.xlsx, "calls.xlsx", "xl/worksheets/sheet1.xml", None),
    "odt": (files.odt, "diary.odt", "content.xml", files.ODT_CONTENT),
}


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_an_office_document_loses_its_authors_company_and_dates_and_keeps_its_text(
    client: FlaskClient, instance: Instance, store: Store, kind: str
) -> None:
    make, sent_name, text_part, text = DOCUMENTS[kind]
    original = make()
    assert files.AUTHOR.encode() in b"".join(
        zipfile.ZipFile(io.BytesIO(original)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(original)).namelist()
    )

    details, stored = accepted_and_stored(client, instance, store, original, sent_name)

    assert details.name == f"evidence-1.{kind}"
    with (
        zipfile.ZipFile(io.BytesIO(stored)) as archive,
        zipfile.ZipFile(io.BytesIO(original)) as before,
    ):
        assert archive.testzip() is None
        assert archive.namelist() == before.namelist()
        everything = b"".join(archive.read(name) for name in archive.namelist())
        assert_no_secrets(everything)
        assert archive.read(text_part) == before.read(text_part)
        assert text is None or archive.read(text_part) == text
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
        if kind == "odt":
            first = archive.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        if kind == "docx":
            picture = archive.read("word/media/image1.jpeg")
            assert Image.open(io.BytesIO(picture)).getexif().get_ifd(0x8825) == {}
            assert (
                Image.open(io.BytesIO(picture)).tobytes()
                == Image.open(io.BytesIO(before.read("word/media/image1.jpeg"))).tobytes()
            )
        if kind == "xlsx":
            assert b'url=""' in archive.read("xl/workbook.xml")


# --- Pictures ----------------------------------------------------------------------------------


def test_a_png_keeps_only_the_chunks_needed_to_show_it(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.png()
    details, stored = accepted_and_stored(client, instance, store, original, "Screenshot.png")
    assert_no_secrets(stored)
    kinds, position = [], 8
    while position < len(stored):
        length = int.from_bytes(stored[position : position + 4], "big")
        kinds.append(stored[position + 4 : position + 8])
        position += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert not {b"eXIf", b"prVt", b"caBX"} & set(kinds)
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(original)).tobytes()
    assert details.name == "evidence-1.png"


def test_a_jpeg_after_a_stray_leading_byte_is_found_and_cleaned(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    photo = files.jpeg()
    details, stored = accepted_and_stored(client, instance, store, b"\x00" + photo, "IMG.jpg")
    assert details.media_type == "image/jpeg"
    assert_no_secrets(stored)
    assert stored.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    assert Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825) == {}


# --- Files we cannot clean ---------------------------------------------------------------------


OTHERS = {
    "text": (b"He texted me 40 times on 12 March.", "notes.txt"),
    "zip": (files._zip([("photo.jpg", files.jpeg(), zipfile.ZIP_STORED)]), "photos.zip"),
    "mp3": (
        b"ID3\x03\x00\x00\x00\x00\x00\x10TPE1" + files.AUTHOR.encode() + bytes(3000),
        "call.mp3",
    ),
}


@pytest.mark.parametrize("kind", OTHERS)
def test_a_file_we_cannot_clean_is_refused_with_a_plain_message_and_the_account_kept(
    client: FlaskClient, store: Store, kind: str
) -> None:
    data, name = OTHERS[kind]
    response = send_file(client, data, name)
    assert response.status_code == 200 and not CODENAME.search(response.text)
    assert (
        f"We cannot remove hidden details from “{name}”, so it was not attached." in response.text
    )
    assert "Keep hidden details in my files" in response.text
    textarea = response.text.split('name="what_happened"', 1)[1].split("</textarea>", 1)[0]
    assert ACCOUNT in textarea
    with store.session() as session:
        assert session.scalars(select(Attachment)).all() == []


@pytest.mark.parametrize("kind", OTHERS)
def test_a_file_we_cannot_clean_is_kept_as_sent_when_the_survivor_keeps_hidden_details(
    client: FlaskClient, instance: Instance, store: Store, kind: str
) -> None:
    data, name = OTHERS[kind]
    response = send_file(client, data, name, keep=True)
    assert CODENAME.search(response.text)
    details, stored = only_file(instance, store)
    assert stored == data
    assert details.name == name and details.metadata_removed is False


def test_the_keep_box_says_what_hidden_details_are_and_that_they_can_identify_her(
    client: FlaskClient,
) -> None:
    page = client.get("/report").text
    hint = page.split('id="keep_metadata-hint"', 1)[1].split("</p>", 1)[0]
    for words in (
        "where and when a photo or video was taken",
        "name of the person who wrote",
        "could identify you",
        "evidence-1.jpg",
    ):
        assert words in hint


# --- Names and sizes -----------------------------------------------------------------------------


@pytest.mark.sqlcipher_only  # reads the SQLCipher file's pages
def test_the_original_file_name_is_stored_nowhere(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    name = "IMG_20240312_142233.jpg"
    details, _ = accepted_and_stored(client, instance, store, files.jpeg(), name)
    assert details.name == "evidence-1.jpg"
    with open(instance.path / "portal.db", "rb") as database:
        assert b"IMG_20240312" not in database.read()


def _stored_bytes(store: Store) -> int:
    with store.session() as session:
        segments = session.scalars(select(AttachmentSegment.data)).all()
        header = session.scalars(select(Attachment.stream_header)).one()
    return len(header) + sum(len(s) for s in segments)


@pytest.mark.parametrize("sizes", [(5000, 5003), (300_000, 300_017)])
def test_files_a_few_bytes_apart_are_stored_in_the_same_size(
    client: FlaskClient, store: Store, sizes: tuple[int, int]
) -> None:
    stored = []
    for size in sizes:
        send_file(client, random.Random(size).randbytes(size), "rec.bin", keep=True)
        stored.append(_stored_bytes(store))
        with store.session() as session:
            session.execute(Report.__table__.delete())
            session.execute(Attachment.__table__.delete())
            session.commit()
    assert stored[0] == stored[1]
    assert stored[0] >= padded_stream_size(sizes[1])


def test_an_attachment_stored_before_sizes_were_padded_still_opens(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    assert CODENAME.search(send_file(client, b"first file", "first.txt", keep=True).text)
    data = random.Random(1).randbytes(3 * SEGMENT_SIZE + 5)
    file_key, attachment_id = new_key(), "0" * 32
    binding = bindings.attachment(attachment_id, "content")
    header = bytes((1, Kind.STREAM)) + SEGMENT_SIZE.to_bytes(4, "big")
    salt, prefix = os.urandom(32), os.urandom(7)
    header += salt + prefix
    info = binding.associated_data(b"stream", header[:2])
    aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(file_key))
    chunks = [data[i : i + SEGMENT_SIZE] for i in range(0, len(data), SEGMENT_SIZE)]
    group_key = advocates_key(instance, store)
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        data_key = report_key_for(group_key, report, Group.ADVOCATES)
        attachment = Attachment(id=attachment_id, stream_header=header)
        session.add(attachment)
        session.flush()
        for index, chunk in enumerate(chunks):
            last = bytes((index == len(chunks) - 1,))
            sealed = aead.encrypt(prefix + index.to_bytes(4, "big") + last, chunk, header)
            session.add(AttachmentSegment(attachment_id=attachment_id, index=index, data=sealed))
        details = FileDetails("old.bin", "application/octet-stream", len(data), "", False)
        claim_attachment(report, data_key, attachment, file_key, details)
        session.commit()
        assert b"".join(read_attachment(session, attachment, data_key)) == data


def test_a_pdf_with_a_part_too_large_to_clean_in_bounded_memory_is_refused_plainly(
    client: FlaskClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # qpdf holds each stream it copies whole: past the limit the PDF is refused, not held.
    from portal.core.cleaning import pdf

    monkeypatch.setattr(pdf, "MAX_STREAM", 1000)
    response = send_file(client, files.pdf(), "scan.pdf")
    assert "“scan.pdf” has a part too large for us to remove its hidden details" in response.text
    assert not CODENAME.search(response.text)
    with store.session() as session:
        assert session.scalars(select(Attachment)).all() == []
