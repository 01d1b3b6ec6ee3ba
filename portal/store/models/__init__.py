"""The database schema. Everything a survivor wrote is ciphertext here.

Columns hold either metadata the portal must sort and filter on (statuses,
dates) or ciphertext produced by `crypto/`. Whatever concerns a survivor is
dated to the day, never the time of day, so stored records cannot be matched
against network logs. Only charity accounts' rows hold times
(`Account.locked_until`, `AccountSession.started_at` and `seen_at`): a
lockout of minutes and a session's idle and absolute limits cannot be
counted in days, and those times are of staff, not survivors. Three whole
numbers stand in for a time without being one of a survivor's: the hour by
which her session has certainly ended (`SurvivorSession.sweep_at_hour`), the
hour after which a used form token is forgotten (`SubmissionToken.sweep_at_hour`), and
a notification slot (`Notice.last_slot`). A throttle's counts
(`LimitCount`) name the minutes-long window they count in, and are deleted
once the next window ends. The models use only portable types so the same
code runs on SQLCipher and PostgreSQL.

The tables are in four modules, `reports` (what a survivor sent, its keys,
seals, tags and consent), `escrow` (the matching escrow's entries and the
matches found), `charity` (accounts, sessions, invitations, the audit log,
notices) and `limits` (the throttles' counts); every name is imported from
here.
"""

from portal.store.models.base import WITHOUT_ROWID, Base, today
from portal.store.models.charity import (
    Account,
    AccountSession,
    AuditEvent,
    Invitation,
    Notice,
    Role,
    SecurityKey,
    SpentChallenge,
)
from portal.store.models.escrow import EscrowEntry, EscrowMatch, EscrowMatchReport
from portal.store.models.limits import LimitCount
from portal.store.models.reports import (
    Attachment,
    AttachmentSegment,
    Author,
    CaseSeen,
    ConsentRecord,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    IndexKey,
    Message,
    MessageKind,
    Priority,
    Report,
    ReportKeySeal,
    ReportStatus,
    ReportTag,
    SubmissionToken,
    SurvivorSession,
)

__all__ = [
    "WITHOUT_ROWID",
    "Account",
    "AccountSession",
    "Attachment",
    "AttachmentSegment",
    "AuditEvent",
    "Author",
    "Base",
    "CaseSeen",
    "ConsentRecord",
    "EscrowEntry",
    "EscrowMatch",
    "EscrowMatchReport",
    "Group",
    "GroupKey",
    "GroupKeyGrant",
    "Holder",
    "IndexKey",
    "Invitation",
    "LimitCount",
    "Message",
    "MessageKind",
    "Notice",
    "Priority",
    "Report",
    "ReportKeySeal",
    "ReportStatus",
    "ReportTag",
    "Role",
    "SecurityKey",
    "SpentChallenge",
    "SubmissionToken",
    "SurvivorSession",
    "today",
]
