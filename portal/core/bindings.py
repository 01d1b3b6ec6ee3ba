"""Every binding the portal uses: the table, record and field each ciphertext belongs to.

A binding goes into the associated data of its ciphertext (crypto/format.py),
so a ciphertext opens only where it was written: copied to another report,
account, session or column, it fails as tampered. Reading this one module
shows what every encrypted value in the database is tied to.
"""

from __future__ import annotations

import functools
from typing import Literal

from crypto.format import Binding
from portal.store.models import Author, Group, GroupKey, MessageKind


def _version(group_key: GroupKey) -> str:
    return f"{group_key.group.value}/{group_key.version}"


# Charity accounts and their sessions.


# An account's secrets: its personal private key, locked under its passphrase,
# and its TOTP secret, under a key derived from that personal key.
AccountSecret = Literal["private_key", "totp_secret"]


def account_secret(name: str, field: AccountSecret) -> Binding:
    """One of an account's locked secrets."""
    return Binding("accounts", name, field)


def security_key_wrap(name: str, credential_id: str) -> Binding:
    """An account's personal key wrapped for one of its security keys (base64url id)."""
    return Binding("security_keys", f"{name}/{credential_id}", "private_key")


def session_state(
    table: Literal["account_sessions", "survivor_sessions"], session_id: str
) -> Binding:
    """A session's state, under the key only its cookie holds."""
    return Binding(table, session_id, "state")


account_session = functools.partial(session_state, "account_sessions")


def totp_offer(token_hash: bytes) -> Binding:
    """A TOTP secret offered on a set-up page, sealed into its form: it opens only for
    the one-time link (invitation or authenticator reset) whose token hashes to this."""
    return Binding("invitations", token_hash.hex(), "totp_offer")


survivor_session = functools.partial(session_state, "survivor_sessions")


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


def escrow_entry(report_id: str, group_key: GroupKey) -> Binding:
    """A report's matching escrow entry, sealed to one version of the escrow key."""
    return Binding("escrow_entries", report_id, _version(group_key))


def escrow_entry_inside(report_id: str) -> Binding:
    """A report's escrow entry under the instance's entry key, inside its seal."""
    return Binding("escrow_entries", report_id, "inside")


def escrow_release(report_id: str, slot: int, consent: str) -> Binding:
    """A report's data key in one slot of its escrow entry, under a match's release key,
    and the consent a match applies to it (her choices, written as she made them)."""
    return Binding("escrow_entries", report_id, f"release/{slot}/{consent}")


def index_key(group_key: GroupKey) -> Binding:
    """The advocates' blind-index key, sealed to one version of their group key."""
    return Binding("index_keys", _version(group_key), "index_key")


# A report and what hangs from it, under its data key.


# survivor_key: the data key, wrapped under the key her codename derives;
# content: her account and contact details; tags: the triage tags.
ReportField = Literal["survivor_key", "content", "tags"]


def report(report_id: str, field: ReportField) -> Binding:
    """One of a report's encrypted fields."""
    return Binding("reports", report_id, field)


def message_body(report_id: str, message_id: str, author: Author, kind: MessageKind) -> Binding:
    """One message of a report's thread; who wrote it and its kind cannot be swapped."""
    return Binding("messages", f"{report_id}/{message_id}", f"body/{author.value}/{kind.value}")


# file_key: the attachment's own key, wrapped under its report's data key;
# details: its name, type and size; content: its encrypted stream.
AttachmentField = Literal["file_key", "details", "content"]


def attachment(attachment_id: str, field: AttachmentField) -> Binding:
    """One of an attachment's encrypted parts."""
    return Binding("attachments", attachment_id, field)


# A form's submission, already carried out.


def submission_receipt(digest: bytes) -> Binding:
    """What a survivor was shown after sending a report, under a key her form's token derives."""
    return Binding("submission_tokens", digest.hex(), "receipt")
