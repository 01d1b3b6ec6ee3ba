"""The report form page: rendered once per process while it is blank, and redrawn
with what she typed.

Rendering the long report form through WTForms and Jinja costs several
milliseconds of CPU, most of a visit's cost during a surge of reports. A
blank form (a GET) is the same page for every visitor except for the CSRF
token and the form's submission token, so it is rendered once and reused with
each visitor's own tokens, and no form object is even built for it after the first. A form
that comes back with what the survivor typed, or with errors, is always
rendered afresh. Nothing of any visitor is ever kept: only the blank page.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf

from portal.core import submissions
from portal.survivor.forms import ReportForm
from portal.web.settings import portal_config

_CACHE = "blank_report_form"
FILES_AGAIN = (
    "Please choose your files again: a browser cannot keep chosen files when the page "
    "is redrawn. Everything you typed is kept."
)


def blank_report_page(limit_mb: int) -> str:
    """The blank report form page, from the cache whenever it can be."""
    if current_app.jinja_env.auto_reload:
        return report_form_page(ReportForm(), limit_mb)
    csrf: str = generate_csrf()  # this visitor's token, tied to their session as always
    pieces: dict[int, list[list[str]]] = current_app.extensions.setdefault(_CACHE, {})
    if limit_mb not in pieces:
        form = ReportForm()  # with a new submission token
        page, submission = report_form_page(form, limit_mb), form.submission.data or ""
        if not submission or csrf not in page or submission not in page:
            return page
        # The page split around each token: joining with other tokens makes its page.
        pieces[limit_mb] = [part.split(submission) for part in page.split(csrf)]
        return page
    submission = submissions.issue(portal_config().secret_key, "report")
    return csrf.join(submission.join(part) for part in pieces[limit_mb])


def report_form_page(
    form: ReportForm,
    limit_mb: int,
    problems: Sequence[str] = (),
    notice: str | None = None,
    adding_officer: bool = False,
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
    )
