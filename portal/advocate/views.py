"""Advocates' pages, under /advocate/."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from portal.advocate import review, service
from portal.advocate.forms import (
    FilterForm,
    GrantForm,
    TriageForm,
    WriteForm,
    assignee_choices,
)
from portal.core import authentication, retention
from portal.core.principal import Principal
from portal.store.models import Group, Priority, ReportStatus, Role
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.settings import portal_config
from portal.web.signin import add_sign_in

bp = Blueprint("advocate", __name__, url_prefix="/advocate", template_folder="templates")
add_sign_in(bp)
advocates_only = signed_in(Role.ADVOCATE)


def _filters(form: FilterForm) -> review.Filters:
    page = request.args.get("page", "1")
    return review.Filters(
        status=form.status.data or "",
        priority=form.priority.data or "",
        assignee=form.assignee.data or "",
        force=form.force.data or "",
        harm=form.harm.data or "",
        danger=bool(form.danger.data),
        received_from=form.received_from.data,
        received_to=form.received_to.data,
        sort=form.sort.data or "received",
        page=int(page) if page.isdecimal() and page.isascii() and len(page) < 7 else 1,
    )


@bp.get("/")
@advocates_only
def index(principal: Principal) -> str:
    """The review list: filter, sort, page; only this page is decrypted."""
    form = FilterForm(request.args)
    choices = assignee_choices(service.assignable(db()), "Anyone")
    form.assignee.choices = [*choices, SelectChoice("none", "Nobody")]
    if not principal.holds(Group.ADVOCATES):
        return render_template("advocate/no_access.html")
    form.validate()  # only dates can fail; a bad date is shown as an error and ignored
    filters = _filters(form)
    page = review.review_list(db(), principal, filters)
    return render_template("advocate/list.html", form=form, page=page, args=request.args)


def _case_or_404(principal: Principal, report_id: str) -> service.Case | str:
    try:
        return service.open_case(db(), principal, report_id)
    except service.CaseNotFound:
        abort(404)
    except service.IntegrityFailure:
        return render_template("advocate/integrity.html")


@bp.get("/case/<report_id>")
@advocates_only
def case(principal: Principal, report_id: str) -> str:
    """One case: the account, officers and linked cases, files, thread, consent, audit."""
    opened = _case_or_404(principal, report_id)
    if isinstance(opened, str):
        return opened
    triage = TriageForm(
        status=opened.report.status.value,
        priority=opened.report.priority.value,
        assignee=str(opened.report.assignee_id or ""),
        review_on=opened.report.review_on,
        keep_until=opened.report.keep_until,
        tags=", ".join(opened.tags),
    )
    triage.assignee.choices = assignee_choices(service.assignable(db()), "Nobody")
    links = service.officer_links(db(), principal, opened.report, opened.account)
    return render_template(
        "advocate/case.html",
        case=opened,
        triage=triage,
        write=WriteForm(),
        links=links,
        kept_until=retention.delete_after(opened.report, portal_config()),
    )


@bp.post("/case/<report_id>/triage")
@advocates_only
def triage(principal: Principal, report_id: str) -> Response:
    """Save status, priority, assignee, review date, retention and tags."""
    form = TriageForm()
    form.assignee.choices = assignee_choices(service.assignable(db()), "Nobody")
    if form.validate_on_submit():
        try:
            service.update_triage(
                db(),
                principal,
                report_id,
                service.Triage(
                    status=ReportStatus(form.status.data),
                    priority=Priority(form.priority.data),
                    assignee_id=int(form.assignee.data) if form.assignee.data else None,
                    review_on=form.review_on.data,
                    tags=form.tag_list(),
                    keep_until=form.keep_until.data,
                ),
            )
        except (service.CaseNotFound, service.IntegrityFailure):
            abort(404)
    return redirect(url_for("advocate.case", report_id=report_id), code=303)


@bp.post("/case/<report_id>/write")
@advocates_only
def write(principal: Principal, report_id: str) -> Response | str:
    """Reply to the survivor or add an internal note."""
    form = WriteForm()
    if form.validate_on_submit():
        try:
            service.write(db(), principal, report_id, form.text.data or "", bool(form.note.data))
        except (service.CaseNotFound, service.IntegrityFailure):
            abort(404)
    return redirect(url_for("advocate.case", report_id=report_id, _anchor="thread"), code=303)


@bp.get("/case/<report_id>/file/<attachment_id>")
@advocates_only
def file(principal: Principal, report_id: str, attachment_id: str) -> Response:
    """Download an evidence file, decrypted as it streams, never rendered inline."""
    try:
        details, chunks = service.download(db(), principal, report_id, attachment_id)
    except (service.CaseNotFound, service.IntegrityFailure):
        abort(404)
    response = Response(chunks, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"evidence\"; filename*=UTF-8''{quote(details.name)}"
    )
    response.headers["Content-Length"] = str(details.size)
    return response


@bp.get("/members")
@advocates_only
def members(principal: Principal) -> str:
    """Advocates waiting to be given access to reports, each with their key's fingerprint."""
    return _members_page(principal)


def _members_page(principal: Principal, error: str | None = None) -> str:
    return render_template(
        "advocate/members.html",
        waiting=service.waiting_members(db()),
        form=GrantForm(formdata=None),
        can_grant=principal.holds(Group.ADVOCATES),
        error=error,
    )


@bp.post("/members/<int:account_id>/grant")
@advocates_only
def grant(principal: Principal, account_id: int) -> Response | str:
    """Give another advocate the advocates' keys, if their key still has the words compared."""
    form = GrantForm()
    if not form.validate_on_submit():
        abort(404)
    try:
        service.grant_keys(db(), principal, account_id, form.fingerprint.data or "")
    except service.MemberNotFound:
        abort(404)
    except authentication.AccountError as problem:
        return _members_page(principal, error=str(problem))
    return redirect(url_for("advocate.members", granted=1), code=303)
