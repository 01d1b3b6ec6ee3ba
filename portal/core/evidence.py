"""Evidence files made ready to attach: cleaned of their hidden details, or kept as sent.

Each file arrives as an `EncryptedUpload` (core/encrypted_uploads.py). Here
it is checked and, unless the survivor chose to keep its hidden details,
copied without them by the cleaner of its type (core/cleaning/); a file that
cannot be attached gets a message in plain words saying why and what to do.
A service function then claims the prepared files for a report; uploads a
crash left unclaimed are swept later.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.core.cleaning import (
    FileType,
    HoldsUncleanableFile,
    TooLargeToClean,
    Unreadable,
    identify,
)
from portal.core.encrypted_uploads import EncryptedUpload, RefusedUpload, clean_filename
from portal.store.models import Attachment, today

# The most files one form sends: a report's, or a message's.
FILES_PER_REQUEST = 5
# What a cleaner may raise on a file built to confuse it, besides Unreadable:
# each means the same, that the file is not what it seems.
_PARSE_ERRORS = (Unreadable, struct.error, ValueError, IndexError, EOFError, OSError, zlib.error)


def without_metadata(upload: EncryptedUpload, file_type: FileType) -> EncryptedUpload:
    """A new upload holding the same file without its hidden details.

    The original is read through a view that decrypts on demand, and the
    clean copy is encrypted under a new key as it is written; the original is
    then deleted, and its key, which lived only in memory, is forgotten.
    Unreadable if the file cannot be read as its type (the original is
    deleted then too: it may carry the very details to remove).
    """
    cleaned = upload.another()
    try:
        file_type.clean(upload.view(), cleaned.write)
        cleaned.finish()
        if cleaned.too_large:
            raise Unreadable("the clean copy is larger than the limit")
        file_type.check(cleaned.view())
    except (TooLargeToClean, HoldsUncleanableFile):
        cleaned.discard()
        raise
    except _PARSE_ERRORS as error:
        cleaned.discard()
        raise Unreadable(str(error)) from None
    finally:
        upload.discard()
    cleaned.media_type = file_type.media_type
    return cleaned


@dataclass(frozen=True)
class PreparedFile:
    """An upload ready to attach, and whether its hidden details were removed."""

    upload: EncryptedUpload
    metadata_removed: bool
    extension: str = ""

    def stored_name(self, number: int) -> str:
        """The name to store: neutral once cleaned, the survivor's own if she kept the details."""
        if self.metadata_removed:
            return f"evidence-{number}{self.extension}"
        return self.upload.filename


KEEP_BOX = "“Keep hidden details in my files”"
CLEANED_KINDS = (
    "photos (JPEG, PNG, WebP), videos and recordings (MP4, MOV, 3GP, M4A), PDFs, and Word, "
    "Excel, PowerPoint or LibreOffice documents"
)


def _label(media_type: str) -> str:
    if media_type.startswith("image/"):
        return "the picture"
    if media_type.startswith("video/"):
        return "the video"
    if media_type.startswith("audio/"):
        return "the recording"
    if media_type == "application/pdf":
        return "the PDF"
    return "the document"


def _prepare(upload: EncryptedUpload, keep_metadata: bool) -> PreparedFile | str:
    """One upload, cleaned or kept as sent; or a message saying why it cannot be attached."""
    name = upload.filename
    found = identify(upload.view())
    if keep_metadata:
        upload.media_type = found.media_type if isinstance(found, FileType) else found
        return PreparedFile(upload, metadata_removed=False)
    if isinstance(found, str):
        what = ", such as where it was taken," if found.startswith("image/") else ""
        return (
            f"We cannot remove hidden details{what} from “{name}”, so it was not attached. "
            f"We can remove them from {CLEANED_KINDS}. To send it as it is, tick {KEEP_BOX}."
        )
    try:
        cleaned = without_metadata(upload, found)
    except TooLargeToClean:
        return (
            f"“{name}” has a part too large for us to remove its hidden details safely. "
            f"To send it as it is, tick {KEEP_BOX}."
        )
    except HoldsUncleanableFile:
        return (
            f"“{name}” has a file inside it (an attachment or an embedded object) whose hidden "
            f"details we cannot remove, so it was not attached. To send it as it is, tick "
            f"{KEEP_BOX}."
        )
    except Unreadable:
        return (
            f"We could not read {_label(found.media_type)} “{name}” to remove its hidden details "
            f"(it may be damaged). To send it as it is, tick {KEEP_BOX}."
        )
    return PreparedFile(cleaned, metadata_removed=True, extension=found.extension)


@dataclass(frozen=True)
class SentFile:
    """One file part of a form: its name as sent (None if no file was chosen), and its upload."""

    name: str | None
    upload: object  # an EncryptedUpload, a RefusedUpload, or whatever else read the part


def prepare_files(
    files: Iterable[SentFile], keep_metadata: bool, limit_mb: int
) -> tuple[list[PreparedFile], list[str]]:
    """Check each uploaded file and clean it; return the files and plain-word problems.

    A file with a problem is not attached; the message says why and what to do.
    """
    prepared: list[PreparedFile] = []
    problems: list[str] = []
    for sent in files:
        upload = sent.upload
        if isinstance(upload, RefusedUpload) and upload.reason:
            problems.append(f"“{upload.filename}” was not attached. {upload.reason}")
            continue
        if sent.name is None or not isinstance(upload, EncryptedUpload):
            continue  # "no file chosen" still sends an empty part
        upload.filename = clean_filename(sent.name)
        if upload.too_large:
            problems.append(f"“{upload.filename}” is larger than the {limit_mb} MB limit.")
        elif upload.size == 0:
            problems.append(f"“{upload.filename}” is empty.")
        else:
            result = _prepare(upload, keep_metadata)
            if isinstance(result, str):
                problems.append(result)
            else:
                prepared.append(result)
    return prepared, problems


def sweep_abandoned(session: Session) -> int:
    """Delete uploads never attached to a report (a crash mid-upload) from before today.

    Their keys died with the process that received them, so they were
    unreadable already; this reclaims the space.
    """
    result = session.execute(
        delete(Attachment).where(Attachment.report_id.is_(None), Attachment.uploaded_on < today())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
