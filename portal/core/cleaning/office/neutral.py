"""What both kinds of office document share: the neutral author, and links cut to a file's name.

Each name of who made a comment or a change becomes "Author", and a link to
another file on a disk or a share keeps only that file's name: the folders
name the person whose they are (`C:\\Users\\<name>\\...`).
"""

from __future__ import annotations

import re

from portal.core.cleaning.office.markup import Edit, rewrite
from portal.core.cleaning.office.zips import Replacement

NEUTRAL_NAME, NEUTRAL_INITIALS = "Author", "A"
# A scheme of two letters or more: "C:" is a drive, not a scheme.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def outside_file(target: str) -> bool:
    """True for an address of a file on a disk or a network share, not a web address."""
    return not _SCHEME.match(target) or target.lower().startswith("file:")


def file_name(target: str) -> str:
    """The last part of a path or an address: the folders name the person whose they are."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1] or "file"


def rewritten(edit: Edit) -> Replacement:
    """A replacement that changes, in an XML part, what `edit` asks for."""
    return lambda old: rewrite(old, edit)
