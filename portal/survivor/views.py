"""Survivor pages, served under /. Every form is plain HTML and works without JavaScript.

Every form that sends something is safe to repeat: it names its one submission
with a token (`core/submissions`), and each POST that sends ends in a redirect
(Post/Redirect/Get), so a reload, Back then Forward, or a double click shows
the same outcome again and sends nothing twice.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from portal.core import submissions
from portal.core import survivor_sessions as sessions
from portal.core.evidence import PreparedFile, prepare_files
from portal.core.survivor_sessions import SurvivorAccess
from portal.store.models import MessageKind
from portal.survivor import choices, service
from portal.survivor.forms import (
    AddForm,
    CodenameForm,
    ConsentForm,
    DeleteForm,
    EmptyForm,
    EscrowForm,
    ReportForm,
    SavedCodenameForm,
    consent_chosen,
)
from portal.survivor.report_page import blank_report_page, report_form_page
from portal.web import processes
from portal.web.database import db
from portal.web.security import Cookie, clear_cookie, read_cookie, set_cookie
from portal.web.settings import portal_config
from portal.web.throttle import (
    REPORTS_PER_CLIENT,
    REPORTS_WINDOW_SECONDS,
    SubmissionThrottle,
    Throttle,
)
from portal.web.uploads import sent_files

bp = Blueprint("survivor", __name__, template_folder="templates")
View = Callable[..., Any]
TOO_MANY_REPORTS = (
    "Too many reports have been sent from this connection in a short time, so this one "
    "has not been sent yet. Everything you typed is still below; please wait "
    f"{REPORTS_WINDOW_SECONDS // 60} minutes and send it again. Any files will need to be "
    "chosen again."
)


@bp.record_once
def _create_throttle(state: BlueprintSetupState) -> None:
    # Failed codenames: 10 per client per 15 minutes, 300 overall (see web/throttle.py).
    state.app.extensions["codename_throttle"] = Throttle.for_app(
        state.app, "codename", per_client=10, overall=300, window_seconds=15 * 60
    )
    state.app.extensions["report_throttle"] = SubmissionThrottle.for_app(
        state.app, "report", per_client=REPORTS_PER_CLIENT, window_seconds=REPORTS_WINDOW_SECONDS
    )


def _throttle() -> Throttle:
    throttle: Throttle = current_app.extensions["codename_throttle"]
    return throttle


def report_throttle() -> SubmissionThrottle:
    throttle: SubmissionThrottle = current_app.extensions["report_throttle"]
    return throttle


def _forget_session(response: Response) -> Response:
    """End the survivor's server-side session and remove its cookie."""
    sessions.end(db(), read_cookie(Cookie.SURVIVOR))
    clear_cookie(response, Cookie.SURVIVOR)
    return response


def _sent_report() -> submissions.Submission | None:
    """The report this browser just sent, named by the token in its cookie."""
    try:
        return submissions.check(portal_config().secret_key, "report", read_cookie(Cookie.SENT))
    except submissions.TokenRefused:
        return None


def _forget_receipt(response: Response) -> Response:
    """Erase what a just-sent report showed her, and the cookie that named it."""
    sent = _sent_report()
    if sent is not None:
        service.codename_saved(db(), sent)
    clear_cookie(response, Cookie.SENT)
    return response


def survivor_required(view: View) -> View:
    """Pass the signed-in survivor's access to the view, or send them to /return."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        access = sessions.resume(db(), read_cookie(Cookie.SURVIVOR))
        if access is None:
            return redirect(url_for("survivor.return_", expired=1))
        return view(access, *args, **kwargs)

    return wrapped


def _limit_mb() -> int:
    return portal_config().max_upload_bytes // (1024 * 1024)


def _prepared_files(form: ReportForm | AddForm) -> tuple[list[PreparedFile], list[str]]:
    """The form's files, cleaned, and the problems of those that cannot be attached."""
    return prepare_files(sent_files(form.files.data or []), form.keep_metadata.data, _limit_mb())


@bp.get("/")
def index() -> str:
    """The landing page: what the service is, who reads a report, what happens next."""
    return render_template("survivor/index.html")


@bp.get("/safety")
def safety() -> str:
    """Advice on using the service safely."""
    return render_template("survivor/safety.html")


@bp.get("/exit")
def exit_page() -> Response:
    """Leave at once for a neutral site, ending any session on the way."""
    session.clear()
    response = _forget_session(_forget_receipt(redirect(portal_config().exit_url, code=303)))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/report", methods=["GET", "POST"])
def report() -> Response | str | tuple[str, int]:
    """The report form; once sent, a redirect to the codename page."""
    if request.method == "GET":
        return blank_report_page(_limit_mb())
    form = ReportForm()
    if form.add_officer.data:  # redrawn with one more officer; nothing is sent
        return report_form_page(form, _limit_mb(), adding_officer=True)
    if not form.validate_on_submit():
        return report_form_page(form, _limit_mb())
    if service.was_sent(db(), form.submitted):  # checked first: a repeat is never throttled
        return _show_receipt(form)
    if not report_throttle().allowed(request.remote_addr):  # nothing is stored
        return report_form_page(form, _limit_mb(), [TOO_MANY_REPORTS]), 429
    files, problems = _prepared_files(form)
    if problems:
        return report_form_page(form, _limit_mb(), problems)
    try:
        service.submit_report(
            db(), portal_config().lookup_pepper, form.account(), consent_chosen(form), files,
            form.submitted, portal_config().escrow_key, in_danger=form.in_danger.data == "yes",
        )  # fmt: skip
    except service.AlreadySent:  # the same token, sent at the same instant
        return _show_receipt(form)
    report_throttle().sent(request.remote_addr)
    processes.new_activity()
    return _show_receipt(form)


def _show_receipt(form: ReportForm) -> Response:
    """Go to the page that shows what sending this form gave, naming it in a cookie."""
    response = redirect(url_for("survivor.sent"), code=303)
    set_cookie(response, Cookie.SENT, form.submission.data or "", submissions.RECEIPT_SECONDS)
    return response


@bp.get("/report/sent")
def sent() -> str:
    """The codename page of the report this browser just sent, or "already sent"."""
    return _codename_page(SavedCodenameForm())


def _codename_page(form: SavedCodenameForm) -> str:
    # Read from the row the token names, sealed under a key only the token derives.
    sent = _sent_report()
    receipt = None if sent is None else service.receipt(db(), sent)
    if receipt is None:
        return render_template("survivor/already_sent.html")
    return render_template("survivor/codename.html", receipt=receipt, form=form)


@bp.post("/report/saved")
def saved() -> Response | str:
    """The survivor confirms they saved the codename; then, what happens next."""
    form = SavedCodenameForm()
    if form.validate_on_submit():
        return _forget_receipt(redirect(url_for("survivor.next_steps"), code=303))
    return _codename_page(form)


@bp.get("/report/next")
def next_steps() -> str:
    """What happens after a report is sent."""
    return render_template("survivor/next.html")


@bp.route("/return", methods=["GET", "POST"], endpoint="return_")
def return_() -> Response | tuple[str, int] | str:
    """Enter a codename to come back to a report."""
    form = CodenameForm()
    expired = request.args.get("expired") == "1"
    if not form.validate_on_submit():
        return render_template("survivor/return.html", form=form, expired=expired)
    if not _throttle().client_allowed(request.remote_addr):
        return render_template("survivor/return.html", form=form, throttled=True), 429
    try:
        access = service.sign_in(db(), portal_config().lookup_pepper, form.codename.data or "")
    except service.UnknownCodename:
        # Behind Tor everyone shares one address: the overall limit only ever
        # refuses wrong codenames, so an attacker cannot lock survivors out.
        _throttle().failed(request.remote_addr)
        if not _throttle().overall_allowed():
            return render_template("survivor/return.html", form=form, throttled=True), 429
        return render_template("survivor/return.html", form=form, unknown=True), 200
    response = redirect(url_for("survivor.my_report"), code=303)
    set_cookie(response, Cookie.SURVIVOR, sessions.start(db(), access), sessions.ABSOLUTE_SECONDS)
    return response


@bp.get("/return/report")
@survivor_required
def my_report(access: SurvivorAccess) -> str:
    """The survivor's report: status, replies, what they sent, their choices."""
    return _report_page(access, AddForm())


def _report_page(access: SurvivorAccess, add_form: AddForm, problems: Sequence[str] = ()) -> str:
    return render_template(
        "survivor/my_report.html",
        view=service.view_report(db(), access),
        add_form=add_form,
        problems=problems,
        sign_out=EmptyForm(),
        keep=EmptyForm(),
        release=EscrowForm(),
        leave=EscrowForm(),
        kept_until=service.kept_until(db(), access, portal_config()),
        limit_mb=_limit_mb(),
    )


@bp.post("/return/add")
@survivor_required
def add(access: SurvivorAccess) -> Response | str:
    """Send a message, more information, or files."""
    form = AddForm()
    problems: list[str] = []
    if form.validate_on_submit():
        if service.was_sent(db(), form.submitted, access):  # before files are cleaned
            return redirect(url_for("survivor.my_report", sent=1), code=303)
        files, problems = _prepared_files(form)
        if not problems:
            text, kind = form.text.data or "", MessageKind(form.kind.data)
            # AlreadySent: the same token, sent at the same instant: added once.
            with contextlib.suppress(service.AlreadySent):
                service.add_to_report(db(), access, text, kind, files, form.submitted)
            processes.new_activity()
            return redirect(url_for("survivor.my_report", sent=1), code=303)
    return _report_page(access, form, problems)


@bp.post("/return/keep")
@survivor_required
def keep(access: SurvivorAccess) -> Response:
    """Keep the report for another retention period (CSRF is checked by the form)."""
    if EmptyForm().validate_on_submit():
        service.keep_longer(db(), access, portal_config())
        return redirect(url_for("survivor.my_report", kept=1), code=303)
    return redirect(url_for("survivor.my_report"), code=303)


@bp.route("/return/consent", methods=["GET", "POST"])
@survivor_required
def consent(access: SurvivorAccess) -> Response | str:
    """Change who may read and export the report."""
    form = ConsentForm()
    if form.validate_on_submit():
        with contextlib.suppress(service.AlreadySent):  # a repeat: saved once, as it says
            choices.change_consent(
                db(), access, consent_chosen(form), form.submitted, portal_config().escrow_key
            )
        return redirect(url_for("survivor.my_report", saved=1), code=303)
    current = service.view_report(db(), access).consent
    if request.method == "GET":
        form.show(current)
    return render_template("survivor/consent.html", form=form, waiting=current.wait_for_match)


@bp.post("/return/release")
@survivor_required
def release(access: SurvivorAccess) -> Response:
    """Send a report waiting for a match to the advocates now."""
    return _change_escrow(access, release=True)


@bp.post("/return/leave")
@survivor_required
def leave(access: SurvivorAccess) -> Response:
    """Stop waiting for a match: the report stays a record only the recovery key opens."""
    return _change_escrow(access, release=False)


def _change_escrow(access: SurvivorAccess, release: bool) -> Response:
    form = EscrowForm()
    if not form.validate_on_submit():
        return redirect(url_for("survivor.my_report", stale=1), code=303)
    with contextlib.suppress(service.AlreadySent):  # a repeat: done once, as it says
        choices.change_escrow(db(), access, release, form.submitted, portal_config().escrow_key)
    if release:
        processes.new_activity()
    return redirect(
        url_for("survivor.my_report", released=1 if release else None, left=None if release else 1),
        code=303,
    )


@bp.route("/return/delete", methods=["GET", "POST"])
def delete() -> Response | str:
    """Delete the report for good, after a confirmation; then the page saying it is gone.

    A repeat is answered before her session is asked for: the first ended it.
    """
    form = DeleteForm()
    confirmed = form.validate_on_submit()
    if confirmed and service.was_sent(db(), form.submitted):
        return _deleted()
    access = sessions.resume(db(), read_cookie(Cookie.SURVIVOR))
    if access is None:
        if confirmed and service.was_sent(db(), form.submitted):  # it ended her session
            return _deleted()
        return redirect(url_for("survivor.return_", expired=1))
    if not confirmed:
        return render_template("survivor/delete.html", form=form)
    with contextlib.suppress(service.AlreadySent):  # the same token at the same instant
        service.delete_report(db(), access, form.submitted)
    return _deleted()


def _deleted() -> Response:
    """The report is gone: say so (a reload asks for it again: GET /return/deleted)."""
    return _forget_session(redirect(url_for("survivor.deleted"), code=303))


@bp.get("/return/deleted")
def deleted() -> str:
    """The page saying a report was deleted (it names none)."""
    return render_template("survivor/deleted.html")


@bp.post("/return/sign-out")
def sign_out() -> Response:
    """End the survivor's session (CSRF is checked app-wide before this runs)."""
    return _forget_session(redirect(url_for("survivor.index"), code=303))


@bp.errorhandler(service.UnknownCodename)
def report_gone(_error: service.UnknownCodename) -> Response:
    """The report went (deleted or purged) while its session was open: start again."""
    return _forget_session(redirect(url_for("survivor.return_", expired=1), code=303))


@bp.errorhandler(CSRFError)
def form_expired(_error: CSRFError) -> tuple[str, int]:
    """A form whose token expired is shown again with everything typed, never lost."""
    notice = "Nothing has been sent yet. For your safety, please check and send again."
    if request.endpoint == "survivor.report":
        return report_form_page(ReportForm(), _limit_mb(), notice=notice), 400
    title = "This form has expired"
    detail = "For your safety, forms expire. Please go back, reload the page and try again."
    return render_template("error.html", title=title, detail=detail), 400
