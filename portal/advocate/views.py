"""Advocates' pages, under /advocate/."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from portal.advocate import matching, review, service
from portal.advocate.forms import (
    EmptyForm,
    FilterForm,
    GrantForm,
    ReplyForm,
    TriageForm,
    WriteForm,
    assignee_choices,
)
from portal.core import authentication, retention
from portal.core.principal import Principal
from portal.core.vocabulary import label
from portal.store.models import Group, Priority, ReportStatus, Role, today
from portal.web import processes
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.settings import portal_config
from portal.web.signin import add_sign_in

bp = Blueprint("advocate", __name__, url_prefix="/advocate", template_folder="templates")
add_sign_in(bp)
advocates_only = signed_in(Role.ADVOCATE)


@bp.context_processor
def _labels() -> dict[str, object]:
    """Stored values in words on every advocate page: `label("harm", value)`."""
    return {"label": label}


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
        sort=form.sort.data or "danger",
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
    summary = filters.summary(dict(service.assignable(db())))
    return render_template(
        "advocate/list.html",
        form=form,
        page=page,
        args=request.args,
        summary=summary,
        list_query=filters.query(),
    )


def _case_or_404(principal: Principal, report_id: str) -> service.Case | str:
    try:
        return service.open_case(db(), principal, report_id)
    except service.CaseNotFound:
        abort(404)
    except service.IntegrityFailure:
        return render_template("advocate/integrity.html")


def _case_page(principal: Principal, report_id: str, write: WriteForm) -> str:
    """The case page, with the note or reply being written kept in its box."""
    opened = _case_or_404(principal, report_id)
    if isinstance(opened, str):
        return opened
    priority = review.priority_shown(opened.report, opened.account.get("in_danger") == "yes")
    triage = TriageForm(
        formdata=None,
        status=opened.report.status.value,
        priority=priority.value,
        assignee=str(opened.report.assignee_id or ""),
        review_on=opened.report.review_on,
        keep_until=opened.report.keep_until,
        tags=", ".join(opened.tags),
    )
    triage.assignee.choices = assignee_choices(service.assignable(db()), "Nobody")
    filters = _filters(FilterForm(request.args))
    at = request.args.get("at", "")
    around = review.neighbours(
        db(), principal, filters, opened.id, int(at) if review.small_number(at) else None
    )
    return render_template(
        "advocate/case.html",
        case=opened,
        priority=priority,
        triage=triage,
        write=write,
        links=service.officer_links(db(), principal, opened.report, opened.account),
        matches=matching.matches_of(db(), opened.id),
        dispute=EmptyForm(formdata=None),
        kept_until=retention.delete_after(opened.report, portal_config()),
        around=around,
        list_query=filters.query(),
        per_page=review.PER_PAGE,
    )


@bp.get("/case/<report_id>")
@advocates_only
def case(principal: Principal, report_id: str) -> str:
    """One case: the account, officers and linked cases, files, thread, triage, consent, audit."""
    return _case_page(principal, report_id, WriteForm(formdata=None))


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
    query: dict[str, Any] = request.args.to_dict()
    return redirect(url_for("advocate.case", report_id=report_id, **query), code=303)


def _back_to_thread(report_id: str, done: str) -> Response:
    query: dict[str, Any] = {**request.args.to_dict(), "done": done}
    return redirect(
        url_for("advocate.case", report_id=report_id, _anchor="thread", **query), code=303
    )


@bp.post("/case/<report_id>/write")
@advocates_only
def write(principal: Principal, report_id: str) -> Response | str:
    """Add an internal note, or take a reply to the step that shows it before it goes."""
    form = WriteForm()
    if not form.validate_on_submit():
        return _case_page(principal, report_id, form)
    text = form.text.data or ""
    try:
        if form.reply.data:
            reference = service.reference(db(), principal, report_id)
            confirm = ReplyForm(formdata=None, text=text)
            return render_template(
                "advocate/reply.html",
                form=confirm,
                reference=reference,
                report_id=report_id,
                today=today(),
            )
        # Anything but the reply button is a note: only a deliberate act reaches her.
        service.add_note(db(), principal, report_id, text)
    except (service.CaseNotFound, service.IntegrityFailure):
        abort(404)
    return _back_to_thread(report_id, "noted")


@bp.post("/case/<report_id>/reply")
@advocates_only
def reply(principal: Principal, report_id: str) -> Response | str:
    """Send the reply as it was shown, or go back to change it with the text kept."""
    form = ReplyForm()
    if form.change.data or not form.validate_on_submit():
        write = WriteForm(formdata=None, text=form.text.data)
        if not form.change.data:
            write.validate()  # its message says what is wrong
        return _case_page(principal, report_id, write)
    try:
        service.reply(db(), principal, report_id, form.text.data or "", form.chosen_status())
    except (service.CaseNotFound, service.IntegrityFailure):
        abort(404)
    return _back_to_thread(report_id, "replied")


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
    # No Content-Length: a file sealed in her browser has details its sender wrote, and
    # the length is what decrypts (sent in chunks), not what they say.
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


@bp.get("/matching")
@advocates_only
def matching_page(principal: Principal) -> str:
    """Reports waiting for a match (a count), running the matching, and its members."""
    return _matching_page(principal)


def _matching_page(principal: Principal, error: str | None = None) -> str:
    return render_template(
        "advocate/matching.html",
        overview=matching.overview(db(), principal),
        run=EmptyForm(formdata=None),
        form=GrantForm(formdata=None),
        error=error,
    )


@bp.post("/matching/run")
@advocates_only
def run_matching(principal: Principal) -> Response:
    """Run the matching now, with this member's escrow keys."""
    if not EmptyForm().validate_on_submit() or not principal.holds(Group.ESCROW):
        abort(404)
    released = len(matching.run(db(), principal, portal_config().escrow_key).released)
    if released:
        processes.new_activity()
    return redirect(url_for("advocate.matching_page", released=released), code=303)


@bp.post("/matching/grant/<int:account_id>")
@advocates_only
def grant_matching(principal: Principal, account_id: int) -> Response | str:
    """Give another advocate the matching key, if their key still has the words compared."""
    form = GrantForm()
    if not form.validate_on_submit():
        abort(404)
    try:
        matching.give_key(db(), principal, account_id, form.fingerprint.data or "")
    except authentication.AccountError as problem:
        return _matching_page(principal, error=str(problem))
    return redirect(url_for("advocate.matching_page", granted=1), code=303)


@bp.post("/case/<report_id>/match/<match_id>/dispute")
@advocates_only
def dispute_match(principal: Principal, report_id: str, match_id: str) -> Response:
    """Record that a match's reports are not about the same officer."""
    if not EmptyForm().validate_on_submit():
        abort(404)
    try:
        matching.dispute(db(), principal, report_id, match_id)
    except matching.MatchNotFound:
        abort(404)
    return redirect(
        url_for("advocate.case", report_id=report_id, disputed=1) + "#matches-heading", code=303
    )
