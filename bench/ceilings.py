"""What this machine can do at all, timed in the same run as the scenarios.

Each is single-threaded, bounded in both count and time, and reported as a
rate, so a scenario's figure can be read as a fraction of it however busy the
machine is at the moment.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.format import Binding
from crypto.keys import PrivateKey, seal
from portal.store import _PRAGMAS

try:
    import sqlcipher3.dbapi2 as sqlcipher
except ImportError:  # pragma: no cover - sqlcipher3 is a runtime requirement
    sqlcipher = None


def _open(path: Path) -> Any:
    """A new SQLCipher database with a random raw key and the portal's own settings."""
    assert sqlcipher is not None
    connection = sqlcipher.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    for pragma in _PRAGMAS:
        connection.execute(pragma)
    return connection


def rate(work: Callable[[], object], seconds: float, most: int) -> float:
    """Calls of `work` per second, over about `seconds` and at most `most` calls."""
    work()  # warm up
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while count < most and time.perf_counter() < deadline:
        work()
        count += 1
    return count / (time.perf_counter() - started)


def aes_gcm_mb_per_s(seconds: float = 1.0) -> float:
    """Raw AES-256-GCM encryption of 64 KiB segments (the attachment segment size)."""
    aead, segment, nonce = AESGCM(os.urandom(32)), os.urandom(64 * 1024), os.urandom(12)
    return rate(lambda: aead.encrypt(nonce, segment, b""), seconds, 100_000) * 64 / 1024


def hpke_seals_per_s(seconds: float = 1.0) -> float:
    """Raw HPKE seals of a 32-byte data key (ML-KEM-768 + X25519, the project's suite)."""
    public = PrivateKey.generate().public_key
    binding = Binding("reports", "0" * 32, "report_key")
    key = os.urandom(32)
    return rate(lambda: seal(public, key, binding), seconds, 100_000)


def sqlcipher_inserts_per_s(folder: Path, seconds: float = 1.0) -> float:
    """Raw SQLCipher inserts of a 6 KB row, each its own committed transaction.

    Same settings as the portal (raw key, WAL, synchronous=FULL, secure_delete):
    one committed insert is the least a submission must write.
    """
    connection = _open(folder / "ceiling.db")
    try:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, content BLOB)")
        row = os.urandom(6 * 1024)

        def insert() -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (content) VALUES (?)", (row,))
            connection.execute("COMMIT")

        return rate(insert, seconds, 50_000)
    finally:
        connection.close()


def postgresql_inserts_per_s(url: str, seconds: float = 1.0) -> float:
    """Raw PostgreSQL inserts of a 6 KB row, each its own committed transaction.

    Through psycopg on loopback TCP, as the portal connects, to a server with
    fsync and synchronous_commit on: the least a submission must write on
    PostgreSQL, beside the SQLCipher figure above.
    """
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE ceiling (id BIGSERIAL PRIMARY KEY, content BYTEA)")
        row = os.urandom(6 * 1024)

        def insert() -> None:
            with connection.transaction():
                connection.execute("INSERT INTO ceiling (content) VALUES (%s)", (row,))

        try:
            return rate(insert, seconds, 50_000)
        finally:
            connection.execute("DROP TABLE ceiling")


def sqlcipher_blob_mb_per_s(folder: Path, seconds: float = 2.0) -> float:
    """Raw SQLCipher writes of 64 KiB blobs, 16 to a committed transaction (1 MiB).

    What storing an attachment's encrypted segments costs at the least, with
    the portal's settings and batch size, and nothing else.
    """
    connection = _open(folder / "blobs.db")
    try:
        connection.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, content BLOB)")
        rows = [(os.urandom(64 * 1024 + 16),) for _ in range(16)]

        def batch() -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT INTO s (content) VALUES (?)", rows)
            connection.execute("COMMIT")

        # At most 200 MiB, so the file stays small.
        return rate(batch, seconds, 200) * 16 * (64 * 1024 + 16) / 10**6
    finally:
        connection.close()
        for leftover in folder.glob("blobs.db*"):
            leftover.unlink()


def sqlite_is_sqlcipher() -> bool:
    """True when the SQLCipher module really is SQLCipher (not plain SQLite)."""
    return sqlcipher is not None and sqlcipher is not sqlite3
