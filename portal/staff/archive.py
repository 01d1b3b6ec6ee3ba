"""The bundle's container: one inner ZIP, inside an AES ZIP or an age file.

An AES ZIP encrypts its files' contents, not its listing: anyone holding the
file, without the passphrase, reads every entry's name, size, date and the
number of entries. So the bundle's files go into one inner ZIP, and that
inner ZIP is the only entry of the encrypted outer one. Without the
passphrase the listing shows one entry, `bundle.zip`, dated 1980-01-01, and
the bundle's total size; the names, count and sizes of the files are inside
the encrypted entry. The inner ZIP is not encrypted a second time: a second
passphrase would hide nothing more and only be one more thing to send. The
outer entry is stored, not compressed: the inner ZIP already compresses.

An age file hides everything but its total length, so it holds the inner ZIP
directly. Either way nothing is written in clear to disk.
"""

from __future__ import annotations

import datetime
import io
import os
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any, BinaryIO

import pyrage
import pyzipper

INNER_NAME = "bundle.zip"
# The only date the outer listing shows: a fixed one, so it tells nothing.
OUTER_DATE = (1980, 1, 1, 0, 0, 0)
_PRIVATE_FILE = 0o100600 << 16  # unpacked files readable by their owner only


def is_age_recipient(text: str) -> bool:
    """True when `text` is an age X25519 public key a bundle can be encrypted to."""
    try:
        pyrage.x25519.Recipient.from_str(text)
    except pyrage.RecipientError:
        return False
    return True


class _Cut(io.RawIOBase):
    """Passes writes on until cut; then drops them, so a failed bundle is never finished.

    It also claims not to be seekable, so both ZIP writers stream (sizes after
    each entry's data) whatever `out` is: a pipe, a socket or a file.
    """

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self._out = out
        self.cut = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # bytes in, count out
        if not self.cut:
            self._out.write(data)
        return len(data)

    def flush(self) -> None:
        if not self.cut:
            self._out.flush()


class Bundle:
    """The inner ZIP of a bundle: files added under the names given, dated to the day."""

    def __init__(self, inner: zipfile.ZipFile) -> None:
        self._inner = inner
        today = datetime.date.today()
        self._date = (today.year, today.month, today.day, 0, 0, 0)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = _PRIVATE_FILE
        return info

    def add(self, name: str, data: bytes) -> None:
        """Add a small file whole."""
        self._inner.writestr(self._info(name), data)

    def add_stream(self, name: str, chunks: Iterable[bytes]) -> None:
        """Add a file chunk by chunk, never holding all of it."""
        with self._inner.open(self._info(name), "w", force_zip64=True) as target:
            for chunk in chunks:
                target.write(chunk)


@contextmanager
def _age_encrypted(out: BinaryIO, recipient: str) -> Iterator[BinaryIO]:
    """A stream whose bytes reach `out` encrypted to an age recipient, as they come."""
    key = pyrage.x25519.Recipient.from_str(recipient)
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def encrypt() -> None:
        with os.fdopen(read_end, "rb") as plain:
            try:
                pyrage.encrypt_io(plain, out, [key])
            except BaseException as error:  # reported in the caller's thread
                failure.append(error)

    worker = threading.Thread(target=encrypt, daemon=True)
    worker.start()
    try:
        with os.fdopen(write_end, "wb") as plain:
            yield plain
    finally:
        worker.join()
    if failure:
        raise failure[0]


@contextmanager
def open_bundle(
    out: BinaryIO, zip_passphrase: str | None = None, age_recipient: str | None = None
) -> Iterator[Bundle]:
    """Write a bundle to `out`: an AES ZIP under the passphrase, or an age file.

    If anything fails, whatever would be written after that point is dropped,
    so the bundle ends short and does not open.
    """
    if (zip_passphrase is None) == (age_recipient is None):
        raise ValueError("give either a ZIP passphrase or an age recipient")
    with ExitStack() as stack:
        if age_recipient is not None:
            target: BinaryIO = stack.enter_context(_age_encrypted(out, age_recipient))
        else:
            target = out
        guard = _Cut(target)
        opened: list[Any] = []  # innermost last; closed in reverse order
        try:
            if zip_passphrase is not None:
                outer = pyzipper.AESZipFile(
                    guard, "w", compression=pyzipper.ZIP_STORED, encryption=pyzipper.WZ_AES
                )
                opened.append(outer)
                outer.setpassword(zip_passphrase.encode("utf-8"))
                info = outer.zipinfo_cls(INNER_NAME, date_time=OUTER_DATE)
                info.compress_type = pyzipper.ZIP_STORED
                info.external_attr = _PRIVATE_FILE
                # zip64: a bundle of many cases can pass 4 GiB.
                opened.append(outer.open(info, "w", force_zip64=True))
            opened.append(
                zipfile.ZipFile(opened[-1] if opened else guard, "w", zipfile.ZIP_DEFLATED)
            )
            yield Bundle(opened[-1])
            while opened:
                opened.pop().close()
        except BaseException:
            guard.cut = True
            # Closing now writes into the void; it only keeps the writers from
            # trying again, noisily, when they are collected.
            for unfinished in reversed(opened):
                with suppress(Exception):
                    unfinished.close()
            raise
