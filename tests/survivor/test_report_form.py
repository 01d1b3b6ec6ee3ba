"""The report form is short: one officer at a time, sections she can skip, numbers she can call."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.store import Store
from portal.store.models import Attachment, Report
from portal.survivor.report_page import FILES_AGAIN
from tests.support.pages import form_tokens

ACCOUNT = "Two officers came; the second one laughed."


def _shown_officers(page: str) -> list[int]:
    blocks = re.findall(r'<fieldset class="field officer" id="officer-(\d)"( hidden)?>', page)
    assert len(blocks) == 3
    return [int(number) for number, hidden in blocks if not hidden]


def _add_officer(client: FlaskClient, **fields: str) -> str:
    """Press "Add another officer" with JavaScript off: sent without the files' contents."""
    data = {**form_tokens(client), "what_happened": ACCOUNT, "add_officer": "y", **fields}
    response = client.post("/report", data=data)  # url-encoded, as its formenctype says
    assert response.status_code == 200
    return response.get_data(as_text=True)


# The box listing problems, shown (the page also has a hidden one its script fills).
SHOWN_PROBLEM = re.compile(r'<div class="error-summary"(?![^>]*hidden)[^>]*>')


def test_the_blank_form_shows_one_officer_and_a_button_for_another(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert _shown_officers(page) == [1]
    assert 'name="add_officer"' in page and "formnovalidate" in page


def test_another_officer_is_added_without_javascript_keeping_everything_typed(
    client: FlaskClient, store: Store
) -> None:
    page = _add_officer(client, **{"officers-0-name": "PC Smith", "when": "last May"})
    assert _shown_officers(page) == [1, 2]
    assert ACCOUNT in page and "PC Smith" in page and "last May" in page
    assert not SHOWN_PROBLEM.search(page) and FILES_AGAIN not in page
    page = _add_officer(client, officers_shown="2")
    assert _shown_officers(page) == [1, 2, 3]
    assert 'name="add_officer"' not in page  # three is the most the form takes
    page = _add_officer(client, officers_shown="99")  # tampered: still three
    assert _shown_officers(page) == [1, 2, 3]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_an_officer_she_filled_in_stays_shown_when_the_form_comes_back(
    client: FlaskClient,
) -> None:
    data = {**form_tokens(client), "what_happened": "", "officers-2-name": "DS Jones"}
    page = client.post("/report", data=data, content_type="multipart/form-data").text
    assert "Please write something about what happened" in page
    assert _shown_officers(page) == [1, 2, 3] and "DS Jones" in page


def test_files_chosen_before_adding_an_officer_must_be_chosen_again_and_are_not_uploaded(
    client: FlaskClient, store: Store
) -> None:
    page = _add_officer(client, files="photo.jpg")  # only the name travels
    assert FILES_AGAIN in page
    assert "Please choose your files again" in page
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_every_section_after_what_happened_can_be_skipped_or_stays_closed(
    client: FlaskClient,
) -> None:
    page = client.get("/report").get_data(as_text=True)
    skips = re.findall(r'<p class="skip"><a href="#([\w-]+)">', page)
    assert skips == ["harm-heading", "before-heading", "files-heading", "consent-heading"]
    for target in skips:
        assert f'id="{target}"' in page
    # Telling someone before stays closed until she opens it, or has answered it.
    assert re.search(
        r'<details class="optional-section">\s*<summary><h2 id="before-heading">', page
    )
    data = {**form_tokens(client), "what_happened": "", "reported_before": "yes"}
    again = client.post("/report", data=data, content_type="multipart/form-data").text
    assert '<details class="optional-section" open>' in again


def test_every_helpline_number_on_survivor_pages_can_be_called(client: FlaskClient) -> None:
    for path in ("/", "/report", "/report/next"):
        page = client.get(path).get_data(as_text=True)
        numbers = re.findall(r"\b(?:0\d{3} ?\d{2,4} ?\d{2,4} ?\d{0,4}|999)\b", page)
        assert numbers, path
        for number in set(numbers):
            digits = number.replace(" ", "")
            assert f'href="tel:{digits}"' in page, (path, number)
