"""The request class that encrypts uploads as the multipart parser reads them.

Werkzeug normally spools an uploaded file to a temporary file. Instead, each
file part goes into an `EncryptedUpload` (core/encrypted_uploads.py), or, for
a report sealed in the browser, a `SealedUpload` that stores the sealed
stream as it comes (core/sealed_files.py), and whatever no service claimed is
deleted when the request ends.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import IO

from flask import Flask, Request, current_app, g
from werkzeug.datastructures import FileStorage

from portal.core.encrypted_uploads import EncryptedUpload, RefusedUpload
from portal.core.evidence import FILES_PER_REQUEST, SentFile
from portal.core.logs import describe_exception
from portal.core.sealed_files import (
    SealedFiles,
    SealedUpload,
    parse_sealed_files,
    sealed_stream_size,
)
from portal.core.sealed_reports import NOT_WHOLE, SealedReportRefused

_log = logging.getLogger("portal.web.uploads")


# Only these forms take files; anywhere else a file part is dropped unread,
# so no one can make the portal store files by posting to another address.
SEALED_ENDPOINT = "survivor.sealed.report"  # its files come sealed
UPLOAD_ENDPOINTS = frozenset({"survivor.report", "survivor.add", SEALED_ENDPOINT})
SEALED_FILE = "sealed_file"
TOO_MANY = f"Only {FILES_PER_REQUEST} files can be sent at once."
_RAW_FILENAME = re.compile(r'filename="([^"]*)"')


class PortalRequest(Request):
    """Flask's request, with uploads encrypted as they are parsed."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.endpoint not in UPLOAD_ENDPOINTS or not filename:
            return RefusedUpload(filename, "")  # type: ignore[return-value]
        received = g.get("files_received", 0) + 1
        g.files_received = received
        if received > FILES_PER_REQUEST:
            return RefusedUpload(filename, TOO_MANY)  # type: ignore[return-value]
        store = current_app.extensions["store"]
        limit = current_app.config["PORTAL"].max_upload_bytes
        uploads = g.setdefault("uploads", [])
        upload: EncryptedUpload | SealedUpload
        if self.endpoint == SEALED_ENDPOINT:
            upload = SealedUpload(store.engine, filename, limit)
        else:
            upload = EncryptedUpload(store.engine, filename, limit, uploads)
        uploads.append(upload)
        return upload  # type: ignore[return-value]


_MIB = 1024 * 1024


def max_request_bytes(max_upload_bytes: int) -> int:
    """The largest request body taken: as many files as one form sends, each sealed in the
    browser at the upload limit (a padded stream, a little larger), and the form around them,
    in whole MiB, so a proxy's limit (nginx's `client_max_body_size`) can be the same."""
    needed = FILES_PER_REQUEST * sealed_stream_size(max_upload_bytes) + 8 * _MIB
    return -(-needed // _MIB) * _MIB


def init_app(app: Flask) -> None:
    """Use the encrypting request class and delete unclaimed uploads after each request."""
    app.request_class = PortalRequest

    @app.teardown_request
    def _discard_unclaimed(_error: BaseException | None) -> None:
        for upload in g.pop("uploads", []):
            if not upload.claimed:
                try:
                    upload.discard()
                except Exception as error:  # the others are still discarded; the sweep gets it
                    _log.error("unclaimed upload not deleted: %s", describe_exception(error))


def sent_filename(storage: FileStorage) -> str | None:
    """The file name exactly as the browser sent it.

    Werkzeug reads the name as a quoted string and drops the backslashes, so
    an old browser's "C:\\Users\\Jane\\photo.jpg" would arrive as
    "C:UsersJanephoto.jpg", keeping the user name. Browsers do not escape
    backslashes, so reading the raw header keeps them as separators.
    """
    match = _RAW_FILENAME.search(storage.headers.get("Content-Disposition", ""))
    return match.group(1) if match else storage.filename


def sent_files(field: Iterable[FileStorage | str]) -> list[SentFile]:
    """A form's file field as the domain takes it: each part's name as sent, and its upload."""
    # A text value sent under the files' name holds no file: it is skipped.
    return [
        SentFile(sent_filename(part) if part.filename else None, part.stream)
        for part in field
        if isinstance(part, FileStorage)
    ]


def sent_sealed_files(request: Request) -> SealedFiles:
    """The files a report sealed in the browser sent, in order, checked; SealedReportRefused
    (in her words) if one is not whole, is too large, or is one too many."""
    if any(name != SEALED_FILE for name in request.files):
        raise SealedReportRefused(NOT_WHOLE)
    return parse_sealed_files(
        [part.stream for part in request.files.getlist(SEALED_FILE)],
        request.form.getlist("sealed_file_key"),
        request.form.getlist("sealed_file_details"),
    )
