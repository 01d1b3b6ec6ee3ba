"""Rewriting the audit log: as someone holding the database alone, then the audit key too.

Each attack deletes an entry (the record of a case someone read) and makes
the chain whole again. The key kept outside the database defeats the first;
a head written down outside the server defeats the second, and cutting off
the newest entries.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import Result
from sqlalchemy import delete, select

from portal.core import audit
from portal.store import Store
from portal.store.models import AuditEvent, Role
from tests.support.command import portal
from tests.support.database import rewrite_audit_without
from tests.support.instance import Instance
from tests.support.people import create_person


@pytest.fixture
def audited(store: Store, cli_instance: Instance) -> Store:
    """An instance with a few audit entries: accounts created, keys granted, a case read."""
    create_person(store, cli_instance, "alice", Role.ADVOCATE)
    create_person(store, cli_instance, "sam", Role.STAFF)
    with store.session() as session:
        audit.record(session, actor="alice", action="case viewed", subject="0123abcd")
        audit.record(session, actor="alice", action="file downloaded", subject="0123abcd")
        session.commit()
    return store


def _head(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_chain_recomputed_from_the_database_alone_does_not_verify(audited: Store) -> None:
    # What the database holds is all this attacker has: the unkeyed scheme
    # (or any other) recomputed over the remaining entries.
    rewrite_audit_without(audited, "case viewed", audit._legacy_hash)
    result = portal("audit", "verify")
    assert result.exit_code != 0
    assert "broken at entry 1 " in result.output


def test_a_chain_rebuilt_with_the_audit_key_is_caught_by_a_witnessed_head(
    audited: Store, cli_instance: Instance
) -> None:
    head = _head(portal("audit", "head"))
    count, digest = head.split(":")
    with audited.session() as session:
        assert int(count) == len(session.scalars(select(AuditEvent.id)).all())
    assert len(bytes.fromhex(digest)) == 32
    key = (cli_instance.path / "secrets" / "audit.key").read_text().strip()
    rewrite_audit_without(
        audited,
        "case viewed",
        lambda previous, event: audit._hash(bytes.fromhex(key), previous, event),
    )
    # Rebuilt by someone who holds the key, the chain holds on its own …
    assert portal("audit", "verify").exit_code == 0
    # … but not against the head written down before.
    result = portal("audit", "verify", "--head", head)
    assert result.exit_code != 0
    assert "no longer matches the head" in result.output


def test_cutting_off_the_newest_entries_is_caught_by_a_witnessed_head(audited: Store) -> None:
    head = _head(portal("audit", "head"))
    with audited.session() as session:
        newest = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert newest is not None and newest.action == "file downloaded"
        session.delete(newest)
        session.commit()
    assert portal("audit", "verify").exit_code == 0
    result = portal("audit", "verify", "--head", head)
    assert result.exit_code != 0
    assert "is gone" in result.output


def test_a_head_still_holds_after_more_entries_are_added(audited: Store) -> None:
    head = _head(portal("audit", "head"))
    with audited.session() as session:
        audit.record(session, actor="alice", action="case viewed", subject="4567cdef")
        session.commit()
    result = portal("audit", "verify", "--head", head)
    assert result.exit_code == 0, result.output
    assert "still has the witnessed hash" in result.output


@pytest.mark.parametrize("typed", ["", "12", "x:00", "3:" + "0" * 63, "0:" + "0" * 64])
def test_a_malformed_head_gets_a_plain_message(audited: Store, typed: str) -> None:
    result = portal("audit", "verify", "--head", typed)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--head" in result.output


def test_upgrading_an_instance_made_before_the_key_rekeys_its_intact_chain(
    audited: Store, cli_instance: Instance
) -> None:
    # The chain as an instance made before the key wrote it:
    rewrite_audit_without(audited, "no such action", audit._legacy_hash)
    key_file = cli_instance.path / "secrets" / "audit.key"
    key_file.unlink()
    upgraded = portal("upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "re-keyed" in upgraded.output
    verified = portal("audit", "verify")
    assert verified.exit_code == 0, verified.output
    with audited.session() as session:
        newest = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert newest is not None and newest.action == "audit log re-keyed"
    # Once keyed, a second upgrade never accepts an unkeyed chain again.
    rewrite_audit_without(audited, "case viewed", audit._legacy_hash)
    assert portal("upgrade").exit_code == 0
    assert portal("audit", "verify").exit_code != 0


def test_upgrading_never_rekeys_a_chain_that_was_already_broken(
    audited: Store, cli_instance: Instance
) -> None:
    rewrite_audit_without(audited, "no such action", audit._legacy_hash)
    with audited.session() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.action == "case viewed"))
        session.commit()
    (cli_instance.path / "secrets" / "audit.key").unlink()
    upgraded = portal("upgrade")
    assert "already broken" in upgraded.output and "not re-keyed" in upgraded.output
    assert portal("audit", "verify").exit_code != 0


def test_the_audit_key_is_not_in_the_database(audited: Store, cli_instance: Instance) -> None:
    key = bytes.fromhex((cli_instance.path / "secrets" / "audit.key").read_text())
    database = cli_instance.path / "portal.db"
    copy = cli_instance.path.parent / "copy.db"
    shutil.copyfile(database, copy)
    assert key not in copy.read_bytes() and key.hex().encode() not in copy.read_bytes()
