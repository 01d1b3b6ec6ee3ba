"""The shapes an adversarial review found hidden details in, each sent through the real form:
what is stored, decrypted, names no one and no place, and still shows what it showed (the
document's text and comments, the pictures' pixels, every media byte of a video)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pikepdf
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from portal.store import Store
from portal.store.models import Attachment
from tests.support import evidence_files as files
from tests.support.instance import Instance
from tests.support.pages import CODENAME
from tests.survivor.uploads import accepted_and_stored, assert_no_secrets, send_file

NEUTRAL_PDF_DATE = "D:19800101000000Z"
SECRETS = (*files.SECRETS, files.EMAIL, files.WHEN)


def _pixels(data: bytes) -> bytes:
    return Image.open(io.BytesIO(data)).convert("RGBA").tobytes()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def _refused(client: FlaskClient, store: Store, data: bytes, name: str) -> str:
    response = send_file(client, data, name)
    assert response.status_code == 200 and not CODENAME.search(response.text)
    with store.session() as session:
        assert session.scalars(select(Attachment)).all() == []
    return str(response.text)


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_comments_keep_their_words_but_not_who_wrote_them_or_when(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.pdf_with_comments()
    assert files.AUTHOR.encode() in original and files.EMAIL.encode() in original

    _details, stored = accepted_and_stored(client, instance, store, original, "letter.pdf")

    assert_no_secrets(stored, secrets=SECRETS)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        page = pdf.pages[0]
        assert page.Contents.read_bytes() == files.PDF_TEXT
        note, highlight, field = page.Annots
        assert str(note.Contents) == "this is the letter"
        assert str(highlight.Contents) == "he said it twice"
        assert len(highlight.QuadPoints) == 8
        for comment in (note, highlight):
            assert str(comment.T) == "Author"
            assert str(comment.M) == NEUTRAL_PDF_DATE
        assert str(note.CreationDate) == NEUTRAL_PDF_DATE
        assert re.fullmatch(r"annotation-\d+", str(note.NM))
        # A form field's /T is its name, not an author: the form still works.
        assert str(field.T) == "incident_date" and str(field.V) == "12 March"


def test_pdf_photos_behind_a_filter_array_lose_their_exif_and_keep_their_pixels(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.pdf_with_filter_arrays()
    with pikepdf.open(io.BytesIO(original)) as before:
        images = before.pages[0].Resources.XObject
        photos = {
            "/Im0": images.Im0.read_raw_bytes(),  # [/DCTDecode]: the JPEG as it is
            "/Im1": zlib.decompress(images.Im1.read_raw_bytes()),  # [/FlateDecode /DCTDecode]
        }
    assert all(files.PHONE.encode() in photo for photo in photos.values())

    _details, stored = accepted_and_stored(client, instance, store, original, "scan.pdf")

    assert_no_secrets(stored, secrets=SECRETS)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        page = pdf.pages[0]
        assert page.Contents.read_bytes().startswith(files.PDF_TEXT)
        for key, photo in photos.items():
            cleaned = page.Resources.XObject[key].read_raw_bytes()
            assert b"Exif" not in cleaned and files.PHONE.encode() not in cleaned
            assert _pixels(cleaned) == _pixels(photo)


def test_pdf_attachments_are_cleaned_by_their_own_type_and_renamed(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.pdf_with_attachments()

    _details, stored = accepted_and_stored(client, instance, store, original, "bundle.pdf")

    assert_no_secrets(stored, b"Jane_Survivorson", b"D:2024", secrets=SECRETS)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert pdf.pages[0].Contents.read_bytes() == files.PDF_TEXT
        assert list(pdf.attachments) == ["attachment-1.jpg"]
        photo_spec = pdf.attachments["attachment-1.jpg"]
        assert photo_spec.filename == "attachment-1.jpg" and not photo_spec.description
        photo = photo_spec.get_file().read_bytes()
        assert b"Exif" not in photo
        assert _pixels(photo) == _pixels(files.jpeg(seed=11))
        [clip] = pdf.pages[0].Annots
        assert str(clip.Contents) == "my statement" and str(clip.T) == "Author"
        assert str(clip.FS.UF) == "attachment-2.docx"
        statement = clip.FS.EF.F.read_bytes()
        for stream in (photo_spec.obj.EF.F, clip.FS.EF.F):
            assert set(stream.Params.keys()) == {"/Size"}
    parts = _parts(statement)
    assert_no_secrets(b"".join(parts.values()), secrets=SECRETS)
    assert parts["word/document.xml"] == files.DOCUMENT_XML


def test_a_pdf_with_an_attached_file_we_cannot_clean_is_refused_with_a_plain_message(
    client: FlaskClient, store: Store
) -> None:
    original = files.pdf_with_attachments(other=(b"He texted me 40 times.", "texts.txt"))
    text = _refused(client, store, original, "bundle.pdf")
    assert "“bundle.pdf” has a file inside it" in text
    assert "Keep hidden details in my files" in text


# --- Office documents -----------------------------------------------------------------------------


def test_word_comments_and_tracked_changes_keep_their_words_but_name_no_one(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.docx_with_comments()
    before = _parts(original)

    _details, stored = accepted_and_stored(client, instance, store, original, "statement.docx")

    after = _parts(stored)
    assert list(after) == list(before)
    assert_no_secrets(b"".join(after.values()), secrets=SECRETS)
    # Only the names and dates change, where they stand: prefixes, mc:Ignorable and every
    # other byte of the text are as Word wrote them.
    assert after["word/document.xml"] == (
        files.COMMENTED_DOCUMENT_XML.replace(files.AUTHOR.encode(), b"Author")
        .replace(b'w:author="J S"', b'w:author="Author"')
        .replace(b"2024-03-12T14:22:00Z", b"1980-01-01T00:00:00Z")
        .replace(b"2024-03-12T14:23:00Z", b"1980-01-01T00:00:00Z")
    )
    assert after["word/comments.xml"] == (
        files.COMMENTS_XML.replace(files.AUTHOR.encode(), b"Author")
        .replace(b"2024-03-12T14:22:00Z", b"1980-01-01T00:00:00Z")
        .replace(b'w:initials="JS"', b'w:initials="A"')
    )
    assert b'w15:userId="Author"' in after["word/people.xml"]
    # The embedded workbook is cleaned as a workbook: its cells stay, its authors go.
    workbook = _parts(after["word/embeddings/Microsoft_Excel_Worksheet.xlsx"])
    assert_no_secrets(b"".join(workbook.values()), secrets=SECRETS)
    assert workbook["xl/worksheets/sheet1.xml"] == _parts(files.xlsx())["xl/worksheets/sheet1.xml"]
    thumbnail = after["docProps/thumbnail.jpeg"]
    assert b"Exif" not in thumbnail
    assert _pixels(thumbnail) == _pixels(before["docProps/thumbnail.jpeg"])


def test_a_document_holding_an_ole_object_is_refused_with_a_plain_message(
    client: FlaskClient, store: Store
) -> None:
    original = files.docx_with_comments(("word/embeddings/oleObject1.bin", files.OLE_OBJECT))
    text = _refused(client, store, original, "statement.docx")
    assert "“statement.docx” has a file inside it" in text


def test_a_link_to_another_workbook_keeps_its_file_name_but_not_its_folders(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.xlsx_with_external_link()
    before = _parts(original)

    _details, stored = accepted_and_stored(client, instance, store, original, "calls.xlsx")

    after = _parts(stored)
    assert_no_secrets(b"".join(after.values()), secrets=SECRETS)
    rels = after["xl/externalLinks/_rels/externalLink1.xml.rels"]
    assert b'Target="calls.xlsx"' in rels
    assert b'Target="https://www.example.org/help"' in rels  # a web link is what it says
    assert after["xl/worksheets/sheet1.xml"] == before["xl/worksheets/sheet1.xml"]


def test_libreoffice_comments_and_changes_name_no_one_and_the_printer_is_forgotten(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.odt_with_comments()

    _details, stored = accepted_and_stored(client, instance, store, original, "letter.odt")

    after = _parts(stored)
    assert_no_secrets(b"".join(after.values()), b"SFAgTGFzZXJKZXQ", secrets=SECRETS)
    assert after["content.xml"] == (
        files.COMMENTED_ODT_CONTENT.replace(files.AUTHOR.encode(), b"Author")
        .replace(b"2024-03-12T14:22:33", b"1980-01-01T00:00:00")
        .replace(b">JS<", b">A<")
    )
    settings = after["settings.xml"]
    assert b'config:name="PrinterName" config:type="string"></config:config-item>' in settings
    assert b'config:name="AddParaTableSpacing" config:type="boolean">true<' in settings


# --- Videos ---------------------------------------------------------------------------------------


def _same_atoms_and_media(original: bytes, stored: bytes) -> None:
    assert len(stored) == len(original)
    before, after = files.atoms_of(original), files.atoms_of(stored)
    assert [(a[1], a[2]) for a in after] == [(a[1], a[2]) for a in before]


def test_dashcam_gps_in_padding_atoms_is_zeroed_and_the_media_kept(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.dashcam_movie()
    assert files.DASHCAM_GPS in original

    _details, stored = accepted_and_stored(client, instance, store, original, "FILE0001.MP4")

    assert_no_secrets(stored, b"GPS ", b"gps ", secrets=SECRETS)
    _same_atoms_and_media(original, stored)
    assert files.mdat_of(stored) == files.mdat_of(original) == b"".join(files.VIDEO_SAMPLES)
    for kind, start, size in files.atoms_of(stored):
        if kind == b"free":
            assert stored[start + 8 : start + size] == bytes(size - 8)
    # The free atom left in the movie, and the `gps ` index, keep their size, zeroed.
    _kind, start, size = next(a for a in files.atoms_of(stored) if a[0] == b"moov")
    inside = files.atoms_of(stored, start + 8, start + size)
    assert [a[0] for a in inside][-2:] == [b"free", b"free"]
    for _kind, at, length in inside[-2:]:
        assert stored[at + 8 : at + length] == bytes(length - 8)


def test_a_subtitle_track_naming_the_position_is_zeroed_and_the_video_kept(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.subtitled_movie()

    _details, stored = accepted_and_stored(client, instance, store, original, "DJI_0001.MP4")

    assert_no_secrets(stored, b"51.5074", secrets=SECRETS)
    _same_atoms_and_media(original, stored)
    video = b"".join(files.VIDEO_SAMPLES)
    media = files.mdat_of(stored)
    assert media[: len(video)] == video
    assert media[len(video) :] == bytes(len(files.SUBTITLE) + 2)  # an empty subtitle


# --- Pictures -------------------------------------------------------------------------------------


def test_a_jfif_thumbnail_is_left_out_and_the_picture_kept(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.jpeg_with_jfif_thumbnail()

    _details, stored = accepted_and_stored(client, instance, store, original, "IMG_0001.jpg")

    assert_no_secrets(stored, b"CROPPED", secrets=SECRETS)
    # The JFIF header stays (its density gives the printed size), with a 0 x 0 thumbnail.
    assert stored[2:20] == b"\xff\xe0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"
    assert _pixels(stored) == _pixels(original)


@pytest.mark.parametrize("extended", [False, True], ids=["simple", "extended"])
def test_a_webp_keeps_only_the_chunks_needed_to_show_it(
    client: FlaskClient, instance: Instance, store: Store, extended: bool
) -> None:
    original = files.webp_with_private_chunks(extended)

    _details, stored = accepted_and_stored(client, instance, store, original, "photo.webp")

    assert_no_secrets(stored, b"XMP", b"EXIF", b"prvT", secrets=SECRETS)
    kinds, position = [], 12
    while position < len(stored):
        size = int.from_bytes(stored[position + 4 : position + 8], "little")
        kinds.append(stored[position : position + 4])
        if kinds[-1] == b"VP8X":
            assert stored[position + 8] & 0x0C == 0  # no "has EXIF" or "has XMP" flag
        position += 8 + size + (size & 1)
    assert position == len(stored) == int.from_bytes(stored[4:8], "little") + 8
    assert set(kinds) <= {b"VP8X", b"VP8L"} and b"VP8L" in kinds
    assert _pixels(stored) == _pixels(original)


def test_a_png_colour_profile_keeps_its_data_under_a_neutral_name(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    original = files.png_with_named_profile()

    _details, stored = accepted_and_stored(client, instance, store, original, "screen.png")

    assert_no_secrets(stored, secrets=SECRETS)
    at = stored.index(b"iCCP") - 4
    length = int.from_bytes(stored[at : at + 4], "big")
    body = stored[at + 8 : at + 8 + length]
    assert struct.unpack(">I", stored[at + 8 + length : at + 12 + length])[0] == zlib.crc32(
        b"iCCP" + body
    )
    name, _, rest = body.partition(b"\x00")
    assert name == b"ICC profile" and rest[0] == 0
    assert zlib.decompress(rest[1:]) == files.ICC_PROFILE
    assert _pixels(stored) == _pixels(original)
