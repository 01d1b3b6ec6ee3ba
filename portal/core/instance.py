"""Creating a new instance folder: secrets, settings, database and keys."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

import config as config_module
from crypto.words import seed_to_phrase
from portal import store
from portal.core.group_keys import MEMBER_GROUPS, create_group_keys
from portal.store.models import Group

SETTINGS_TEMPLATE = """\
# Settings of this portal instance. Secrets live in secrets/, never here.

# The address people use to reach the portal. HTTPS or an onion address turns
# on Secure, __Host- cookies and HSTS; plain HTTP is refused except on loopback.
public_url = "{public_url}"

# Largest evidence file a survivor may upload, in megabytes.
max_upload_mb = {max_upload_mb}

# Where "Exit this page" leads: a neutral site.
exit_url = "{exit_url}"

# Security keys (WebAuthn) for charity accounts: "optional", or "required" to
# make every advocate, staff member and admin enrol one that locks their key
# before they can see anything else. Keys work on public_url's host only.
security_keys = "optional"

# Reverse proxies in front of the portal (nginx terminating TLS, say) that
# append the client's address to X-Forwarded-For. Leave 0 unless the portal
# listens on loopback behind exactly that many: throttles count clients by
# the address the nearest proxy wrote, which a client could forge otherwise.
trusted_proxies = 0

# Reports are deleted by `portal purge` this many days after their last
# activity, unless a survivor or an advocate chose to keep them longer.
retention_days = {retention_days}
closed_retention_days = {closed_retention_days}

# Where `portal upgrade` (and `portal serve`, when it upgrades) writes the
# backup it takes before changing the schema: an absolute path outside this
# folder. Unset, it is backups/ beside this folder.
# backup_dir = "/var/backups/portal"

# Optional e-mail. Advocates (recipients) hear "there is new activity", never
# content or a reference, and only at fixed times: every notify_every_minutes
# from midnight UTC (it must divide 1440), if something arrived since the last.
# Admins (admin_recipients, never the advocates) get the audit log's head once
# a day, at the first of those times at or after audit_head_at (UTC): keep
# those e-mails, `portal audit verify --head N:HASH` checks the log against
# them. The password may also come from $PORTAL_SMTP_PASSWORD.
# [smtp]
# host = "smtp.example.org"
# port = 587
# starttls = true
# sender = "portal@example.org"
# recipients = ["advocates@example.org"]
# admin_recipients = ["admins@example.org"]
# notify_every_minutes = 60
# audit_head_at = "06:00"
# username = "portal"
# password = "..."

# Argon2id cost for advocates' passphrases (RFC 9106, second recommendation).
[argon2]
time_cost = 3
memory_kib = 65536
parallelism = 4
"""


_DATABASE_URL_SETTING = """\
# The PostgreSQL database shared by every app host (see docs/deploy.md). Its
# password, if it needs one, belongs in $PORTAL_DATABASE_URL or ~/.pgpass,
# never here.
database_url = "{database_url}"
"""


class InstanceExists(Exception):
    """The instance folder already holds an instance; nothing was changed."""


def bootstrap_secret_path(secrets_path: Path, group: Group) -> Path:
    """Where `init` leaves the one-time secret that unlocks a group's first key."""
    return secrets_path / f"bootstrap-{group.value}.key"


def recovery_phrase_path(instance_path: Path) -> Path:
    """Where `init` leaves the recovery phrase when no terminal can show it.

    Beside the instance folder, never in it: a copy of instance/ must not
    carry the one key that opens everything.
    """
    return instance_path.parent / f"{instance_path.name}-recovery-phrase.txt"


def write_recovery_phrase(instance_path: Path, text: str) -> Path:
    """Write the recovery phrase to its file, readable by its owner only."""
    path = recovery_phrase_path(instance_path)
    _write_private(path, text)
    return path


def start_notices(instance_path: Path) -> list[str]:
    """What the operator must hear at every start while a one-time secret still lies on disk."""
    notices = []
    readers = {
        Group.ADVOCATES: (
            "the first advocate account",
            "every report sent so far",
        ),
        Group.EXPORTERS: (
            "the first staff account",
            "every report whose survivor consented to an export, and the statistics",
        ),
        Group.ESCROW: (
            "the first advocate account",
            "every report waiting for a match, and test which officers are named",
        ),
    }
    for group, (account, opens) in readers.items():
        path = bootstrap_secret_path(instance_path / "secrets", group)
        if path.exists():
            notices.append(
                f"{path} still exists. Until {account} is created, anyone with a copy of "
                f"instance/ (a backup, a disk image) can read {opens}. Create {account} "
                "now: the key is then replaced and this file destroyed."
            )
    phrase = recovery_phrase_path(instance_path)
    if phrase.exists():
        notices.append(
            f"{phrase} holds the recovery phrase, which opens every report. Copy it onto "
            "paper kept offline, then delete the file."
        )
    return notices


def _write_private(path: Path, text: str) -> None:
    """Create a file readable by its owner only; never overwrite one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def add_missing_secret(
    instance_path: Path, secret: config_module.Secret, environ: Mapping[str, str]
) -> bool:
    """Give an instance made before `secret` existed its own; True if one was made.

    Nothing is written when the variable supplies the secret or the file exists.
    """
    path = instance_path / "secrets" / secret.filename
    if secret.variable in environ or path.exists() or not path.parent.is_dir():
        return False
    _write_private(path, os.urandom(32).hex() + "\n")
    return True


def create_instance(instance_path: Path, public_url: str, database_url: str | None = None) -> str:
    """Create a complete instance and return the recovery phrase, shown once.

    Everything is built in a temporary folder beside the target and moved into
    place at the end, so a failure leaves nothing half-made and an existing
    instance is never touched.
    """
    instance_path = instance_path.resolve()
    if instance_path.exists() and any(instance_path.iterdir()):
        raise InstanceExists(
            f"{instance_path} already holds an instance. Refusing to overwrite it: "
            "its secrets are the only way to open its database."
        )
    config_module.check_public_url(public_url)
    config_module.check_database_url(database_url)
    if database_url and (
        urlsplit(database_url).password or "password" in parse_qs(urlsplit(database_url).query)
    ):
        raise config_module.ConfigError(
            "the database URL holds a password, and portal.toml is no place for one: "
            "give the URL without it, and the password in ~/.pgpass or $PORTAL_DATABASE_URL"
        )
    instance_path.parent.mkdir(parents=True, exist_ok=True)
    previous_umask = os.umask(0o077)  # every file of an instance is private to its owner
    building = Path(tempfile.mkdtemp(prefix=".instance-", dir=instance_path.parent))
    try:
        recovery_phrase = _build(building, public_url, database_url)
        if instance_path.exists():
            instance_path.rmdir()  # empty, checked above
        building.rename(instance_path)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        os.umask(previous_umask)
    return recovery_phrase


def _refuse_a_used_database(engine: Engine) -> None:
    """A new instance needs an empty database: one already holding a portal is another's.

    On PostgreSQL, `portal init` pointed at the database of a running portal
    (to add a host, say) would add group keys that only this new folder's
    bootstrap secrets open, and new reports would be sealed to them.
    """
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "unreachable"
        raise config_module.ConfigError(f"cannot open the database at {where}: {reason}") from None
    if tables:
        raise InstanceExists(
            f"the database at {where} already holds tables ({len(tables)}); a new instance "
            "needs an empty one. To add an app host to a running portal, copy its instance "
            "folder instead (docs/deploy.md)."
        )


def _build(path: Path, public_url: str, database_url: str | None) -> str:
    path.chmod(0o700)
    secrets_path = path / "secrets"
    secrets_path.mkdir(mode=0o700)
    for secret in config_module.SECRETS:
        _write_private(secrets_path / secret.filename, os.urandom(32).hex() + "\n")
    bootstrap = {group: os.urandom(32) for group in MEMBER_GROUPS}
    for group, key in bootstrap.items():
        _write_private(bootstrap_secret_path(secrets_path, group), key.hex() + "\n")
    settings = SETTINGS_TEMPLATE
    if database_url:  # before the first table, where a top-level setting must be
        table = settings.index("# Argon2id cost")
        settings = settings[:table] + _DATABASE_URL_SETTING + "\n" + settings[table:]
    (path / "portal.toml").write_text(
        settings.format(
            public_url=public_url,
            max_upload_mb=config_module.DEFAULT_MAX_UPLOAD_MB,
            exit_url=config_module.DEFAULT_EXIT_URL,
            retention_days=config_module.DEFAULT_RETENTION_DAYS,
            closed_retention_days=config_module.DEFAULT_CLOSED_RETENTION_DAYS,
            database_url=database_url,
        ),
        encoding="utf-8",
    )
    config = config_module.load(path)
    engine = store.make_engine(config)
    try:
        _refuse_a_used_database(engine)
        store.upgrade(engine)
        with store.Store(engine).session() as session:
            recovery = create_group_keys(session, bootstrap)
            session.commit()
    finally:
        engine.dispose()
    return seed_to_phrase(recovery.seed)
