"""The report form page: rendered once per process while it is blank, and redrawn
with what she typed.

Rendering the long report form through WTForms and Jinja costs several
milliseconds of CPU, most of a visit's cost during a surge of reports. A
blank form (a GET) is the same page for every visitor except for the CSRF
token and the form's submission token, so it is rendered once and reused with
each visitor's own tokens, and no form object is even built for it after the first. A form
that comes back with what the survivor typed, or with errors, is always
rendered afresh. Nothing of any visitor is ever kept: only the blank page, one
for each set of group keys its script seals to (they change when keys rotate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app, render_template, url_for
from flask_wtf.csrf import generate_csrf
from wtforms import Form
from wtforms.validators import Length

from portal.core import submissions
from portal.core.reports import STATISTICS_PADDED_SIZE
from portal.core.sealed_reports import page_keys
from portal.survivor.fields import OfficerForm
from portal.survivor.forms import (
    ACCOUNT_FIELDS,
    CONFIRM_SAVED,
    OFFICER_KEYS,
    OFFICER_ROWS,
    WRITE_SOMETHING,
    ReportForm,
)
from portal.web.database import db
from portal.web.settings import portal_config

_CACHE = "blank_report_form"
_KEPT_PAGES = 8
# What the page's script says in her words; the server's own, so both paths agree.
MESSAGES = {
    "problem": "There is a problem",
    "write_something": WRITE_SOMETHING,
    "confirm_saved": CONFIRM_SAVED,
    "sending": "Locking your report in this browser and sending it. Please wait.",
    "failed": (
        "Your report could not be sent: the connection failed. Nothing you typed is lost. "
        'Please check your connection and press "Send my report" again.'
    ),
    "leave": "Your codename is shown only once. Leave this page without saving it?",
}
FILES_AGAIN = (
    "Please choose your files again: a browser cannot keep chosen files when the page "
    "is redrawn. Everything you typed is kept."
)


def blank_report_page(limit_mb: int) -> str:
    """The blank report form page, from the cache whenever it can be."""
    sealing = sealing_data()
    if current_app.jinja_env.auto_reload:
        return report_form_page(ReportForm(), limit_mb, sealing=sealing)
    csrf: str = generate_csrf()  # this visitor's token, tied to their session as always
    pieces: dict[tuple[int, str], list[list[str]]] = current_app.extensions.setdefault(_CACHE, {})
    cached = (limit_mb, repr(sealing["keys"]))
    if cached not in pieces:
        form = ReportForm()  # with a new submission token
        page, submission = report_form_page(form, limit_mb, sealing=sealing), form.submission.data
        if not submission or csrf not in page or submission not in page:
            return page
        if len(pieces) > _KEPT_PAGES:  # keys rotated: the old pages are never served again
            pieces.clear()
        # The page split around each token: joining with other tokens makes its page.
        pieces[cached] = [part.split(submission) for part in page.split(csrf)]
        return page
    submission = submissions.issue(portal_config().secret_key, "report")
    return csrf.join(submission.join(part) for part in pieces[cached])


def report_form_page(
    form: ReportForm,
    limit_mb: int,
    problems: Sequence[str] = (),
    notice: str | None = None,
    adding_officer: bool = False,
    sealing: dict[str, Any] | None = None,
) -> str:
    """The report form with what she typed, and one more officer block if she asked."""
    if adding_officer and form.files_were_chosen():
        notice = FILES_AGAIN
    return render_template(
        "survivor/report.html",
        form=form,
        problems=problems,
        notice=notice,
        limit_mb=limit_mb,
        officers_shown=form.shown_officers(adding_officer),
        files_again=bool(problems) or notice == FILES_AGAIN,
        sealing=sealing or sealing_data(),
    )


def _limits(form_class: type[Form], names: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    """Each text box's longest and the message the server gives when it is longer."""
    limits = {}
    for name in names:
        for validator in getattr(form_class, name).kwargs.get("validators", ()):
            if isinstance(validator, Length):
                limits[prefix + name] = [validator.max, validator.message]
    return limits


def sealing_data() -> dict[str, Any]:
    """What the report page's script reads: the keys to seal to, the account's fields
    and the server's own limits and messages, so the two paths check alike."""
    limits = _limits(ReportForm, ACCOUNT_FIELDS)
    for row in range(OFFICER_ROWS):
        limits |= _limits(OfficerForm, OFFICER_KEYS, f"officers-{row}-")
    return {
        "keys": page_keys(db()),
        "send_to": url_for("survivor.sealed.report"),
        "release_keys_from": url_for("survivor.sealed.release_keys"),
        "next": url_for("survivor.next_steps"),
        "account_fields": ACCOUNT_FIELDS,
        "officer_fields": OFFICER_KEYS,
        "officer_rows": OFFICER_ROWS,
        "limits": limits,
        "statistics_size": STATISTICS_PADDED_SIZE,
        "max_upload_bytes": portal_config().max_upload_bytes,
        "messages": MESSAGES,
    }
