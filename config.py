"""Typed configuration, parsed once, that refuses to start on anything unsafe.

Secrets come from files in `instance/secrets/` (mode 0600, written by
`portal init`) or from environment variables; settings come from
`instance/portal.toml`, overridden by environment variables. There are no
default secrets: a missing, malformed or weak one stops start-up with a
message that says which and how to fix it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import ipaddress
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crypto.passphrase import Argon2Params

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
SECRET_SIZE = 32
# A random 32-byte secret has about 30 distinct byte values; fewer than 16
# means it was typed or generated badly (all zeros, a repeated pattern).
_MIN_DISTINCT_BYTES = 16
DEFAULT_MAX_UPLOAD_MB = 200
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
DEFAULT_RETENTION_DAYS = 365
DEFAULT_CLOSED_RETENTION_DAYS = 180
MINUTES_PER_DAY = 1440
DEFAULT_NOTIFY_EVERY_MINUTES = 60
DEFAULT_AUDIT_HEAD_AT = "06:00"


class ConfigError(Exception):
    """The configuration is missing, malformed or unsafe; the message says how to fix it."""


@dataclass(frozen=True)
class Secret:
    """Where a secret lives: its file under instance/secrets/ and its variable."""

    filename: str
    variable: str
    purpose: str
    # What to run when the file is missing: instances made before a secret
    # existed get it from `portal upgrade`.
    remedy: str = "Run `portal init` to create a new instance."


DATABASE_KEY = Secret("database.key", "PORTAL_DATABASE_KEY", "SQLCipher database key")
SESSION_KEY = Secret("session.key", "PORTAL_SESSION_KEY", "session signing key")
LOOKUP_PEPPER = Secret("lookup-pepper.key", "PORTAL_LOOKUP_PEPPER", "codename lookup pepper")
# Keys the audit chain and the hashes audit entries keep. It lives beside the
# database, never in it: someone who can write only to the database (or who
# runs a separate database host) cannot recompute the chain.
AUDIT_KEY = Secret(
    "audit.key",
    "PORTAL_AUDIT_KEY",
    "audit chain key",
    remedy="Run `portal upgrade` to create it (`portal serve` does so too).",
)
# The seed of the matching escrow's VOPRF key (RFC 9497): officer identifiers'
# tags come from it. Never in the database: a tag seen with it can be tested
# against every officer's name.
ESCROW_KEY = Secret(
    "escrow-match.key",
    "PORTAL_ESCROW_KEY",
    "matching escrow key",
    remedy="Run `portal upgrade` to create it (`portal serve` does so too).",
)
SECRETS = (DATABASE_KEY, SESSION_KEY, LOOKUP_PEPPER, AUDIT_KEY, ESCROW_KEY)


@dataclass(frozen=True)
class SmtpSettings:
    """Where notification e-mails go, and when; no content ever goes in them.

    `recipients` (the advocates) hear "there is new activity", only at slot
    times: multiples of `notify_every_minutes` from midnight UTC.
    `admin_recipients` get the audit log's head once a day, at the first slot
    at or after `audit_head_minute` (minutes after midnight UTC).
    """

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    admin_recipients: tuple[str, ...] = ()
    notify_every_minutes: int = DEFAULT_NOTIFY_EVERY_MINUTES
    audit_head_minute: int = 6 * 60


@dataclass(frozen=True)
class Config:
    """Everything the portal needs to run; built only by `load`."""

    instance_path: Path
    database_key: bytes = field(repr=False)
    secret_key: bytes = field(repr=False)
    lookup_pepper: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)
    escrow_key: bytes = field(repr=False)
    public_url: str
    database_url: str | None = None
    argon2: Argon2Params = field(default_factory=Argon2Params)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    exit_url: str = DEFAULT_EXIT_URL
    # How many reverse proxies (nginx with TLS, say) stand in front and append
    # the client's address to X-Forwarded-For. 0 means none: the portal takes
    # the address of whoever connects, so no client can claim another address.
    trusted_proxies: int = 0
    # The portal's Tor onion service, `http://<56 letters>.onion`, if it has one.
    onion_url: str | None = None
    # Reports are purged this many days after their last activity (closed
    # cases after closed_retention_days), unless someone chose to keep them.
    retention_days: int = DEFAULT_RETENTION_DAYS
    closed_retention_days: int = DEFAULT_CLOSED_RETENTION_DAYS
    smtp: SmtpSettings | None = None
    # Where `portal upgrade` leaves the backup it takes first; None means
    # backups/ beside the instance folder (see backups_path).
    backup_dir: Path | None = None
    # `security_keys = "required"`: every charity account must enrol a security key
    # that locks its key before it may see anything but its security keys page.
    security_keys_required: bool = False
    testing: bool = False

    @property
    def secrets_path(self) -> Path:
        """The folder holding the secret files."""
        return self.instance_path / "secrets"

    @property
    def database_path(self) -> Path:
        """The SQLCipher database file (when no database URL is set)."""
        return self.instance_path / "portal.db"

    @property
    def backups_path(self) -> Path:
        """Where `portal upgrade` leaves its backup: backup_dir, or backups/ beside the instance."""
        return self.backup_dir or self.instance_path.parent / "backups"

    @property
    def secure_transport(self) -> bool:
        """True when the public URL is HTTPS or an onion address."""
        return _is_secure(self.public_url)


def _is_secure(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.hostname or "").endswith(".onion")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_http(url: str) -> bool:
    """True for a plain HTTP public URL on a loopback address (`make run` on one machine)."""
    parts = urlsplit(url)
    return parts.scheme == "http" and _is_loopback(parts.hostname or "")


def check_public_url(url: str) -> str:
    """Accept HTTPS, an onion address, or plain HTTP on loopback only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"public_url must be an http(s) URL, not {url!r}")
    if not _is_secure(url) and not _is_loopback(host):
        raise ConfigError(
            f"public_url {url!r} is plain HTTP on a public host: reports would travel "
            "unencrypted. Use https://, an onion address, or a loopback address."
        )
    return url.rstrip("/")


_POSTGRESQL_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def check_database_url(url: str | None) -> str | None:
    """Accept a PostgreSQL URL (spoken to through psycopg 3), or none for SQLCipher."""
    if not url:
        return None
    scheme = urlsplit(url).scheme
    if scheme not in _POSTGRESQL_SCHEMES:
        raise ConfigError(
            f"database_url must be a PostgreSQL URL (postgresql://...), not a {scheme or 'bare'} "
            "one; leave it unset to use the encrypted SQLite database in the instance folder"
        )
    return "postgresql+psycopg" + url[len(scheme) :]


def parse_secret(text: str, secret: Secret, source: str) -> bytes:
    """Decode a hex secret and refuse it if malformed, of the wrong length or weak."""
    try:
        value = bytes.fromhex(text.strip())
    except ValueError:
        raise ConfigError(f"the {secret.purpose} in {source} is not hexadecimal") from None
    if len(value) != SECRET_SIZE:
        raise ConfigError(
            f"the {secret.purpose} in {source} is {len(value)} bytes; it must be "
            f"{SECRET_SIZE} bytes ({2 * SECRET_SIZE} hex digits)"
        )
    if len(set(value)) < _MIN_DISTINCT_BYTES:
        raise ConfigError(f"the {secret.purpose} in {source} is weak: generate a random one")
    return value


def _read_secret(secrets_path: Path, secret: Secret, environ: Mapping[str, str]) -> bytes:
    if secret.variable in environ:
        return parse_secret(environ[secret.variable], secret, f"${secret.variable}")
    path = secrets_path / secret.filename
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"the {secret.purpose} is missing: no {path} and no ${secret.variable}. "
            + secret.remedy
        ) from None
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigError(f"{path} can be read by other users: run `chmod 600 {path}`")
    return parse_secret(path.read_text("ascii", errors="replace"), secret, str(path))


def _read_settings(instance_path: Path) -> dict[str, Any]:
    path = instance_path / "portal.toml"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path} is missing. Run `portal init` to create a new instance."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def _count(settings: Mapping[str, Any], key: str) -> int:
    value = settings.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ConfigError(f"{key} in portal.toml must be a whole number from 0 to 5")
    return value


def _positive_int(settings: Mapping[str, Any], key: str, default: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{key} in portal.toml must be a positive whole number")
    return value


def _addresses(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A list of e-mail addresses from the [smtp] table (empty when absent)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(a, str) and "@" in a for a in value):
        raise ConfigError(
            f'{key} in [smtp] must be a list of e-mail addresses, like ["someone@example.org"]'
        )
    return tuple(value)


def _notify_every_minutes(table: Mapping[str, Any]) -> int:
    value = table.get("notify_every_minutes", DEFAULT_NOTIFY_EVERY_MINUTES)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value <= 0
        or MINUTES_PER_DAY % value
    ):
        raise ConfigError(
            "notify_every_minutes in [smtp] must be a whole number of minutes that divides "
            "a day (1440) evenly, such as 15, 30, 60 or 120"
        )
    return value


def _audit_head_minute(table: Mapping[str, Any]) -> int:
    value = table.get("audit_head_at", DEFAULT_AUDIT_HEAD_AT)
    hours, colon, minutes = str(value).partition(":")
    if (
        not isinstance(value, str)
        or not colon
        or not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2)
        or int(hours) > 23
        or int(minutes) > 59
    ):
        raise ConfigError('audit_head_at in [smtp] must be a time of day in UTC, like "06:00"')
    return int(hours) * 60 + int(minutes)


def _smtp(settings: Mapping[str, Any], environ: Mapping[str, str]) -> SmtpSettings | None:
    """The optional [smtp] table; the password may come from $PORTAL_SMTP_PASSWORD."""
    table = settings.get("smtp")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("[smtp] in portal.toml must be a table")
    recipients = _addresses(table, "recipients")
    admin_recipients = _addresses(table, "admin_recipients")
    if not recipients and not admin_recipients:
        raise ConfigError("[smtp] in portal.toml needs recipients, admin_recipients or both")
    try:
        smtp = SmtpSettings(
            host=str(table["host"]),
            port=int(table.get("port", 587)),
            sender=str(table["sender"]),
            recipients=recipients,
            starttls=bool(table.get("starttls", True)),
            username=table.get("username"),
            password=environ.get("PORTAL_SMTP_PASSWORD", table.get("password")),
            admin_recipients=admin_recipients,
            notify_every_minutes=_notify_every_minutes(table),
            audit_head_minute=_audit_head_minute(table),
        )
    except (KeyError, TypeError, ValueError):
        raise ConfigError("[smtp] in portal.toml needs host and sender") from None
    if "@" not in smtp.sender:
        raise ConfigError("[smtp] sender must be an e-mail address")
    return smtp


def _backup_dir(settings: Mapping[str, Any], instance_path: Path) -> Path | None:
    """backup_dir from portal.toml: an absolute path outside the instance folder."""
    value = settings.get("backup_dir")
    if value is None:
        return None
    if not isinstance(value, str) or not Path(value).is_absolute():
        raise ConfigError('backup_dir in portal.toml must be an absolute path, like "/srv/backups"')
    path = Path(value).resolve()
    if path.is_relative_to(instance_path):
        raise ConfigError(
            f"backup_dir {path} is inside the instance folder: keep backups apart from "
            "instance/secrets, which must never travel with them"
        )
    return path


def check_onion_url(url: str) -> str:
    """Accept a v3 onion address, `http://<56 base32 letters>.onion`, whose checksum holds.

    The checksum (rend-spec-v3) catches a mistyped letter, which would
    otherwise send Tor Browser users to an address nobody answers at.
    """
    parts = urlsplit(url)
    label, dot, tld = (parts.hostname or "").rpartition(".")
    explained = (
        f"onion_url {url!r} is not a Tor v3 onion address: it must look like "
        "http://<56 letters and digits 2-7>.onion/, copied from the hostname file "
        "in the onion service's HiddenServiceDir"
    )
    if (
        parts.scheme != "http"
        or (dot, tld) != (".", "onion")
        or parts.netloc.lower() != f"{label}.onion"
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or not re.fullmatch(r"[a-z2-7]{56}", label)
    ):
        raise ConfigError(explained)
    decoded = base64.b32decode(label.upper())
    key, checksum, version = decoded[:32], decoded[32:34], decoded[34:]
    expected = hashlib.sha3_256(b".onion checksum" + key + version).digest()[:2]
    if version != b"\x03" or checksum != expected:
        raise ConfigError(
            f"onion_url {url!r} has a letter wrong (its checksum does not match): copy it "
            "again from the hostname file in the onion service's HiddenServiceDir"
        )
    return f"http://{label}.onion"


def _onion_url(settings: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """The optional onion address, from $PORTAL_ONION_URL or portal.toml."""
    url = environ.get("PORTAL_ONION_URL", settings.get("onion_url"))
    if url is None or url == "":
        return None
    if not isinstance(url, str):
        raise ConfigError('onion_url in portal.toml must be text, like "http://….onion/"')
    return check_onion_url(url)


def _security_keys(settings: Mapping[str, Any]) -> bool:
    value = settings.get("security_keys", "optional")
    if value not in ("optional", "required"):
        raise ConfigError('security_keys in portal.toml must be "optional" or "required"')
    return bool(value == "required")


def instance_path_from(environ: Mapping[str, str]) -> Path:
    """The instance folder: $PORTAL_INSTANCE or instance/ beside this file."""
    return Path(environ.get("PORTAL_INSTANCE", DEFAULT_INSTANCE)).resolve()


def load(
    instance_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Read the instance's secrets and settings into a Config, or raise ConfigError."""
    environ = os.environ if environ is None else environ
    instance_path = (instance_path or instance_path_from(environ)).resolve()
    settings = _read_settings(instance_path)
    secrets_path = instance_path / "secrets"
    argon2_settings = settings.get("argon2", {})
    try:
        argon2 = Argon2Params(**argon2_settings)
    except (TypeError, ValueError):
        raise ConfigError("[argon2] in portal.toml has unknown or out-of-range values") from None
    public_url = environ.get("PORTAL_PUBLIC_URL", settings.get("public_url"))
    if not isinstance(public_url, str):
        raise ConfigError("public_url is missing from portal.toml")
    config = Config(
        instance_path=instance_path,
        database_key=_read_secret(secrets_path, DATABASE_KEY, environ),
        secret_key=_read_secret(secrets_path, SESSION_KEY, environ),
        lookup_pepper=_read_secret(secrets_path, LOOKUP_PEPPER, environ),
        audit_key=_read_secret(secrets_path, AUDIT_KEY, environ),
        escrow_key=_read_secret(secrets_path, ESCROW_KEY, environ),
        public_url=check_public_url(public_url),
        database_url=check_database_url(
            environ.get("PORTAL_DATABASE_URL", settings.get("database_url"))
        ),
        argon2=argon2,
        max_upload_bytes=_positive_int(settings, "max_upload_mb", DEFAULT_MAX_UPLOAD_MB)
        * 1024
        * 1024,
        exit_url=str(settings.get("exit_url", DEFAULT_EXIT_URL)),
        trusted_proxies=_count(settings, "trusted_proxies"),
        onion_url=_onion_url(settings, environ),
        retention_days=_positive_int(settings, "retention_days", DEFAULT_RETENTION_DAYS),
        closed_retention_days=_positive_int(
            settings, "closed_retention_days", DEFAULT_CLOSED_RETENTION_DAYS
        ),
        smtp=_smtp(settings, environ),
        backup_dir=_backup_dir(settings, instance_path),
        security_keys_required=_security_keys(settings),
    )
    return dataclasses.replace(config, **overrides) if overrides else config
