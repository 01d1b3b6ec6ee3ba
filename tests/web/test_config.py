"""Start-up refuses a missing, malformed or weak secret, a wrong key and unsafe URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import config
from config import ConfigError
from portal import create_app
from tests.support.instance import Instance


def _secret_file(instance: Instance, secret: config.Secret) -> Path:
    return instance.path / "secrets" / secret.filename


def test_a_fresh_instance_loads(instance: Instance) -> None:
    loaded = config.load(instance.path, environ={})
    keys = {loaded.database_key, loaded.secret_key, loaded.lookup_pepper, loaded.audit_key}
    assert {len(key) for key in keys} == {32}
    assert len(keys) == 4
    assert "database_key=" not in repr(loaded)
    assert loaded.database_key.hex() not in repr(loaded)


@pytest.mark.parametrize("secret", config.SECRETS, ids=lambda s: s.filename)
def test_a_missing_secret_file_stops_start_up(instance: Instance, secret: config.Secret) -> None:
    _secret_file(instance, secret).unlink()
    remedy = "portal upgrade" if secret in (config.AUDIT_KEY, config.ESCROW_KEY) else "portal init"
    with pytest.raises(ConfigError, match=f"{secret.purpose} is missing.*{remedy}"):
        create_app({"instance_path": instance.path})


BAD_SECRETS = {
    "too short": "ab" * 16,
    "too long": "ab" * 33,
    "empty": "",
    "not hex": "zz" * 32,
    "all zeros": "00" * 32,
    "repeated pattern": "0102" * 16,
}


@pytest.mark.parametrize("text", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
@pytest.mark.parametrize("secret", config.SECRETS, ids=lambda s: s.filename)
def test_a_malformed_or_weak_secret_stops_start_up(
    instance: Instance, secret: config.Secret, text: str
) -> None:
    _secret_file(instance, secret).write_text(text)
    with pytest.raises(ConfigError, match=secret.purpose) as raised:
        create_app({"instance_path": instance.path})
    assert any(word in str(raised.value) for word in ("bytes", "hexadecimal", "weak"))


def test_a_secret_of_the_wrong_length_says_the_length(instance: Instance) -> None:
    _secret_file(instance, config.DATABASE_KEY).write_text("ab" * 16)
    with pytest.raises(ConfigError, match="is 16 bytes; it must be 32 bytes"):
        config.load(instance.path, environ={})


def test_a_secret_readable_by_others_stops_start_up(instance: Instance) -> None:
    path = _secret_file(instance, config.SESSION_KEY)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        config.load(instance.path, environ={})


def test_a_wrong_database_key_stops_start_up(instance: Instance) -> None:
    _secret_file(instance, config.DATABASE_KEY).write_text(os.urandom(32).hex())
    with pytest.raises(ConfigError, match="database key does not open"):
        create_app({"instance_path": instance.path})


def test_secrets_may_come_from_the_environment(instance: Instance) -> None:
    path = _secret_file(instance, config.LOOKUP_PEPPER)
    from_file = bytes.fromhex(path.read_text())
    path.unlink()
    loaded = config.load(instance.path, environ={"PORTAL_LOOKUP_PEPPER": from_file.hex()})
    assert loaded.lookup_pepper == from_file


def test_a_weak_secret_in_the_environment_is_refused(instance: Instance) -> None:
    with pytest.raises(ConfigError, match=r"\$PORTAL_SESSION_KEY is weak"):
        config.load(instance.path, environ={"PORTAL_SESSION_KEY": "11" * 32})


def test_a_missing_instance_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="portal init"):
        create_app({"instance_path": tmp_path / "nowhere"})


def test_broken_settings_are_refused_with_the_reason(instance: Instance) -> None:
    (instance.path / "portal.toml").write_text("public_url = [unclosed")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(instance.path, environ={})


@pytest.mark.parametrize(
    "url",
    ["http://reports.example.org", "http://10.0.0.5:5000", "ftp://127.0.0.1", "not a url"],
)
def test_plain_http_off_loopback_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        config.check_public_url(url)


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://reports.example.org", True),
        ("http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion", True),
        ("http://127.0.0.1:5000", False),
        ("http://[::1]:8080", False),
        ("http://localhost:5000", False),
    ],
)
def test_secure_transport_follows_the_public_url(
    instance: Instance, url: str, secure: bool
) -> None:
    loaded = config.load(instance.path, environ={"PORTAL_PUBLIC_URL": url})
    assert loaded.secure_transport is secure


@pytest.mark.parametrize("value", ["-1", "6", "true", '"1"', "1.5"])
def test_a_trusted_proxies_setting_out_of_range_is_refused(instance: Instance, value: str) -> None:
    settings = instance.path / "portal.toml"
    settings.write_text(
        settings.read_text().replace("trusted_proxies = 0", f"trusted_proxies = {value}")
    )
    with pytest.raises(ConfigError, match=r"trusted_proxies in portal\.toml must be"):
        config.load(instance.path, environ={})


def test_out_of_range_argon2_settings_are_refused(instance: Instance) -> None:
    settings = instance.path / "portal.toml"
    settings.write_text(settings.read_text().replace("memory_kib = 65536", "memory_kib = 1"))
    with pytest.raises(ConfigError, match=r"\[argon2\]"):
        config.load(instance.path, environ={})


def _with_smtp(instance: Instance, **settings: str) -> None:
    """Append an [smtp] table whose values are given as TOML text."""
    table = {
        "host": '"127.0.0.1"',
        "sender": '"portal@example.org"',
        "recipients": '["advocates@example.org"]',
        **settings,
    }
    lines = "".join(f"{key} = {value}\n" for key, value in table.items())
    with (instance.path / "portal.toml").open("a") as handle:
        handle.write(f"\n[smtp]\n{lines}")


BAD_SMTP = {
    "every 7 minutes": ("notify_every_minutes", "7"),
    "every 0 minutes": ("notify_every_minutes", "0"),
    "every -60 minutes": ("notify_every_minutes", "-60"),
    "every two days": ("notify_every_minutes", "2880"),
    "every '60' as text": ("notify_every_minutes", '"60"'),
    "every true": ("notify_every_minutes", "true"),
    "admins as one string": ("admin_recipients", '"admins@example.org"'),
    "admins not addresses": ("admin_recipients", '["admins"]'),
    "admins as numbers": ("admin_recipients", "[1]"),
    "recipients as one string": ("recipients", '"advocates@example.org"'),
    "head at 25:00": ("audit_head_at", '"25:00"'),
    "head at 6": ("audit_head_at", "6"),
    "head at 6h": ("audit_head_at", '"6h"'),
}


@pytest.mark.parametrize(("key", "value"), BAD_SMTP.values(), ids=BAD_SMTP.keys())
def test_bad_notification_settings_stop_start_up_with_a_plain_message(
    instance: Instance, key: str, value: str
) -> None:
    _with_smtp(instance, **{key: value})
    with pytest.raises(ConfigError) as raised:
        create_app({"instance_path": instance.path})
    message = str(raised.value)
    assert message.startswith(key) and "[smtp]" in message
    assert "Traceback" not in message and "Error" not in message


def test_notification_settings_are_read(instance: Instance) -> None:
    _with_smtp(
        instance,
        recipients="[]",
        admin_recipients='["admins@example.org", "chair@example.org"]',
        notify_every_minutes="30",
        audit_head_at='"06:45"',
    )
    smtp = config.load(instance.path, environ={}).smtp
    assert smtp is not None
    assert smtp.recipients == ()
    assert smtp.admin_recipients == ("admins@example.org", "chair@example.org")
    assert smtp.notify_every_minutes == 30
    assert smtp.audit_head_minute == 6 * 60 + 45


def test_notifications_default_to_hourly_slots_and_no_admin_email(instance: Instance) -> None:
    _with_smtp(instance)
    smtp = config.load(instance.path, environ={}).smtp
    assert smtp is not None
    assert (smtp.notify_every_minutes, smtp.admin_recipients) == (60, ())
    assert smtp.audit_head_minute == 6 * 60


def test_an_smtp_table_with_nobody_to_tell_is_refused(instance: Instance) -> None:
    _with_smtp(instance, recipients="[]")
    with pytest.raises(ConfigError, match="needs recipients, admin_recipients or both"):
        config.load(instance.path, environ={})


def test_the_commented_smtp_example_in_new_settings_is_valid(instance: Instance) -> None:
    settings = instance.path / "portal.toml"
    text = settings.read_text()
    example = text[text.index("# [smtp]") : text.index("\n\n", text.index("# [smtp]"))]
    settings.write_text(text.replace(example, example.replace("# ", "")))
    smtp = config.load(instance.path, environ={}).smtp
    assert smtp is not None
    assert smtp.recipients and smtp.admin_recipients
    assert smtp.notify_every_minutes == 60
