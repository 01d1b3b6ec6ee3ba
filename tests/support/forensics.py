"""Reading a SQLCipher database as someone who seized it with its key would: page by page.

SQL shows only live rows. A deleted row can live on in a page of the main
file that was freed but not overwritten, or in an older copy of its page in
the write-ahead log. This decrypts every page of both files (SQLCipher 4
defaults: 4096-byte pages, AES-256-CBC, a 16-byte IV and a 64-byte HMAC at
the end of each page, a raw key used as it is) so a test can search them.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
_RESERVE = 16 + 64  # IV, then HMAC-SHA512
_SALT = 16
_WAL_HEADER = 32
_FRAME_HEADER = 24


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    start = _SALT if first else 0
    iv = page[PAGE - _RESERVE : PAGE - _RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start : PAGE - _RESERVE]) + decryptor.finalize()


def decrypted_pages(database: Path, key: bytes) -> list[bytes]:
    """Every page of the database file and every frame of its WAL, decrypted."""
    pages = []
    data = database.read_bytes()
    for number, offset in enumerate(range(0, len(data) - PAGE + 1, PAGE)):
        pages.append(_decrypt_page(key, data[offset : offset + PAGE], number == 0))
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        log = wal.read_bytes()
        offset = _WAL_HEADER
        while offset + _FRAME_HEADER + PAGE <= len(log):
            number = int.from_bytes(log[offset : offset + 4], "big")
            frame = log[offset + _FRAME_HEADER : offset + _FRAME_HEADER + PAGE]
            pages.append(_decrypt_page(key, frame, number == 1))
            offset += _FRAME_HEADER + PAGE
    return pages


def pieces_on_disk(database: Path, key: bytes, needle: bytes, size: int = 32) -> float:
    """The share of `needle`'s `size`-byte pieces found on any page, live or deleted.

    A long value (a sealed key, say) spills from its page into overflow pages,
    so it is looked for in pieces: 1.0 means all of it is there, 0.0 none.
    """
    pages = decrypted_pages(database, key)
    pieces = [needle[i : i + size] for i in range(0, len(needle) - size + 1, size)]
    return sum(any(piece in page for page in pages) for piece in pieces) / len(pieces)
