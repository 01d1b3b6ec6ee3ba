"""The report form page, rendered once per process while it is blank.

Rendering the long report form through WTForms and Jinja costs several
milliseconds of CPU, most of a visit's cost during a surge of reports. A
blank form (a GET) is the same page for every visitor except for the CSRF
token, so it is rendered once and reused with each visitor's own token, and
no form object is even built for it. A form that comes back with what the
survivor typed, or with errors, is always rendered afresh by the view.
Nothing of any visitor is ever kept: only the blank page.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf

from portal.survivor.forms import ReportForm

_CACHE = "blank_report_form"


def blank_report_page(limit_mb: int) -> str:
    """The blank report form page, from the cache whenever it can be."""
    if current_app.jinja_env.auto_reload:
        return _render(ReportForm(), limit_mb)
    token: str = generate_csrf()  # this visitor's token, tied to their session as always
    pieces: dict[int, list[str]] = current_app.extensions.setdefault(_CACHE, {})
    if limit_mb not in pieces:
        page = _render(ReportForm(), limit_mb)
        if token not in page:
            return page
        # The page split around the token: joining with another token makes its page.
        pieces[limit_mb] = page.split(token)
    return token.join(pieces[limit_mb])


def _render(form: ReportForm, limit_mb: int) -> str:
    return render_template("survivor/report.html", form=form, limit_mb=limit_mb)
