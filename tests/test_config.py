"""Start-up refuses a missing, malformed or weak secret, a wrong key and unsafe URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import config
from config import ConfigError
from portal import create_app
from tests.conftest import Instance


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
    remedy = "portal upgrade" if secret is config.AUDIT_KEY else "portal init"
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


def test_out_of_range_argon2_settings_are_refused(instance: Instance) -> None:
    settings = instance.path / "portal.toml"
    settings.write_text(settings.read_text().replace("memory_kib = 65536", "memory_kib = 1"))
    with pytest.raises(ConfigError, match=r"\[argon2\]"):
        config.load(instance.path, environ={})
