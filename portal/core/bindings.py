"""Every binding the portal uses: the table, record and field each ciphertext belongs to.

A binding goes into the associated data of its ciphertext (crypto/format.py),
so a ciphertext opens only where it was written: copied to another report,
account, session or column, it fails as tampered. Reading this one module
shows what every encrypted value in the database is tied to.
"""

from __future__ import annotations

from crypto.format import Binding
from portal.store.models import Author, Group, GroupKey, MessageKind


def _version(group_key: GroupKey) -> str:
    return f"{group_key.group.value}/{group_key.version}"


# Charity accounts and their sessions.


def account_private_key(name: str) -> Binding:
    """An account's personal private key, locked under its passphrase."""
    return Binding("accounts", name, "private_key")


def account_totp_secret(name: str) -> Binding:
    """An account's TOTP secret, under a key derived from its personal key."""
    return Binding("accounts", name, "totp_secret")


def account_session(session_id: str) -> Binding:
    """A charity session's state, under the key only its cookie holds."""
    return Binding("account_sessions", session_id, "state")


def survivor_session(session_id: str) -> Binding:
    """A survivor's session state, under the key only her cookie holds."""
    return Binding("survivor_sessions", session_id, "state")


# Group keys: who holds them, and what is sealed to them.


def group_key_grant(group: Group, version: int, holder: str) -> Binding:
    """A version of a group's private key, sealed to one holder (an account, or recovery)."""
    return Binding("group_key_grants", f"{group.value}/{version}", holder)


def report_key_seal(report_id: str, group_key: GroupKey) -> Binding:
    """A report's data key, sealed to one version of a group's key."""
    return Binding("report_key_seals", report_id, _version(group_key))


def statistics_seal(report_id: str, group_key: GroupKey) -> Binding:
    """The few coarse facts counted in statistics, sealed to the exporters' key."""
    return Binding("reports", report_id, f"statistics/{_version(group_key)}")


def index_key(group_key: GroupKey) -> Binding:
    """The advocates' blind-index key, sealed to one version of their group key."""
    return Binding("index_keys", _version(group_key), "index_key")


# A report and what hangs from it, under its data key.


def report_survivor_key(report_id: str) -> Binding:
    """A report's data key, wrapped under the key the survivor's codename derives."""
    return Binding("reports", report_id, "survivor_key")


def report_content(report_id: str) -> Binding:
    """A report's account and contact details."""
    return Binding("reports", report_id, "content")


def report_tags(report_id: str) -> Binding:
    """A report's triage tags."""
    return Binding("reports", report_id, "tags")


def message_body(report_id: str, message_id: str, author: Author, kind: MessageKind) -> Binding:
    """One message of a report's thread; who wrote it and its kind cannot be swapped."""
    return Binding("messages", f"{report_id}/{message_id}", f"body/{author.value}/{kind.value}")


def attachment_file_key(attachment_id: str) -> Binding:
    """An attachment's own key, wrapped under its report's data key."""
    return Binding("attachments", attachment_id, "file_key")


def attachment_details(attachment_id: str) -> Binding:
    """An attachment's name, type and size."""
    return Binding("attachments", attachment_id, "details")


def attachment_content(attachment_id: str) -> Binding:
    """An attachment's encrypted stream."""
    return Binding("attachments", attachment_id, "content")
