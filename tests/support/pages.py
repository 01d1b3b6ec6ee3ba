"""Driving the survivor's pages as a browser without JavaScript would."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

import config
from portal.core import submissions

CODENAME = re.compile(r'<p class="codename" lang="en">([a-z ]+)</p>')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/report") -> str:
    """The CSRF token a page's form carries, as a browser would send it back."""
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def form_tokens(client: FlaskClient, path: str = "/report") -> dict[str, str]:
    """The tokens a page's form carries (CSRF, and the submission token of a form
    that sends something), as a browser would send them back."""
    page = client.get(path).get_data(as_text=True)
    csrf = TOKEN.search(page)
    assert csrf, f"no CSRF token on {path}"
    submission = SUBMISSION.search(page)
    return {"csrf_token": csrf.group(1)} | (
        {"submission": submission.group(1)} if submission else {}
    )


def post_report(client: FlaskClient, fields: Mapping[str, Any]) -> Any:
    """Submit the report form (multipart, like the real page) and return the page
    it ends on (the codename page once sent, after its redirect)."""
    data = {**form_tokens(client), "consent_read": "y", **fields}
    return client.post(
        "/report", data=data, content_type="multipart/form-data", follow_redirects=True
    )


def submit(client: FlaskClient, **fields: Any) -> str:
    """Submit a report and return the codename shown once."""
    response = post_report(client, fields)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    match = CODENAME.search(response.get_data(as_text=True))
    assert match, "the codename page was not shown"
    return match.group(1)


def new_submission(instance_path: Path, purpose: submissions.Purpose = "report") -> Any:
    """A submission named by a new token, as a form of this kind would carry it."""
    secret = config.load(instance_path, environ={}).secret_key
    return submissions.check(secret, purpose, submissions.issue(secret, purpose))


def sign_in(client: FlaskClient, codename: str) -> Any:
    """Come back with a codename; returns the response to the POST."""
    token = csrf_token(client, "/return")
    return client.post("/return", data={"csrf_token": token, "codename": codename})


def add_note(client: FlaskClient, report_id: str, text: str) -> Any:
    """An advocate adds an internal note to a case, with the note button."""
    path = f"/advocate/case/{report_id}"
    token = csrf_token(client, path)
    return client.post(f"{path}/write", data={"csrf_token": token, "text": text, "note": "y"})


def send_reply(client: FlaskClient, report_id: str, text: str, status: str = "") -> Any:
    """An advocate replies to the survivor: the reply button, then "Send reply" on the check."""
    path = f"/advocate/case/{report_id}"
    token = csrf_token(client, path)
    checked = client.post(f"{path}/write", data={"csrf_token": token, "text": text, "reply": "y"})
    assert checked.status_code == 200, checked.status_code
    found = TOKEN.search(checked.get_data(as_text=True))
    assert found, "no CSRF token on the reply's check"
    token = found.group(1)
    data = {"csrf_token": token, "text": text, "status": status, "send": "y"}
    return client.post(f"{path}/reply", data=data)


def button_tokens(client: FlaskClient, action: str, path: str = "/return/report") -> dict[str, str]:
    """The tokens of the one form on a page that posts to `action` (a page with several)."""
    page = client.get(path).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{action}"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form, f"no form for {action}"
    csrf, submission = TOKEN.search(form.group(1)), SUBMISSION.search(form.group(1))
    assert csrf and submission
    return {"csrf_token": csrf.group(1), "submission": submission.group(1)}
