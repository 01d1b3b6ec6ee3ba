"""Admins' pages, under /admin/: accounts and invitations. Admins never hold keys."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.admin import service
from portal.admin.forms import ButtonForm, InviteForm, JoinForm
from portal.core import invitations
from portal.core.accounts import Enrolment
from portal.core.authentication import AccountError
from portal.core.principal import Principal
from portal.store.models import Role
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.settings import portal_config
from portal.web.signin import add_sign_in, offered_passphrase

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
add_sign_in(bp)
admins_only = signed_in(Role.ADMIN)


@bp.get("/")
@admins_only
def index(principal: Principal) -> str:
    """Every account, with its state, and the invitation form."""
    everyone = service.overview(db())
    return render_template(
        "admin/index.html",
        accounts=everyone.accounts,
        waiting=everyone.waiting,
        invite=InviteForm(),
        button=ButtonForm(),
        me=principal,
    )


@bp.post("/invite")
@admins_only
def invite(principal: Principal) -> str | Response:
    """Create an invitation link, shown once."""
    form = InviteForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.index"), code=303)
    token = invitations.create(db(), Role(form.role.data), actor=principal.name)
    link = f"{portal_config().public_url}{url_for('admin.join', token=token)}"
    return render_template("admin/invited.html", link=link, role=form.role.data)


@bp.post("/accounts/<int:account_id>/<action>")
@admins_only
def change(principal: Principal, account_id: int, action: str) -> Response:
    """Disable, enable or remove an account (removal rotates its group's key)."""
    if not ButtonForm().validate_on_submit():
        abort(404)
    try:
        service.change_account(db(), principal, account_id, action)
    except service.NoSuchChange:
        abort(404)
    return redirect(url_for("admin.index"), code=303)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> str:
    """Create an account from an invitation: name, passphrase, then the TOTP enrolment."""
    invitation = invitations.find(db(), token)
    if invitation is None:
        abort(404)
    form = JoinForm()
    error = None
    if form.validate_on_submit():
        config = portal_config()
        try:
            enrolment = service.join(
                db(),
                invitation,
                form.name.data or "",
                form.passphrase.data or "",
                config.argon2,
                config.secrets_path,
            )
        except AccountError as problem:
            error = str(problem)
        else:
            return _enrolled(enrolment, invitation.role)
    suggestion = offered_passphrase(form.suggestion.data)
    return render_template(
        "admin/join.html", form=form, error=error, role=invitation.role, suggestion=suggestion
    )


def _enrolled(enrolment: Enrolment, role: Role) -> str:
    """The new account's TOTP enrolment and, for members of a group, its key's fingerprint."""
    svg = segno.make(enrolment.otpauth_uri).svg_inline(scale=5, title="TOTP code")
    # Trusted markup: segno draws only shapes, with our constant title.
    qr = Markup(svg)  # noqa: S704  # nosec B704
    fingerprint = service.enrolled_fingerprint(db(), enrolment, role)
    return render_template(
        "admin/enrolled.html", enrolment=enrolment, qr=qr, role=role, fingerprint=fingerprint
    )
