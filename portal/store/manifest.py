"""What a backup says about itself: `manifest.json`, its check values and its seal.

The manifest names the backup's format, its kind of database, schema and
day, a SHA-256 of each other member, a check value of each instance secret
(an HMAC under the secret itself: it tells a restore whether it was given
the right secret, and reveals nothing of a 256-bit random one), and a seal
over all of that under a key derived from the database key (`Manifest.seal_under`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import config as config_module
from config import Config

# 2: the manifest is sealed. A backup of format 1 has no seal, so nothing
# tells its settings from ones put there since, and it is refused.
FORMAT = 2
MANIFEST = "manifest.json"
SETTINGS = "portal.toml"
SQLCIPHER = "sqlcipher"
POSTGRESQL = "postgresql"
DATABASE_FILE = {SQLCIPHER: "portal.db", POSTGRESQL: "portal.pgdump"}
_CHECK_MESSAGE = b"portal backup: is this the secret the backup was made with"
_SEAL_INFO = b"portal backup manifest seal v1"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    """What a backup says about itself."""

    format: int
    database: str
    schema: str
    made_on: str
    files: dict[str, str]
    secrets: dict[str, str]
    seal: str = ""

    def to_json(self) -> bytes:
        """The manifest as the archive holds it."""
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    def seal_under(self, database_key: bytes) -> str:
        """The HMAC of every other field under a key derived from the database key.

        A SHA-256 beside its file proves only that the file is whole: anyone
        who can rewrite the archive can rewrite the digest too. The seal
        needs a secret the backup does not hold, so a restore given the
        secrets knows the digests, and so the members, are the ones taken.
        """
        fields = asdict(self)
        del fields["seal"]
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
            database_key
        )
        body = json.dumps(fields, sort_keys=True).encode()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    def sealed(self, database_key: bytes) -> Manifest:
        """This manifest with its seal."""
        return dataclasses.replace(self, seal=self.seal_under(database_key))

    def seal_matches(self, database_key: bytes) -> bool:
        """True when the seal is the one this database key gives."""
        return hmac.compare_digest(self.seal, self.seal_under(database_key))


def secret_check(secret: bytes) -> str:
    """A value that tells whether a secret is the one a backup was made with, and nothing more."""
    return hmac.new(secret, _CHECK_MESSAGE, hashlib.sha256).hexdigest()[:32]


def secret_checks(config: Config) -> dict[str, str]:
    """The check value of each instance secret, by its file name."""
    values = {
        config_module.DATABASE_KEY.filename: config.database_key,
        config_module.SESSION_KEY.filename: config.secret_key,
        config_module.LOOKUP_PEPPER.filename: config.lookup_pepper,
        config_module.AUDIT_KEY.filename: config.audit_key,
        config_module.ESCROW_KEY.filename: config.escrow_key,
    }
    return {name: secret_check(value) for name, value in values.items()}


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
