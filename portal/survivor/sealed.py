"""Reports sealed in the survivor's browser: what the report page gives its script,
and the address the script sends a sealed report to.

With JavaScript, the report page's script (js/seal, bundled in static/seal.js)
makes her codename, seals her account to the group keys the page carries, and
sends here only envelopes, her consent and her choice of when to send: the
server never has her words nor her codename (docs/browser-sealing.md). The
answer is JSON, and the page shows her codename itself. Her files come sealed
too (`portal/core/sealed_files.py`). A report that waits for a match carries
its data key sealed to each identifier's release key, which the page asks
/report/release-keys for first. Without JavaScript the form goes to /report as
before.
"""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import RadioField, StringField, ValidationError

from crypto import matching
from portal.core.escrow import RELEASE_NEEDS_OFFICER, release_public_keys
from portal.core.reports import reference_of
from portal.core.sealed_reports import (
    NOT_WHOLE,
    SealedReportRefused,
    parse_officers,
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
from portal.web.forms import sent_json_object
from portal.web.settings import portal_config
from portal.web.throttle import REPORTS_PER_CLIENT, REPORTS_WINDOW_SECONDS, SubmissionThrottle
from portal.web.uploads import sent_sealed_files

bp = Blueprint("sealed", __name__)

TOO_MANY = (
    "Too many reports have been sent from this connection in a short time, so this one "
    "has not been sent yet. Everything you typed is still here: please wait "
    f"{REPORTS_WINDOW_SECONDS // 60} minutes and send it again."
)
EXPIRED = "Nothing has been sent yet. For your safety, please check and send again."
ASKED_TOO_OFTEN = (
    "Too many reports have been prepared from this connection in a short time, so this one "
    "has not been sent yet. Everything you typed is still here: please wait "
    f"{REPORTS_WINDOW_SECONDS // 60} minutes and send it again."
)
RELEASE_NOT_CHOSEN = (
    "Please choose how many people, you included, must name the same officer before your "
    "report goes to the advocates."
)
# The longest request for release keys the page sends: a force, three officers' names
# and numbers (200 characters each, at most 4 bytes a character) and two tokens.
RELEASE_KEYS_MOST_BYTES = 16 * 1024


@bp.record_once
def _create_throttle(state: BlueprintSetupState) -> None:
    # Counted apart from reports, with their limits: a waiting report asks once per press.
    state.app.extensions["release_keys_throttle"] = SubmissionThrottle.for_app(
        state.app,
        "release keys",
        per_client=REPORTS_PER_CLIENT,
        window_seconds=REPORTS_WINDOW_SECONDS,
    )


def _release_keys_throttle() -> SubmissionThrottle:
    throttle: SubmissionThrottle = current_app.extensions["release_keys_throttle"]
    return throttle


class SealedReportForm(FlaskForm, ConsentChoices, OneSubmission):
    """What a report sealed in the browser sends in clear: her consent, when to send it,
    and the form's token; the sealed fields are read by `parse_sealed_report`."""

    PURPOSE = "report"
    submission = token_field("report")
    release = RadioField(choices=options(RELEASE_CHOICES), default="now")


class ReleaseKeysForm(FlaskForm, OneSubmission):
    """What the page sends to learn where a waiting report's data key is sealed: the
    form's token and her threshold; the officers are read by `parse_officers`."""

    PURPOSE = "report"
    submission = token_field("report")
    release = StringField()

    def validate_release(self, field: StringField) -> None:
        """Only a threshold the report form offers."""
        if field.data not in {str(t) for t in matching.THRESHOLDS}:
            raise ValidationError(RELEASE_NOT_CHOSEN)


def _sent_json() -> MultiDict[str, str] | None:
    """A short JSON object of strings, as the page sends; None for anything else."""
    sent = sent_json_object(RELEASE_KEYS_MOST_BYTES)
    if sent is None or not all(isinstance(v, str) for v in sent.values()):
        return None
    return MultiDict(sent)


def _refused(problem: str, status: int = 400, **more: str) -> tuple[Response, int]:
    return jsonify(problem=problem, **more), status


def _first_problem(form: SealedReportForm | ReleaseKeysForm) -> tuple[Response, int]:
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


@bp.post("/report/release-keys")
def release_keys() -> tuple[Response, int]:
    """The public key of each identifier her officers give, at her threshold, in order;
    nothing of what she sent is kept or logged."""
    sent = _sent_json()
    if sent is None:
        return _refused(NOT_WHOLE)
    form = ReleaseKeysForm(formdata=sent)
    if not form.validate():
        return _first_problem(form)
    if not _release_keys_throttle().allowed(request.remote_addr):
        return _refused(ASKED_TOO_OFTEN, 429)
    try:
        threshold, officers = int(form.release.data or ""), parse_officers(sent)
    except SealedReportRefused as refused:
        return _refused(refused.message)
    keys = release_public_keys(officers, threshold, portal_config().escrow_key)
    if not keys:
        return _refused(RELEASE_NEEDS_OFFICER)
    _release_keys_throttle().sent(request.remote_addr)
    return jsonify(keys=[base64.b64encode(key).decode() for key in keys]), 200
