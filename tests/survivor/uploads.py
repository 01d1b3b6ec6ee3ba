"""Sending a file through the real report form, and reading back what was stored of it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.core.reports import FileDetails, file_details, read_attachment
from portal.store import Store
from portal.store.models import Group, Report
from tests.support import evidence_files as files
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import CODENAME, post_report

ACCOUNT = "He followed me home and filmed me."


def send_file(client: FlaskClient, data: bytes, name: str, keep: bool = False) -> Any:
    """Send a report with one file (its hidden details kept if `keep`); returns the response."""
    fields: dict[str, Any] = {"what_happened": ACCOUNT, "files": [(io.BytesIO(data), name)]}
    if keep:
        fields["keep_metadata"] = "y"
    return post_report(client, fields)


def stored_files(instance: Instance, store: Store) -> dict[str, tuple[FileDetails, bytes]]:
    """Every file of the only report, decrypted as an advocate would, by name."""
    group_key = advocates_key(instance, store)
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        data_key = report_key_for(group_key, report, Group.ADVOCATES)
        stored = {}
        for attachment in report.attachments:
            details = file_details(attachment, data_key)
            stored[details.name] = (
                details,
                b"".join(read_attachment(session, attachment, data_key)),
            )
        return stored


def only_file(instance: Instance, store: Store) -> tuple[FileDetails, bytes]:
    """The only file of the only report, decrypted as an advocate would."""
    group_key = advocates_key(instance, store)
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        data_key = report_key_for(group_key, report, Group.ADVOCATES)
        [attachment] = report.attachments
        details = file_details(attachment, data_key)
        return details, b"".join(read_attachment(session, attachment, data_key))


def accepted_and_stored(
    client: FlaskClient, instance: Instance, store: Store, data: bytes, name: str
) -> tuple[FileDetails, bytes]:
    """Send the file, check it was accepted with its details removed, and return it as stored."""
    response = send_file(client, data, name)
    assert response.status_code == 200 and CODENAME.search(response.text), response.text[-3000:]
    details, stored = only_file(instance, store)
    assert details.metadata_removed
    assert details.size == len(stored)
    assert details.sha256 == hashlib.sha256(stored).hexdigest()
    return details, stored


def assert_no_secrets(data: bytes, *also: bytes, secrets: Iterable[str] = files.SECRETS) -> None:
    """None of the secrets is in the data, in UTF-8 or UTF-16, nor any of the bytes in `also`."""
    for secret in secrets:
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data, secret
    for secret_bytes in also:
        assert secret_bytes not in data, secret_bytes
