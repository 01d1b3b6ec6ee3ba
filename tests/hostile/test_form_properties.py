"""Property-based tests of form handling: whatever text is typed into the report form, the
answer is never a server error, and what is stored is exactly that text less control
characters (what tests/hostile/payloads.py calls its stored form)."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from portal.core.reports import decrypt_account
from portal.store import Store
from portal.store.models import Group, Report
from tests.hostile.payloads import stored_form
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import CODENAME, post_report

# Any character a browser can send (not lone surrogates, which UTF-8 cannot carry),
# leaning towards the troublesome ones.
TYPED = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from("<>&\"'{}%$\\/\x00\t\r\n\x1b\x85\u202e\u200d\ufeff"),
    ),
    max_size=150,
)
FIELDS = ("what_happened", "when", "where", "contact_details", "officers-1-name")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _report_ids(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Report.id)))


@FUZZ
@given(values=st.tuples(*(TYPED for _ in FIELDS)))
def test_any_text_in_the_report_form_is_kept_as_its_stored_form_and_never_breaks_it(
    app: Flask, instance: Instance, store: Store, values: tuple[str, ...]
) -> None:
    client = app.test_client()
    typed = dict(zip(FIELDS, values, strict=True))
    before = _report_ids(store)
    response = post_report(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-800:]
    if not stored_form(typed["what_happened"]):
        assert "Please write something about what happened, or attach a file." in page
        for field, value in typed.items():  # kept in the form, escaped
            assert str(escape(stored_form(value))) in page, field
        assert _report_ids(store) == before
        return
    assert CODENAME.search(page), page[-800:]
    (report_id,) = _report_ids(store) - before
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        data_key = report_key_for(advocates_key(instance, store), report, Group.ADVOCATES)
        account = decrypt_account(data_key, report)
    for field in ("what_happened", "when", "where", "contact_details"):
        assert (account[field] or "") == stored_form(typed[field]), field
    name = stored_form(typed["officers-1-name"])
    assert [officer["name"] for officer in account["officers"]] == ([name] if name else [])
