"""Admins' pages, under /admin/: accounts and invitations. Admins never hold keys."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.admin.forms import ButtonForm, InviteForm, JoinForm
from portal.core import accounts, authentication, grants, invitations
from portal.core.principal import Principal
from portal.store.models import Account, Role
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
    everyone = db().query(Account).order_by(Account.role, Account.name).all()
    waiting = {
        a.id for role in (Role.ADVOCATE, Role.STAFF) for a in accounts.waiting_for_keys(db(), role)
    }
    return render_template(
        "admin/index.html",
        accounts=everyone,
        waiting=waiting,
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
    account = db().get(Account, account_id)
    if (
        account is None
        or not ButtonForm().validate_on_submit()
        or account.id == principal.account_id
    ):
        abort(404)
    if action == "disable":
        accounts.disable_account(db(), account, principal.name)
    elif action == "enable":
        accounts.disable_account(db(), account, principal.name, disabled=False)
    elif action == "remove":
        accounts.remove_account(db(), account, principal.name)
    else:
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
        try:
            enrolment = accounts.create_account(
                db(),
                form.name.data or "",
                invitation.role,
                form.passphrase.data or "",
                portal_config().argon2,
                portal_config().secrets_path,
                actor="invitation",
                invitation=invitation,
            )
        except authentication.AccountError as problem:
            db().rollback()
            error = str(problem)
        else:
            return _enrolled(enrolment, invitation.role)
    suggestion = offered_passphrase(form.suggestion.data)
    return render_template(
        "admin/join.html", form=form, error=error, role=invitation.role, suggestion=suggestion
    )


def _enrolled(enrolment: accounts.Enrolment, role: Role) -> str:
    """The new account's TOTP enrolment and, for members of a group, its key's fingerprint."""
    svg = segno.make(enrolment.otpauth_uri).svg_inline(scale=5, title="TOTP code")
    # Trusted markup: segno draws only shapes, with our constant title.
    qr = Markup(svg)  # noqa: S704  # nosec B704
    account = db().get(Account, enrolment.account_id)
    member = account is not None and role in grants.ROLE_GROUP
    fingerprint = grants.stored_fingerprint(account) if member and account else ""
    return render_template(
        "admin/enrolled.html", enrolment=enrolment, qr=qr, role=role, fingerprint=fingerprint
    )
