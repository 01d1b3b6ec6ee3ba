"""Files inside other files: a PDF's attachments, a document's embedded workbook or video.

Each is cleaned by the cleaner of its own type, as if it had been uploaded
alone, and put back in its place. One of a type we cannot clean is not
removed, which would lose evidence without a word and leave the document
pointing at nothing: the file that holds it is refused with a message, and
the survivor can still keep its hidden details.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass

from portal.core.cleaning.common import HoldsUncleanableFile, Unreadable

# A file inside a file inside the upload is cleaned; one nested deeper is
# refused. Each level holds its part and the clean copy in memory.
MAX_NESTING = 2
_nesting: ContextVar[int] = ContextVar("nesting", default=0)


@dataclass(frozen=True)
class CleanedInner:
    """A file found inside another, cleaned, and what it is."""

    data: bytes
    media_type: str
    extension: str


def clean_inner(data: bytes) -> CleanedInner:
    """Clean a file found inside another with the cleaner of its own type.

    HoldsUncleanableFile if it is of a type we do not clean; Unreadable if it
    does not read as its type, or is nested too deeply.
    """
    from portal.core.cleaning import FileType, identify  # here: that module imports the cleaners

    depth = _nesting.get()
    if depth >= MAX_NESTING:
        raise Unreadable("files are nested too deeply")
    found = identify(io.BytesIO(data))
    if not isinstance(found, FileType):
        raise HoldsUncleanableFile(f"a file inside is of a type we do not clean ({found})")
    token = _nesting.set(depth + 1)
    try:
        pieces: list[bytes] = []
        found.clean(io.BytesIO(data), pieces.append)
        cleaned = b"".join(pieces)
        found.check(io.BytesIO(cleaned))
    finally:
        _nesting.reset(token)
    return CleanedInner(cleaned, found.media_type, found.extension)
