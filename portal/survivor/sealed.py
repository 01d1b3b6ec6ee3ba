"""Reports sealed in the survivor's browser: what the report page gives its script,
and the address the script sends a sealed report to.

With JavaScript, the report page's script (js/seal, bundled in static/seal.js)
makes her codename, seals her account to the group keys the page carries, and
sends here only envelopes, her consent and her choice of when to send: the
server never has her words nor her codename (docs/browser-sealing.md). The
answer is JSON, and the page shows her codename itself. Her files come sealed
too (`portal/core/sealed_files.py`). Without JavaScript, and for what the
browser does not seal yet (a report that waits for a match), the form goes to
/report as before.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.wrappers import Response
from wtforms import RadioField

from portal.core.reports import reference_of
from portal.core.sealed_reports import (
    SealedReportRefused,
    parse_sealed_report,
    store_sealed_report,
)
from portal.survivor import service
from portal.survivor.fields import options
from portal.survivor.forms import (
    RELEASE_CHOICES,
    ConsentChoices,
    OneSubmission,
    consent_chosen,
    token_field,
)
from portal.survivor.views import report_throttle
from portal.web import processes
from portal.web.database import db
from portal.web.settings import portal_config
from portal.web.throttle import REPORTS_WINDOW_SECONDS
from portal.web.uploads import sent_sealed_files

bp = Blueprint("sealed", __name__)

TOO_MANY = (
    "Too many reports have been sent from this connection in a short time, so this one "
    "has not been sent yet. Everything you typed is still here: please wait "
    f"{REPORTS_WINDOW_SECONDS // 60} minutes and send it again."
)
EXPIRED = "Nothing has been sent yet. For your safety, please check and send again."


class SealedReportForm(FlaskForm, ConsentChoices, OneSubmission):
    """What a report sealed in the browser sends in clear: her consent, when to send it,
    and the form's token; the sealed fields are read by `parse_sealed_report`."""

    PURPOSE = "report"
    submission = token_field("report")
    release = RadioField(choices=options(RELEASE_CHOICES), default="now")


def _refused(problem: str, status: int = 400, **more: str) -> tuple[Response, int]:
    return jsonify(problem=problem, **more), status


def _first_problem(form: SealedReportForm) -> tuple[Response, int]:
    """A form refused before anything was read: say why, with a new token if it was old."""
    messages = [m for ms in form.errors.values() for m in ms if isinstance(m, str)]
    if "submission" in form.errors:  # a new token came back with the message
        return _refused(messages[0], submission=form.submission.data or "")
    return _refused(messages[0] if messages else EXPIRED)


@bp.post("/report/sealed")
def report() -> tuple[Response, int]:
    """Store a report sealed in her browser; answer with its reference (also for a repeat)."""
    form = SealedReportForm()
    if not form.validate_on_submit():
        return _first_problem(form)
    answer = jsonify(reference=reference_of(form.submitted.report_id())), 200
    if service.was_sent(db(), form.submitted):  # checked first: a repeat is never throttled
        return answer
    if not report_throttle().allowed(request.remote_addr):  # nothing is stored
        return _refused(TOO_MANY, 429)
    try:
        store_sealed_report(
            db(), portal_config().lookup_pepper, parse_sealed_report(request.form),
            consent_chosen(form), form.submitted, sent_sealed_files(request),
            escrow_seed=portal_config().escrow_key,
        )  # fmt: skip
    except SealedReportRefused as refused:
        return _refused(refused.message)
    except service.AlreadySent:  # the same token, sent at the same instant
        return answer
    report_throttle().sent(request.remote_addr)
    processes.new_activity()
    return answer


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> tuple[Response, int]:
    """A session's form token expired: nothing was sent; the page may send again with this."""
    return _refused(EXPIRED, csrf_token=generate_csrf())
