"""Not alone: a report sealed until enough reports name the same officer, told as the
survivors, the advocates and a member of the matching live it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

import config
from crypto import matching, voprf
from crypto.envelope import unwrap_key, wrap_key
from crypto.errors import CryptoError
from crypto.keys import PublicKey, open_sealed, seal
from crypto.words import codename_wrap_key
from portal.core import bindings, escrow
from portal.core.officers import identifiers
from portal.store import Store
from portal.store.models import (
    AuditEvent,
    EscrowEntry,
    EscrowMatch,
    Group,
    Report,
    today,
)
from portal.survivor.forms import RELEASE_NEEDS_ADVOCATES, RELEASE_NEEDS_OFFICER
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import (
    button_tokens,
    form_tokens,
    post_report,
    sign_in,
    submit,
)
from tests.support.people import Person, signed_in_as

FORCE = "Northumbria Police"


def send_naming(
    app: Flask, name: str = "", number: str = "", release: str = "2", **fields: str
) -> str:
    """A survivor's report naming one officer; the codename."""
    officer = {"officers-0-name": name, "officers-0-number": number}
    return submit(
        app.test_client(),
        what_happened="He came to my house in uniform.",
        force=fields.pop("force", FORCE),
        release=release,
        **officer,
        **fields,
    )


def groups_by_report(store: Store) -> dict[str, set[Group]]:
    """Which groups each report's data key is sealed to, by report id."""
    with store.session() as session:
        return {
            report.id: {seal.group_key.group for seal in report.seals}
            for report in session.scalars(select(Report))
        }


def _readable(store: Store) -> set[str]:
    return {
        report_id
        for report_id, groups in groups_by_report(store).items()
        if Group.ADVOCATES in groups
    }


def test_three_survivors_spelling_him_differently_are_released_when_a_member_signs_in(
    app: Flask, store: Store, advocate: Person
) -> None:
    for name in ("Dan Hart", "HART, Daniel", "Daniel  Hárt"):
        send_naming(app, name=name, release="2")
    assert _readable(store) == set()  # nobody reads a report that waits
    assert all(groups == {Group.RECOVERY} for groups in groups_by_report(store).values())

    reader = signed_in_as(app, advocate)  # the first advocate is the matching's first member

    assert _readable(store) == set(groups_by_report(store))
    with store.session() as session:
        reports = session.scalars(select(Report)).all()
        assert all(not r.wait_for_match and r.released_on == today() for r in reports)
        one = reports[0].id
    case = reader.get(f"/advocate/case/{one}").get_data(as_text=True)
    assert "Released by a match of 3 reports" in case
    assert "Matching released the report" in case  # in the case's audit trail
    assert "waiting for a match</li>" in case  # in the consent history
    assert len(re.findall(r'href="/advocate/case/[0-9a-f]{32}">', case)) >= 2


def test_at_three_two_reports_stay_sealed_and_a_third_releases_both(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, number="PC 4471", release="3")
    send_naming(app, number="4471", release="3")
    signed_in_as(app, advocate)
    assert _readable(store) == set()

    send_naming(app, number="pc4471", release="3")
    signed_in_as(app, advocate)
    assert _readable(store) == set(groups_by_report(store))


def test_a_report_waiting_for_two_is_released_by_one_already_with_the_advocates(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="now")
    send_naming(app, name="Daniel Hart", release="2")
    signed_in_as(app, advocate)
    assert _readable(store) == set(groups_by_report(store))


def test_a_report_waiting_for_two_counts_toward_one_waiting_for_three_but_not_the_reverse(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Dan Hart", release="3")
    signed_in_as(app, advocate)
    with store.session() as session:
        waiting = {r.id: r.wait_for_match for r in session.scalars(select(Report))}
    assert sorted(waiting.values()) == [False, True]  # the one waiting for 2 only


def test_the_same_name_in_another_force_is_another_officer(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Dan Hart", release="2", force="Durham Constabulary")
    signed_in_as(app, advocate)
    assert _readable(store) == set()


def test_leaving_before_a_match_keeps_the_report_unread_even_when_others_match(
    app: Flask, store: Store, advocate: Person
) -> None:
    codename = send_naming(app, name="Dan Hart", release="2")
    survivor = app.test_client()
    sign_in(survivor, codename)
    left = survivor.post("/return/leave", data=button_tokens(survivor, "/return/leave"))
    assert left.status_code == 303
    page = survivor.get(left.headers["Location"]).get_data(as_text=True)
    assert "no longer waiting" in page
    with store.session() as session:
        own = session.scalars(select(Report)).one().id
        assert session.scalars(select(EscrowEntry)).first() is None

    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Dan Hart", release="2")
    signed_in_as(app, advocate)
    groups = groups_by_report(store)
    assert groups[own] == {Group.RECOVERY}
    assert len(_readable(store)) == 2


def test_releasing_now_sends_it_to_the_advocates_without_a_match(
    app: Flask, store: Store, advocate: Person
) -> None:
    codename = send_naming(app, name="Dan Hart", release="5")
    survivor = app.test_client()
    sign_in(survivor, codename)
    page = survivor.get("/return/report").get_data(as_text=True)
    assert "Sealed, waiting for a match" in page
    assert "who else" in page  # she is told she will not learn who else reported
    released = survivor.post("/return/release", data=button_tokens(survivor, "/return/release"))
    assert released.status_code == 303
    assert "released=1" in released.headers["Location"]
    assert _readable(store) == set(groups_by_report(store))
    page = survivor.get("/return/report").get_data(as_text=True)
    assert "Sealed, waiting for a match" not in page


def test_her_page_says_the_day_a_match_released_it(
    app: Flask, store: Store, advocate: Person
) -> None:
    codename = send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Dan Hart", release="2")
    signed_in_as(app, advocate)
    survivor = app.test_client()
    sign_in(survivor, codename)
    page = survivor.get("/return/report").get_data(as_text=True)
    assert f"Matched and released on {today().isoformat()}" in page


def test_changing_her_other_choices_keeps_the_report_waiting(
    app: Flask, store: Store, advocate: Person
) -> None:
    codename = send_naming(app, name="Dan Hart", release="2")
    survivor = app.test_client()
    sign_in(survivor, codename)
    data = form_tokens(survivor, "/return/consent") | {"consent_read": "y", "consent_legal": "y"}
    assert survivor.post("/return/consent", data=data).status_code == 303
    assert _readable(store) == set()
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert report.wait_for_match and report.export_legal


def test_waiting_needs_a_force_and_an_officer_and_the_advocates_then(
    app: Flask, store: Store
) -> None:
    client = app.test_client()
    page = post_report(client, {"what_happened": "x", "force": FORCE, "release": "2"}).get_data(
        as_text=True
    )
    assert RELEASE_NEEDS_OFFICER.split(":")[0] in page.replace("&#39;", "'")
    page = post_report(
        client,
        {"what_happened": "x", "force": "unknown", "officers-0-name": "Dan Hart", "release": "2"},
    ).get_data(as_text=True)
    assert RELEASE_NEEDS_OFFICER.split(":")[0] in page.replace("&#39;", "'")
    page = post_report(
        client,
        {
            "what_happened": "x",
            "force": FORCE,
            "officers-0-name": "Dan Hart",
            "release": "2",
            "consent_read": "",
        },
    ).get_data(as_text=True)
    assert "Tick" in page and RELEASE_NEEDS_ADVOCATES[:30] in page
    assert "He came" not in page
    assert groups_by_report(store) == {}  # nothing was stored


def test_a_release_choice_that_is_not_offered_gets_a_message(app: Flask, store: Store) -> None:
    response = post_report(
        app.test_client(),
        {"what_happened": "x", "force": FORCE, "officers-0-name": "Dan Hart", "release": "1"},
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert groups_by_report(store) == {}


def test_every_entry_is_one_size_whatever_it_names(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, number="4471", name="Dan Hart", release="now")
    submit(
        app.test_client(),
        what_happened="Three of them.",
        force=FORCE,
        release="4",
        **{
            "officers_shown": "3",
            "officers-0-name": "Dan Hart",
            "officers-0-number": "4471",
            "officers-1-name": "Sam Reed",
            "officers-1-number": "PC 1200",
            "officers-2-name": "Jo Bell",
            "officers-2-number": "DC 77",
        },
    )
    with store.session() as session:
        sizes = {len(entry.sealed) for entry in session.scalars(select(EscrowEntry))}
    assert len(sizes) == 1


def test_a_report_no_one_may_read_has_no_entry_and_counts_for_nothing(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="now", consent_read="")
    send_naming(app, name="Dan Hart", release="2")
    with store.session() as session:
        assert len(session.scalars(select(EscrowEntry)).all()) == 1
    signed_in_as(app, advocate)
    assert _readable(store) == set()


def test_a_member_sees_only_how_many_wait_and_every_run_is_audited(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Sam Reed", release="3")
    reader = signed_in_as(app, advocate)
    page = reader.get("/advocate/matching").get_data(as_text=True)
    assert "<strong>2</strong> reports waiting" in page
    assert "Hart" not in page and "Reed" not in page
    with store.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert "escrow matching run" in actions


def test_a_copied_entry_counts_once(app: Flask, store: Store, advocate: Person) -> None:
    """Copies of one entry under another report's id do not open there, so add nothing."""
    send_naming(app, name="Dan Hart", release="2")
    other = send_naming(app, name="Sam Reed", release="2")
    assert other
    with store.session() as session:
        entries = session.scalars(select(EscrowEntry)).all()
        first, second = entries
        second.sealed = first.sealed  # the Hart entry, copied over the Reed report's
        session.commit()
    signed_in_as(app, advocate)
    assert _readable(store) == set()


def test_an_advocate_marks_a_match_not_the_same_officer_and_it_stays_read(
    app: Flask, store: Store, advocate: Person
) -> None:
    send_naming(app, name="Dan Hart", release="2")
    send_naming(app, name="Dan Hart", release="2")
    reader = signed_in_as(app, advocate)
    with store.session() as session:
        match = session.scalars(select(EscrowMatch)).one()
        report_id = match.reports[0].report_id
    token = form_tokens(reader, f"/advocate/case/{report_id}")["csrf_token"]
    response = reader.post(
        f"/advocate/case/{report_id}/match/{match.id}/dispute", data={"csrf_token": token}
    )
    assert response.status_code == 303
    page = reader.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert "Marked &#34;not the same officer&#34;" in page or 'Marked "not the same' in page
    assert _readable(store) == set(groups_by_report(store))
    with store.session() as session:
        assert any(
            e.action == "match marked not the same officer"
            for e in session.scalars(select(AuditEvent))
        )
    wrong = reader.post(
        f"/advocate/case/{report_id}/match/{'0' * 32}/dispute", data={"csrf_token": token}
    )
    assert wrong.status_code == 404


def test_an_entry_opens_only_with_the_escrow_key_and_names_no_officer_in_clear(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """The member's key opens the seal; inside, the instance's layer hides the tags."""
    send_naming(app, name="Dan Hart", number="4471", release="2")
    seed = config.load(instance.path, environ={}).escrow_key
    principal = principal_of(store, advocate)
    with store.session() as session:
        row = session.scalars(select(EscrowEntry)).one()
        key = principal.group_key(Group.ESCROW, row.group_key.version)
        assert key is not None
        plain = open_sealed(key, row.sealed, bindings.escrow_entry(row.report_id, row.group_key))
        entry = escrow.open_entry(key, row, seed).entry
    assert entry.threshold == 2 and len(entry.slots) == 2
    for needle in (b"hart", b"Hart", b"4471", b"Northumbria", *(s.tag for s in entry.slots)):
        assert needle not in plain
    with pytest.raises(CryptoError):
        matching.decode_entry(plain)


def test_a_survivor_probing_with_a_name_learns_nothing_from_her_pages_or_the_work_done(
    app: Flask, store: Store
) -> None:
    """Whether others named him changes nothing she sees, and her request never reads
    another entry, so its timing cannot depend on them either."""
    send_naming(app, name="Dan Hart", release="2")  # someone already named him
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        pages = {}
        for name in ("Dan Hart", "Noah Nobody"):
            client = app.test_client()
            codename = _send_with(client, name)
            sign_in(client, codename)
            page = client.get("/return/report").get_data(as_text=True)
            # Tokens and the reference differ between any two reports: left out.
            pages[name] = re.sub(r'value="[^"]*"|Your report [0-9A-F]{8}|' + name, "", page)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert pages["Dan Hart"] == pages["Noah Nobody"]
    assert "Sealed, waiting for a match" in pages["Dan Hart"]
    reads = [s for s in statements if "escrow_entries" in s and not s.lstrip().startswith("INSERT")]
    assert reads == [] or all(s.lstrip().startswith("DELETE") for s in reads)


def _send_with(client: FlaskClient, name: str) -> str:
    return submit(
        client,
        what_happened="He came to my house in uniform.",
        force=FORCE,
        release="2",
        **{"officers-0-name": name},
    )


def test_keeping_a_waiting_report_from_the_advocates_stops_it_waiting(
    app: Flask, store: Store
) -> None:
    codename = send_naming(app, name="Dan Hart", release="2")
    survivor = app.test_client()
    sign_in(survivor, codename)
    assert "is waiting for a match" in survivor.get("/return/consent").get_data(as_text=True)
    data = form_tokens(survivor, "/return/consent")  # every box left empty
    assert survivor.post("/return/consent", data=data).status_code == 303
    page = survivor.get("/return/report").get_data(as_text=True)
    assert "Sealed, waiting for a match" not in page
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert not report.wait_for_match and not report.advocates_may_read
        assert session.scalars(select(EscrowEntry)).first() is None
    assert groups_by_report(store) == {report.id: {Group.RECOVERY}}


def as_version_1(instance: Instance, store: Store, codename: str, name: str) -> None:
    """Replace a waiting report's entry by the one written before entries took version 2:
    its data key wrapped under a key derived from the release secret."""
    seed = config.load(instance.path, environ={}).escrow_key
    key = voprf.derive_key_pair(seed, b"portal escrow v1")
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        data_key = unwrap_key(
            codename_wrap_key(codename, report.id),
            report.survivor_key,
            bindings.report(report.id, "survivor_key"),
        )
        slots = []
        for number, identifier in enumerate(identifiers(FORCE, name, "")):
            output = voprf.evaluate(key, identifier.encode())
            binding = bindings.escrow_release(report.id, number, escrow.consent_at_release(report))
            release = matching.release_key(matching.secret(output, 2), 2)
            shares = matching.shares(output, matching.x_coordinate(report.id))
            slots.append(
                matching.Slot(
                    matching.match_tag(output), shares, wrap_key(release, data_key, binding)
                )
            )
        entry = matching.Entry(report.id, 2, tuple(slots), version=1)
        row = session.scalars(select(EscrowEntry)).one()
        row.sealed = seal(
            PublicKey.from_bytes(row.group_key.public_key),
            matching.encode_entry(entry),
            bindings.escrow_entry(report.id, row.group_key),
        )
        session.commit()


def test_an_entry_written_before_version_2_is_released_by_a_new_report_naming_him(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    codename = send_naming(app, name="Dan Hart", release="2")
    as_version_1(instance, store, codename, "Dan Hart")
    (waiting,) = groups_by_report(store)
    signed_in_as(app, advocate)
    assert _readable(store) == set()  # alone, it waits
    # That run moved the old entry inside the instance's layer: a member's key alone
    # no longer reads its tags.
    member = principal_of(store, advocate)
    seed = config.load(instance.path, environ={}).escrow_key
    with store.session() as session:
        row = session.scalars(select(EscrowEntry)).one()
        key = member.group_key(Group.ESCROW, row.group_key.version)
        assert key is not None
        opened = escrow.open_entry(key, row, seed)
        assert opened.inside and not opened.made_here and opened.entry.version == 1

    send_naming(app, name="Daniel Hart", release="now")  # a new entry: version 2
    reader = signed_in_as(app, advocate)
    assert _readable(store) == set(groups_by_report(store))
    case = reader.get(f"/advocate/case/{waiting}").get_data(as_text=True)
    assert "He came to my house in uniform." in case
