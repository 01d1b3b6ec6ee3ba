"""`make bench`'s sealed submissions: what its load clients seal is what the portal stores.

The bench measures POST /report/sealed with envelopes made by bench/sealed.py;
if one were malformed, it would time refusals, or reports nobody can read. So
the report it seals is stored through the portal's own checks and read back by
everyone her consent names: her codename opens it, and each seal opens to the
key that decrypts it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

import config
from bench.budgets import Figure
from bench.client import multipart
from bench.paths import SEALED, SERVER, compared, side_by_side
from bench.run import ACCOUNT, parse_scenarios
from bench.sealed import (
    CONSENT,
    PageNotUnderstood,
    ReportPage,
    SealedVisit,
    bench_account,
    seal_report,
)
from crypto.keys import PrivateKey, open_sealed
from portal.core import bindings, submissions
from portal.core.grants import recovery_group_keys
from portal.core.group_keys import recovery_key
from portal.core.reports import Consent
from portal.core.sealed_reports import parse_sealed_report, store_sealed_report
from portal.store import Store
from portal.store.models import Group
from portal.survivor import service
from tests.support.instance import Instance


def _report_page(client: FlaskClient) -> ReportPage:
    """The report page as a new visitor's browser reads it."""
    return ReportPage.read(client.get("/report").get_data(as_text=True))


def _consent_of(fields: dict[str, str]) -> Consent:
    """Her consent as the report form's boxes give it."""
    ticked = {name for name, value in fields.items() if value == "y"}
    return Consent(
        advocates_may_read="consent_read" in ticked,
        export_legal="consent_legal" in ticked,
        export_iopc="consent_iopc" in ticked,
        export_statistics="consent_statistics" in ticked,
        messages_legal="consent_messages_legal" in ticked,
        messages_iopc="consent_messages_iopc" in ticked,
    )


def _opens_for_everyone_her_consent_names(
    store: Store, instance: Instance, sealed: SealedVisit, account: dict[str, Any]
) -> None:
    """Her codename opens her account; recovery's and the advocates' keys each open the
    key that decrypts it; nobody else's seal is there."""
    pepper = config.load(instance.path, environ={}).lookup_pepper
    recovery = recovery_key(instance.recovery_phrase)
    with store.session() as session:
        access = service.sign_in(session, pepper, sealed.codename)
        assert access.report_id == sealed.report_id
        assert service.view_report(session, access).account == account
        report, data_key = service.open_report(session, access)
        group_keys: dict[str, PrivateKey] = {}
        group_keys |= recovery_group_keys(session, recovery, Group.ADVOCATES)
        opened = {}
        for seal in report.seals:
            key = seal.group_key
            private = (
                recovery
                if key.group is Group.RECOVERY
                else group_keys[f"{key.group.value}/{key.version}"]
            )
            binding = bindings.report_key_seal(report.id, key)
            opened[key.group] = open_sealed(private, seal.sealed_key, binding)
        assert opened == dict.fromkeys((Group.RECOVERY, Group.ADVOCATES), data_key)
        assert Consent.of(report) == Consent(advocates_may_read=True)


def test_the_bench_s_sealed_report_is_stored_and_opens_for_everyone_her_consent_names(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    account = bench_account(ACCOUNT)
    sealed = seal_report(_report_page(client), account)
    assert ACCOUNT[:40] not in json.dumps(sealed.fields)  # nothing of her account in clear
    settings = config.load(instance.path, environ={})
    submission = submissions.check(settings.secret_key, "report", sealed.fields["submission"])
    with store.session() as session:
        receipt = store_sealed_report(
            session,
            settings.lookup_pepper,
            parse_sealed_report(sealed.fields),
            _consent_of(sealed.fields),
            submission,
            escrow_seed=settings.escrow_key,
        )
    assert receipt.reference == sealed.reference
    _opens_for_everyone_her_consent_names(store, instance, sealed, account)


def test_the_bench_s_sealed_report_posted_as_its_clients_post_it_is_answered_with_its_reference(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    account = bench_account(ACCOUNT)
    sealed = seal_report(_report_page(client), account)
    body, content_type = multipart(sealed.fields, empty_file_input=False)
    answer = client.post(
        sealed.send_to,
        data=body,
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert (answer.status_code, answer.get_json()) == (200, {"reference": sealed.reference})
    _opens_for_everyone_her_consent_names(store, instance, sealed, account)


def test_each_visit_seals_under_a_new_codename_and_key(client: FlaskClient) -> None:
    page = _report_page(client)
    first, second = (seal_report(page, bench_account("words")) for _ in range(2))
    assert first.codename != second.codename
    assert first.fields["survivor_key"] != second.fields["survivor_key"]
    assert first.fields["content"] != second.fields["content"]
    assert first.cpu_ms > 0 and {**CONSENT}.items() <= first.fields.items()


@pytest.mark.parametrize(
    "page",
    [
        '<input name="csrf_token" value="c"><input name="submission" value="s">',
        '<input name="csrf_token" value="c"><input name="submission" value="s">'
        '<script type="application/json" id="sealing-data">{"keys": [1]}</script>',
        '<script type="application/json" id="sealing-data">{"keys": {}}</script>',
    ],
    ids=["no sealing data", "keys not by group", "no tokens"],
)
def test_a_page_without_what_the_browser_needs_is_not_understood(page: str) -> None:
    with pytest.raises(PageNotUnderstood):
        ReportPage.read(page)


def test_an_account_past_the_page_s_limits_or_a_group_without_a_key_is_not_sealed(
    client: FlaskClient,
) -> None:
    page = _report_page(client)
    with pytest.raises(ValueError, match="what_happened"):
        seal_report(page, bench_account("x" * (page.limits["what_happened"] + 1)))
    keys = {group: key for group, key in page.keys.items() if group != "advocates"}
    without = ReportPage(page.csrf_token, page.submission, keys, page.limits)
    with pytest.raises(ValueError, match="advocates"):
        seal_report(without, bench_account("words"))


@pytest.mark.parametrize(
    ("given", "runs"),
    [("sealed,submissions", ["submissions", "sealed"]), (" sealed ", ["sealed"])],
)
def test_bench_runs_the_scenarios_asked_for_in_a_fixed_order(given: str, runs: list[str]) -> None:
    assert parse_scenarios(given) == runs


def test_the_two_paths_are_shown_side_by_side() -> None:
    figures = [
        Figure(SERVER.scenario, "throughput", 60.0, "/s", 200, ">="),
        Figure(SEALED.scenario, "throughput", 90.0, "/s"),
        Figure(SEALED.scenario, "client CPU per envelope set", 0.7, "ms"),
    ]
    shown = side_by_side(figures, ["sqlcipher"])
    assert "SQLCipher, one host, sealed by the server" in shown
    assert "| 60.0 /s" in shown and "| 90.0 /s" in shown and "0.70 ms" in shown
    row = compared(figures, ["sqlcipher"])["sqlcipher"]
    assert row["submissions ending with a codename or reference"]["sealed"] == {
        "value": 90.0,
        "unit": "/s",
    }
