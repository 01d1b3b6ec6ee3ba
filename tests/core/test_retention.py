"""Reports are deleted once past their retention period, and only then, leaving no trace."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from config import Config
from portal.cli.retention import purge_command
from portal.core import audit, retention
from portal.core.reports import reference_of
from portal.store import Store
from portal.store.models import (
    Attachment,
    AttachmentSegment,
    AuditEvent,
    ConsentRecord,
    Message,
    Report,
    ReportKeySeal,
    ReportStatus,
    ReportTag,
    Role,
    today,
)
from tests.support.forensics import pieces_on_disk
from tests.support.instance import Instance
from tests.support.pages import csrf_token, form_tokens, sign_in, submit
from tests.support.people import create_person, signed_in_as

TODAY = today()
FORCE = "Kent Police"


def _days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def _config(app: Flask) -> Config:
    config: Config = app.config["PORTAL"]
    return config


def _ids(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Report.id)))


def _new_report(client: FlaskClient, store: Store, **fields: Any) -> tuple[str, str]:
    """Submit a report through the survivor's form; returns its codename and id."""
    before = _ids(store)
    codename = submit(client, what_happened=fields.pop("what_happened", "x"), **fields)
    (report_id,) = _ids(store) - before
    return codename, report_id


def _set(store: Store, report_id: str, **values: Any) -> None:
    with store.session() as session:
        session.execute(update(Report).where(Report.id == report_id).values(**values))
        session.commit()


def _purge(store: Store, app: Flask, on: datetime.date = TODAY) -> retention.PurgeResult:
    with store.session() as session:
        return retention.purge(session, _config(app), today=on)


def _purge_events(store: Store) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == "reports purged")
        return list(session.scalars(query))


# Which reports are due

# name: (days since last activity, status, keep_until in days from today, deleted?)
CASES: dict[str, tuple[int, ReportStatus, int | None, bool]] = {
    "recently active": (10, ReportStatus.IN_REVIEW, None, False),
    "idle exactly the retention period": (365, ReportStatus.NEW, None, False),
    "idle one day past it": (366, ReportStatus.NEW, None, True),
    "closed one day past the closed period": (181, ReportStatus.CLOSED, None, True),
    "open, as idle as that closed one": (181, ReportStatus.IN_REVIEW, None, False),
    "closed exactly the closed period": (180, ReportStatus.CLOSED, None, False),
    "idle but kept into the future": (400, ReportStatus.NEW, 10, False),
    "idle and kept until today": (400, ReportStatus.CLOSED, 0, False),
    "idle and kept until yesterday": (400, ReportStatus.NEW, -1, True),
}


def test_purge_deletes_exactly_what_is_due(client: FlaskClient, store: Store, app: Flask) -> None:
    ids: dict[str, str] = {}
    for name, (idle, status, keep, _) in CASES.items():
        _, ids[name] = _new_report(client, store)
        keep_until = None if keep is None else _days(keep)
        _set(store, ids[name], updated_on=_days(-idle), status=status, keep_until=keep_until)
    expected = {ids[name] for name, case in CASES.items() if case[3]}
    config = _config(app)
    with store.session() as session:
        for name, report_id in ids.items():
            report = session.get(Report, report_id)
            assert report is not None
            assert (retention.delete_after(report, config) < TODAY) is CASES[name][3], name
        assert set(retention.due(session, config, TODAY)) == expected

    result = _purge(store, app)

    assert result.reports == len(expected) == 3
    assert _ids(store) == set(ids.values()) - expected


def test_a_report_is_kept_until_its_day_and_deleted_the_day_after(
    client: FlaskClient, store: Store, app: Flask
) -> None:
    _, report_id = _new_report(client, store)
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        last_day = retention.delete_after(report, _config(app))
    assert last_day == _days(365)
    assert _purge(store, app, on=last_day).reports == 0
    assert _purge(store, app, on=last_day + datetime.timedelta(days=1)).reports == 1
    assert _ids(store) == set()


def _count(store: Store, model: Any, column: Any, values: set[str]) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(model).where(column.in_(values))
        return int(session.scalar(query) or 0)


def test_purge_leaves_nothing_of_a_deleted_report_and_names_none(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    files = [(io.BytesIO(b"evidence " * 20_000), "statement.txt")]
    codename, old = _new_report(client, store, force=FORCE, files=files, keep_metadata="y")
    sign_in(client, codename)
    token = form_tokens(client, "/return/report")
    client.post("/return/add", data={**token, "kind": "message", "text": "More."})
    _, recent = _new_report(client, store, force=FORCE)
    # An advocate's visit to the list indexes both reports (blind-index tags).
    advocate = create_person(store, instance, "alice", Role.ADVOCATE)
    advocate_client = signed_in_as(app, advocate)
    advocate_client.get("/advocate/")
    with store.session() as session:
        files_of_old = set(
            session.scalars(select(Attachment.id).where(Attachment.report_id == old))
        )
    rows: list[tuple[Any, Any, set[str]]] = [
        (ReportKeySeal, ReportKeySeal.report_id, {old}),
        (Message, Message.report_id, {old}),
        (Attachment, Attachment.report_id, {old}),
        (AttachmentSegment, AttachmentSegment.attachment_id, files_of_old),
        (ConsentRecord, ConsentRecord.report_id, {old}),
        (ReportTag, ReportTag.report_id, {old}),
    ]
    assert all(_count(store, *row) > 0 for row in rows)
    kept_rows = [_count(store, model, column, {recent}) for model, column, _ in rows[:2]]
    _set(store, old, updated_on=_days(-366))
    events_before = len(_purge_events(store))
    with store.session() as session:
        content = session.scalars(select(Report.content).where(Report.id == old)).one()
    database, key = app.config["PORTAL"].database_path, app.config["PORTAL"].database_key
    assert pieces_on_disk(database, key, content) > 0.9

    result = _purge(store, app)

    # Not in a freed page of the database, nor in an old page in its log.
    assert pieces_on_disk(database, key, content) == 0
    assert (result.reports, result.messages, result.attachments) == (1, 1, 1)
    assert [_count(store, *row) for row in rows] == [0] * len(rows)
    assert [_count(store, model, column, {recent}) for model, column, _ in rows[:2]] == kept_rows
    assert _ids(store) == {recent}
    page = sign_in(app.test_client(), codename).get_data(as_text=True)
    assert "We could not find a report with that codename" in page
    events = _purge_events(store)
    assert len(events) == events_before + 1
    event = events[-1]
    assert (event.actor, event.detail, event.subject) == ("retention", "1 report(s)", None)
    with store.session() as session:
        assert audit.verify(session).intact


def test_each_purge_run_is_audited_once_even_when_nothing_is_due(
    client: FlaskClient, store: Store, app: Flask
) -> None:
    _new_report(client, store)
    for _ in range(2):
        assert _purge(store, app).reports == 0
    assert [e.detail for e in _purge_events(store)] == ["0 report(s)", "0 report(s)"]


# The survivor's side


def test_the_survivor_sees_the_date_and_can_keep_the_report_longer(
    client: FlaskClient, store: Store, app: Flask
) -> None:
    codename, report_id = _new_report(client, store)
    sign_in(client, codename)
    page = client.get("/return/report").get_data(as_text=True)
    assert f"Your report will be kept until <strong>{_days(365)}</strong>" in page
    _set(store, report_id, updated_on=_days(-100))
    page = client.get("/return/report").get_data(as_text=True)
    assert f"kept until <strong>{_days(265)}</strong>" in page

    token = csrf_token(client, "/return/report")
    response = client.post("/return/keep", data={"csrf_token": token})

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"We will keep your report until {_days(365)}." in page
    assert f"kept until <strong>{_days(365)}</strong>" in page
    assert _purge(store, app, on=_days(300)).reports == 0
    assert _purge(store, app, on=_days(366)).reports == 1


def test_keeping_never_shortens_a_later_day(client: FlaskClient, store: Store) -> None:
    codename, report_id = _new_report(client, store)
    _set(store, report_id, keep_until=_days(700))
    sign_in(client, codename)
    token = csrf_token(client, "/return/report")
    client.post("/return/keep", data={"csrf_token": token})
    with store.session() as session:
        assert session.scalars(select(Report.keep_until)).one() == _days(700)


def test_keeping_needs_the_form_token(client: FlaskClient, store: Store) -> None:
    codename, _ = _new_report(client, store)
    sign_in(client, codename)
    response = client.post("/return/keep", data={})
    assert response.status_code == 400
    with store.session() as session:
        assert session.scalars(select(Report.keep_until)).one() is None


# The advocate's side


def _triage(client: FlaskClient, report_id: str, keep_until: datetime.date) -> int:
    token = csrf_token(client, f"/advocate/case/{report_id}")
    response = client.post(
        f"/advocate/case/{report_id}/triage",
        data={
            "csrf_token": token,
            "status": "referred",
            "priority": "normal",
            "assignee": "",
            "keep_until": keep_until.isoformat(),
        },
    )
    return response.status_code


def test_an_advocate_can_keep_a_case_longer_and_purge_respects_it(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    _, report_id = _new_report(client, store)
    advocate = create_person(store, instance, "alice", Role.ADVOCATE)
    advocate_client = signed_in_as(app, advocate)

    assert _triage(advocate_client, report_id, _days(400)) == 303
    assert _triage(advocate_client, report_id, _days(30)) == 303  # earlier: no change

    page = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert f"kept on purpose until {_days(400)}" in page
    with store.session() as session:
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "triage changed")
        ).all()
    assert any(f"keep_until={_days(400)}" in (d or "") for d in details)
    _set(store, report_id, updated_on=_days(-366))
    assert _purge(store, app, on=_days(400)).reports == 0
    assert _purge(store, app, on=_days(401)).reports == 1


# The command


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, instance: Instance) -> CliRunner:
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    return CliRunner()


def test_portal_purge_counts_on_a_dry_run_and_deletes_otherwise(
    cli_env: CliRunner, client: FlaskClient, store: Store
) -> None:
    _, old = _new_report(client, store)
    _, recent = _new_report(client, store)
    _set(store, old, updated_on=_days(-366))

    dry = cli_env.invoke(purge_command, ["--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "1 report(s)" in dry.output and "nothing deleted" in dry.output
    assert _ids(store) == {old, recent}
    assert _purge_events(store) == []

    real = cli_env.invoke(purge_command, [])

    assert real.exit_code == 0, real.output
    assert "Deleted 1 report(s) past their retention period." in real.output
    assert _ids(store) == {recent}
    for reference in (old, reference_of(old), old[:8]):
        assert reference not in real.output and reference not in dry.output
    assert [e.detail for e in _purge_events(store)] == ["1 report(s)"]


def test_portal_purge_fails_clearly_without_an_instance(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "missing"))
    result = CliRunner().invoke(purge_command, [])
    assert result.exit_code != 0
    assert "portal init" in result.output
