"""What every cleaner shares: the file it reads, where it writes, and the one error it raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Write = Callable[[bytes], object]


class Source(Protocol):
    """A seekable file open for reading (in the portal, a view that decrypts on demand)."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to size bytes from the current position."""

    def seek(self, offset: int, whence: int = 0, /) -> int:
        """Move to a position; returns it."""

    def tell(self) -> int:
        """The current position."""


class Unreadable(Exception):
    """The file's structure could not be read in full, so its hidden details cannot be removed."""


class TooLargeToClean(Unreadable):
    """A part of the file is too large to clean within the memory one upload may use."""


class HoldsUncleanableFile(Unreadable):
    """A file inside this one (an attachment, an embedded object) is of a kind we cannot clean."""
